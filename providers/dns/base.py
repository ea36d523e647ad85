"""The DNS-provider seam: read the record sets at our names, apply whole-set changes.

A provider knows its host's API and nothing about ownership: what to change is planned by the
pure `dms_component.core.changes.plan_domain` from what `read` returned just before.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

from dms_component.core.changes import Key, Plan, RecordSet, RrsetChange, Spf, keys_to_read, plan_domain, satisfied
from dms_component.core.records import RequiredRecord


@dataclass
class DnsProvider(ABC):
    """One DNS host. Settings are plain data so the Pulumi provider can pickle them."""

    ttl: int = field(default=300, kw_only=True)

    @abstractmethod
    def read(self, keys: Sequence[Key]) -> dict[Key, RecordSet]:
        """Everything published at each (host, rtype), ours and others'; absent means no values."""

    @abstractmethod
    def apply(self, changes: Sequence[RrsetChange]) -> None:
        """Make each set hold `after` instead of `before`, in one atomic change where the host allows it.

        Fails, changing nothing, when a set no longer holds `before` (someone changed it since the read).
        """

    def present(self, records: Sequence[RequiredRecord]) -> list[RequiredRecord]:
        """Those of `records` that are published now (an SPF record counts if it has our include)."""
        return satisfied(records, self.read(keys_to_read(records)))

    def plan(
        self,
        owned: Sequence[RequiredRecord],
        desired: Sequence[RequiredRecord],
        spf: Spf | None = None,
        adopt: bool = False,
    ) -> Plan:
        existing = self.read(keys_to_read([*desired, *owned]))
        return plan_domain(desired, owned, spf or Spf(), existing, self.ttl, adopt)

    def sync(
        self,
        owned: Sequence[RequiredRecord],
        desired: Sequence[RequiredRecord],
        spf: Spf | None = None,
        adopt: bool = False,
    ) -> Plan:
        """Publish `desired` and withdraw `owned - desired`; returns what was planned and done.

        Conflicting foreign records are left in place; call `plan` first to refuse them.
        """
        plan = self.plan(owned, desired, spf, adopt)
        if not plan.empty:
            self.apply(plan.changes)
        return plan


__all__ = ["DnsProvider", "Key", "Plan", "RecordSet", "RrsetChange", "Spf"]
