"""Stack config for Route53 (dms:dns with provider route53, aws:profile, aws:region) and per-domain adopt."""

from __future__ import annotations

from typing import Any

import pytest

from dms_component.config import parse_stack_config
from dms_component.core.errors import ConfigError


def raw(dns: dict[str, Any], **domain: Any) -> dict[str, Any]:
    return {"domains": [{"domain": "notify.example.com", "type": "triggered", **domain}], "dns": dns}


def test_route53_by_zone_name_with_aws_profile_and_region():
    settings = parse_stack_config(
        raw({"provider": "route53", "zone": "Example.com"}), {"profile": "dns-admin", "region": "eu-west-1"}
    )
    assert settings.dns.state() == {
        "provider": "route53",
        "zone": "example.com",
        "ttl": 300,
        "hosted_zone_id": None,
        "endpoint": None,
        "profile": "dns-admin",
        "region": "eu-west-1",
    }


def test_route53_with_hosted_zone_id():
    settings = parse_stack_config(raw({"provider": "route53", "zone": "example.com", "hostedZoneId": "Z0ABC123"}))
    assert settings.dns.state()["hosted_zone_id"] == "Z0ABC123"


@pytest.mark.parametrize(
    ("dns", "key", "problem"),
    [
        ({"provider": "route53", "zone": "example.com", "server": "ns1:53"}, "dms:dns.server", "only for provider"),
        (
            {"provider": "route53", "zone": "example.com", "hostedZoneId": "zone-1"},
            "dms:dns.hostedZoneId",
            "hosted zone id",
        ),
        ({"provider": "route53", "zone": "example.com", "endpoint": "moto:5000"}, "dms:dns.endpoint", "http"),
        (
            {"provider": "rfc2136", "server": "ns1:53", "zone": "example.com", "hostedZoneId": "Z1"},
            "dms:dns.hostedZoneId",
            "only for provider route53",
        ),
        ({"provider": "route53"}, "dms:dns.zone", "expected a domain name"),
        ({"provider": "cloudflare", "zone": "example.com"}, "dms:dns.provider", "allowed: dnspod, external, rfc2136"),
    ],
)
def test_each_route53_mistake_names_its_key(dns: dict[str, Any], key: str, problem: str):
    with pytest.raises(ConfigError) as exc:
        parse_stack_config(raw(dns))
    assert exc.value.key == key and problem in str(exc.value)
    assert "\n" not in str(exc.value)


def test_an_empty_aws_profile_is_named():
    with pytest.raises(ConfigError, match=r"^aws:profile: "):
        parse_stack_config(raw({"provider": "route53", "zone": "example.com"}), {"profile": " "})


def test_adopt_is_a_boolean_per_domain():
    dns = {"provider": "route53", "zone": "example.com"}
    assert parse_stack_config(raw(dns, adopt=True)).domains[0].adopt is True
    assert parse_stack_config(raw(dns)).domains[0].adopt is False
    with pytest.raises(ConfigError) as exc:
        parse_stack_config(raw(dns, adopt="yes"))
    assert exc.value.key == "dms:domains[0].adopt"
