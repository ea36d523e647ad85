"""Thin adapters around the core: DNS providers, ledgers, the resolver, and the Pulumi dynamic providers."""
