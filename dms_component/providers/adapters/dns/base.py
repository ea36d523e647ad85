"""The DNS-host seam (a DnsHost per host): read the record sets at our names, apply whole-set changes.

A DnsHost knows its host's API and nothing about ownership: what to change is planned by the
pure `dms_component.core.changes.plan_domain` from what `read` returned just before.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar, Self

from dms_component.core import validate
from dms_component.core.changes import HostType, Plan, RecordSet, RrsetChange, Spf, plan_domain, satisfied, to_read
from dms_component.core.errors import ChangeRefused
from dms_component.core.domain_names import normalise_domain
from dms_component.core.records import RequiredRecord
from dms_component.providers.adapters.settings import Settings


@dataclass
class DnsHost(ABC):
    """One DNS host's adapter. Settings are plain data so the Pulumi dynamic provider can pickle them."""

    label: ClassVar[str] = "the DNS host"  # how progress lines name it (e.g. while it serves a change)
    ttl: int = field(default=300, kw_only=True)
    # Inside Pulumi's provider process, which lives for one operation (preview, up, destroy): a provider
    # whose `apply` is compare-and-swap may base plans on what it already read in this operation.
    reuse_reads: bool = field(default=False, kw_only=True)

    @abstractmethod
    def read(self, keys: Sequence[HostType]) -> dict[HostType, RecordSet]:
        """Everything published at each (host, rtype), ours and others'; absent means no values."""

    @abstractmethod
    def apply(self, changes: Sequence[RrsetChange]) -> str | None:
        """Make each set hold `after` instead of `before`, in one atomic change where the host allows it.

        Fails, changing nothing, when a set no longer holds `before` (someone changed it since the read).
        Returns the host's name for the change if its servers serve it only later (see `wait_served`).
        """

    def wait_served(self, change: str) -> None:
        """Return once every server of the zone serves `change` (a name `apply` returned)."""
        return None  # a host whose `apply` returns no name serves a change once it is applied

    def before_sync(self, desired: Sequence[RequiredRecord]) -> None:
        """What a host does at our names before a change is planned there (DNSPod: its SPF type becomes TXT)."""
        return None

    def read_for_change(self, keys: Sequence[HostType]) -> dict[HostType, RecordSet]:
        """What a plan starts from. With `reuse_reads`, a host may answer from an earlier read in
        this operation: its `apply` then raises ChangeRefused if that read has gone stale."""
        return self.read(keys)

    def present(self, records: Sequence[RequiredRecord]) -> list[RequiredRecord]:
        """Those of `records` that are published now (an SPF record counts if it has our include)."""
        return satisfied(records, self.read(to_read(records)))

    def plan(
        self,
        owned: Sequence[RequiredRecord],
        desired: Sequence[RequiredRecord],
        spf: Spf | None = None,
        adopt: bool = False,
    ) -> Plan:
        existing = self.read_for_change(to_read([*desired, *owned]))
        return plan_domain(desired, owned, spf or Spf(), existing, self.ttl, adopt)

    def sync(
        self,
        owned: Sequence[RequiredRecord],
        desired: Sequence[RequiredRecord],
        spf: Spf | None = None,
        adopt: bool = False,
        accept: Callable[[Plan], None] = lambda _plan: None,
        settle: bool = True,
    ) -> Plan:
        """Publish `desired` and withdraw `owned - desired`; returns what was planned and done.

        `accept` sees each plan before it is applied and raises to stop it (e.g. on conflicts);
        without one, conflicting foreign records are left in place. `settle`: return only once the
        change is served; else the returned plan's `applied` names it for `wait_served`.
        """
        self.before_sync(desired)
        plan = self.plan(owned, desired, spf, adopt)
        accept(plan)
        if plan.empty:
            return plan
        try:
            applied = self.apply(plan.changes)
        except ChangeRefused:
            if not self.reuse_reads:
                raise
            # The plan may have come from an earlier read: plan once more from a fresh one.
            existing = self.read(to_read([*desired, *owned]))
            plan = plan_domain(desired, owned, spf or Spf(), existing, self.ttl, adopt)
            accept(plan)
            if plan.empty:
                return plan
            applied = self.apply(plan.changes)
        if settle and applied:
            self.wait_served(applied)
        return replace(plan, applied=applied)


@dataclass(frozen=True, kw_only=True)
class DnsTarget(Settings):
    """Where a sender domain's records go: one subclass per DNS host, defined in that host's module.

    A program builds one with plain values or `pulumi.Input`s (the fields' types are the resolved ones);
    once they are resolved, `validated` checks them (one ConfigError line naming the field).
    """

    kind_key: ClassVar[str] = "provider"
    inputs: ClassVar[bool] = True
    writes_records: ClassVar[bool] = True  # False: the records are handed to another Pulumi provider
    required: ClassVar[tuple[str, ...]] = ("zone",)

    zone: str | None = None
    """The zone the sender domain lies in, e.g. example.com."""
    ttl: int = 300
    """The records' TTL in seconds (default 300)."""

    def validated(self, name: validate.Namer) -> Self:
        """A copy with every value checked and normalised; raises ConfigError naming the field."""
        return replace(
            self,
            zone=normalise_domain(self.zone, name("zone")),
            ttl=validate.whole(self.ttl, name("ttl"), 1, 86400, " of seconds"),
        )

    def preflight(self, name: validate.Namer) -> None:
        """Checks that need the machine, not only the values (a key file is readable): run at preview."""
        return None

    def nameserver(self) -> str | None:
        """The server written to, when the host has one (the primary); else None."""
        return None

    def verified_at(self, override: Sequence[str] = ()) -> tuple[list[str], str | None]:
        """Where verification asks: the servers asked for every name, and the zone whose public NS set
        is asked too. `override` (verification.nameservers): exactly those. A host with a primary (RFC
        2136): the primary and the zone's NS set, which receivers ask (a hidden primary is not in it).
        Else none given: each name's NS set (Route53, DNSPod: the zone's servers are the host's)."""
        if override:
            return list(override), None
        primary = self.nameserver()
        return ([primary], self.zone) if primary else ([], None)

    def adapter(self, reuse_reads: bool = False) -> DnsHost:
        """The adapter that reads and writes this host's records (settings validated)."""
        raise NotImplementedError(f"{self.kind} writes no records")


__all__ = ["DnsHost", "DnsTarget", "HostType", "Plan", "RecordSet", "RrsetChange", "Spf"]
