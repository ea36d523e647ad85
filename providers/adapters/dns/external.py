"""Records published by another Pulumi provider's resources (Cloudflare, Azure DNS, Google Cloud DNS, ...).

SenderDomain computes the records and exposes them as outputs; the program hands them to that
provider's record resources and passes those to `SenderDomain.wait_for`. Nothing is written from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from dms_component.providers.adapters.dns.base import DnsTarget


@dataclass(frozen=True, kw_only=True)
class ExternalDns(DnsTarget):
    """`zone`: the zone the records go in (their names are given relative to it too); `ttl`: the TTL to use."""

    kind: ClassVar[str] = "external"
    writes_records: ClassVar[bool] = False


TARGET = ExternalDns
