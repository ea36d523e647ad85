"""Sender addresses with the tencent ledger (issue 26) against the fake: the service's codes as ours, the
retried and interrupted creates taken over, the assumptions of docs/tencent.md each tested both ways."""

from __future__ import annotations

import pytest

from dms_component.core.errors import ConfigError, DomainNotVerified, SenderQuotaExceeded
from dms_component.providers.adapters.ledger.base import AccountView, DomainView
from tests.fakes.tencent_cloud import FakeTencentCloud
from tests.support.tencent import ledger

PASSWORD = "Kw7Lp3xRzq9"


def verified(cloud: FakeTencentCloud, *domains: str, **kw: object):
    """A ledger whose domains are registered and verified (the service's word)."""
    led = ledger(cloud, **kw)
    for domain in domains:
        led.register(domain, "batch")
        cloud.identities[domain].verified = True
    return led


def test_the_whole_order_create_password_unsubscribe_remove(tencent_cloud: FakeTencentCloud) -> None:
    led = verified(tencent_cloud, "news.example.test")

    entry = led.create_address("hello@news.example.test", "Example News")
    assert (entry.address, entry.sender_name, entry.password_set, entry.unsubscribe) == (
        "hello@news.example.test", "Example News", False, 0,
    )  # fmt: skip
    assert led.set_smtp_password("hello@news.example.test", PASSWORD).password_set is True
    assert tencent_cloud.smtp_passwords["hello@news.example.test"] == PASSWORD  # it reached the service
    assert led.set_unsubscribe("hello@news.example.test", 2).unsubscribe == 2
    assert tencent_cloud.unsubscribe["hello@news.example.test"] == ("2", 1)
    assert led.set_unsubscribe("hello@news.example.test", 5).unsubscribe == 5  # Update
    assert led.set_unsubscribe("hello@news.example.test", 0).unsubscribe == 0  # Delete
    assert "hello@news.example.test" not in tencent_cloud.unsubscribe
    led.delete_address("hello@news.example.test")
    assert tencent_cloud.senders == {} and led.addresses() == []
    led.delete_address("hello@news.example.test")  # NoSuchSender: fine


def test_a_new_password_replaces_the_old_and_none_is_ever_read_back(tencent_cloud: FakeTencentCloud) -> None:
    led = verified(tencent_cloud, "news.example.test")
    led.create_address("hello@news.example.test", "News")
    assert led.address("hello@news.example.test").password_set is False  # type: ignore[union-attr]  # SmtpPwdType 0

    led.set_smtp_password("hello@news.example.test", PASSWORD)
    led.set_smtp_password("hello@news.example.test", "Other4Pass5word")

    assert tencent_cloud.smtp_passwords["hello@news.example.test"] == "Other4Pass5word"
    # What refresh can see: that one is set (SmtpPwdType 1), never which.
    seen = led.addresses()
    assert seen[0].password_set is True
    assert PASSWORD not in repr(seen) and "Other4Pass5word" not in repr(seen)


def test_a_retried_create_whose_answer_was_lost_is_read_back(tencent_cloud: FakeTencentCloud) -> None:
    led = verified(tencent_cloud, "news.example.test")
    # The first CreateEmailAddress is carried out, its answer lost; the client's retry meets RepeatEmailAddress.
    tencent_cloud.drop(1, "CreateEmailAddress", applied=True)

    entry = led.create_address("hello@news.example.test", "News")

    assert entry.address == "hello@news.example.test" and entry.sender_name == "News"
    assert tencent_cloud.count("CreateEmailAddress") == 2
    assert list(tencent_cloud.senders) == ["hello@news.example.test"]


def test_an_address_made_before_the_state_knew_is_taken_over(tencent_cloud: FakeTencentCloud) -> None:
    """A run killed between the service's create and the state write, or an address made in the console."""
    led = verified(tencent_cloud, "news.example.test")
    tencent_cloud.add_sender("hello@news.example.test", "News")

    entry = led.create_address("hello@news.example.test", "News")

    assert entry.address == "hello@news.example.test" and tencent_cloud.count("CreateEmailAddress") == 0


def test_a_repeat_the_read_back_does_not_find_is_one_line(tencent_cloud: FakeTencentCloud) -> None:
    led = verified(tencent_cloud, "news.example.test")
    tencent_cloud.fail("InvalidParameterValue.RepeatEmailAddress", 1, "CreateEmailAddress")
    with pytest.raises(Exception) as exc:
        led.create_address("hello@news.example.test", "News")
    assert getattr(exc.value, "code", None) == "tencent.address-not-listed" and "\n" not in str(exc.value)


def test_an_address_under_a_pending_domain_is_refused_with_our_code(tencent_cloud: FakeTencentCloud) -> None:
    led = ledger(tencent_cloud)
    led.register("pending.example.test", "batch")
    with pytest.raises(DomainNotVerified) as exc:
        led.create_address("hello@pending.example.test", "News")
    assert exc.value.code == "ledger.domain-not-verified"
    assert tencent_cloud.count("CreateEmailAddress") == 1 and tencent_cloud.senders == {}


@pytest.mark.parametrize(
    ("service_code", "ours"),
    [
        ("InvalidParameterValue.IllegalEmailAddress", "senders.address"),
        ("InvalidParameterValue.IllegalSenderName", "senders.sender-name"),
    ],
)
def test_the_services_refusals_of_an_address_are_ours(tencent_cloud: FakeTencentCloud, service_code, ours) -> None:
    led = verified(tencent_cloud, "news.example.test")
    tencent_cloud.fail(service_code, 1, "CreateEmailAddress")
    with pytest.raises(ConfigError) as exc:
        led.create_address("hello@news.example.test", "News")
    assert exc.value.code == ours and service_code in str(exc.value) and "\n" not in str(exc.value)


def test_the_services_password_refusal_is_ours_and_never_shows_the_password(tencent_cloud: FakeTencentCloud) -> None:
    led = verified(tencent_cloud, "news.example.test")
    led.create_address("hello@news.example.test", "News")
    tencent_cloud.fail("InvalidParameterValue.InvalidSmtpPassWord", 1, "UpdateEmailSmtpPassWord")
    with pytest.raises(ConfigError) as exc:
        led.set_smtp_password("hello@news.example.test", PASSWORD)
    assert exc.value.code == "senders.password" and PASSWORD not in str(exc.value)
    # Our own rule refuses before asking.
    calls = tencent_cloud.count("UpdateEmailSmtpPassWord")
    with pytest.raises(ConfigError) as exc:
        led.set_smtp_password("hello@news.example.test", "weakpass")
    assert exc.value.code == "senders.password" and tencent_cloud.count("UpdateEmailSmtpPassWord") == calls
    with pytest.raises(KeyError):
        led.set_smtp_password("nobody@news.example.test", PASSWORD)  # NoSuchSender


# -- the sender name rule (an assumption): ours may be stricter than the service, or the service stricter ---


def test_a_name_our_rule_takes_but_the_service_refuses_is_refused_at_apply(tencent_cloud: FakeTencentCloud) -> None:
    led = verified(tencent_cloud, "news.example.test")
    tencent_cloud.sender_name_max = 10  # a service stricter than our rule (64)
    with pytest.raises(ConfigError) as exc:
        led.create_address("hello@news.example.test", "A Rather Long Name")
    assert exc.value.code == "senders.sender-name" and tencent_cloud.senders == {}


def test_a_name_at_our_rules_limit_is_taken_by_the_default_fake(tencent_cloud: FakeTencentCloud) -> None:
    led = verified(tencent_cloud, "news.example.test")
    assert led.create_address("hello@news.example.test", "N" * 64).sender_name == "N" * 64
    with pytest.raises(ConfigError) as exc:  # and ours refuses past it, before asking
        led.create_address("other@news.example.test", "N" * 65)
    assert exc.value.code == "senders.sender-name" and tencent_cloud.count("CreateEmailAddress") == 1


# -- the sender limit (an assumption): 10 in total (the model) or 10 per domain (Terraform's docs) ---------


def test_the_service_counting_per_account_refuses_the_third_over_two_domains(tencent_cloud: FakeTencentCloud) -> None:
    tencent_cloud.sender_limit, tencent_cloud.sender_limit_scope = 2, "account"
    led = verified(tencent_cloud, "one.example.test", "two.example.test", sender_quota=100)
    led.create_address("a@one.example.test", "A")
    led.create_address("b@two.example.test", "B")

    with pytest.raises(SenderQuotaExceeded) as exc:
        led.create_address("c@two.example.test", "C")

    assert exc.value.code == "ledger.sender-quota" and "ExceedSenderLimit): the account has 2" in str(exc.value)
    assert sorted(tencent_cloud.senders) == ["a@one.example.test", "b@two.example.test"]


def test_the_service_counting_per_domain_takes_two_in_each(tencent_cloud: FakeTencentCloud) -> None:
    tencent_cloud.sender_limit, tencent_cloud.sender_limit_scope = 2, "domain"
    led = verified(tencent_cloud, "one.example.test", "two.example.test", sender_quota=100)
    for address in ("a@one.example.test", "b@one.example.test", "c@two.example.test", "d@two.example.test"):
        led.create_address(address, "X")

    with pytest.raises(SenderQuotaExceeded) as exc:
        led.create_address("e@two.example.test", "E")

    assert exc.value.code == "ledger.sender-quota" and len(tencent_cloud.senders) == 4


def test_our_sender_quota_refuses_before_asking_the_service(tencent_cloud: FakeTencentCloud) -> None:
    led = verified(tencent_cloud, "one.example.test", sender_quota=1)
    led.create_address("a@one.example.test", "A")
    with pytest.raises(SenderQuotaExceeded):
        led.create_address("b@one.example.test", "B")
    assert tencent_cloud.count("CreateEmailAddress") == 1


# -- unsubscribe: a retried call's repeat, both ways --------------------------------------------------------


@pytest.mark.parametrize("repeat", ["error", "replaces"])
def test_a_retried_unsubscribe_create_converges(tencent_cloud: FakeTencentCloud, repeat: str) -> None:
    tencent_cloud.repeat_unsubscribe_create = repeat
    led = verified(tencent_cloud, "news.example.test")
    led.create_address("hello@news.example.test", "News")
    tencent_cloud.drop(1, "CreateAddressUnsubscribeConfig", applied=True)

    assert led.set_unsubscribe("hello@news.example.test", 2).unsubscribe == 2

    assert tencent_cloud.count("CreateAddressUnsubscribeConfig") == 2
    assert tencent_cloud.unsubscribe == {"hello@news.example.test": ("2", 1)}


def test_a_retried_unsubscribe_delete_converges(tencent_cloud: FakeTencentCloud) -> None:
    led = verified(tencent_cloud, "news.example.test")
    led.create_address("hello@news.example.test", "News")
    led.set_unsubscribe("hello@news.example.test", 2)
    tencent_cloud.drop(1, "DeleteAddressUnsubscribeConfig", applied=True)

    assert led.set_unsubscribe("hello@news.example.test", 0).unsubscribe == 0
    assert tencent_cloud.unsubscribe == {}


def test_an_unsubscribe_config_switched_off_reads_as_no_link(tencent_cloud: FakeTencentCloud) -> None:
    led = verified(tencent_cloud, "news.example.test")
    led.create_address("hello@news.example.test", "News")
    tencent_cloud.unsubscribe["hello@news.example.test"] = ("2", 0)  # Status 0 (off), in the console

    assert led.address("hello@news.example.test").unsubscribe == 0  # type: ignore[union-attr]
    assert led.set_unsubscribe("hello@news.example.test", 2).unsubscribe == 2  # switched on again (Update)
    assert tencent_cloud.unsubscribe["hello@news.example.test"] == ("2", 1)


def test_unsubscribe_of_an_unknown_address_is_a_key_error(tencent_cloud: FakeTencentCloud) -> None:
    led = verified(tencent_cloud, "news.example.test")
    with pytest.raises(KeyError):
        led.set_unsubscribe("nobody@news.example.test", 2)


# -- dms status: what the console's domain list shows ------------------------------------------------------


def test_the_account_view_is_what_list_email_identities_says(tencent_cloud: FakeTencentCloud) -> None:
    led = verified(tencent_cloud, "news.example.test")
    led.register("pending.example.test", "triggered")
    tencent_cloud.reputation["news.example.test"] = (2, 5000)

    view = led.account_view()

    assert view == AccountView(
        (
            DomainView("news.example.test", True, 2, 5000),
            DomainView("pending.example.test", False, 0, 0),
        ),
        0,
        0,
    )
