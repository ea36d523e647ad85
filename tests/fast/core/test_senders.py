"""core/senders.py: the rules for a sender address, its name, its SMTP password and its unsubscribe link."""

from __future__ import annotations

import pytest

from dms_component.core import senders
from dms_component.core.errors import ConfigError, setting
from dms_component.core.naming import PACKAGE, PYTHON, STACK, Front

DOMAIN = "notify.example.com"
KEY = setting("senders[0].address")


@pytest.mark.parametrize(
    ("given", "address"),
    [
        ("noreply", "noreply@notify.example.com"),
        ("NoReply", "noreply@notify.example.com"),
        ("  billing.team  ", "billing.team@notify.example.com"),
        ("a+b_c-d@notify.example.com", "a+b_c-d@notify.example.com"),
        ("X@Notify.Example.COM", "x@notify.example.com"),
        ("x@notify.example.com.", "x@notify.example.com"),
    ],
)
def test_an_address_is_a_local_part_or_a_full_address_at_its_domain(given: str, address: str) -> None:
    assert senders.address_at(given, DOMAIN, KEY) == address
    assert senders.domain_of(address) == DOMAIN


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("noreply@example.com", senders.OUTSIDE_DOMAIN),  # the parent
        ("noreply@sub.notify.example.com", senders.OUTSIDE_DOMAIN),  # a subdomain
        ("noreply@other.test", senders.OUTSIDE_DOMAIN),
        ("", senders.ADDRESS),
        (None, senders.ADDRESS),
        ("@notify.example.com", senders.ADDRESS),
        (".lead", senders.ADDRESS),
        ("trail.", senders.ADDRESS),
        ("dou..ble", senders.ADDRESS),
        ("sp ace", senders.ADDRESS),
        ("a@b@notify.example.com", senders.ADDRESS),
        ("x" * 65, senders.ADDRESS),
        ("名前", senders.ADDRESS),
    ],
)
def test_a_bad_address_is_refused_with_its_code_and_key(given: object, code: str) -> None:
    with pytest.raises(ConfigError) as exc:
        senders.address_at(given, DOMAIN, KEY)
    assert exc.value.code == code
    assert "\n" not in str(exc.value)
    # Each front end names the key its own way.
    assert exc.value.worded(Front(STACK, "dms:domains[1]").name).startswith("dms:domains[1].senders[0].address:")
    assert exc.value.worded(Front(PYTHON, "notify").name).startswith("SenderDomainArgs.senders[0].address:")
    assert exc.value.worded(Front(PACKAGE, "notify").name).startswith("senders[0].address:")


def test_an_address_over_the_services_length_is_refused() -> None:
    domain = ("d" * 60 + ".") * 1 + "e" * 60 + ".example.com"
    with pytest.raises(ConfigError) as exc:
        senders.address_at("x" * 20, domain, KEY)
    assert exc.value.code == senders.ADDRESS and "128" in str(exc.value)


@pytest.mark.parametrize("name", ["Example Notifications", "腾讯云邮件通知", "  Billing  ", "O'Brien & Co.", "x" * 64])
def test_a_sender_name_the_rule_takes(name: str) -> None:
    assert senders.sender_name(name, "k") == name.strip()


@pytest.mark.parametrize("name", ["", "   ", None, 'Say "hi"', "a <b>", "x@y", "back\\slash", "line\nbreak", "x" * 65])
def test_a_sender_name_the_rule_refuses(name: object) -> None:
    with pytest.raises(ConfigError) as exc:
        senders.sender_name(name, "k")
    assert exc.value.code == senders.SENDER_NAME
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("password", ["Abcdefgh12", "Zz9876543210xyzwvuTS", "P@ss-w0rd!7", "a1B2cdefgh"])
def test_a_password_that_meets_the_services_rule(password: str) -> None:
    assert senders.password_problem(password) is None
    assert senders.check_password(password, "k") == password


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Abcdefg12", "has 9 characters"),  # too short
        ("Abcdefghij123456789012", "has 22 characters"),  # too long
        ("Abcdefgh11", "two different digits"),  # the same digit twice
        ("Abcdefghi1", "two different digits"),
        ("ABCDEFGH12", "no lower-case"),
        ("abcdefgh12", "no upper-case"),
        ("Abcd efgh12", "space"),
        ("Abcdéfgh12", "printable ASCII"),
        ("\uff21bcdefgh12", "no upper-case"),  # a full-width A is not a letter the rule counts
    ],
)
def test_a_password_that_breaks_the_rule_is_refused_without_showing_it(password: str, why: str) -> None:
    with pytest.raises(ConfigError) as exc:
        senders.check_password(password, setting("senders[0].password"))
    assert exc.value.code == senders.PASSWORD and why in exc.value.problem and password not in str(exc.value)
    line = exc.value.worded(Front(STACK, "dms:domains[0]").name)
    assert line.startswith("dms:domains[0].senders[0].password: ") and password not in line


@pytest.mark.parametrize(
    ("given", "code"),
    [
        (0, 0),
        (2, 2),
        (10, 10),
        ("none", 0),
        ("Off", 0),
        (False, 0),
        ("en", 2),
        ("English", 2),
        ("english", 2),
        ("2", 2),
        ("zh-CN", 1),
        ("zh_cn", 1),
        ("simplified chinese", 1),
        ("Simplified-Chinese", 1),
        ("zh-TW", 3),
        ("traditional chinese", 3),
        ("es", 4),
        ("french", 5),
        ("de", 6),
        ("Japanese", 7),
        ("ko", 8),
        ("arabic", 9),
        ("th", 10),
    ],
)
def test_unsubscribe_languages_by_number_tag_or_name(given: object, code: int) -> None:
    assert senders.unsubscribe_language(given, "k") == code


@pytest.mark.parametrize("given", [11, -1, True, "klingon", "", None, 2.0, "english!"])
def test_an_unknown_unsubscribe_language_is_refused(given: object) -> None:
    with pytest.raises(ConfigError) as exc:
        senders.unsubscribe_language(given, "k")
    assert exc.value.code == senders.UNSUBSCRIBE and "en (English)" in str(exc.value)


def test_the_languages_table_is_the_services() -> None:
    # UnsubscribeConfig in the SDK's model: 0 no link, 1..10 these languages.
    assert sorted(senders.LANGUAGES) == list(range(1, 11))
    assert [senders.LANGUAGES[c][1] for c in (1, 2, 3, 10)] == [
        "Simplified Chinese",
        "English",
        "Traditional Chinese",
        "Thai",
    ]
    assert senders.unsubscribe_label(0) == "none" and senders.unsubscribe_label(2) == "en"


def test_batch_mail_defaults_to_an_english_link_and_triggered_to_none() -> None:
    assert senders.default_unsubscribe("batch") == senders.ENGLISH == 2
    assert senders.default_unsubscribe("triggered") == senders.NO_LINK == 0


def test_an_address_declared_twice_names_both_keys() -> None:
    a, b = setting("senders[0].address"), setting("senders[2].address")
    assert senders.declared_twice([(a, "x@d.test"), (setting("senders[1].address"), "y@d.test")]) is None
    finding = senders.declared_twice([(a, "x@d.test"), (setting("senders[1].address"), "y@d.test"), (b, "x@d.test")])
    assert finding is not None and finding.code == senders.DECLARED_TWICE
    assert finding.line(Front(PYTHON, "n").name) == (
        "SenderDomainArgs.senders[2].address: x@d.test is declared twice (also as SenderDomainArgs.senders[0].address);"
        " keep one entry per address [senders.declared-twice]"
    )


def test_the_sender_quota_counts_the_ledgers_addresses_and_the_new_declared_ones() -> None:
    existing = [f"a{i}@one.test" for i in range(8)]
    fits = senders.sender_quota_plan(["a0@one.test", "n1@two.test", "n2@two.test"], existing, 10)
    assert fits.ok and fits.new == ("n1@two.test", "n2@two.test") and fits.over == ()

    over = senders.sender_quota_plan(["a0@one.test", "n1@two.test", "n2@two.test", "n3@two.test"], existing, 10)
    assert not over.ok and over.over == ("n3@two.test",)
    finding = over.finding()
    assert finding.code == "ledger.sender-quota"
    assert "allows 10 sender addresses and has 8, leaving 2; n3@two.test would not fit" in finding.message
    assert "dms:ledger.senderQuota" in finding.line(Front(STACK, "dms:domains[0]").name)

    lowered = senders.sender_quota_plan(["a0@one.test"], existing, 5)  # already there: no new slot taken
    assert lowered.ok


def test_the_ledgers_refusals_have_their_codes() -> None:
    assert senders.sender_quota_error("x@d.test", ["a@d.test"], 1).code == "ledger.sender-quota"
    assert senders.not_verified("x@d.test", "d.test").code == "ledger.domain-not-verified"
    refused = senders.has_addresses("d.test", ["b@d.test", "a@d.test"])
    assert refused.code == "ledger.domain-has-addresses" and "(a@d.test, b@d.test)" in str(refused)
