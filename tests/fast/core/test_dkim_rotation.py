"""DKIM key rotation's key set and steps (core/dkim_rotation.py): unit cases, and properties over any sequence of
`up`s, requests, key lengths, clock moves and verification outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dms_component.core import dkim_rotation as rot
from dms_component.core.domain_names import normalise_selector

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _keys() -> rot.KeySet:
    return rot.first("qcloud", "PUB0", 2048, T0)


def _maker() -> tuple[list[int], object]:
    made: list[int] = []

    def make(_selector: str, bits: int) -> str:
        made.append(bits)
        return f"PUB{len(made)}"

    return made, make


def test_nothing_happens_without_a_reason() -> None:
    keys = _keys()
    made, make = _maker()
    later = rot.advance(keys, rot.Policy("qcloud", 2048), T0 + timedelta(days=400), make, lambda k: True)
    assert later == keys and made == []


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        (rot.Policy("qcloud", 2048, rotation="2026-12"), rot.REQUESTED),
        (rot.Policy("qcloud", 1024), rot.KEY_BITS),
        (rot.Policy("qcloud", 2048, max_age_days=30), rot.AGE),
        (rot.Policy("s2", 2048), rot.SELECTOR),
    ],
)
def test_each_way_to_start_makes_a_pending_key_beside_the_active(policy: rot.Policy, reason: str) -> None:
    now = T0 + timedelta(days=31)
    step = rot.next_step(_keys(), policy, now)
    assert step.start == reason
    made, make = _maker()
    keys = rot.advance(_keys(), policy, now, make, lambda k: True)
    assert made == [policy.bits]
    assert keys.active.selector == "qcloud" and keys.active.public_key == "PUB0"
    assert keys.pending is not None and keys.pending.bits == policy.bits
    assert keys.pending.selector == ("s2" if reason == rot.SELECTOR else "qcloud-202701")
    assert [k.selector for k in rot.published(keys, now)] == ["qcloud", keys.pending.selector]


def test_a_rotation_walks_pending_active_retiring_removed() -> None:
    policy = rot.Policy("qcloud", 2048, rotation="r1", overlap_days=7)
    _, make = _maker()
    keys = rot.advance(_keys(), policy, T0, make, lambda k: True)
    assert keys.pending is not None and keys.pending.selector == "qcloud-202612"
    # Not verified yet: nothing moves.
    assert rot.advance(keys, policy, T0 + timedelta(minutes=5), make, lambda k: False) == keys
    t1 = T0 + timedelta(minutes=10)
    keys = rot.advance(keys, policy, t1, make, lambda k: True)
    assert keys.active.selector == "qcloud-202612" and keys.active.since == rot.iso(t1)
    (old,) = keys.retiring
    assert old.selector == "qcloud" and old.remove_after == rot.iso(t1 + timedelta(days=7))
    assert [k.selector for k in rot.published(keys, t1 + timedelta(days=6, hours=23))] == ["qcloud-202612", "qcloud"]
    after = t1 + timedelta(days=7)
    assert rot.next_step(keys, policy, after).remove == ("qcloud",)
    assert [k.selector for k in rot.published(keys, after)] == ["qcloud-202612"]
    assert [k.selector for k in rot.advance(keys, policy, after, make, lambda k: True).keys] == ["qcloud-202612"]


def test_selectors_are_never_issued_twice_and_stay_valid() -> None:
    issued = ["qcloud", "qcloud-202612"]
    assert rot.next_selector("qcloud", T0, issued) == "qcloud-202612-2"
    assert rot.next_selector("qcloud", T0, [*issued, "qcloud-202612-2"]) == "qcloud-202612-3"
    long = "a" * 63
    chosen = rot.next_selector(f"mail.{long}", T0, [f"mail.{long}"])
    assert chosen.startswith("mail.") and chosen.endswith("-202612")
    assert normalise_selector(chosen, "k") == chosen


def test_a_new_request_or_length_while_pending_replaces_the_pending_key_only() -> None:
    _, make = _maker()
    keys = rot.advance(_keys(), rot.Policy("qcloud", 2048, rotation="r1"), T0, make, lambda k: True)
    keys = rot.advance(keys, rot.Policy("qcloud", 1024, rotation="r1"), T0, make, lambda k: True)
    assert keys.pending is not None and keys.pending.bits == 1024 and keys.pending.selector == "qcloud-202612-2"
    assert keys.active.public_key == "PUB0"
    (replaced,) = keys.retiring  # the replaced pending key retires for the overlap, as an active one would
    assert replaced.selector == "qcloud-202612" and replaced.remove_after == rot.iso(T0 + timedelta(days=7))


def test_a_key_the_outputs_showed_active_stays_published_when_a_new_request_replaces_it() -> None:
    """The outputs switch to a pending key in the `up` whose verification finds it verifying (as_shown); the
    identity records the switch only at the next `up`. A new request before then must not unpublish the key
    mail is being signed with."""
    policy = rot.Policy("qcloud", 2048, rotation="r1", overlap_days=7)
    _, make = _maker()
    keys = rot.advance(_keys(), policy, T0, make, lambda k: True)
    pending = keys.pending
    assert pending is not None
    assert rot.as_shown(keys, [pending.selector], T0, 7).active.selector == pending.selector  # what mail signs with
    t1 = T0 + timedelta(hours=1)
    keys = rot.advance(keys, rot.Policy("qcloud", 2048, rotation="r2", overlap_days=7), t1, make, lambda k: False)
    for moment in (t1, t1 + timedelta(days=6, hours=23)):
        assert pending.selector in {k.selector for k in rot.published(keys, moment)}
    assert pending.selector not in {k.selector for k in rot.published(keys, t1 + timedelta(days=7))}


def test_a_key_of_unknown_age_is_due_once_a_maximum_is_set() -> None:
    legacy = rot.first("qcloud", "PUB0", 2048, None)
    assert rot.due(legacy, rot.Policy("qcloud", 2048), T0) is None
    assert rot.due(legacy, rot.Policy("qcloud", 2048, max_age_days=180), T0) == rot.AGE
    assert rot.age_days(legacy.active, T0) is None


def test_the_key_set_round_trips_through_state() -> None:
    _, make = _maker()
    keys = rot.advance(_keys(), rot.Policy("qcloud", 2048, rotation="x"), T0, make, lambda k: True)
    assert rot.KeySet.from_dict(keys.to_dict()) == keys


# -- properties over any history -------------------------------------------------------------------------------

_ops = st.lists(
    st.one_of(
        st.tuples(st.just("wait"), st.floats(min_value=0, max_value=40)),  # days
        st.tuples(st.just("request"), st.text("abc", min_size=1, max_size=2)),
        st.tuples(st.just("bits"), st.sampled_from([1024, 2048])),
        st.tuples(st.just("max_age"), st.one_of(st.none(), st.integers(1, 60))),
        st.tuples(st.just("selector"), st.sampled_from(["qcloud", "s2"])),
        st.tuples(st.just("up"), st.booleans()),  # whether the pending key's record verifies now
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(_ops, st.integers(1, 10))
def test_the_active_key_is_always_published_before_and_after(ops: list[tuple[str, object]], overlap: int) -> None:
    """At no moment is the active key unpublished; a key is published before it is active; it stays published
    for the overlap after it stops being active; a selector is never given to two keys."""
    now = T0
    policy = rot.Policy("qcloud", 2048, overlap_days=overlap)
    keys = _keys()
    seen_published: dict[str, datetime] = {"qcloud": T0}  # selector -> first moment published
    stopped: dict[str, datetime] = {}  # selector -> when it stopped being active
    made, make = _maker()
    publics: dict[str, str] = {"qcloud": "PUB0"}

    def observe(at: datetime) -> None:
        shown = {k.selector for k in rot.published(keys, at)}
        assert keys.active.selector in shown
        for selector in shown:
            seen_published.setdefault(selector, at)
        for selector, when in stopped.items():
            if at < when + timedelta(days=overlap):
                assert selector in shown, f"{selector} removed before its overlap ended"

    for op, value in ops:
        if op == "wait":
            observe(now + timedelta(days=float(value)) - timedelta(seconds=1))
            now += timedelta(days=float(value))
        elif op == "request":
            policy = rot.Policy(policy.base_selector, policy.bits, str(value), policy.max_age_days, overlap)
        elif op == "bits":
            policy = rot.Policy(policy.base_selector, int(value), policy.rotation, policy.max_age_days, overlap)  # type: ignore[arg-type]
        elif op == "max_age":
            policy = rot.Policy(policy.base_selector, policy.bits, policy.rotation, value, overlap)  # type: ignore[arg-type]
        elif op == "selector":
            policy = rot.Policy(str(value), policy.bits, policy.rotation, policy.max_age_days, overlap)
        else:
            before = keys
            # A pending key verifies only if it was published (by an earlier up's records).
            keys = rot.advance(
                keys, policy, now, make, lambda k, ok=bool(value): ok and seen_published.get(k.selector) is not None
            )
            keys.check()
            if keys.active.selector != before.active.selector:
                assert before.active.selector not in stopped
                stopped[before.active.selector] = now
                was = before.key(keys.active.selector)
                assert was is not None and was.state == rot.PENDING, "activated without being pending"
                assert seen_published[was.selector] <= now, "activated before it was published"
            for k in keys.keys:
                assert publics.setdefault(k.selector, k.public_key) == k.public_key, "selector reused"
            observe(now)
    assert len(set(keys.issued)) == len(keys.issued)
    assert len(made) == len(keys.issued) - 1
