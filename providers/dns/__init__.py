"""DNS providers: one module per DNS host, each a DnsProvider (see base.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dms_component.core.nameservers import Nameserver
from providers.dns.base import DnsProvider, Plan


def dns_provider(settings: Mapping[str, Any], secret: str | None, reuse_reads: bool = False) -> DnsProvider:
    """Build the provider named by validated settings (see DnsTarget.settings); `secret` is its credential.

    `reuse_reads`: see DnsProvider; only for a process that lives for one Pulumi operation.
    """
    kind = settings["provider"]
    if kind == "rfc2136":
        from providers.dns.rfc2136 import Rfc2136Provider, TsigKey

        key = None
        if settings.get("tsig_key_file"):
            key = TsigKey.from_key_file(settings["tsig_key_file"])
        elif secret:
            key = TsigKey(settings["tsig_name"], settings["tsig_algorithm"], secret)
        return Rfc2136Provider(
            Nameserver.parse(settings["server"]),
            settings["zone"],
            key,
            ttl=int(settings["ttl"]),
            reuse_reads=reuse_reads,
        )
    if kind == "route53":
        from providers.dns.route53 import Route53Provider

        return Route53Provider(
            zone=settings["zone"],
            hosted_zone_id=settings.get("hosted_zone_id"),
            region=settings.get("region"),
            profile=settings.get("profile"),
            endpoint=settings.get("endpoint"),
            ttl=int(settings["ttl"]),
            reuse_reads=reuse_reads,
        )
    if kind == "dnspod":
        from providers.dns.dnspod import DnspodProvider

        return DnspodProvider(
            settings["zone"],
            endpoint=settings.get("endpoint"),
            secret_id=settings.get("secret_id"),
            secret_key=secret,  # None: the SDK's environment variables
            ttl=int(settings["ttl"]),
            reuse_reads=reuse_reads,
        )
    raise ValueError(f"unknown DNS provider {kind!r}")


__all__ = ["DnsProvider", "Plan", "dns_provider"]
