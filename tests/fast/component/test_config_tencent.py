"""Stack config for the `tencent` ledger and the `dnspod` DNS provider (dms_component/config.py)."""

from __future__ import annotations

from typing import Any

import pytest

from dms_component.config import parse_stack_config
from dms_component.core.errors import ConfigError

SECRET = "the-secret-key-value"


def raw(dns: dict[str, Any] | None = None, ledger: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "domains": [{"domain": "notify.example.com", "type": "triggered"}],
        "dns": dns or {"provider": "dnspod", "zone": "example.com"},
        "ledger": ledger or {"backend": "tencent"},
    }


def error(dns: dict[str, Any] | None = None, ledger: dict[str, Any] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(raw(dns, ledger))
    return caught.value


def test_tencent_defaults_region_guangzhou_and_the_sdks_environment_credentials() -> None:
    ledger = parse_stack_config(raw()).ledger

    assert ledger.state() == {
        "backend": "tencent",
        "region": "ap-guangzhou",
        "endpoint": None,
        "secret_id": None,
        "quota": 5,
        "verify_timeout": 600.0,
    }
    assert ledger.decides_records and ledger.secret_key is None


def test_the_secret_key_is_kept_out_of_plain_settings_and_reprs() -> None:
    config = {"backend": "tencent", "region": "ap-singapore", "secretId": "AKIDx", "secretKey": SECRET}
    ledger = parse_stack_config(raw(ledger=config)).ledger

    assert SECRET not in str(ledger.state()) and SECRET not in repr(ledger)
    assert ledger.with_credential()["secret_key"] == SECRET  # handed on only as a Pulumi secret
    assert ledger.state()["secret_id"] == "AKIDx" and ledger.region == "ap-singapore"


@pytest.mark.parametrize(
    ("ledger", "key", "fragment"),
    [
        ({"backend": "tencent", "region": "ap-beijing"}, "dms:ledger.region", "allowed: ap-guangzhou, ap-hongkong"),
        ({"backend": "tencent", "secretId": "AKIDx"}, "dms:ledger.secretKey", "together, or neither"),
        ({"backend": "tencent", "secretKey": SECRET}, "dms:ledger.secretId", "TENCENTCLOUD_SECRET_ID"),
        ({"backend": "tencent", "secretId": "AKIDx", "secretKey": 7}, "dms:ledger.secretKey", "--secret"),
        ({"backend": "tencent", "path": "x.sqlite"}, "dms:ledger.path", "only for backend sqlite"),
        ({"backend": "sqlite", "secretKey": SECRET}, "dms:ledger.secretKey", "only for backend tencent"),
        ({"backend": "tencent", "verifyTimeout": 9000}, "dms:ledger.verifyTimeout", "0 to 7200"),
        ({"backend": "tencent", "endpoint": "not a url"}, "dms:ledger.endpoint", "host[:port]"),
    ],
)
def test_each_tencent_mistake_names_its_key(ledger: dict[str, Any], key: str, fragment: str) -> None:
    found = error(ledger=ledger)

    assert found.key == key and fragment in str(found)
    assert SECRET not in str(found)


def test_dnspod_settings_carry_the_id_and_hand_the_key_on_as_the_secret() -> None:
    dns = parse_stack_config(
        raw(dns={"provider": "dnspod", "zone": "example.com", "secretId": "AKIDd", "secretKey": SECRET})
    ).dns

    assert dns.state() == {
        "provider": "dnspod",
        "zone": "example.com",
        "ttl": 600,  # DNSPod's free plan refuses less
        "site": "china",  # the China site unless told: its host and its default line's name
        "endpoint": None,
        "secret_id": "AKIDd",
    }
    assert dns.credential() == SECRET and SECRET not in repr(dns)


def test_a_dnspod_ttl_is_taken_as_given() -> None:
    assert parse_stack_config(raw(dns={"provider": "dnspod", "zone": "example.com", "ttl": 3600})).dns.ttl == 3600


@pytest.mark.parametrize(
    ("dns", "key", "fragment"),
    [
        ({"provider": "dnspod", "zone": "example.com", "server": "ns1:53"}, "dms:dns.server", "only for provider"),
        ({"provider": "dnspod", "zone": "example.com", "secretKey": SECRET}, "dms:dns.secretId", "together"),
        (
            {"provider": "rfc2136", "server": "ns1:53", "zone": "example.com", "secretId": "x"},
            "dms:dns.secretId",
            "dnspod",
        ),
    ],
)
def test_each_dnspod_mistake_names_its_key(dns: dict[str, Any], key: str, fragment: str) -> None:
    found = error(dns=dns)

    assert found.key == key and fragment in str(found)
