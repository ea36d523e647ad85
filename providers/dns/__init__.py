"""DNS providers: one module per DNS host, each a DnsProvider (see base.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dms_component.core.nameservers import Nameserver
from providers.dns.base import DnsProvider, Plan, plan_change


def dns_provider(settings: Mapping[str, Any], tsig_secret: str | None) -> DnsProvider:
    """Build the provider named by validated settings (see DnsTarget.settings)."""
    kind = settings["provider"]
    if kind == "rfc2136":
        from providers.dns.rfc2136 import Rfc2136Provider, TsigKey

        key = None
        if settings.get("tsig_key_file"):
            key = TsigKey.from_key_file(settings["tsig_key_file"])
        elif tsig_secret:
            key = TsigKey(settings["tsig_name"], settings["tsig_algorithm"], tsig_secret)
        return Rfc2136Provider(Nameserver.parse(settings["server"]), settings["zone"], key, ttl=settings["ttl"])
    raise ValueError(f"unknown DNS provider {kind!r}")


__all__ = ["DnsProvider", "Plan", "dns_provider", "plan_change"]
