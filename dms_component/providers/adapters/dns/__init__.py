"""DNS hosts: one module per host, each with a DnsTarget (its settings) and a DnsHost (see base.py).

A host is registered by its module alone: every module here that defines TARGET (its DnsTarget subclass)
is one. Stack config, the Python API and the `dms` package's schema all take the hosts from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dms_component.providers.adapters.dns.base import DnsHost, DnsTarget, Plan
from dms_component.providers.adapters.settings import registered

TARGETS: Mapping[str, type[DnsTarget]] = registered(__name__, __path__, "TARGET")  # kind -> settings, loaded on use
HOSTS = tuple(TARGETS)


def target_class(kind: str) -> type[DnsTarget]:
    if kind not in TARGETS:
        raise ValueError(f"unknown DNS provider {kind!r}")
    return TARGETS[kind]


def dns_target(state: Mapping[str, Any], credential: str | None = None) -> DnsTarget:
    """The target kept in state (DnsTarget.state()), with its credential when it has one."""
    return target_class(state["provider"]).from_state(state, credential)


def dns_host(state: Mapping[str, Any], credential: str | None, reuse_reads: bool = False) -> DnsHost:
    """The adapter for a target kept in state; `credential` is its secret (a TSIG or API key), if any.

    `reuse_reads`: see DnsHost; only for a process that lives for one Pulumi operation.
    """
    return dns_target(state, credential).adapter(reuse_reads)


__all__ = ["HOSTS", "TARGETS", "DnsHost", "DnsTarget", "Plan", "dns_host", "dns_target", "target_class"]
