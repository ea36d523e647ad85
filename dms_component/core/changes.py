"""Plan the DNS change for one sender domain from what is published now (pure, no I/O).

A DNS provider reads the record sets at our names and applies whole-set changes; everything
about ownership lives here: which values are ours, which foreign records conflict, how an
existing SPF record takes our include and gives it back on destroy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dms_component.core import dmarc
from dms_component.core.records import RequiredRecord, mx_value
from dms_component.core.spf import first_include, has_include, is_spf, with_include, without_include
from dms_component.core.txt import Strings, split

HostType = tuple[str, str]  # (host, rtype)

CREATED, MERGED, FOUND = "created", "merged", "found"  # how we came to have the SPF record


@dataclass(frozen=True)
class RecordSet:
    """Everything published at one (host, rtype): ours and others'."""

    host: str
    rtype: str
    values: tuple[str, ...] = ()  # logical: TXT strings joined, MX "pref exchange." (core/records.py)
    ttl: int | None = None
    # TXT: each value's character-strings exactly as read, in the order of `values` (empty: unknown).
    # A console may split at 250 bytes or anywhere: compare-and-swap must name the record as it is.
    strings: tuple[Strings, ...] = ()

    def exact(self) -> tuple[tuple[str, Strings], ...]:
        """(value, its strings as read) for every value whose strings are known."""
        return tuple(zip(self.values, self.strings, strict=False)) if self.strings else ()


@dataclass(frozen=True)
class RrsetChange:
    """Make (host, rtype) hold `after` instead of `before` (an empty `after` deletes the set)."""

    host: str
    rtype: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    ttl: int
    before_ttl: int | None = None  # hosts such as Route53 delete a set only with its exact TTL
    # TXT: the strings to use for a value, as read (before, and foreign values kept) or as they were
    # before our merge (a restored SPF record); any other value is split at 255 bytes.
    exact: tuple[tuple[str, Strings], ...] = ()

    @property
    def key(self) -> HostType:
        return (self.host, self.rtype)

    def strings_for(self, values: Sequence[str]) -> list[Strings]:
        """The strings of each of `values` in turn: two records may join to the same value from
        different strings, so each known (value, strings) pair serves one of them."""
        pool = list(self.exact)
        out: list[Strings] = []
        for value in values:
            at = next((i for i, (known, _) in enumerate(pool) if known == value), None)
            out.append(pool.pop(at)[1] if at is not None else split(value))
        return out


@dataclass(frozen=True)
class Conflict:
    """An email record at one of our names that this stack did not write."""

    item: str
    host: str
    rtype: str
    value: str

    def describe(self) -> str:
        return f"{self.host} {self.rtype} {self.value!r} ({self.item})"

    @property
    def code(self) -> str:
        """Stable: `<item>.cname` for a CNAME at our name, `spf.multiple` for a second SPF record."""
        if self.rtype == "CNAME":
            return f"{self.item.lower()}.cname"
        return "spf.multiple" if self.item == "SPF" else "conflict.foreign-record"


@dataclass(frozen=True)
class Spf:
    """How this stack holds the domain's SPF record, so destroy can give it back."""

    mode: str | None = None  # CREATED, MERGED, FOUND or None (not yet)
    original: str | None = None  # the foreign value before our include was merged in
    original_strings: Strings | None = None  # its strings as they were, so destroy restores them exactly

    def to_dict(self) -> dict[str, Any]:
        strings = list(self.original_strings) if self.original_strings is not None else None
        return {"mode": self.mode, "original": self.original, "original_strings": strings}

    @staticmethod
    def from_dict(data: Mapping[str, Any] | None) -> Spf:
        data = data or {}
        strings = data.get("original_strings")
        return Spf(data.get("mode"), data.get("original"), tuple(strings) if strings is not None else None)


@dataclass(frozen=True)
class Plan:
    changes: tuple[RrsetChange, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    spf: Spf = field(default_factory=Spf)
    applied: str | None = None  # once applied: the DNS host's name for the change, to wait on until it is served
    # The values at each of our (host, type) once applied: what the verifier will find there.
    planned: tuple[tuple[HostType, tuple[str, ...]], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.changes


def logical(record: RequiredRecord) -> str:
    """A record's value as a provider reads it back."""
    return mx_value(record.preference or 0, record.value) if record.rtype == "MX" else record.value


def to_read(records: Sequence[RequiredRecord]) -> list[HostType]:
    """Our (host, type) pairs, plus CNAME at each host: a CNAME there would shadow our records."""
    keys: list[HostType] = [(r.host, r.rtype) for r in records]
    keys += [(r.host, "CNAME") for r in records]
    return list(dict.fromkeys(keys))


def _include_of(record: RequiredRecord) -> str:
    include = first_include(record.value)
    assert include is not None, "our SPF record always has the service's include"
    return include


def _email_kind(item: str, rtype: str, value: str) -> bool:
    """Is a value at one of our names an email record of the item we would write there?"""
    if rtype == "CNAME":
        return True
    if item == "DMARC":  # the verifier's definitions: a DMARC record, or one meant as one
        return dmarc.is_dmarc(value) or dmarc.near_miss(value) is not None
    return True  # every MX at the domain, every TXT at the DKIM selector name


def plan_domain(
    desired: Sequence[RequiredRecord],
    owned: Sequence[RequiredRecord],
    spf: Spf,
    existing: Mapping[HostType, RecordSet],
    ttl: int,
    adopt: bool = False,
) -> Plan:
    """The change that publishes `desired`, removes `owned - desired`, and leaves others' records alone.

    Foreign email records at our names are conflicts; with `adopt` they are replaced by ours.
    An existing single SPF record takes our include instead of gaining a second `v=spf1` record.
    """
    after: dict[HostType, list[str]] = {}
    conflicts: list[Conflict] = []
    new_spf = spf
    restored: dict[HostType, list[tuple[str, Strings]]] = {}  # values given back with their original strings

    def current(key: HostType) -> list[str]:
        if key not in after:
            after[key] = list(existing.get(key, RecordSet(*key)).values)
        return after[key]

    wanted = {logical(r) for r in desired}
    for record in owned:
        if record.item != "SPF" and logical(record) not in wanted:
            values = current((record.host, record.rtype))
            if logical(record) in values:
                values.remove(logical(record))

    for record in desired:
        key: HostType = (record.host, record.rtype)
        values = current(key)
        if record.item == "SPF":
            known = dict(existing.get(key, RecordSet(*key)).exact())
            new_spf = _plan_spf(record, owned, spf, values, conflicts, adopt, known)
            continue
        mine = {logical(r) for r in owned if (r.host, r.rtype) == key} | wanted
        for value in list(values):
            if value not in mine and _email_kind(record.item, record.rtype, value):
                if adopt:
                    values.remove(value)
                else:
                    conflicts.append(Conflict(record.item, record.host, record.rtype, value))
        if logical(record) not in values:
            values.append(logical(record))
        for cname in existing.get((record.host, "CNAME"), RecordSet(record.host, "CNAME")).values:
            if adopt:
                current((record.host, "CNAME")).clear()
            else:
                conflicts.append(Conflict(record.item, record.host, "CNAME", cname))

    if not any(r.item == "SPF" for r in desired):
        new_spf = _release_spf(owned, spf, current, restored)

    changes = []
    for key, values in after.items():
        before = existing.get(key, RecordSet(*key))
        ours_here = any((r.host, r.rtype) == key for r in desired) and bool(values)
        stale_ttl = ours_here and before.ttl is not None and before.ttl != ttl
        if tuple(values) != before.values or stale_ttl:
            exact = before.exact() + tuple(restored.get(key, ()))
            changes.append(RrsetChange(key[0], key[1], before.values, tuple(values), ttl, before.ttl, exact))
    planned = {}
    for record in desired:
        key = (record.host, record.rtype)
        planned[key] = tuple(after[key]) if key in after else existing.get(key, RecordSet(*key)).values
    return Plan(tuple(changes), tuple(dict.fromkeys(conflicts)), new_spf, planned=tuple(planned.items()))


def to_verify(desired: Sequence[RequiredRecord], plan: Plan) -> list[tuple[RequiredRecord, tuple[str, ...]]]:
    """The items whose records, once the plan is applied, are not just ours: a merged or found SPF
    record, foreign records left in place (existingEmailDns: warn/off). Each with the values there,
    for the verifier's own check at preview; an item that holds only our record passes by construction."""
    planned = dict(plan.planned)
    out = []
    for record in desired:
        values = planned.get((record.host, record.rtype), ())
        if record.item == "SPF":
            kind = [v for v in values if is_spf(v)]
        else:
            kind = [v for v in values if _email_kind(record.item, record.rtype, v)]
        if kind != [logical(record)]:
            out.append((record, values))
    return out


def _plan_spf(
    record: RequiredRecord,
    owned: Sequence[RequiredRecord],
    spf: Spf,
    values: list[str],
    conflicts: list[Conflict],
    adopt: bool,
    known: Mapping[str, Strings],
) -> Spf:
    include = _include_of(record)
    found = [v for v in values if is_spf(v)]
    ours = {logical(r) for r in owned if r.item == "SPF"} | {record.value}
    if len(found) > 1:
        foreign = [v for v in found if v not in ours]
        if adopt or not foreign:
            for v in found:
                values.remove(v)
            values.append(record.value)
            return Spf(CREATED)
        conflicts.extend(Conflict("SPF", record.host, "TXT", v) for v in foreign)
        return spf
    if not found:
        values.append(record.value)
        return Spf(CREATED)
    (value,) = found
    if spf.mode is not None and value in ours:
        return spf
    if value in ours and any(r.item == "SPF" for r in owned):
        return Spf(CREATED)  # ours from an earlier run
    if has_include(value, include):
        return spf if spf.mode is not None else Spf(FOUND)
    values[values.index(value)] = with_include(value, include)
    if spf.mode == MERGED:
        return spf
    return Spf(MERGED, value, known.get(value))


def _release_spf(
    owned: Sequence[RequiredRecord],
    spf: Spf,
    current: Callable[[HostType], list[str]],
    restored: dict[HostType, list[tuple[str, Strings]]],
) -> Spf:
    """Give the SPF record back: delete ours, restore a merged one, leave a found one alone."""
    if spf.mode == FOUND:
        return Spf()
    for record in owned:
        if record.item != "SPF":
            continue
        values = current((record.host, record.rtype))
        include = _include_of(record)
        for value in [v for v in values if is_spf(v) and has_include(v, include)]:
            if spf.mode != MERGED and value == record.value:
                values.remove(value)
            elif spf.mode == MERGED and spf.original and value == with_include(spf.original, include):
                values[values.index(value)] = spf.original
                if spf.original_strings is not None:
                    restored.setdefault((record.host, record.rtype), []).append((spf.original, spf.original_strings))
            else:  # someone edited it since: take out only our include
                values[values.index(value)] = without_include(value, include)
    return Spf()


def satisfied(desired: Sequence[RequiredRecord], existing: Mapping[HostType, RecordSet]) -> list[RequiredRecord]:
    """The desired records that are really published (an SPF record counts if it has our include)."""
    kept = []
    for record in desired:
        values = existing.get((record.host, record.rtype), RecordSet(record.host, record.rtype)).values
        if record.item == "SPF":
            found = [v for v in values if is_spf(v)]
            if len(found) == 1 and has_include(found[0], _include_of(record)):
                kept.append(record)
        elif logical(record) in values:
            kept.append(record)
    return kept
