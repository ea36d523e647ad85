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
    """Write no records: publish the `records` output through any other DNS provider. Verification starts at
    once, so a domain whose records come later stays pending until the next `pulumi up`."""

    kind: ClassVar[str] = "external"
    writes_records: ClassVar[bool] = False

    zone: str | None = None
    """The zone the records go in; their names in `records` are relative to it."""
    ttl: int = 300
    """The TTL the `records` output carries (default 300)."""


TARGET = ExternalDns
