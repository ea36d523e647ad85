"""The `dms` package's schema (what `pulumi package get-schema` shows) and its inputs' way to the Python API."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any, get_type_hints

import pytest

from dms_component import args as python_api
from dms_component.core.errors import ConfigError
from dms_component.core.records import DMARC_POLICIES, MAIL_TYPES
from dms_component.core.rules import SEVERITIES
from dms_component.package import types
from dms_component.package.component import converted
from dms_component.package.provider import PackageProvider
from dms_component.providers.adapters.dns import HOSTS, target_class
from dms_component.providers.adapters.dns.rfc2136 import Rfc2136Dns
from dms_component.providers.adapters.ledger import BACKENDS, settings_class
from dms_component.providers.adapters.ledger.sqlite import SqliteLedgerArgs

TOKEN = "dms:index:SenderDomain"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(PackageProvider().schema or "{}")


def properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every input and output of SenderDomain and every property of every object type, named."""
    resource = schema["resources"][TOKEN]
    found = [(f"input {k}", v) for k, v in resource["inputProperties"].items()]
    found += [(f"output {k}", v) for k, v in resource["properties"].items()]
    for token, typ in schema["types"].items():
        found += [(f"{token}.{k}", v) for k, v in typ.get("properties", {}).items()]
    return found


def test_every_input_output_type_and_enum_value_has_a_description(schema: dict[str, Any]) -> None:
    assert schema["name"] == "dms"
    assert schema["resources"][TOKEN]["isComponent"] is True
    assert schema["resources"][TOKEN]["description"].startswith("A sender domain")
    missing = [name for name, prop in properties(schema) if not prop.get("description", "").strip()]
    assert missing == []
    assert all(t.get("description") for t in schema["types"].values())
    values = [v for t in schema["types"].values() for v in t.get("enum", [])]
    assert values and all(v.get("description") for v in values)
    assert {"domain", "type", "dns", "ledger", "dmarcPolicy", "verification", "checks"} <= set(
        schema["resources"][TOKEN]["inputProperties"]
    )
    assert set(schema["resources"][TOKEN]["properties"]) == {
        "domain",
        "mailType",
        "status",
        "items",
        "records",
        "dkimSelector",
        "dkimPublicKey",
        "dkimPrivateKey",
        "dkimKeys",
        "smtpPasswords",
    }


def enum_values(schema: dict[str, Any], name: str) -> tuple[str, ...]:
    return tuple(v["value"] for v in schema["types"][f"dms:index:{name}"]["enum"])


def test_type_dmarc_policy_and_check_severities_are_enums_of_the_values_the_rules_allow(
    schema: dict[str, Any],
) -> None:
    inputs = schema["resources"][TOKEN]["inputProperties"]
    assert inputs["type"]["$ref"] == "#/types/dms:index:MailType"
    assert inputs["dmarcPolicy"]["$ref"] == "#/types/dms:index:DmarcPolicy"
    assert enum_values(schema, "MailType") == MAIL_TYPES
    assert enum_values(schema, "DmarcPolicy") == DMARC_POLICIES
    assert enum_values(schema, "Severity") == SEVERITIES
    checks = schema["types"]["dms:index:Checks"]["properties"]
    assert {p["$ref"] for p in checks.values()} == {"#/types/dms:index:Severity"}
    assert set(schema["resources"][TOKEN]["requiredInputs"]) == {"domain", "type", "dns"}


def test_the_dkim_private_key_the_smtp_passwords_and_the_dns_credentials_are_secret_and_nothing_else(
    schema: dict[str, Any],
) -> None:
    secret = sorted(name for name, prop in properties(schema) if prop.get("secret"))
    assert secret == [
        "dms:index:DnspodDns.secretKey",
        "dms:index:Rfc2136Dns.tsigSecret",
        "dms:index:SenderAddress.password",
        "output dkimPrivateKey",
        "output smtpPasswords",
    ]


@pytest.mark.parametrize(
    ("union", "kinds", "settings"),
    [(types.Dns, HOSTS, target_class), (types.Ledger, BACKENDS, settings_class)],
    ids=["dns", "ledger"],
)
def test_each_dns_host_and_ledger_is_offered_with_fields_its_settings_class_has(union, kinds, settings) -> None:
    offered = get_type_hints(union)
    assert set(offered) == set(kinds)
    for kind in kinds:
        known = {f.name for f in fields(settings(kind))}
        assert set(offered[kind].__annotations__) <= known, kind


def test_the_inputs_are_the_python_apis_fields() -> None:
    # __annotations__, not get_type_hints: pulumi.Input holds a forward reference it can't resolve.
    assert set(types.SenderDomainArgs.__annotations__) == {f.name for f in fields(python_api.SenderDomainArgs)}
    assert set(types.VerificationOptions.__annotations__) == {f.name for f in fields(python_api.VerificationArgs)}
    assert set(types.Checks.__annotations__) == {f.name for f in fields(python_api.ChecksArgs)}


def test_inputs_become_the_python_apis_args_and_messages_name_the_keys_as_written() -> None:
    given = {
        "domain": "notify.example.com",
        "type": types.MailType.TRIGGERED,
        "dmarc_policy": types.DmarcPolicy.REJECT,
        "dns": {"rfc2136": {"zone": "example.com", "server": "ns1.example.com", "ttl": 600.0}},
        "checks": {"type_separation": types.Severity.WARN},
        "verification": {"timeout": 30.0},
    }

    args, front = converted("notify", given)

    assert args.type == "triggered" and type(args.type) is str
    assert args.dmarc_policy == "reject"
    assert args.dns == Rfc2136Dns(zone="example.com", server="ns1.example.com", ttl=600)
    assert type(args.dns.ttl) is int  # the SDK hands numbers in objects over as floats
    assert args.ledger == SqliteLedgerArgs()
    assert args.checks.type_separation == "warn" and args.verification.timeout == 30
    assert front.at(front.name("dns.tsig_key_file")) == "SenderDomain notify: dns.rfc2136.tsigKeyFile"
    assert front.name("dns.provider") == "dns"
    assert front.name("dmarc_policy") == "dmarcPolicy"
    assert front.name("checks.type_separation") == "checks.typeSeparation"
    assert front.name("verification.timeout") == "verification.timeout"
    assert front.name("ledger.quota") == "ledger.sqlite.quota"
    _, front = converted("n", {**given, "ledger": {"dynamodb": {"table": "t", "region": "r"}}})
    assert front.name("ledger.table") == "ledger.dynamodb.table"


@pytest.mark.parametrize(
    "dns",
    [None, {}, {"rfc2136": {"zone": "a"}, "route53": {"zone": "a"}}],
    ids=["missing", "empty", "two"],
)
def test_dns_must_name_exactly_one_host(dns: Any) -> None:
    with pytest.raises(ConfigError) as refused:
        converted("n", {"domain": "n.example.com", "type": "batch", **({"dns": dns} if dns is not None else {})})

    assert refused.value.key == "dns"
    assert refused.value.problem.startswith("give exactly one of dnspod, external, rfc2136, route53")


def test_two_ledgers_are_refused() -> None:
    given = {"dns": {"external": {"zone": "a"}}, "ledger": {"sqlite": {}, "tencent": {}}}

    with pytest.raises(ConfigError) as refused:
        converted("n", given)

    assert refused.value.key == "ledger"
