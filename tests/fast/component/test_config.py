"""parse_stack_config: a valid stack and one clear error per mistake (dms_component/config.py)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from dms_component.args import DEFAULT_TIMEOUT, DomainSpec
from dms_component.args import VerificationArgs as VerificationSettings
from dms_component.config import parse_stack_config
from dms_component.core.errors import ConfigError
from dms_component.core.records import PROFILES
from dms_component.providers.adapters.dns.rfc2136 import Rfc2136Dns
from dms_component.providers.adapters.ledger.sqlite import SqliteLedgerArgs

SECRET = "c2VjcmV0LXRzaWcta2V5LXZhbHVlLTEyMzQ1Ng=="

FULL: dict[str, Any] = {
    "profile": "tencent-ses",
    "domains": [
        {"domain": "Notify.Example.com.", "type": "triggered"},
        {
            "domain": "news.example.com",
            "type": "batch",
            "dmarcPolicy": "quarantine",
            "dkimSelector": "S2024",
            "dkimKeyBits": 1024,
        },
    ],
    "dns": {
        "provider": "rfc2136",
        "server": "ns1.example.com:5353",
        "zone": "Example.COM",
        "ttl": 600,
        "tsig": {"keyFile": "/etc/dms/tsig.key"},
    },
    "ledger": {"backend": "sqlite", "path": "/var/lib/dms/ledger.sqlite", "quota": 10},
    "verification": {"nameserver": "[2001:db8::53]:53", "timeout": 120},
}

MINIMAL: dict[str, Any] = {
    "domains": [{"domain": "notify.example.com", "type": "triggered"}],
    "dns": {"server": "ns1.example.com", "zone": "example.com"},
}


def full() -> dict[str, Any]:
    return copy.deepcopy(FULL)


def error_for(raw: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as exc:
        parse_stack_config(raw)
    message = str(exc.value)
    assert "\n" not in message and "\r" not in message, message
    assert message.startswith(exc.value.key + ": ")
    return exc.value


# --- valid configs -----------------------------------------------------------------------------


def test_full_config_with_key_file() -> None:
    settings = parse_stack_config(full())

    assert settings.profile is PROFILES["tencent-ses"]
    assert settings.domains == (
        DomainSpec("notify.example.com", "triggered", None, None, 2048),
        DomainSpec("news.example.com", "batch", "quarantine", "s2024", 1024),
    )
    assert settings.dns == Rfc2136Dns(
        server="ns1.example.com:5353",
        zone="example.com",
        ttl=600,
        tsig_name=None,
        tsig_algorithm="hmac-sha256",
        tsig_key_file="/etc/dms/tsig.key",
        tsig_secret=None,
    )
    assert settings.ledger == SqliteLedgerArgs(path="/var/lib/dms/ledger.sqlite", quota=10)
    assert settings.verification == VerificationSettings("[2001:db8::53]:53", 120.0)
    assert isinstance(settings.verification.timeout, float)


def test_full_config_with_inline_secret() -> None:
    raw = full()
    raw["dns"]["tsig"] = {"name": "dms-key", "algorithm": "hmac-sha512", "secret": SECRET}

    dns = parse_stack_config(raw).dns

    assert (dns.tsig_name, dns.tsig_algorithm, dns.tsig_key_file, dns.tsig_secret) == (
        "dms-key",
        "hmac-sha512",
        None,
        SECRET,
    )


def test_verification_nameservers_is_a_list_asked_instead_of_the_primary_and_the_ns_set() -> None:
    raw = full()
    del raw["verification"]["nameserver"]
    raw["verification"]["nameservers"] = ["192.0.2.53", "ns2.example.net:5353"]

    settings = parse_stack_config(raw)

    assert settings.verification.servers() == ["192.0.2.53", "ns2.example.net:5353"]
    assert settings.dns.verified_at(settings.verification.servers()) == (["192.0.2.53", "ns2.example.net:5353"], None)
    one = parse_stack_config(full())  # nameserver: the same for one server
    assert one.verification.servers() == ["[2001:db8::53]:53"]
    default = parse_stack_config(copy.deepcopy(MINIMAL))  # the primary, and the zone's public NS set
    assert default.dns.verified_at(default.verification.servers()) == (["ns1.example.com"], "example.com")


def test_defaults_of_a_minimal_config() -> None:
    settings = parse_stack_config(copy.deepcopy(MINIMAL))

    assert settings.profile.name == "tencent-ses"
    assert settings.domains == (DomainSpec("notify.example.com", "triggered", None, None, 2048),)
    assert settings.dns == Rfc2136Dns(server="ns1.example.com", zone="example.com")
    assert settings.ledger == SqliteLedgerArgs(path=".state/ledger.sqlite", quota=5)
    assert settings.verification == VerificationSettings(None, DEFAULT_TIMEOUT)
    assert DEFAULT_TIMEOUT == 600.0


def test_domain_at_the_zone_apex_is_inside_the_zone() -> None:
    raw = copy.deepcopy(MINIMAL)
    raw["domains"][0]["domain"] = "example.com"
    assert parse_stack_config(raw).domains[0].domain == "example.com"


def test_empty_domain_list_is_allowed() -> None:
    raw = copy.deepcopy(MINIMAL)
    raw["domains"] = []
    assert parse_stack_config(raw).domains == ()


# --- secrets stay out of repr and settings -----------------------------------------------------


def test_dns_target_repr_and_settings_hide_the_secret() -> None:
    raw = full()
    raw["dns"]["tsig"] = {"name": "dms-key", "secret": SECRET}
    settings = parse_stack_config(raw)

    assert settings.dns.credential() == SECRET
    assert SECRET not in repr(settings.dns)
    assert SECRET not in str(settings.dns)
    assert SECRET not in repr(settings)
    dns_settings = settings.dns.state()
    assert SECRET not in repr(dns_settings)
    assert SECRET not in dns_settings.values()
    assert set(dns_settings) == {
        "provider",
        "server",
        "zone",
        "ttl",
        "tsig_name",
        "tsig_algorithm",
        "tsig_key_file",
    }
    assert dns_settings["tsig_name"] == "dms-key"


def test_ledger_settings_dict() -> None:
    assert parse_stack_config(full()).ledger.state() == {
        "backend": "sqlite",
        "path": "/var/lib/dms/ledger.sqlite",
        "quota": 10,
    }


# --- mistakes: one single-line error naming the exact key --------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: tuple[Any, ...], value: Any) -> Mutation:
    def mutate(raw: dict[str, Any]) -> None:
        target: Any = raw
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def _delete(path: tuple[Any, ...]) -> Mutation:
    def mutate(raw: dict[str, Any]) -> None:
        target: Any = raw
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return mutate


def _append_domain(entry: dict[str, Any]) -> Mutation:
    return lambda raw: raw["domains"].append(entry)


MISTAKES: list[tuple[str, Mutation, str, list[str]]] = [
    # (id, mutation of FULL, exact key, fragments the message must contain)
    ("missing domains", _delete(("domains",)), "dms:domains", ["missing", "domain:", "type:"]),
    ("domains not a list", _set(("domains",), {"domain": "a.example.com"}), "dms:domains", ["expected a list"]),
    ("domains a string", _set(("domains",), "notify.example.com"), "dms:domains", ["expected a list"]),
    ("entry not a map", _set(("domains", 1), "news.example.com"), "dms:domains[1]", ["expected a map"]),
    (
        "bad type",
        _set(("domains", 1, "type"), "marketing"),
        "dms:domains[1].type",
        ["'marketing' is not allowed", "allowed: triggered, batch"],
    ),
    ("missing type", _delete(("domains", 1, "type")), "dms:domains[1].type", ["missing", "triggered, batch"]),
    ("type not a string", _set(("domains", 0, "type"), 1), "dms:domains[0].type", ["triggered, batch"]),
    ("missing domain", _delete(("domains", 0, "domain")), "dms:domains[0].domain", ["expected a domain name"]),
    (
        "bad domain",
        _set(("domains", 1, "domain"), "news_letter.example.com"),
        "dms:domains[1].domain",
        ["'news_letter.example.com' is not a valid domain name"],
    ),
    (
        "duplicate domain",
        _append_domain({"domain": "NOTIFY.example.com.", "type": "batch"}),
        "dms:domains[2].domain",
        ["notify.example.com is declared twice", "triggered"],
    ),
    (
        "domain outside zone",
        _set(("domains", 1, "domain"), "news.example.org"),
        "dms:domains[1].domain",
        ["news.example.org is not inside dms:dns.zone example.com"],
    ),
    (
        "look-alike outside zone",
        _set(("domains", 0, "domain"), "notify.badexample.com"),
        "dms:domains[0].domain",
        ["not inside dms:dns.zone example.com"],
    ),
    (
        "unknown key in entry",
        _set(("domains", 1, "selector"), "s1"),
        "dms:domains[1].selector",
        ["unknown key", "dkimKeyBits, dkimMaxKeyAgeDays, dkimOverlapDays, dkimRotation, dkimSelector, dmarcPolicy"],
    ),
    (
        "bad dmarcPolicy",
        _set(("domains", 1, "dmarcPolicy"), "block"),
        "dms:domains[1].dmarcPolicy",
        ["'block' is not allowed", "allowed: none, quarantine, reject"],
    ),
    (
        "bad dkimKeyBits",
        _set(("domains", 1, "dkimKeyBits"), 4096),
        "dms:domains[1].dkimKeyBits",
        ["4096 is not allowed", "allowed: 1024, 2048"],
    ),
    (
        "dkimKeyBits as text",
        _set(("domains", 1, "dkimKeyBits"), "2048"),
        "dms:domains[1].dkimKeyBits",
        ["'2048' is not allowed", "allowed: 1024, 2048"],
    ),
    ("dkimKeyBits bool", _set(("domains", 1, "dkimKeyBits"), True), "dms:domains[1].dkimKeyBits", ["1024, 2048"]),
    (
        "dkimMaxKeyAgeDays zero",
        _set(("domains", 1, "dkimMaxKeyAgeDays"), 0),
        "dms:domains[1].dkimMaxKeyAgeDays",
        ["0 is not allowed", "[dkim.rotation-input]"],
    ),
    (
        "dkimOverlapDays as text",
        _set(("domains", 1, "dkimOverlapDays"), "7"),
        "dms:domains[1].dkimOverlapDays",
        ["'7' is not allowed", "[dkim.rotation-input]"],
    ),
    (
        "dkimRotation empty",
        _set(("domains", 1, "dkimRotation"), " "),
        "dms:domains[1].dkimRotation",
        ["non-empty label", "[dkim.rotation-input]"],
    ),
    (
        "bad dkimSelector",
        _set(("domains", 1, "dkimSelector"), "bad_sel"),
        "dms:domains[1].dkimSelector",
        ["is not a valid DKIM selector", "letters, digits or hyphens"],
    ),
    ("missing dns", _delete(("dns",)), "dms:dns", ["missing", "provider", "server", "zone"]),
    ("dns not a map", _set(("dns",), "ns1.example.com"), "dms:dns", ["expected a map"]),
    ("unknown dns key", _set(("dns", "port"), 53), "dms:dns.port", ["unknown key", "allowed:"]),
    (
        "bad provider",
        _set(("dns", "provider"), "cloudflare"),
        "dms:dns.provider",
        ["'cloudflare' is not allowed", "allowed: dnspod, external, rfc2136, route53"],
    ),
    ("missing server", _delete(("dns", "server")), "dms:dns.server", ["missing"]),
    ("bad server port", _set(("dns", "server"), "ns1.example.com:dns"), "dms:dns.server", ["is not HOST or HOST:PORT"]),
    ("server port zero", _set(("dns", "server"), "ns1.example.com:0"), "dms:dns.server", ["is not HOST or HOST:PORT"]),
    ("missing zone", _delete(("dns", "zone")), "dms:dns.zone", ["expected a domain name"]),
    ("ttl zero", _set(("dns", "ttl"), 0), "dms:dns.ttl", ["0 is not allowed", "1 to 86400"]),
    ("ttl too big", _set(("dns", "ttl"), 86401), "dms:dns.ttl", ["86401 is not allowed", "1 to 86400"]),
    ("ttl text", _set(("dns", "ttl"), "300"), "dms:dns.ttl", ["'300' is not allowed", "1 to 86400"]),
    ("ttl float", _set(("dns", "ttl"), 300.5), "dms:dns.ttl", ["1 to 86400"]),
    ("ttl bool", _set(("dns", "ttl"), True), "dms:dns.ttl", ["1 to 86400"]),
    (
        "tsig both",
        _set(("dns", "tsig"), {"name": "k", "secret": SECRET, "keyFile": "/k"}),
        "dms:dns.tsig.secret",
        ["give either it or dms:dns.tsig.keyFile, not both"],
    ),
    ("tsig neither", _set(("dns", "tsig"), {"name": "k"}), "dms:dns.tsig.secret", ["missing", "dms:dns.tsig.keyFile"]),
    (
        "tsig secret without name",
        _set(("dns", "tsig"), {"secret": SECRET}),
        "dms:dns.tsig.name",
        ["missing"],
    ),
    (
        "tsig bad algorithm",
        _set(("dns", "tsig"), {"name": "k", "secret": SECRET, "algorithm": "hmac-sha3"}),
        "dms:dns.tsig.algorithm",
        ["'hmac-sha3' is not allowed", "hmac-sha256"],
    ),
    ("tsig unknown key", _set(("dns", "tsig"), {"keyfile": "/k"}), "dms:dns.tsig.keyfile", ["unknown key", "keyFile"]),
    ("ledger quota zero", _set(("ledger", "quota"), 0), "dms:ledger.quota", ["0 is not allowed", "at least 1"]),
    ("ledger quota text", _set(("ledger", "quota"), "5"), "dms:ledger.quota", ["'5' is not allowed", "at least 1"]),
    ("ledger quota bool", _set(("ledger", "quota"), True), "dms:ledger.quota", ["at least 1"]),
    ("ledger quota float", _set(("ledger", "quota"), 5.0), "dms:ledger.quota", ["whole number"]),
    (
        "ledger backend",
        _set(("ledger", "backend"), "postgres"),
        "dms:ledger.backend",
        ["'postgres' is not allowed", "allowed: dynamodb, sqlite, tencent"],
    ),
    ("ledger unknown key", _set(("ledger", "file"), "x"), "dms:ledger.file", ["unknown key", "backend, path, quota"]),
    ("ledger not a map", _set(("ledger",), "sqlite"), "dms:ledger", ["expected a map"]),
    (
        "timeout negative",
        _set(("verification", "timeout"), -1),
        "dms:verification.timeout",
        ["-1 is not allowed", "0 to 7200"],
    ),
    ("timeout too big", _set(("verification", "timeout"), 7201), "dms:verification.timeout", ["0 to 7200"]),
    ("timeout text", _set(("verification", "timeout"), "10m"), "dms:verification.timeout", ["'10m' is not allowed"]),
    ("timeout nan", _set(("verification", "timeout"), float("nan")), "dms:verification.timeout", ["0 to 7200"]),
    ("timeout bool", _set(("verification", "timeout"), True), "dms:verification.timeout", ["0 to 7200"]),
    (
        "bad nameserver port",
        _set(("verification", "nameserver"), "192.0.2.53:abc"),
        "dms:verification.nameserver",
        ["'192.0.2.53:abc' is not HOST or HOST:PORT"],
    ),
    (
        "nameserver port too big",
        _set(("verification", "nameserver"), "192.0.2.53:65536"),
        "dms:verification.nameserver",
        ["is not HOST or HOST:PORT"],
    ),
    (
        "nameserver no host",
        _set(("verification", "nameserver"), ":53"),
        "dms:verification.nameserver",
        ["is not HOST or HOST:PORT"],
    ),
    (
        "nameserver bad v6 port",
        _set(("verification", "nameserver"), "[2001:db8::53]:x"),
        "dms:verification.nameserver",
        ["is not HOST or HOST:PORT"],
    ),
    ("nameserver not text", _set(("verification", "nameserver"), 53), "dms:verification.nameserver", ["not a string"]),
    (
        "nameservers and nameserver",
        _set(("verification", "nameservers"), ["192.0.2.53"]),
        "dms:verification.nameservers",
        ["give either it or dms:verification.nameserver, not both"],
    ),
    (
        "nameservers empty",
        lambda raw: (raw["verification"].pop("nameserver"), raw["verification"].update(nameservers=[])),
        "dms:verification.nameservers",
        ["must be a non-empty list of HOST[:PORT]"],
    ),
    (
        "nameservers not a list",
        lambda raw: (raw["verification"].pop("nameserver"), raw["verification"].update(nameservers="192.0.2.53")),
        "dms:verification.nameservers",
        ["must be a non-empty list"],
    ),
    (
        "nameservers bad entry",
        lambda raw: (raw["verification"].pop("nameserver"), raw["verification"].update(nameservers=["a", ":53"])),
        "dms:verification.nameservers[1]",
        ["':53' is not HOST or HOST:PORT"],
    ),
    (
        "verification unknown key",
        _set(("verification", "retries"), 3),
        "dms:verification.retries",
        ["unknown key", "nameserver, nameservers, timeout"],
    ),
    ("bad profile", _set(("profile",), "aws-ses"), "dms:profile", ["'aws-ses' is not allowed", "tencent-ses"]),
]


@pytest.mark.parametrize(("mutate", "key", "fragments"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_each_mistake_names_its_key(mutate: Mutation, key: str, fragments: list[str]) -> None:
    raw = full()
    mutate(raw)

    error = error_for(raw)

    assert error.key == key
    for fragment in fragments:
        assert fragment in error.problem, (fragment, str(error))


def test_first_bad_entry_is_reported_by_index() -> None:
    raw = full()
    raw["domains"].append({"domain": "third.example.com", "type": "weekly"})
    assert error_for(raw).key == "dms:domains[2].type"


def test_missing_domains_still_needs_valid_dns_first() -> None:
    # dms:dns is read first because domains are checked against its zone.
    raw = full()
    del raw["domains"]
    del raw["dns"]
    assert error_for(raw).key == "dms:dns"


@pytest.mark.parametrize(
    "secret",
    [12345678, {"value": SECRET}, [SECRET]],
    ids=["number", "map", "list"],
)
def test_a_wrongly_typed_secret_is_not_echoed(secret: object) -> None:
    raw = full()
    raw["dns"]["tsig"] = {"name": "k", "secret": secret}

    error = error_for(raw)

    assert error.key == "dms:dns.tsig.secret"
    assert repr(secret) not in str(error)
    assert str(secret) not in str(error)


def test_bad_selector_message_quotes_what_the_user_wrote() -> None:
    raw = full()
    raw["domains"][1]["dkimSelector"] = "bad_sel"

    error = error_for(raw)

    assert error.key == "dms:domains[1].dkimSelector"
    assert "'bad_sel'" in error.problem
    assert ".x" not in error.problem


@pytest.mark.parametrize("text", ["[2001:db8::53]junk", "[2001:db8::53", "[2001:db8::53]53"])
def test_malformed_bracketed_nameserver_is_rejected(text: str) -> None:
    raw = full()
    raw["verification"]["nameserver"] = text

    error = error_for(raw)

    assert error.key == "dms:verification.nameserver"


def test_route53_and_dnspod_verify_at_the_zones_ns_set_unless_told_otherwise() -> None:
    from dms_component import DnspodDns, Route53Dns

    for target in (Route53Dns(zone="example.com"), DnspodDns(zone="example.com")):
        assert target.verified_at() == ([], None)  # no primary: each name's own NS set, found when asked
        assert target.verified_at(["192.0.2.53"]) == (["192.0.2.53"], None)
