"""What the component stands on, above the pure core: adapters/ (DNS hosts, ledgers, resolver, verifier)
and resources/ (the Pulumi dynamic resources that drive them). Installed as `dms_component.providers`."""
