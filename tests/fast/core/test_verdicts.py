"""judge() and evaluate() on hand-made answers (core/verdicts.py)."""

from __future__ import annotations

import pytest

from dms_component.core import dkim
from dms_component.core.lookups import Answer, question
from dms_component.core.records import PROFILES, RequiredRecord, required_records
from dms_component.core.verdicts import (
    PENDING,
    VERIFIED,
    DomainVerdict,
    ItemResult,
    evaluate,
    first_questions,
    judge,
    refuses,
)
from dms_component.providers.adapters import dkim_keys

DOMAIN = "notify.example.com"
PAIR = dkim_keys.generate(1024)
OTHER = dkim_keys.generate(1024)
KEY = PAIR.public_b64
SPF, DKIM, DMARC, MX = required_records(DOMAIN, KEY, PROFILES["tencent-ses"])
DKIM_HOST = f"qcloud._domainkey.{DOMAIN}"
DMARC_HOST = f"_dmarc.{DOMAIN}"


def judge_item(record: RequiredRecord, answer: Answer) -> ItemResult:
    """One item judged from the answer at its own (host, type) alone; any further answer counts as missing."""
    return judge(DOMAIN, [record], {question(record.host, record.rtype): answer}).items[0]


GOOD_SPF = "v=spf1 include:qcloudmail.com ~all"
GOOD_DKIM = f"v=DKIM1; k=rsa; p={KEY}"
GOOD_DMARC = "v=DMARC1; p=none"
GOOD_MX = "5 mxbiz1.qq.com."
# The names outside the domain that a correct zone leads to.
WORLD = {
    ("qcloudmail.com", "TXT"): Answer(("v=spf1 ip4:192.0.2.0/24 -all",)),
    ("mxbiz1.qq.com", "A"): Answer(("192.0.2.25",)),
    ("mxbiz1.qq.com", "AAAA"): Answer(()),
}


def good_answers() -> dict[tuple[str, str], Answer]:
    return {
        **WORLD,
        (DOMAIN, "TXT"): Answer((GOOD_SPF,)),
        (DKIM_HOST, "TXT"): Answer((GOOD_DKIM,)),
        (DMARC_HOST, "TXT"): Answer((GOOD_DMARC,)),
        (DOMAIN, "MX"): Answer((GOOD_MX,)),
    }


def check(record: RequiredRecord, *values: str, more: dict | None = None, private_key: str | None = None) -> ItemResult:
    """The item judged from `values` at its own name, with the world and `more` answers around it."""
    answers = {**WORLD, question(record.host, record.rtype): Answer(tuple(values)), **(more or {})}
    probe = dkim.probe_message(private_key, DOMAIN, "qcloud") if private_key else None
    [result] = judge(DOMAIN, [record], answers, dkim_probe=probe).items
    return result


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
    assert result.code == "spf.multiple"
    assert result.current == (GOOD_SPF, "v=spf1 include:_spf.google.com ~all")


@pytest.mark.parametrize(
    ("record", "code"),
    [
        ("v=spf1 include:qcloudmail.com.evil.example ~all", "spf.include-missing"),
        ("v=spf1 include:evil-qcloudmail.com ~all", "spf.include-missing"),
        ("v=spf1 include:qcloudmail.co ~all", "spf.include-missing"),
        ("v=spf1 a:qcloudmail.com ~all", "spf.include-missing"),
        ("v=spf1 -include:qcloudmail.com ~all", "spf.include-qualifier"),
        ("v=spf1 ~include:qcloudmail.com ~all", "spf.include-qualifier"),
        ("v=spf1 ~all", "spf.include-missing"),
        ("v=spf1", "spf.include-missing"),
    ],
)
def test_spf_without_the_exact_include_fails(record: str, code: str) -> None:
    result = check(SPF, record)
    assert not result.ok
    assert result.code == code


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
    more = {
        ("_spf.google.com", "TXT"): Answer(("v=spf1 ip4:198.51.100.0/24 ~all",)),
        (DOMAIN, "MX"): Answer((GOOD_MX,)),
    }
    result = check(SPF, record, more=more)
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
    result = check(DKIM, f"v=DKIM1; k=rsa; p={OTHER.public_b64}")
    assert not result.ok
    assert result.code == "dkim.key-mismatch"


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
        f"v=DKIM2; k=rsa; p={KEY}",  # another version: discarded (RFC 6376 3.6.1)
        "v=spf1 include:qcloudmail.com ~all",
        "note: p is for key",
    ],
)
def test_non_dkim_key_records_do_not_count(record: str) -> None:
    result = check(DKIM, record)
    assert not result.ok
    assert result.reason.startswith(f"no DKIM key record at {DKIM_HOST}")
    assert result.current == ()


@pytest.mark.parametrize(
    ("record", "words"),
    [
        (f"v=DKIM1; k=ed25519; p={KEY}", "has k=ed25519, the service signs with k=rsa"),
        (f"v=DKIM1; p={KEY}; p={KEY}", "tag p= appears twice"),
        (f"k=rsa; v=DKIM1; p={KEY}", "v=DKIM1 must be the first tag"),
        (f"v=DKIM1; h=sha1; p={KEY}", "allows only h=sha1"),
        (f"v=DKIM1; s=tlsrpt; p={KEY}", "is limited to s=tlsrpt"),
        ("v=DKIM1; p=not*base64", "is not valid base64"),
        ("v=DKIM1; p=QUJD", "is not an RSA public key"),
        ("v=DKIM1; k=rsa", "has no p= tag"),
    ],
)
def test_unusable_dkim_key_records_say_why(record: str, words: str) -> None:
    result = check(DKIM, record)
    assert not result.ok
    assert words in result.reason
    assert DKIM_HOST in result.reason
    assert result.current == (record,)


def test_dkim_sha256_and_email_service_are_fine() -> None:
    assert check(DKIM, f"v=DKIM1; h=sha1:sha256; s=email; t=y; p={KEY}").ok


def test_dkim_probe_signed_with_the_private_key_verifies() -> None:
    result = check(DKIM, GOOD_DKIM, private_key=PAIR.private_pem)
    assert result.ok, result.reason
    assert result.code == "dkim.probe-ok"


def test_dkim_probe_fails_when_the_private_key_does_not_match_the_published_key() -> None:
    # The published key is the expected one, but the key the domain signs with is another.
    result = check(DKIM, GOOD_DKIM, private_key=OTHER.private_pem)
    assert not result.ok
    assert "a message signed with the domain's private key fails" in result.reason
    assert "does not verify" in result.reason
    assert "PRIVATE KEY" not in result.reason


def test_dkim_probe_that_is_not_a_signed_message_fails() -> None:
    answers = {**WORLD, question(DKIM.host, DKIM.rtype): Answer((GOOD_DKIM,))}
    [result] = judge(DOMAIN, [DKIM], answers, dkim_probe=b"not a message").items
    assert (result.ok, result.code) == (False, "dkim.probe-failed")


def test_dkim_via_cname() -> None:
    target = "qcloud.dkim.provider.example"
    answers = {**good_answers(), (DKIM_HOST, "TXT"): Answer(cname=target), (target, "TXT"): Answer((GOOD_DKIM,))}
    [_, dkim_item, _, _] = judge(DOMAIN, [SPF, DKIM, DMARC, MX], answers).items
    assert dkim_item.ok, dkim_item.reason
    assert dkim_item.current == (GOOD_DKIM,)


def test_dkim_cname_loop_fails() -> None:
    answers = {
        **good_answers(),
        (DKIM_HOST, "TXT"): Answer(cname="a.example.net"),
        ("a.example.net", "TXT"): Answer(cname=DKIM_HOST),
    }
    dkim_item = judge(DOMAIN, [DKIM], answers).items[0]
    assert not dkim_item.ok
    assert "CNAME loop" in dkim_item.reason


def test_two_dkim_key_records() -> None:
    result = check(DKIM, GOOD_DKIM, "v=DKIM1; k=rsa; p=OTHER")
    assert not result.ok
    assert result.code == "dkim.multiple"


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
    assert result.code == "dmarc.ok"
    assert f"p={policy}" in result.reason  # names the policy found


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
    assert result.code == "dmarc.policy"


def test_two_dmarc_records() -> None:
    result = check(DMARC, "v=DMARC1; p=none", "v=DMARC1; p=reject")
    assert not result.ok
    assert result.code == "dmarc.multiple"


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
    assert result.code == "mx.wrong-host"
    assert result.current == ("10 mx.example.net.", "20 mxbiz1.qq.com.evil.example.")


def test_mx_missing_fails() -> None:
    result = check(MX)
    assert not result.ok
    assert result.code == "mx.missing"


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
    assert result.code == "dns.lookup-failed"


@pytest.mark.parametrize("record", [SPF, DKIM, DMARC, MX])
def test_a_lagging_server_has_its_own_code_and_current_is_what_the_primary_serves(record: RequiredRecord) -> None:
    values = {"SPF": GOOD_SPF, "DKIM": GOOD_DKIM, "DMARC": GOOD_DMARC, "MX": GOOD_MX}[record.item]
    behind = "ns3.example.com has no record yet (the change has not reached every server yet)"
    result = judge_item(record, Answer((values,), error=behind, lagging=True))

    assert not result.ok and result.code == "dns.lagging"
    assert result.current == (values,)
    assert result.reason == f"{record.rtype} at {record.host}: {behind}"
    assert not refuses(result)  # on its way: never a reason to refuse a plan


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

    assert set(d) == {"domain", "status", "status_code", "items"}
    assert d["status_code"] == "pending"
    assert d["domain"] == DOMAIN
    assert d["status"] == PENDING
    assert len(d["items"]) == 4
    for item in d["items"]:
        assert set(item) == {"item", "host", "expected", "current", "ok", "reason", "code"}
        assert item["code"]
        assert isinstance(item["current"], list)
        assert isinstance(item["ok"], bool)
    assert d["items"][0] == {
        "item": "SPF",
        "host": DOMAIN,
        "expected": GOOD_SPF,
        "current": [GOOD_SPF],
        "ok": True,
        "reason": "SPF record includes qcloudmail.com",
        "code": "spf.ok",
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


# --- SPF as receivers evaluate it ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "more", "code"),
    [
        ("v=spf1 include:qcloudmail.com +all", {}, "spf.plus-all"),
        ("v=spf1 include:qcloudmail.com all", {}, "spf.plus-all"),
        ("v=spf1 -all include:qcloudmail.com", {}, "spf.include-after-all"),
        ("v=spf1 include:qcloudmail.com foo:bar ~all", {}, "spf.syntax"),
        ("v=spf1 include:qcloudmail.com redirect=a.example redirect=b.example", {}, "spf.syntax"),
        (
            "v=spf1 include:qcloudmail.com include:gone.example.net ~all",
            {("gone.example.net", "TXT"): Answer(())},
            "spf.include-no-record",
        ),
        (
            "v=spf1 include:qcloudmail.com include:loop.example.net ~all",
            {("loop.example.net", "TXT"): Answer(("v=spf1 include:notify.example.com -all",))},
            "spf.include-loop",
        ),
    ],
)
def test_spf_failures_a_receiver_would_see(record: str, more: dict, code: str) -> None:
    result = check(SPF, record, more={(DOMAIN, "TXT"): Answer((record,)), **more})
    assert not result.ok
    assert result.code == code, result.reason
    assert result.reason.startswith(("the SPF record at", "receivers reject the SPF record at"))
    assert result.current == (record,)


def test_spf_over_ten_lookups_fails_naming_the_limit() -> None:
    chain = {(f"i{n}.example.net", "TXT"): Answer((f"v=spf1 include:i{n + 1}.example.net -all",)) for n in range(12)}
    record = "v=spf1 include:qcloudmail.com include:i0.example.net ~all"
    result = check(SPF, record, more=chain)
    assert not result.ok
    assert result.code == "spf.lookup-limit"


def test_spf_three_void_lookups_fail() -> None:
    record = "v=spf1 include:qcloudmail.com a:v1.example.net a:v2.example.net exists:v3.example.net ~all"
    more = {(f"v{n}.example.net", "A"): Answer(()) for n in (1, 2, 3)}
    result = check(SPF, record, more=more)
    assert not result.ok
    assert "more than 2 lookups find nothing (a:v1.example.net, a:v2.example.net, exists:v3.example.net)" in (
        result.reason
    )


def test_spf_lookup_error_inside_the_tree_is_a_temporary_failure() -> None:
    more = {("qcloudmail.com", "TXT"): Answer(error="192.0.2.53:53 did not answer (Timeout)")}
    result = check(SPF, GOOD_SPF, more=more)
    assert not result.ok
    assert result.code == "spf.temperror"


def test_spf_include_reached_through_a_cname() -> None:
    more = {
        ("qcloudmail.com", "TXT"): Answer(cname="spf.provider.example"),
        ("spf.provider.example", "TXT"): Answer(("v=spf1 ip4:192.0.2.0/24 -all",)),
    }
    assert check(SPF, GOOD_SPF, more=more).ok


# --- DMARC details -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "code"),
    [
        ("p=none; v=DMARC1", "dmarc.not-dmarc"),
        ("v=dmarc1; p=none", "dmarc.not-dmarc"),
        ("v=DMARC1; p=none; pct=150", "dmarc.syntax"),
        ("v=DMARC1; p=none; adkim=x", "dmarc.syntax"),
        ("v=DMARC1; p=none; rua=dmarc@example.com", "dmarc.syntax"),
        ("v=DMARC1; p=none; rua=mailto:nobody", "dmarc.syntax"),
        ("v=DMARC1; p=none; sp=block", "dmarc.syntax"),
        ("v=DMARC1; p=none; fo=2", "dmarc.syntax"),
        ("v=DMARC1; p=none; x-y=1", "dmarc.syntax"),
    ],
)
def test_dmarc_invalid_records_say_what_to_fix(record: str, code: str) -> None:
    result = check(DMARC, record)
    assert not result.ok
    assert result.code == code, result.reason
    assert DMARC_HOST in result.reason
    assert result.current == (record,)


def test_dmarc_full_record_with_every_tag_passes() -> None:
    record = (
        "v=DMARC1; p=quarantine; sp=reject; np=reject; adkim=s; aspf=r; pct=100; fo=0:1:d:s; rf=afrf;"
        " ri=86400; rua=mailto:agg@example.com,mailto:agg2@example.net!10m; ruf=mailto:f@example.com; future_tag=1"
    )
    result = check(DMARC, record)
    assert result.ok, result.reason


def test_dmarc_via_cname() -> None:
    more = {
        (DMARC_HOST, "TXT"): Answer(cname="_dmarc.provider.example"),
        ("_dmarc.provider.example", "TXT"): Answer((GOOD_DMARC,)),
    }
    result = check(DMARC, more=more)
    assert result.ok
    assert result.code == "dmarc.ok"
    assert result.reason == "DMARC policy p=none (via CNAME to _dmarc.provider.example)"


# --- MX details --------------------------------------------------------------------------------


def test_mx_host_without_address_fails() -> None:
    more = {("mxbiz1.qq.com", "A"): Answer(()), ("mxbiz1.qq.com", "AAAA"): Answer(())}
    result = check(MX, GOOD_MX, more=more)
    assert not result.ok
    assert result.code == "mx.no-address"


def test_mx_host_with_only_an_ipv6_address_passes() -> None:
    more = {("mxbiz1.qq.com", "A"): Answer(()), ("mxbiz1.qq.com", "AAAA"): Answer(("2001:db8::25",))}
    assert check(MX, GOOD_MX, more=more).ok


def test_null_mx_fails() -> None:
    result = check(MX, "0 .")
    assert not result.ok
    assert "null MX" in result.reason


# --- evaluate(): what is still to ask ------------------------------------------------------------


def test_first_questions_cover_the_records_and_what_a_good_zone_leads_to() -> None:
    assert first_questions([SPF, DKIM, DMARC, MX]) == [
        (DOMAIN, "TXT"),
        (DKIM_HOST, "TXT"),
        (DMARC_HOST, "TXT"),
        (DOMAIN, "MX"),
        ("qcloudmail.com", "TXT"),
        ("mxbiz1.qq.com", "A"),
        ("mxbiz1.qq.com", "AAAA"),
    ]


def test_evaluate_asks_for_nested_includes_round_by_round() -> None:
    answers = {**good_answers(), (DOMAIN, "TXT"): Answer(("v=spf1 include:qcloudmail.com include:a.example.net ~all",))}

    first = evaluate(DOMAIN, [SPF, DKIM, DMARC, MX], answers)
    assert first.needs == {("a.example.net", "TXT")}

    answers[("a.example.net", "TXT")] = Answer(("v=spf1 include:b.example.net -all",))
    second = evaluate(DOMAIN, [SPF, DKIM, DMARC, MX], answers)
    assert second.needs == {("b.example.net", "TXT")}

    answers[("b.example.net", "TXT")] = Answer(("v=spf1 ip4:192.0.2.1 -all",))
    done = evaluate(DOMAIN, [SPF, DKIM, DMARC, MX], answers)
    assert done.needs == frozenset()
    assert done.verdict.status == VERIFIED


def test_evaluate_with_nothing_asks_the_first_questions_and_judges_nothing_yet() -> None:
    result = evaluate(DOMAIN, [SPF, DKIM, DMARC, MX], {})
    assert result.needs == {(DOMAIN, "TXT"), (DKIM_HOST, "TXT"), (DMARC_HOST, "TXT"), (DOMAIN, "MX")}
    assert result.verdict.status == PENDING


def test_judge_item_compat_fails_what_it_can_not_check() -> None:
    # Alone, an SPF answer can't be judged as passing: the include's record was not looked up.
    result = judge_item(SPF, Answer((GOOD_SPF,)))
    assert not result.ok
    assert "could not look up TXT at qcloudmail.com" in result.reason
