"""DKIM key rotation for keys we hold (sqlite, dynamodb ledgers): the key set and its steps (pure).

A domain's key set, in the style of Postmark's API: one **active** key (what mail is signed with), at most one
**pending** key (made and published, not yet verified on the public servers), and **retiring** keys (no longer
signing, kept published until `remove_after`). Each step happens at a `pulumi up` and is verified before the next:

1. start (by hand: a new `dkim_rotation` value; by age: the active key is older than `dkim_max_key_age_days`;
   by a new `dkim_key_bits`; by a new `dkim_selector`): a new key is made and published at a new selector,
   the active key stays;
2. promote: once the pending key's record verifies on the servers receivers ask (a message signed with it),
   it becomes active; the old active key becomes retiring, removable after the overlap (default 7 days);
3. remove: the first `up` after `remove_after` stops publishing the retiring key.

So at every moment the active key is published; a key is published before it becomes active; and it stays
published for the overlap after it stops being active (M3AAWG: rotate at least every six months, keep the
old selector published for at least a week).

Selectors: the first key's is the base (`dkim_selector`, default the profile's: `qcloud`); a rotation's is the
base again if it was never issued (a new `dkim_selector`), else `<base>-<yyyymm>` (the month the key was made),
or `<base>-<yyyymm>-<n>` (n from 2) when that one was already issued. A selector issued once is never issued
again for the domain, so none whose record may still be published is reused. Each lies within RFC 6376's selector rules
(DNS labels of 1-63 letters, digits, hyphens).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dms_component.core.errors import setting
from dms_component.core.records import RequiredRecord, dkim_host, dkim_value

ACTIVE, PENDING, RETIRING = "active", "pending", "retiring"
STATES = (ACTIVE, PENDING, RETIRING)
DEFAULT_OVERLAP_DAYS = 7
STATUS_MAX_AGE_DAYS = 180  # `dms status` warns past this age when no maximum is set (M3AAWG's six months)
# Why a rotation starts (stable words, shown in the preview and in the outputs).
REQUESTED, AGE, KEY_BITS, SELECTOR = "requested", "age", "key-bits", "selector"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 UTC time as this module writes it (or with an offset); None for None or ''."""
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Key:
    """One key pair's public side and where it is in its life. The private key is kept apart (a secret)."""

    selector: str
    public_key: str  # base64 DER, as in p=
    bits: int
    state: str  # ACTIVE, PENDING or RETIRING
    since: str | None  # when it entered this state (None: a key made before rotation existed, age unknown)
    created: str | None = None  # when it was made
    remove_after: str | None = None  # RETIRING: when its record may go

    def to_dict(self) -> dict[str, Any]:
        return {
            "selector": self.selector,
            "public_key": self.public_key,
            "bits": self.bits,
            "state": self.state,
            "since": self.since,
            "created": self.created,
            "remove_after": self.remove_after,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Key:
        return Key(
            selector=str(data["selector"]),
            public_key=str(data["public_key"]),
            bits=int(data["bits"]),
            state=str(data["state"]),
            since=data.get("since"),
            created=data.get("created"),
            remove_after=data.get("remove_after"),
        )


@dataclass(frozen=True)
class KeySet:
    keys: tuple[Key, ...]
    rotation: str | None = None  # the last `dkim_rotation` value acted on
    issued: tuple[str, ...] = ()  # every selector this domain was given: never issued twice
    base: str | None = None  # the `dkim_selector` the selectors were named from

    @property
    def active(self) -> Key:
        return next(k for k in self.keys if k.state == ACTIVE)

    @property
    def pending(self) -> Key | None:
        return next((k for k in self.keys if k.state == PENDING), None)

    @property
    def retiring(self) -> tuple[Key, ...]:
        return tuple(k for k in self.keys if k.state == RETIRING)

    def key(self, selector: str) -> Key | None:
        return next((k for k in self.keys if k.selector == selector), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "keys": [k.to_dict() for k in self.keys],
            "rotation": self.rotation,
            "issued": list(self.issued),
            "base": self.base,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> KeySet:
        keys = tuple(Key.from_dict(k) for k in data.get("keys") or [])
        issued = tuple(data.get("issued") or [k.selector for k in keys])
        return KeySet(keys, data.get("rotation"), issued, data.get("base"))

    def check(self) -> None:
        """The invariant every key set holds: one active key, at most one pending, distinct selectors."""
        states = [k.state for k in self.keys]
        if states.count(ACTIVE) != 1 or states.count(PENDING) > 1 or set(states) - set(STATES):
            raise ValueError(f"a key set needs one active key and at most one pending: {states}")
        if len({k.selector for k in self.keys}) != len(self.keys):
            raise ValueError("two keys share a selector")


def first(selector: str, public_key: str, bits: int, now: datetime | None, rotation: str | None = None) -> KeySet:
    """The key set of a domain's first key (at create), or of a key made before rotation existed (now None)."""
    when = iso(now) if now is not None else None
    return KeySet((Key(selector, public_key, bits, ACTIVE, when, when),), rotation, (selector,), selector)


@dataclass(frozen=True)
class Policy:
    """What the program asks: the inputs that start rotations and time them."""

    base_selector: str
    bits: int
    rotation: str | None = None
    max_age_days: int | None = None
    overlap_days: int = DEFAULT_OVERLAP_DAYS


def age_days(key: Key, now: datetime) -> float | None:
    """Days since the key was made (None: unknown, a key made before rotation existed)."""
    since = parse_time(key.created or key.since)
    return None if since is None else (now - since).total_seconds() / 86400


def start_reason(keys: KeySet, policy: Policy) -> str | None:
    """Why a rotation would start now, without the clock: by hand, or by a new key length; else None."""
    if policy.rotation is not None and policy.rotation != keys.rotation:
        return REQUESTED
    if keys.base is not None and policy.base_selector != keys.base:
        return SELECTOR
    wanted = keys.pending.bits if keys.pending else keys.active.bits
    return KEY_BITS if wanted != policy.bits else None


def due(keys: KeySet, policy: Policy, now: datetime) -> str | None:
    """Why a new key is due now (None: not due). One rotation at a time: while a key is pending, only a new
    request, length or selector (whose key replaces the pending one, which retires for the overlap) starts another.
    A key of unknown age (made before rotation existed) counts as too old once a maximum age is set."""
    reason = start_reason(keys, policy)
    if reason is not None or keys.pending is not None:
        return reason
    if policy.max_age_days is not None:
        age = age_days(keys.active, now)
        if age is None or age >= policy.max_age_days:
            return AGE
    return None


def next_selector(base: str, now: datetime, issued: Iterable[str]) -> str:
    """The base when never issued, else `<base>-<yyyymm>`, or `<base>-<yyyymm>-<n>` (n from 2) when that was
    issued too; each label at most 63 characters."""
    taken = set(issued)
    if base not in taken:
        return base
    month = now.astimezone(UTC).strftime("%Y%m")
    head, _, last = base.rpartition(".")
    n = 1
    while True:
        suffix = f"-{month}" if n == 1 else f"-{month}-{n}"
        label = last[: 63 - len(suffix)].rstrip("-") + suffix
        selector = f"{head}.{label}" if head else label
        if selector not in taken:
            return selector
        n += 1


def begin(keys: KeySet, selector: str, public_key: str, bits: int, now: datetime, policy: Policy) -> KeySet:
    """Step 1: the new key, pending (published, not signing). A pending key it replaces retires for the
    overlap, as an active one would: the outputs may have shown it active already (`as_shown`, once the
    verification found it verifying), so mail may be signed with it. Every other key stays as it is."""
    if selector in keys.issued:
        raise ValueError(f"selector {selector} was issued before")
    new = Key(selector, public_key, bits, PENDING, iso(now), iso(now))
    until = iso(now + timedelta(days=policy.overlap_days))
    kept = tuple(replace(k, state=RETIRING, since=iso(now), remove_after=until) if k.state == PENDING else k
                 for k in keys.keys)  # fmt: skip
    issued = (*keys.issued, selector)
    return replace(keys, keys=(*kept, new), rotation=policy.rotation, issued=issued, base=policy.base_selector)


def promote(keys: KeySet, selector: str, now: datetime, overlap_days: int) -> KeySet:
    """Step 2: the pending key (verified by the caller) becomes active; the active one retires, removable
    `overlap_days` after now."""
    pending = keys.pending
    if pending is None or pending.selector != selector:
        raise ValueError(f"{selector} is not the pending key")
    until = iso(now + timedelta(days=overlap_days))
    moved = []
    for k in keys.keys:
        if k.state == ACTIVE:
            moved.append(replace(k, state=RETIRING, since=iso(now), remove_after=until))
        elif k is pending:
            moved.append(replace(k, state=ACTIVE, since=iso(now)))
        else:
            moved.append(k)
    # The active key first: what reads one key (the records' first DKIM record) reads the active one.
    moved.sort(key=lambda k: STATES.index(k.state))
    return replace(keys, keys=tuple(moved))


def expired(key: Key, now: datetime) -> bool:
    limit = parse_time(key.remove_after)
    return key.state == RETIRING and limit is not None and now >= limit


def published(keys: KeySet, now: datetime) -> tuple[Key, ...]:
    """Step 3 as data: the keys whose records are published now. The active key first, then the pending, then
    the retiring ones until their `remove_after`."""
    kept = [k for k in keys.keys if not expired(k, now)]
    return tuple(sorted(kept, key=lambda k: STATES.index(k.state)))


def prune(keys: KeySet, now: datetime) -> KeySet:
    """The key set without the retiring keys whose overlap has passed (their records are no longer published)."""
    return replace(keys, keys=published(keys, now))


@dataclass(frozen=True)
class Step:
    """What the next `up` does to a domain's keys, as the preview says it."""

    start: str | None = None  # why a new key is made (REQUESTED, AGE, KEY_BITS), or None
    selector: str | None = None  # the new key's selector
    bits: int | None = None
    replaces_pending: str | None = None  # a pending key the new one replaces (it retires for the overlap)
    promote: str | None = None  # the pending key to activate, once verified
    remove: tuple[str, ...] = field(default_factory=tuple)  # retiring keys whose records go

    @property
    def empty(self) -> bool:
        return self.start is None and self.promote is None and not self.remove


def next_step(keys: KeySet, policy: Policy, now: datetime) -> Step:
    reason = due(keys, policy, now)
    pending = keys.pending
    remove = tuple(k.selector for k in keys.keys if expired(k, now))
    if reason is not None:
        selector = next_selector(policy.base_selector, now, keys.issued)
        return Step(reason, selector, policy.bits, pending.selector if pending else None, None, remove)
    return Step(promote=pending.selector if pending else None, remove=remove)


def advance(
    keys: KeySet,
    policy: Policy,
    now: datetime,
    make_key: Callable[[str, int], str],
    verified: Callable[[Key], bool],
) -> KeySet:
    """One `up`'s steps, in order: promote the pending key if `verified(key)` says its record verifies on the
    servers receivers ask (a key made in this same `up` is not published yet, so it is never promoted here);
    make a new pending key when one is due (`make_key(selector, bits)` returns its public key); drop the retiring keys
    whose overlap has passed."""
    pending = keys.pending
    if pending is not None and start_reason(keys, policy) is None and verified(pending):
        keys = promote(keys, pending.selector, now, policy.overlap_days)
    step = next_step(keys, policy, now)
    if step.start is not None and step.selector is not None and step.bits is not None:
        keys = begin(keys, step.selector, make_key(step.selector, step.bits), step.bits, now, policy)
    return prune(keys, now)


# -- what the component publishes and shows ----------------------------------------------------------------------

KEY_AGE = "dkim.key-age"  # the code of `dms status`'s warning about an old key


def key_record(domain: str, key: Key) -> RequiredRecord:
    """One key's DKIM record, at its selector."""
    return RequiredRecord("DKIM", dkim_host(domain, key.selector), "TXT", dkim_value(key.public_key))


def key_records(domain: str, keys: KeySet, now: datetime) -> list[RequiredRecord]:
    """The DKIM records of the keys published now, the active key's first."""
    return [key_record(domain, k) for k in published(keys, now)]


def with_keys(records: Sequence[RequiredRecord], domain: str, keys: KeySet, now: datetime) -> list[RequiredRecord]:
    """A domain's records with its one DKIM record replaced by every published key's record (active first)."""
    out: list[RequiredRecord] = []
    for record in records:
        out.extend(key_records(domain, keys, now) if record.item == "DKIM" else [record])
    return out


def active_only(records: Sequence[RequiredRecord]) -> list[RequiredRecord]:
    """What the domain's verification checks: the records with only the first (the active key's) DKIM record."""
    first_dkim = next((i for i, r in enumerate(records) if r.item == "DKIM"), None)
    return [r for i, r in enumerate(records) if r.item != "DKIM" or i == first_dkim]


def as_shown(keys: KeySet, verified: Iterable[str], now: datetime, overlap_days: int) -> KeySet:
    """The key set as the outputs show it in this `up`: a pending key the verification found served and verifying
    is active already (the identity makes it so in its state at the next `up`); removed keys are gone."""
    pending = keys.pending
    if pending is not None and pending.selector in set(verified):
        keys = promote(keys, pending.selector, now, overlap_days)
        # Active since its verification, in the `up` that made it (its age, for `dms status`, counts from then).
        moved = tuple(replace(k, since=pending.created or k.since) if k.state == ACTIVE else k for k in keys.keys)
        keys = replace(keys, keys=moved)
    return prune(keys, now)


def age_warning(domain: str, key: Key, now: datetime, max_age_days: int | None) -> str | None:
    """One line, with its code, when the active key is older than the maximum age (or 180 days when none is set).
    Its settings are references (core/errors.py `setting`) for the front end to word."""
    limit = max_age_days or STATUS_MAX_AGE_DAYS
    age = age_days(key, now)
    if age is None or age < limit:
        return None
    way = (
        "it rotates at the next `pulumi up`"
        if max_age_days
        else f"set {setting('dkim_rotation')} to a new value, or {setting('dkim_max_key_age_days')}"
    )
    return f"{domain}: DKIM key {key.selector} is {int(age)} days old, older than {limit} days: {way} [{KEY_AGE}]"
