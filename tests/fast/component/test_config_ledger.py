"""dms:ledger for both backends: plain settings, and one line naming the key for every mistake."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

from dms_component.config import parse_stack_config
from dms_component.core.errors import ConfigError
from dms_component.providers.adapters.ledger import LedgerSettings
from dms_component.providers.adapters.ledger.dynamodb import DynamoDbLedgerArgs

BASE: dict[str, Any] = {
    "domains": [{"domain": "notify.example.com", "type": "triggered"}],
    "dns": {"server": "ns1.example.com", "zone": "example.com"},
}
DYNAMODB = {"backend": "dynamodb", "table": "dms-ledger", "region": "eu-central-1"}


def ledger_of(ledger: Any) -> LedgerSettings:
    return parse_stack_config({**BASE, "ledger": ledger}).ledger


def error_for(ledger: Any) -> str:
    with pytest.raises(ConfigError) as exc:
        ledger_of(ledger)
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_dynamodb_settings_in_full() -> None:
    settings = ledger_of(
        {
            **DYNAMODB,
            "account": "tencent-100012345678",
            "profile": "ci-ledger",
            "endpoint": "http://127.0.0.1:8000",
            "quota": 10,
        }
    )

    assert settings == DynamoDbLedgerArgs(
        quota=10,
        table="dms-ledger",
        region="eu-central-1",
        account="tencent-100012345678",
        profile="ci-ledger",
        endpoint="http://127.0.0.1:8000",
    )
    plain = settings.state()
    assert plain == {
        "backend": "dynamodb",
        "table": "dms-ledger",
        "region": "eu-central-1",
        "account": "tencent-100012345678",
        "profile": "ci-ledger",
        "endpoint": "http://127.0.0.1:8000",
        "quota": 10,
    }
    # Stored in Pulumi state and pickled with the providers: plain JSON-able data only.
    assert json.loads(json.dumps(plain)) == plain
    assert pickle.loads(pickle.dumps(plain)) == plain


def test_dynamodb_defaults() -> None:
    assert ledger_of(DYNAMODB).state() == {
        "backend": "dynamodb",
        "table": "dms-ledger",
        "region": "eu-central-1",
        "account": "default",
        "profile": None,
        "endpoint": None,
        "quota": 5,
    }


def test_an_account_number_without_quotes_is_taken_as_text() -> None:
    assert ledger_of({**DYNAMODB, "account": 100012345678}).account == "100012345678"


def test_sqlite_settings_stay_as_they_were() -> None:
    """The same three keys as before: existing stacks see no diff in their `ledger` input."""
    assert ledger_of(None).state() == {"backend": "sqlite", "path": ".state/ledger.sqlite", "quota": 5}
    explicit = ledger_of({"path": "/l.sqlite", "quota": 7}).state()
    assert explicit == {"backend": "sqlite", "path": "/l.sqlite", "quota": 7}


@pytest.mark.parametrize(
    ("ledger", "expected"),
    [
        ({"backend": "dynamodb", "region": "us-east-1"}, "dms:ledger.table: missing: name the DynamoDB table"),
        ({**DYNAMODB, "table": "ab"}, "dms:ledger.table: 'ab' is not a DynamoDB table name; use 3 to 255 of"),
        ({**DYNAMODB, "table": "dms ledger"}, "dms:ledger.table: 'dms ledger' is not a DynamoDB table name"),
        ({**DYNAMODB, "table": "x" * 256}, "dms:ledger.table: 'xxxxxxxxx"),
        ({**DYNAMODB, "table": 42}, "dms:ledger.table: 42 is not a string"),
        ({"backend": "dynamodb", "table": "t-1"}, "dms:ledger.region: missing: name the table's AWS region"),
        ({**DYNAMODB, "region": "Frankfurt"}, "dms:ledger.region: 'Frankfurt' is not an AWS region; use one such as"),
        ({**DYNAMODB, "region": "eu-central"}, "dms:ledger.region: 'eu-central' is not an AWS region"),
        ({**DYNAMODB, "region": "US-EAST-1"}, "dms:ledger.region: 'US-EAST-1' is not an AWS region"),
        ({**DYNAMODB, "account": "team a"}, "dms:ledger.account: 'team a' is not allowed; use up to 128 of"),
        ({**DYNAMODB, "account": ""}, "dms:ledger.account: '' is not a string"),
        ({**DYNAMODB, "account": True}, "dms:ledger.account: True is not a string"),
        ({**DYNAMODB, "profile": ""}, "dms:ledger.profile: '' is not a string"),
        ({**DYNAMODB, "endpoint": "localhost:8000"}, "dms:ledger.endpoint: is not allowed; use http(s)://HOST[:PORT]"),
        ({**DYNAMODB, "endpoint": "ftp://h"}, "dms:ledger.endpoint: is not allowed; use http(s)://HOST[:PORT]"),
        ({**DYNAMODB, "endpoint": "http://h:99999"}, "dms:ledger.endpoint: is not allowed"),
        ({**DYNAMODB, "endpoint": "http://h/path"}, "dms:ledger.endpoint: is not allowed"),
        ({**DYNAMODB, "quota": 0}, "dms:ledger.quota: 0 is not allowed; use a whole number of at least 1"),
        ({**DYNAMODB, "path": "/l"}, "dms:ledger.path: is only for backend sqlite; dms:ledger.backend is dynamodb"),
        ({"table": "dms-ledger"}, "dms:ledger.table: is only for backend dynamodb; dms:ledger.backend is sqlite"),
        ({"backend": "sqlite", "region": "us-east-1"}, "dms:ledger.region: is only for backend dynamodb"),
        ({**DYNAMODB, "tabel": "x"}, "dms:ledger.tabel: unknown key; allowed: account, backend, endpoint, profile,"),
        ({"backend": "etcd"}, "dms:ledger.backend: 'etcd' is not allowed; allowed: dynamodb, sqlite"),
        ("dynamodb", "dms:ledger: expected a map with keys account, backend, endpoint, path, profile, quota, region"),
    ],
)
def test_mistakes_are_one_line_naming_the_key(ledger: Any, expected: str) -> None:
    assert error_for(ledger).startswith(expected)


def test_an_endpoint_with_a_password_is_refused_without_echoing_it() -> None:
    message = error_for({**DYNAMODB, "endpoint": "http://admin:hunter2-secret@127.0.0.1:8000"})
    assert message == "dms:ledger.endpoint: must be http(s)://HOST[:PORT] without user, password or query"
    assert "hunter2" not in message


def test_a_sender_quota_other_than_the_default_is_kept_in_state() -> None:
    """Issue 26: `senderQuota` (default 10, counted per account); the default stays out of state, so stacks from
    before see no diff, and another value travels to the ledger the resources open."""
    from dms_component.providers.adapters.ledger import ledger_settings

    default = ledger_of(None)
    assert default.sender_quota == 10 and "sender_quota" not in default.state()
    assert ledger_settings(default.state()).open().sender_quota == 10
    raised = ledger_of({"backend": "sqlite", "senderQuota": 50})
    assert raised.state()["sender_quota"] == 50
    assert ledger_settings(raised.state()).open().sender_quota == 50
    assert default.ledger_id() == raised.ledger_id()  # the same ledger, like another quota


@pytest.mark.parametrize("value", [0, -1, "ten", True, 2.5])
def test_a_bad_sender_quota_names_its_key(value: object) -> None:
    with pytest.raises(ConfigError) as exc:
        ledger_of({"backend": "sqlite", "senderQuota": value})
    assert str(exc.value).startswith("dms:ledger.senderQuota: ")
