"""The DNS plan as DNSControl-style lines and as data (core/plan_view.py)."""

from __future__ import annotations

from dms_component.core.changes import CREATED, RecordSet, Spf, logical, plan_domain
from dms_component.core.plan_view import plan_dict, plan_lines, render_plan
from dms_component.core.records import PROFILES, required_records

DOMAIN = "notify.example.com"
DMARC = f"_dmarc.{DOMAIN}"


def desired(key: str = "", policy: str | None = None):
    return required_records(DOMAIN, key, PROFILES["tencent-ses"], dmarc_policy=policy)


def published(records) -> dict:
    return {(r.host, r.rtype): RecordSet(r.host, r.rtype, (logical(r),), 300) for r in records}


def render(want, owned, existing, spf: Spf | None = None, adopt=False) -> list[str]:
    plan = plan_domain(want, owned, spf or Spf(), existing, 300, adopt)
    return render_plan(DOMAIN, plan_lines(want, owned, plan))


def test_a_new_domain_with_an_existing_spf_record_merges_and_the_key_is_made_at_apply():
    existing = {(DOMAIN, "TXT"): RecordSet(DOMAIN, "TXT", ("v=spf1 a ~all", "site-verification=x"), 300)}

    assert render(desired(), [], existing) == [
        f"{DOMAIN}: 3 to create, 1 to merge",
        f'  ± MERGE    TXT   {DOMAIN} "v=spf1 a ~all" -> "v=spf1 a include:qcloudmail.com ~all"',
        f'  + CREATE   TXT   qcloud._domainkey.{DOMAIN} "v=DKIM1; k=rsa; p=<key made at apply>"',
        f'  + CREATE   TXT   {DMARC} "v=DMARC1; p=none"',
        f"  + CREATE   MX    {DOMAIN} 5 mxbiz1.qq.com.",
    ]


def test_the_real_key_shows_once_it_exists():
    lines = render(desired("MIIBkey"), [], {})

    assert f'  + CREATE   TXT   qcloud._domainkey.{DOMAIN} "v=DKIM1; k=rsa; p=MIIBkey"' in lines


def test_a_foreign_dmarc_record_is_a_conflict_or_with_adopt_a_replace():
    existing = {(DMARC, "TXT"): RecordSet(DMARC, "TXT", ("v=DMARC1; p=reject",), 300)}

    conflict = render(desired(), [], existing)
    assert conflict[0] == f"{DOMAIN}: 4 to create, 1 in conflict"
    assert (
        f'  ! CONFLICT TXT   {DMARC} "v=DMARC1; p=reject" (not written by this stack: remove it, or set adopt: true)'
        in (conflict)
    )
    adopted = render(desired(), [], existing, adopt=True)
    assert f'  ± REPLACE  TXT   {DMARC} "v=DMARC1; p=reject" -> "v=DMARC1; p=none"' in adopted


def test_nothing_to_do_is_one_line_and_a_changed_policy_is_a_modify():
    ours = desired("K")
    assert render(ours, ours, published(ours), Spf(CREATED)) == [f"{DOMAIN}: no DNS changes (4 records kept)"]

    lines = render(desired("K", "reject"), ours, published(ours), Spf(CREATED))
    assert lines[0] == f"{DOMAIN}: 1 to modify, 3 kept"
    assert f'  ± MODIFY   TXT   {DMARC} "v=DMARC1; p=none" -> "v=DMARC1; p=reject"' in lines
    assert f'  = KEEP     TXT   {DOMAIN} "v=spf1 include:qcloudmail.com ~all"' in lines


def test_giving_records_back_deletes_them():
    ours = desired("K")
    lines = render([], ours, published(ours), Spf(CREATED))

    assert lines[0] == f"{DOMAIN}: 4 to delete"
    assert f"  - DELETE   MX    {DOMAIN} 5 mxbiz1.qq.com." in lines


def test_the_plan_as_data():
    plan = plan_domain(desired(), [], Spf(), {}, 300)
    data = plan_dict(DOMAIN, plan_lines(desired(), [], plan))

    assert data["summary"] == f"{DOMAIN}: 4 to create"
    assert [r["action"] for r in data["records"]] == ["create"] * 4
    assert data["records"][1] == {
        "action": "create",
        "item": "DKIM",
        "host": f"qcloud._domainkey.{DOMAIN}",
        "type": "TXT",
        "before": [],
        "after": ["v=DKIM1; k=rsa; p=<key made at apply>"],
    }
