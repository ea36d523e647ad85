"""The service's recommendations and the quota arithmetic (core/rules.py), and their config."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from dms_component.args import ChecksArgs as Checks
from dms_component.config import parse_stack_config
from dms_component.core.errors import ConfigError
from dms_component.core.rules import quota_plan, registrable_domain, subdomain

BASE: dict[str, Any] = {
    "domains": [
        {"domain": "notify.example.com", "type": "triggered"},
        {"domain": "news.example.com", "type": "batch"},
    ],
    "dns": {"server": "ns1.example.com", "zone": "example.com"},
}


def config(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    raw.update(changes)
    return raw


# --- the Public Suffix List (offline) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "registrable"),
    [
        ("notify.example.com", "example.com"),
        ("example.com", "example.com"),
        ("mail.example.co.uk", "example.co.uk"),
        ("example.co.uk", "example.co.uk"),
        ("co.uk", None),
        ("me.github.io", "me.github.io"),  # a private suffix: each user's site is its own registrable domain
        ("notify.example.test", "example.test"),  # an unlisted TLD counts as one label (the PSL's * rule)
    ],
)
def test_registrable_domain_follows_the_public_suffix_list(domain: str, registrable: str | None) -> None:
    assert registrable_domain(domain) == registrable


def test_a_subdomain_passes_and_a_registrable_domain_or_public_suffix_does_not() -> None:
    assert subdomain("notify.example.co.uk", "error") is None
    found = subdomain("example.co.uk", "warn")
    assert found is not None and (found.code, found.severity) == ("rules.subdomain", "warn")
    assert "notify.example.co.uk" in found.message
    assert subdomain("example.co.uk", "off") is None
    suffix = subdomain("co.uk", "off")
    assert suffix is not None and (suffix.code, suffix.severity) == ("rules.public-suffix", "error")


# --- dms:checks ---------------------------------------------------------------------------------


def test_checks_have_defaults() -> None:
    settings = parse_stack_config(config())
    expected = Checks(subdomain="warn", type_separation="error", existing_email_dns="error")
    assert settings.entries[0].args.checks == expected
    assert settings.warnings == ()


def test_checks_can_be_set_each() -> None:
    raw = config(checks={"subdomain": "error", "typeSeparation": "off", "existingEmailDns": "warn"})
    assert parse_stack_config(raw).entries[0].args.checks == Checks("error", "off", "warn")


@pytest.mark.parametrize(
    ("checks", "key", "fragment"),
    [
        ({"subdomain": "strict"}, "dms:checks.subdomain", "'strict' is not allowed; allowed: error, warn, off"),
        ({"existingEmailDNS": "off"}, "dms:checks.existingEmailDNS", "unknown key; allowed: existingEmailDns"),
        ("error", "dms:checks", "expected a map"),
        ({"typeSeparation": True}, "dms:checks.typeSeparation", "is not a string"),
    ],
)
def test_a_bad_check_setting_names_its_key(checks: Any, key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as failure:
        parse_stack_config(config(checks=checks))
    assert failure.value.key == key
    assert fragment in str(failure.value)


def test_the_subdomain_check_is_the_components_not_the_configs() -> None:
    """Stack config hands the guide's checks to the component (tests/fast/component/test_front_words.py words them)."""
    raw = config(domains=[{"domain": "example.com", "type": "triggered"}], checks={"subdomain": "error"})
    settings = parse_stack_config(raw)
    assert [s.domain for s in settings.domains] == ["example.com"] and settings.warnings == ()
    assert settings.entries[0].args.checks.subdomain == "error"


def test_a_stack_with_one_type_only_is_fine() -> None:
    raw = config(domains=[{"domain": "a.example.com", "type": "batch"}, {"domain": "b.example.com", "type": "batch"}])
    settings = parse_stack_config(raw)
    assert [s.mail_type for s in settings.domains] == ["batch", "batch"]
    assert settings.warnings == ()


def test_one_domain_declared_as_both_types_is_an_error_with_the_reason() -> None:
    raw = config(domains=[*BASE["domains"], {"domain": "Notify.example.com", "type": "batch"}])

    with pytest.raises(ConfigError) as failure:
        parse_stack_config(raw)

    assert failure.value.key == "dms:domains[2].domain"
    message = str(failure.value)
    assert "for triggered and for batch mail" in message
    assert "separate domains for triggered and batch mail" in message and "reputation" in message


def test_the_same_domain_and_type_twice_is_an_error_whatever_the_check() -> None:
    raw = config(
        domains=[*BASE["domains"], {"domain": "news.example.com", "type": "batch"}], checks={"typeSeparation": "off"}
    )
    with pytest.raises(ConfigError) as failure:
        parse_stack_config(raw)
    assert failure.value.key == "dms:domains[2].domain"
    assert "declared twice; keep one entry per domain" in str(failure.value)


@pytest.mark.parametrize("level", ["warn", "off"])
def test_both_types_under_warn_or_off_manage_the_domain_once_with_its_first_type(level: str) -> None:
    raw = config(
        domains=[*BASE["domains"], {"domain": "notify.example.com", "type": "batch"}],
        checks={"typeSeparation": level},
    )

    settings = parse_stack_config(raw)

    assert [(s.domain, s.mail_type) for s in settings.domains] == [
        ("notify.example.com", "triggered"),
        ("news.example.com", "batch"),
    ]
    if level == "warn":
        assert len(settings.warnings) == 1
        assert settings.warnings[0].startswith("dms:domains[2].type: notify.example.com is declared twice")
        assert settings.warnings[0].endswith("managed once, as triggered [rules.type-separation]")
    else:
        assert settings.warnings == ()


# --- retire -------------------------------------------------------------------------------------


def test_a_retired_entry_is_not_managed_and_no_check_applies_to_it() -> None:
    raw = config(
        domains=[
            {"domain": "notify.example.com", "type": "triggered"},
            {"domain": "example.com", "type": "batch", "retire": True},
        ],
        checks={"subdomain": "error"},
    )

    settings = parse_stack_config(raw)

    assert [s.domain for s in settings.domains] == ["notify.example.com"]
    assert [s.domain for s in settings.retired] == ["example.com"]


def test_retire_must_be_a_boolean_and_a_retired_domain_cant_be_declared_again() -> None:
    with pytest.raises(ConfigError) as failure:
        parse_stack_config(config(domains=[{"domain": "a.example.com", "type": "batch", "retire": "yes"}]))
    assert failure.value.key == "dms:domains[0].retire"

    twice = [
        {"domain": "a.example.com", "type": "batch", "retire": True},
        {"domain": "a.example.com", "type": "triggered"},
    ]
    with pytest.raises(ConfigError) as failure:
        parse_stack_config(config(domains=twice, checks={"typeSeparation": "off"}))
    assert failure.value.key == "dms:domains[1].domain"


def test_declared_domains_already_verified_do_not_count_twice() -> None:
    plan = quota_plan(["a.x", "b.x"], ["a.x", "b.x", "c.x"], quota=3)
    assert plan.ok and plan.new == () and plan.over == ()


def test_new_domains_fill_the_free_slots_in_order_and_the_rest_would_not_fit() -> None:
    plan = quota_plan(["a.x", "n1.x", "n2.x", "n3.x"], ["a.x", "z.x", "b.x"], quota=4)

    assert plan.verified == ("a.x", "b.x", "z.x")
    assert plan.new == ("n1.x", "n2.x", "n3.x")
    assert (plan.fits, plan.over) == (("n1.x",), ("n2.x", "n3.x"))
    message = plan.finding().message
    assert plan.finding().code == "ledger.quota"
    assert "allows 4 verified sender domains and 3 are verified (a.x, b.x, z.x), leaving 1" in message
    assert "n2.x, n3.x would not fit; n1.x would fit" in message
    assert "\n" not in message


def test_a_ledger_over_its_quota_leaves_no_room() -> None:
    plan = quota_plan(["n.x"], ["a.x", "b.x", "c.x"], quota=2)
    assert plan.over == ("n.x",) and "leaving 0" in plan.finding().message


def test_a_verified_domain_of_this_stack_that_left_the_config_is_named():
    from dms_component.core.rules import dropped_verified, removal_refused

    owned = [("a.example.com", True), ("b.example.com", True), ("c.example.com", False)]
    assert dropped_verified(owned, {"a.example.com"}) == ["b.example.com"]
    assert dropped_verified(owned, {"a.example.com", "b.example.com"}) == []
    found = removal_refused(["b.example.com"])
    message = found.message
    assert found.code == "ledger.verified-removed"
    assert message.startswith("b.example.com is a verified sender domain of this stack and no longer in dms:domains")
    assert "retire: true" in message and "\n" not in message
    assert "are verified sender domains" in removal_refused(["a.example.com", "b.example.com"]).message
