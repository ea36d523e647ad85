"""judge() and judge_item() on hand-made answers (dms_component/core/verdicts.py)."""

from __future__ import annotations

import pytest

from dms_component.core.records import PROFILES, RequiredRecord, required_records
from dms_component.core.verdicts import PENDING, VERIFIED, Answer, DomainVerdict, ItemResult, judge, judge_item

DOMAIN = "notify.example.com"
KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwx4YkZ1pQIDAQAB"
SPF, DKIM, DMARC, MX = required_records(DOMAIN, KEY, PROFILES["tencent-ses"])
DKIM_HOST = f"qcloud._domainkey.{DOMAIN}"
DMARC_HOST = f"_dmarc.{DOMAIN}"
GOOD_SPF = "v=spf1 include:qcloudmail.com ~all"
GOOD_DKIM = f"v=DKIM1; k=rsa; p={KEY}"
GOOD_DMARC = "v=DMARC1; p=none"
GOOD_MX = "5 mxbiz1.qq.com."


def good_answers() -> dict[tuple[str, str], Answer]:
    return {
        (DOMAIN, "TXT"): Answer((GOOD_SPF,)),
        (DKIM_HOST, "TXT"): Answer((GOOD_DKIM,)),
        (DMARC_HOST, "TXT"): Answer((GOOD_DMARC,)),
        (DOMAIN, "MX"): Answer((GOOD_MX,)),
    }


def check(record: RequiredRecord, *values: str) -> ItemResult:
    return judge_item(record, Answer(tuple(values)))


def test_all_four_pass_gives_verified() -> None:
    verdict = judge(DOMAIN, [SPF, DKIM, DMARC, MX], good_answers())

    assert verdict.status == VERIFIED == "Verified"
    assert [i.item for i in verdict.items] == ["SPF", "DKIM", "DMARC", "MX"]
    assert all(i.ok for i in verdict.items)
    assert [i.host for i in verdict.items] == [DOMAIN, DKIM_HOST, DMARC_HOST, DOMAIN]


@pytest.mark.parametrize("key", [(DOMAIN, "TXT"), (DKIM_HOST, "TXT"), (DMARC_HOST, "TXT"), (DOMAIN, "MX")])
def test_one_missing_answer_keeps_the_domain_pending(key: tuple[str, str]) -> None:
    answers = good_answers()
    del answers[key]

    verdict = judge(DOMAIN, [SPF, DKIM, DMARC, MX], answers)

    assert verdict.status == PENDING == "Pending verification"
    assert [i.ok for i in verdict.items].count(False) == 1
    failed = next(i for i in verdict.items if not i.ok)
    assert (failed.host, failed.current) == (key[0], ())


def test_no_items_is_not_verified() -> None:
    assert judge(DOMAIN, [], {}).status == PENDING


# --- SPF ---------------------------------------------------------------------------------------


def test_spf_missing() -> None:
    result = check(SPF, "google-site-verification=abc")
    assert not result.ok
    assert result.reason.startswith(f"no SPF record at {DOMAIN}")
    assert GOOD_SPF in result.reason  # tells what to publish
    assert result.current == ()


def test_two_spf_records_must_be_merged() -> None:
    result = check(SPF, GOOD_SPF, "v=spf1 include:_spf.google.com ~all")
    assert not result.ok
    assert result.reason == f"2 SPF records at {DOMAIN}: merge them into one"
    assert result.current == (GOOD_SPF, "v=spf1 include:_spf.google.com ~all")


@pytest.mark.parametrize(
    "record",
    [
        "v=spf1 include:qcloudmail.com.evil.example ~all",
        "v=spf1 include:evil-qcloudmail.com ~all",
        "v=spf1 include:qcloudmail.co ~all",
        "v=spf1 a:qcloudmail.com ~all",
        "v=spf1 -include:qcloudmail.com ~all",
        "v=spf1 ~all",
        "v=spf1",
    ],
)
def test_spf_without_the_exact_include_fails(record: str) -> None:
    result = check(SPF, record)
    assert not result.ok
    assert result.reason == f"the SPF record at {DOMAIN} lacks include:qcloudmail.com: add it"


@pytest.mark.parametrize("record", ["v=spf10 include:qcloudmail.com ~all", "v=spf1include:qcloudmail.com", "spf1"])
def test_not_an_spf_record(record: str) -> None:
    result = check(SPF, record)
    assert not result.ok
    assert result.reason.startswith("no SPF record at ")
    assert result.current == ()


@pytest.mark.parametrize(
    "record",
    [
        "v=spf1 ip4:192.0.2.0/24 include:_spf.google.com include:qcloudmail.com mx -all",
        "v=spf1 +include:qcloudmail.com -all",
        "V=SPF1 INCLUDE:QcloudMail.COM ~ALL",
        "v=spf1 include:qcloudmail.com. ~all",
        "v=spf1   include:qcloudmail.com   ?all",
    ],
)
def test_spf_with_other_mechanisms_still_passes(record: str) -> None:
    result = check(SPF, record)
    assert result.ok, result.reason
    assert result.current == (record,)


def test_other_txt_records_at_the_spf_name_are_ignored() -> None:
    others = ("google-site-verification=xyz", "v=DMARC1; p=none", "hello world")
    result = check(SPF, others[0], GOOD_SPF, *others[1:])
    assert result.ok
    assert result.current == (GOOD_SPF,)  # only the relevant record is reported


# --- DKIM --------------------------------------------------------------------------------------


def test_dkim_matching_key_passes() -> None:
    result = check(DKIM, GOOD_DKIM)
    assert result.ok
    assert result.expected == GOOD_DKIM


def test_dkim_wrong_key() -> None:
    result = check(DKIM, "v=DKIM1; k=rsa; p=MIIBOTHERKEY")
    assert not result.ok
    assert result.reason == f"the DKIM key at {DKIM_HOST} differs from the expected key: replace it"


def test_dkim_revoked_key() -> None:
    result = check(DKIM, "v=DKIM1; k=rsa; p=")
    assert not result.ok
    assert "revoked" in result.reason
    assert DKIM_HOST in result.reason


@pytest.mark.parametrize(
    "record",
    [
        f"v=DKIM1; k=rsa; p={KEY[:20]} {KEY[20:40]}\t{KEY[40:]}",
        f"v=DKIM1; k=rsa; p= {KEY[:30]}\r\n {KEY[30:]} ",
        f"v=DKIM1;k=rsa;p={KEY}",
        f"p={KEY}",  # v= and k= are optional
        f"v=DKIM1; h=sha256; k=RSA; p={KEY}; t=s",
    ],
)
def test_dkim_key_with_whitespace_or_other_tags_still_matches(record: str) -> None:
    result = check(DKIM, record)
    assert result.ok, result.reason


@pytest.mark.parametrize(
    "record",
    [
        f"v=DKIM2; k=rsa; p={KEY}",
        f"v=DKIM1; k=ed25519; p={KEY}",
        "v=spf1 include:qcloudmail.com ~all",
        f"v=DKIM1; p={KEY}; p={KEY}",  # repeated tag: malformed
    ],
)
def test_non_dkim_key_records_do_not_count(record: str) -> None:
    result = check(DKIM, record)
    assert not result.ok
    assert result.reason.startswith(f"no DKIM key record at {DKIM_HOST}")


def test_two_dkim_key_records() -> None:
    result = check(DKIM, GOOD_DKIM, "v=DKIM1; k=rsa; p=OTHER")
    assert not result.ok
    assert result.reason == f"2 DKIM key records at {DKIM_HOST}: keep only one"


def test_other_txt_at_dkim_name_ignored() -> None:
    result = check(DKIM, "some note", GOOD_DKIM, "v=spf1 -all")
    assert result.ok
    assert result.current == (GOOD_DKIM,)


# --- DMARC -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "policy"),
    [
        ("v=DMARC1; p=none", "none"),
        ("v=DMARC1;p=reject;", "reject"),
        ("v=DMARC1; p=quarantine; rua=mailto:d@example.com; pct=50", "quarantine"),
        ("v = DMARC1 ; p = Reject", "reject"),
    ],
)
def test_dmarc_valid_policies_pass(record: str, policy: str) -> None:
    result = check(DMARC, record)
    assert result.ok, result.reason
    assert result.reason == f"DMARC policy p={policy}"


@pytest.mark.parametrize(
    "record",
    [
        "v=DMARC1",  # no p=
        "v=DMARC1; rua=mailto:d@example.com",  # no p=
        "v=DMARC1; p=block",  # invalid value
        "v=DMARC1; p=",  # empty value
        "v=DMARC1; rua=mailto:d@example.com; p=none",  # p= not right after v=
    ],
)
def test_dmarc_without_a_valid_p_fails(record: str) -> None:
    result = check(DMARC, record)
    assert not result.ok
    assert result.reason == (
        f"the DMARC record at {DMARC_HOST} needs v=DMARC1 then a valid p= (none, quarantine or reject)"
    )


def test_two_dmarc_records() -> None:
    result = check(DMARC, "v=DMARC1; p=none", "v=DMARC1; p=reject")
    assert not result.ok
    assert result.reason == f"2 DMARC records at {DMARC_HOST}: keep only one"


def test_dmarc_missing_and_other_txt_ignored() -> None:
    missing = check(DMARC, "v=spf1 -all")
    assert not missing.ok
    assert missing.reason.startswith(f"no DMARC record at {DMARC_HOST}")
    assert missing.current == ()

    ok = check(DMARC, "unrelated", GOOD_DMARC)
    assert ok.ok
    assert ok.current == (GOOD_DMARC,)


# --- MX ----------------------------------------------------------------------------------------


def test_mx_elsewhere_fails() -> None:
    result = check(MX, "10 mx.example.net.", "20 mxbiz1.qq.com.evil.example.")
    assert not result.ok
    assert result.reason == f"the MX records at {DOMAIN} do not point to mxbiz1.qq.com.: add it"
    assert result.current == ("10 mx.example.net.", "20 mxbiz1.qq.com.evil.example.")


def test_mx_missing_fails() -> None:
    result = check(MX)
    assert not result.ok
    assert result.reason == f"no MX record at {DOMAIN}: publish MX 5 mxbiz1.qq.com."


@pytest.mark.parametrize("value", ["5 MXBIZ1.QQ.COM.", "5 mxbiz1.qq.com", "5 MxBiz1.qq.Com"])
def test_mx_case_and_trailing_dot_ignored(value: str) -> None:
    result = check(MX, value)
    assert result.ok, result.reason
    assert result.expected == GOOD_MX


def test_mx_among_others_passes() -> None:
    assert check(MX, "10 mx.example.net.", GOOD_MX).ok


# --- errors, reasons, to_dict ------------------------------------------------------------------


@pytest.mark.parametrize("record", [SPF, DKIM, DMARC, MX])
def test_lookup_error_fails_and_says_why(record: RequiredRecord) -> None:
    # Even if some values came back, an error means the item is not judged as passing.
    values = {"SPF": GOOD_SPF, "DKIM": GOOD_DKIM, "DMARC": GOOD_DMARC, "MX": GOOD_MX}[record.item]
    result = judge_item(record, Answer((values,), error="SERVFAIL from 192.0.2.53"))

    assert not result.ok
    assert "SERVFAIL from 192.0.2.53" in result.reason
    assert record.host in result.reason
    assert result.reason == f"could not look up {record.rtype} at {record.host}: SERVFAIL from 192.0.2.53"


def test_every_failing_reason_names_the_host() -> None:
    answers = {
        (DOMAIN, "TXT"): Answer(("v=spf1 -all",)),
        (DKIM_HOST, "TXT"): Answer(("v=DKIM1; p=",)),
        (DMARC_HOST, "TXT"): Answer(("v=DMARC1",)),
        (DOMAIN, "MX"): Answer(("10 mx.example.net.",)),
    }
    verdict = judge(DOMAIN, [SPF, DKIM, DMARC, MX], answers)

    assert verdict.status == PENDING
    for item in verdict.items:
        assert not item.ok
        assert item.host in item.reason


def test_to_dict_shape() -> None:
    answers = good_answers()
    answers[(DOMAIN, "MX")] = Answer(("10 mx.example.net.",))
    verdict = judge(DOMAIN, [SPF, DKIM, DMARC, MX], answers)

    d = verdict.to_dict()

    assert set(d) == {"domain", "status", "items"}
    assert d["domain"] == DOMAIN
    assert d["status"] == PENDING
    assert len(d["items"]) == 4
    for item in d["items"]:
        assert set(item) == {"item", "host", "expected", "current", "ok", "reason"}
        assert isinstance(item["current"], list)
        assert isinstance(item["ok"], bool)
    assert d["items"][0] == {
        "item": "SPF",
        "host": DOMAIN,
        "expected": GOOD_SPF,
        "current": [GOOD_SPF],
        "ok": True,
        "reason": "SPF record includes qcloudmail.com",
    }
    assert d["items"][3]["expected"] == GOOD_MX
    assert d["items"][3]["current"] == ["10 mx.example.net."]
    assert d["items"][3]["ok"] is False


def test_verified_to_dict_status() -> None:
    d = judge(DOMAIN, [SPF, DKIM, DMARC, MX], good_answers()).to_dict()
    assert d["status"] == "Verified"
    assert all(i["ok"] for i in d["items"])


def test_domain_verdict_is_a_value() -> None:
    a = judge(DOMAIN, [SPF, DKIM, DMARC, MX], good_answers())
    b = judge(DOMAIN, [SPF, DKIM, DMARC, MX], good_answers())
    assert a == b
    assert isinstance(a, DomainVerdict)
