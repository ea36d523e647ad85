"""The DNS-provider seam: read what exists at our names, plan the change, apply it.

A provider owns only the record values it wrote. A plan adds and removes single values,
never whole record sets, so other records at the same name (another TXT, say) survive.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

from dms_component.core.records import RequiredRecord


@dataclass(frozen=True)
class Plan:
    adds: tuple[RequiredRecord, ...] = ()
    removes: tuple[RequiredRecord, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.adds and not self.removes

    def describe(self) -> list[str]:
        return [f"+ {r.host} {r.rtype} {r.rdata_text()}" for r in self.adds] + [
            f"- {r.host} {r.rtype} {r.rdata_text()}" for r in self.removes
        ]


def plan_change(
    owned: Sequence[RequiredRecord],
    desired: Sequence[RequiredRecord],
    present: Sequence[RequiredRecord],
    rewrite: bool = False,
) -> Plan:
    """Add what is desired and not present; remove what we owned, no longer want, and is present.

    With `rewrite` (a new TTL), every present value we own is removed and every desired one added.
    """
    want = set(desired)
    here = set(present)
    if rewrite:
        return Plan(adds=tuple(desired), removes=tuple(r for r in dict.fromkeys([*owned, *desired]) if r in here))
    return Plan(
        adds=tuple(r for r in desired if r not in here),
        removes=tuple(r for r in owned if r not in want and r in here),
    )


@dataclass
class DnsProvider(ABC):
    """One DNS host. Settings are plain data so the Pulumi provider can pickle them."""

    ttl: int = field(default=300, kw_only=True)

    @abstractmethod
    def present(self, records: Sequence[RequiredRecord]) -> list[RequiredRecord]:
        """Those of `records` whose exact value is published now."""

    @abstractmethod
    def apply(self, plan: Plan) -> None:
        """Carry out a plan in one atomic change where the host allows it."""

    def sync(self, owned: Sequence[RequiredRecord], desired: Sequence[RequiredRecord], rewrite: bool = False) -> Plan:
        """Make `desired` published and `owned - desired` gone; returns what was done."""
        plan = plan_change(owned, desired, self.present([*desired, *owned]), rewrite)
        if not plan.empty:
            self.apply(plan)
        return plan
