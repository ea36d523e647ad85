"""The typed API's checks: each DNS target and ledger validates its own fields, one line naming the field,
the same whether the values are plain or Outputs; a backend whose library is missing names its extra."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from dms_component import (
    DnspodDns,
    DynamoDbLedgerArgs,
    ExternalDns,
    Rfc2136Dns,
    Route53Dns,
    SqliteLedgerArgs,
    TencentLedgerArgs,
)
from dms_component.args import SenderDomainArgs, check_spec, front_for, normalise
from dms_component.core.errors import ConfigError
from dms_component.core.naming import PACKAGE, PYTHON, STACK, Front
from dms_component.providers.adapters.dns import dns_target

SECRET = "c2VjcmV0LXRzaWcta2V5LXZhbHVlLTEyMzQ1Ng=="


def field_namer(owner: str):
    return lambda name: f"{owner}.{name}"


def problem(target: Any, owner: str) -> ConfigError:
    with pytest.raises(ConfigError) as failure:
        target.validated(field_namer(owner))
    assert "\n" not in str(failure.value)
    return failure.value


@pytest.mark.parametrize(
    ("target", "key", "fragment"),
    [
        (Rfc2136Dns(zone="example.com"), "dns.server", "missing"),
        (Rfc2136Dns(zone="example.com", server="ns1:x"), "dns.server", "is not HOST or HOST:PORT"),
        (Rfc2136Dns(zone="Not a zone!", server="ns1"), "dns.zone", "not a valid domain name"),
        (Rfc2136Dns(zone="example.com", server="ns1", tsig_name="k"), "dns.tsig_secret", "needs its secret"),
        (Rfc2136Dns(zone="example.com", server="ns1", tsig_name="k", tsig_secret="%%"), "dns.tsig_secret", "base64"),
        (Rfc2136Dns(zone="example.com", server="ns1", ttl=0), "dns.ttl", "from 1 to 86400"),
        (Route53Dns(zone="example.com", hosted_zone_id="zone-1"), "dns.hosted_zone_id", "hosted zone id"),
        (DnspodDns(zone="example.com", secret_key=SECRET), "dns.secret_id", "together"),
        (ExternalDns(zone=None), "dns.zone", "expected a domain name"),
        (SqliteLedgerArgs(quota=0), "ledger.quota", "at least 1"),
        (DynamoDbLedgerArgs(region="eu-central-1"), "ledger.table", "missing"),
        (TencentLedgerArgs(region="mars-1"), "ledger.region", "allowed: ap-guangzhou"),
    ],
)
def test_each_setting_is_checked_by_its_own_module_and_names_the_field(target: Any, key: str, fragment: str) -> None:
    error = problem(target, key.split(".")[0])
    assert error.key == key and fragment in str(error)


def test_a_secret_is_never_echoed() -> None:
    error = problem(Rfc2136Dns(zone="example.com", server="ns1", tsig_name="k", tsig_secret="not base64!!"), "dns")
    assert "not base64!!" not in str(error)
    assert "not base64!!" not in repr(Rfc2136Dns(zone="example.com", tsig_secret="not base64!!"))


def test_the_credential_stays_out_of_the_state_and_comes_back_beside_it() -> None:
    target = Rfc2136Dns(zone="example.com", server="ns1:53", tsig_name="k", tsig_secret=SECRET).validated(
        field_namer("dns")
    )
    state = target.state()
    assert SECRET not in str(state) and state["provider"] == "rfc2136"
    assert dns_target(state, target.credential()) == target


def test_a_missing_backend_library_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "boto3" else real(name, *a))
    error = problem(Route53Dns(zone="example.com"), "dns")
    assert error.key == "dns.provider" and "pip install 'dms-sender-domains[aws]'" in str(error)
    error = problem(DynamoDbLedgerArgs(table="t-1", region="eu-central-1"), "ledger")
    assert "[aws]" in str(error)


@pytest.mark.parametrize(
    ("values", "key", "fragment"),
    [
        ({"domain": "Not a Domain!!", "type": "batch"}, "args.domain", "not a valid domain name"),
        ({"domain": "n.example.com", "type": "bulk"}, "args.type", "'bulk' is not allowed; allowed: triggered, batch"),
        ({"domain": "n.example.org", "type": "batch"}, "args.domain", "not inside args.dns.zone example.com"),
        ({"domain": "n.example.com", "type": "batch", "dkim_key_bits": 4096}, "args.dkim_key_bits", "1024, 2048"),
        ({"domain": "n.example.com", "type": "batch", "dmarc_policy": "block"}, "args.dmarc_policy", "quarantine"),
        ({"domain": "n.example.com", "type": "batch", "adopt": "yes"}, "args.adopt", "true, false"),
        ({"domain": "n.example.com", "type": "batch", "dkim_rotation": 5}, "args.dkim_rotation", "non-empty label"),
        (
            {"domain": "n.example.com", "type": "batch", "dkim_max_key_age_days": 4000},
            "args.dkim_max_key_age_days",
            "from 1 to 3650",
        ),
        (
            {"domain": "n.example.com", "type": "batch", "dkim_overlap_days": 0},
            "args.dkim_overlap_days",
            "from 1 to 365",
        ),
    ],
)
def test_a_sender_domains_own_values_are_checked(values: dict[str, Any], key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as failure:
        check_spec(values, "example.com", field_namer("args"))
    assert failure.value.key == key and fragment in str(failure.value)


def test_a_key_with_a_newline_keeps_the_message_on_one_line() -> None:
    from dms_component.config import parse_stack_config

    with pytest.raises(ConfigError) as failure:
        parse_stack_config({"dns": {"zone": "example.com", "server": "ns1", "bad\nkey": 1}, "domains": []})
    assert "\n" not in str(failure.value) and "unknown key" in str(failure.value)


@pytest.mark.parametrize(("key", "value"), [("dkim_rotation", "2027-01"), ("dkim_max_key_age_days", 90)])
@pytest.mark.parametrize("style", [PYTHON, PACKAGE, STACK])
def test_a_rotation_input_with_the_services_key_is_refused_naming_it(style: str, key: str, value: Any) -> None:
    """With the tencent ledger the service holds the key: an input that would rotate ours would do nothing."""
    args = SenderDomainArgs(
        domain="mail.example.com",
        type="triggered",
        dns=ExternalDns(zone="example.com"),
        ledger=TencentLedgerArgs(),
        **{key: value},
    )
    with pytest.raises(ConfigError) as refused:
        normalise(args, front_for(style, "d", args))
    message = str(refused.value)
    assert refused.value.code == "dkim.rotation-input" and "\n" not in message
    assert message.startswith(Front(style, "d", "external", "tencent").name(key) + ":"), message
