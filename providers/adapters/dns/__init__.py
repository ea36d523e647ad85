"""DNS hosts: one module per host, each with a DnsTarget (its settings) and a DnsProvider (see base.py).

Adding a host means adding its module and its name to HOSTS.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from dms_component.providers.adapters.dns.base import DnsProvider, DnsTarget, Plan

HOSTS = ("rfc2136", "route53", "dnspod", "external")


def target_class(kind: str) -> type[DnsTarget]:
    if kind not in HOSTS:
        raise ValueError(f"unknown DNS provider {kind!r}")
    return importlib.import_module(f"dms_component.providers.adapters.dns.{kind}").TARGET


def dns_target(state: Mapping[str, Any], credential: str | None = None) -> DnsTarget:
    """The target kept in state (DnsTarget.state()), with its credential when it has one."""
    return target_class(state["provider"]).from_state(state, credential)


def dns_provider(state: Mapping[str, Any], credential: str | None, reuse_reads: bool = False) -> DnsProvider:
    """The provider for a target kept in state; `credential` is its secret (a TSIG or API key), if any.

    `reuse_reads`: see DnsProvider; only for a process that lives for one Pulumi operation.
    """
    return dns_target(state, credential).provider(reuse_reads)


__all__ = ["HOSTS", "DnsProvider", "DnsTarget", "Plan", "dns_provider", "dns_target", "target_class"]
