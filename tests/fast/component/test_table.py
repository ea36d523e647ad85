"""The console-style status table (dms_component/table.py)."""

from __future__ import annotations

from typing import Any

from dms_component.core.records import PROFILES, required_records
from dms_component.core.verdicts import Answer, judge
from dms_component.providers.adapters import dkim_keys
from dms_component.table import status_table

KEY = dkim_keys.generate(1024).public_b64  # the DKIM check wants a real RSA key


def verdict_dict(domain: str, mx: str = "5 mxbiz1.qq.com.", dmarc: str = "v=DMARC1; p=none") -> dict[str, Any]:
    required = required_records(domain, KEY, PROFILES["tencent-ses"])
    answers = {
        (domain, "TXT"): Answer(("v=spf1 include:qcloudmail.com ~all",)),
        (f"qcloud._domainkey.{domain}", "TXT"): Answer((f"v=DKIM1; k=rsa; p={KEY}",)),
        (f"_dmarc.{domain}", "TXT"): Answer((dmarc,)),
        (domain, "MX"): Answer((mx,)),
        # What the SPF include and the MX host lead to.
        ("qcloudmail.com", "TXT"): Answer(("v=spf1 ip4:192.0.2.0/24 -all",)),
        ("mxbiz1.qq.com", "A"): Answer(("192.0.2.25",)),
        ("mxbiz1.qq.com", "AAAA"): Answer(()),
    }
    return judge(domain, required, answers).to_dict()


def table_input() -> dict[str, dict[str, Any]]:
    good = verdict_dict("notify.example.com")
    bad = verdict_dict("news.example.com", mx="10 mx.example.net.", dmarc="v=DMARC1")
    return {
        "notify.example.com": {**good, "type": "triggered"},
        "news.example.com": {**bad, "type": "batch"},
    }


def test_header_lists_the_columns_in_order() -> None:
    header = status_table(table_input()).splitlines()[0]
    assert header.split() == ["DOMAIN", "TYPE", "STATUS", "SPF", "DKIM", "DMARC", "MX"]


def test_one_row_per_domain_sorted_with_marks() -> None:
    lines = status_table(table_input()).splitlines()

    news, notify = lines[1], lines[2]
    assert news.split() == ["news.example.com", "batch", "Pending", "verification", "ok", "ok", "FAIL", "FAIL"]
    assert notify.split() == ["notify.example.com", "triggered", "Verified", "ok", "ok", "ok", "ok"]
    assert sum(1 for line in lines if line.startswith(("news.example.com", "notify.example.com"))) == 2


def test_columns_are_aligned_and_lines_not_right_padded() -> None:
    lines = status_table(table_input()).splitlines()
    header, rows = lines[0], lines[1:3]

    for column in ("TYPE", "STATUS", "SPF", "DKIM", "DMARC", "MX"):
        start = header.index(column)
        for row in rows:
            assert row[start - 2 : start] == "  ", (column, row)
            assert row[start] != " ", (column, row)
    assert all(line == line.rstrip() for line in lines)


def test_reasons_listed_only_for_failing_items() -> None:
    lines = status_table(table_input()).splitlines()
    notes = lines[3:]

    assert notes == [
        "  news.example.com DMARC: the DMARC record at _dmarc.news.example.com needs v=DMARC1"
        " then a valid p= (none, quarantine or reject)",
        "  news.example.com MX: the MX records at news.example.com do not point to mxbiz1.qq.com.: add it",
    ]
    assert not any("notify.example.com" in n for n in notes)


def test_all_verified_has_no_notes() -> None:
    table = status_table({"notify.example.com": {**verdict_dict("notify.example.com"), "type": "triggered"}})
    assert len(table.splitlines()) == 2
    assert "FAIL" not in table


def test_domain_without_items_or_status_shows_dashes() -> None:
    lines = status_table({"new.example.com": {"type": "batch"}}).splitlines()
    assert lines[1].split() == ["new.example.com", "batch", "-", "-", "-", "-", "-"]
    assert len(lines) == 2


def test_empty_table_is_just_the_header() -> None:
    assert status_table({}) == "DOMAIN  TYPE  STATUS  SPF  DKIM  DMARC  MX"
