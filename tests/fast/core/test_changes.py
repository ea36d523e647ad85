"""The pure change planner: ownership, conflicts, adopt, SPF merge and restore, TTL drift."""

from __future__ import annotations

import pytest

from dms_component.core import spf
from dms_component.core.changes import (
    CREATED,
    FOUND,
    MERGED,
    RecordSet,
    Spf,
    is_spf,
    logical,
    plan_domain,
    satisfied,
    to_verify,
)
from dms_component.core.records import PROFILES, required_records

D = "notify.example.com"
OURS = required_records(D, "KEY", PROFILES["tencent-ses"])
SPF, DKIM, DMARC, MX = OURS
TTL = 300


def published(*sets: tuple[str, str, tuple[str, ...]], ttl: int = TTL) -> dict:
    return {(h, t): RecordSet(h, t, v, ttl) for h, t, v in sets}


def after(plan, host: str, rtype: str) -> tuple[str, ...] | None:
    return next((c.after for c in plan.changes if c.key == (host, rtype)), None)


def apply(existing: dict, plan) -> dict:
    """What the zone holds once the plan is applied (as a provider would)."""
    out = dict(existing)
    for c in plan.changes:
        assert out.get(c.key, RecordSet(*c.key)).values == c.before  # planned from what was read
        out[c.key] = RecordSet(c.host, c.rtype, c.after, c.ttl)
    return out


def test_empty_zone_gets_all_four_records_and_we_created_the_spf():
    plan = plan_domain(OURS, [], Spf(), {}, TTL)
    assert {c.key: c.after for c in plan.changes} == {
        (D, "TXT"): (SPF.value,),
        (DKIM.host, "TXT"): (DKIM.value,),
        (DMARC.host, "TXT"): (DMARC.value,),
        (D, "MX"): ("5 mxbiz1.qq.com.",),
    }
    assert all(c.before == () for c in plan.changes)
    assert plan.spf == Spf(CREATED) and plan.conflicts == ()


def test_applied_plan_is_satisfied_and_replanning_is_empty():
    zone = apply({}, plan_domain(OURS, [], Spf(), {}, TTL))
    assert satisfied(OURS, zone) == OURS
    again = plan_domain(OURS, OURS, Spf(CREATED), zone, TTL)
    assert again.empty and again.spf == Spf(CREATED)


def test_foreign_txt_values_at_our_names_are_kept():
    existing = published((D, "TXT", ("google-site-verification=x",)), (DMARC.host, "TXT", ("not-dmarc",)))
    plan = plan_domain(OURS, [], Spf(), existing, TTL)
    assert after(plan, D, "TXT") == ("google-site-verification=x", SPF.value)
    assert after(plan, DMARC.host, "TXT") == ("not-dmarc", DMARC.value)
    assert plan.conflicts == ()


@pytest.mark.parametrize(
    ("record", "foreign"),
    [(DMARC, "v=DMARC1; p=reject"), (DKIM, "v=DKIM1; k=rsa; p=OTHER"), (MX, "10 mx.other.example.")],
    ids=["dmarc", "dkim", "mx"],
)
def test_foreign_email_record_is_a_conflict_and_adopt_replaces_it(record, foreign):
    existing = published((record.host, record.rtype, (foreign,)))

    plan = plan_domain(OURS, [], Spf(), existing, TTL)
    assert [(c.item, c.value) for c in plan.conflicts] == [(record.item, foreign)]
    assert after(plan, record.host, record.rtype) == (foreign, logical(record))  # left in place

    adopted = plan_domain(OURS, [], Spf(), existing, TTL, adopt=True)
    assert adopted.conflicts == ()
    assert after(adopted, record.host, record.rtype) == (logical(record),)


def test_a_cname_at_our_name_is_a_conflict_and_adopt_removes_it():
    existing = published((DMARC.host, "CNAME", ("dmarc.vendor.example.",)))
    plan = plan_domain(OURS, [], Spf(), existing, TTL)
    assert [(c.rtype, c.value) for c in plan.conflicts] == [("CNAME", "dmarc.vendor.example.")]
    adopted = plan_domain(OURS, [], Spf(), existing, TTL, adopt=True)
    assert after(adopted, DMARC.host, "CNAME") == ()


def test_our_own_earlier_values_are_not_conflicts_and_old_ones_go():
    old = required_records(D, "OLDKEY", PROFILES["tencent-ses"], dmarc_policy="reject")
    zone = apply({}, plan_domain(old, [], Spf(), {}, TTL))
    plan = plan_domain(OURS, old, Spf(CREATED), zone, TTL)
    assert plan.conflicts == ()
    assert after(plan, DKIM.host, "TXT") == (DKIM.value,)
    assert after(plan, DMARC.host, "TXT") == (DMARC.value,)
    assert after(plan, D, "TXT") is None  # SPF unchanged


def test_existing_spf_is_merged_not_duplicated_and_restored_on_destroy():
    original = "v=spf1 include:_spf.google.com -all"
    existing = published((D, "TXT", (original, "other=1")))

    plan = plan_domain(OURS, [], Spf(), existing, TTL)
    merged = "v=spf1 include:_spf.google.com include:qcloudmail.com -all"
    assert after(plan, D, "TXT") == (merged, "other=1")
    assert plan.spf == Spf(MERGED, original)
    assert plan.conflicts == ()
    zone = apply(existing, plan)
    assert satisfied(OURS, zone) == OURS

    gone = plan_domain([], OURS, plan.spf, zone, TTL)
    assert after(gone, D, "TXT") == (original, "other=1")
    assert apply(zone, gone)[(D, "MX")].values == ()


def test_merged_spf_edited_since_loses_only_our_include_on_destroy():
    original = "v=spf1 mx ~all"
    edited = "v=spf1 mx include:qcloudmail.com include:new.example ~all"
    zone = published((D, "TXT", (edited,)))
    gone = plan_domain([], OURS, Spf(MERGED, original), zone, TTL)
    assert after(gone, D, "TXT") == ("v=spf1 mx include:new.example ~all",)


SPELLINGS = ["include:qcloudmail.com", "+include:qcloudmail.com", "include:QCloudMail.com.", "+INCLUDE:qcloudmail.COM."]


@pytest.mark.parametrize("ours", SPELLINGS)
def test_our_include_in_any_spelling_counts_and_goes_on_destroy(ours: str) -> None:
    """One definition of "the record includes the service": merge, the verifier and give-back agree on it."""
    value = f"v=spf1 mx {ours} ~all"
    assert spf.has_include(value, "qcloudmail.com")
    assert spf.with_include(value, "qcloudmail.com") == value
    assert spf.without_include(value, "qcloudmail.com") == "v=spf1 mx ~all"
    term, after_all = spf.find_include(spf.parse(value), "qcloudmail.com")
    assert term is not None and spf.authorises(term, "qcloudmail.com") and not after_all
    # Merged by us, then respelled by someone: destroy and retire still take our include out.
    zone = published((D, "TXT", (value.replace(" mx ", " mx a "),)))
    gone = plan_domain([], OURS, Spf(MERGED, "v=spf1 mx ~all"), zone, TTL)
    assert after(gone, D, "TXT") == ("v=spf1 mx a ~all",)


@pytest.mark.parametrize("theirs", ["~include:qcloudmail.com", "-include:qcloudmail.com", "include:qcloudmail.com.x"])
def test_an_include_that_does_not_authorise_the_service_is_not_ours(theirs: str) -> None:
    value = f"v=spf1 {theirs} ~all"
    assert not spf.has_include(value, "qcloudmail.com")
    assert spf.without_include(value, "qcloudmail.com") == value


def test_an_spf_record_exactly_like_ours_that_was_there_first_is_found_and_left_on_destroy():
    """Found by the property test: the same text as our record, but not written by this stack."""
    zone = published((D, "TXT", (SPF.value,)))
    plan = plan_domain(OURS, [], Spf(), zone, TTL)
    assert after(plan, D, "TXT") is None and plan.spf == Spf(FOUND)
    gone = plan_domain([], OURS, plan.spf, apply(zone, plan), TTL)
    assert after(gone, D, "TXT") is None


def test_spf_that_already_includes_ours_is_found_and_left_on_destroy():
    theirs = "v=spf1 include:QCLOUDMAIL.com ~all"
    zone = published((D, "TXT", (theirs,)))
    plan = plan_domain(OURS, [], Spf(), zone, TTL)
    assert after(plan, D, "TXT") is None and plan.spf == Spf(FOUND)
    gone = plan_domain([], OURS, plan.spf, zone, TTL)
    assert after(gone, D, "TXT") is None


def test_two_foreign_spf_records_conflict_and_adopt_leaves_one():
    zone = published((D, "TXT", ("v=spf1 a -all", "v=spf1 mx -all")))
    plan = plan_domain(OURS, [], Spf(), zone, TTL)
    assert [c.value for c in plan.conflicts] == ["v=spf1 a -all", "v=spf1 mx -all"]
    adopted = plan_domain(OURS, [], Spf(), zone, TTL, adopt=True)
    assert after(adopted, D, "TXT") == (SPF.value,)


def test_created_spf_is_deleted_on_destroy_but_not_a_foreign_txt():
    zone = apply(
        published((D, "TXT", ("keep=1",))), plan_domain(OURS, [], Spf(), published((D, "TXT", ("keep=1",))), TTL)
    )
    gone = plan_domain([], OURS, Spf(CREATED), zone, TTL)
    assert after(gone, D, "TXT") == ("keep=1",)


def test_a_stale_ttl_rewrites_only_our_sets():
    zone = apply({}, plan_domain(OURS, [], Spf(), {}, TTL))
    plan = plan_domain(OURS, OURS, Spf(CREATED), zone, 3600)
    assert {c.key for c in plan.changes} == {(r.host, r.rtype) for r in OURS}
    assert all(c.before == c.after and c.ttl == 3600 and c.before_ttl == TTL for c in plan.changes)


def test_drift_is_repaired():
    zone = apply({}, plan_domain(OURS, [], Spf(), {}, TTL))
    del zone[(DMARC.host, "TXT")]
    assert satisfied(OURS, zone) == [SPF, DKIM, MX]
    plan = plan_domain(OURS, OURS, Spf(CREATED), zone, TTL)
    assert [c.key for c in plan.changes] == [(DMARC.host, "TXT")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("v=spf1 -all", True), ("V=SPF1 mx", True), ("v=spf1", True), ("v=spf10 mx", False), ("spf1", False)],
)
def test_is_spf(value, expected):
    assert is_spf(value) is expected


def test_merge_include_goes_before_all_or_redirect_and_is_idempotent():
    assert spf.with_include("v=spf1 mx ?all", "q.com") == "v=spf1 mx include:q.com ?all"
    assert spf.with_include("v=spf1 redirect=_spf.x", "q.com") == "v=spf1 include:q.com redirect=_spf.x"
    assert spf.with_include("v=spf1 mx", "q.com") == "v=spf1 mx include:q.com"
    assert spf.with_include("v=spf1 include:Q.com -all", "q.com") == "v=spf1 include:Q.com -all"
    assert not spf.has_include("v=spf1 include:q.com.evil.example -all", "q.com")
    assert spf.without_include(spf.with_include("v=spf1 mx -all", "q.com"), "q.com") == "v=spf1 mx -all"


def test_a_change_names_the_records_in_the_strings_read_and_restores_them():
    original = "v=spf1 ip4:192.0.2.1 ~all"
    split = ("v=spf1 ip4:", "192.0.2.1 ~all")  # a console's split, not ours
    site = ("google-site-verification=", "abc")
    zone = {(D, "TXT"): RecordSet(D, "TXT", (original, "".join(site)), TTL, (split, site))}

    plan = plan_domain(OURS, [], Spf(), zone, TTL)
    [change] = [c for c in plan.changes if c.key == (D, "TXT")]

    assert change.strings_for(change.before) == [split, site]  # compare-and-swap on what is there
    merged = "v=spf1 ip4:192.0.2.1 include:qcloudmail.com ~all"
    assert change.after == (merged, "".join(site))
    assert change.strings_for(change.after) == [(merged,), site]  # ours at 255 bytes, theirs untouched
    assert plan.spf == Spf(MERGED, original, split)
    assert Spf.from_dict(plan.spf.to_dict()) == plan.spf

    back = plan_domain([], OURS, plan.spf, {(D, "TXT"): RecordSet(D, "TXT", change.after, TTL)}, TTL)
    [restore] = back.changes
    assert restore.after == (original, "".join(site)) and restore.strings_for([original]) == [split]


def test_records_that_join_to_one_value_keep_their_own_strings():
    zone = {(D, "TXT"): RecordSet(D, "TXT", ("ab", "ab"), TTL, (("a", "b"), ("ab",)))}
    plan = plan_domain(OURS, [], Spf(), zone, TTL)
    [change] = [c for c in plan.changes if c.key == (D, "TXT")]
    assert sorted(change.strings_for(change.before)) == [("a", "b"), ("ab",)]


def test_to_verify_lists_only_items_left_with_more_than_our_record():
    zone = published((D, "TXT", ("v=spf1 mx -all", "site=1")), (DMARC.host, "TXT", ("unrelated",)))
    plan = plan_domain(OURS, [], Spf(), zone, TTL)
    assert [(r.item, v) for r, v in to_verify(OURS, plan)] == [
        ("SPF", ("v=spf1 mx include:qcloudmail.com -all", "site=1"))
    ]
    assert to_verify(OURS, plan_domain(OURS, [], Spf(), {}, TTL)) == []


@pytest.mark.parametrize(
    ("sets", "code"),
    [
        ([(DMARC.host, "TXT", ("v=DMARC1; p=reject",))], "conflict.foreign-record"),
        ([(D, "MX", ("10 mx.example.net.",))], "conflict.foreign-record"),
        ([(DMARC.host, "CNAME", ("dmarc.example.net.",))], "dmarc.cname"),
        ([(DKIM.host, "CNAME", ("k.example.net.",))], "dkim.cname"),
        ([(D, "TXT", ("v=spf1 -all", "v=spf1 mx -all"))], "spf.multiple"),
    ],
)
def test_conflicts_carry_a_code(sets, code):
    plan = plan_domain(OURS, [], Spf(), published(*sets), TTL)
    assert {c.code for c in plan.conflicts} == {code}


def test_is_spf_is_the_verifiers_definition():
    assert is_spf is spf.is_spf
    assert not is_spf(" v=spf1 -all")  # RFC 7208 4.5: the record begins with the version


@pytest.mark.parametrize(
    "value",
    [
        "v=spf1 include:QCloudMail.com -all",
        "v=spf1 +include:qcloudmail.com -all",
        "v=spf1 include:qcloudmail.com. -all",
    ],
)
def test_the_include_is_found_as_the_verifier_reads_it_and_not_added_twice(value):
    assert spf.has_include(value, "qcloudmail.com")
    assert spf.with_include(value, "qcloudmail.com") == value
    assert not spf.has_include("v=spf1 ~include:qcloudmail.com -all", "qcloudmail.com")  # does not pass
