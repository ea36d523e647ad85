"""Every refusal from every front end names the key as that program wrote it, with its stable code.

The same SenderDomain, declared three ways: a Python program (SenderDomainArgs), the `dms` package's inputs as a
YAML or TypeScript program gives them, and this project's stack config. The rules run in the component, under
pulumi.runtime.set_mocks (preview; the SQLite ledger is a real file); the delete-step refusal runs in the real
provider's delete. Each case asserts the code and the key's name, not the prose.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from dms_component import SenderDomain, SenderDomainArgs
from dms_component.args import ChecksArgs
from dms_component.config import parse_stack_config
from dms_component.core.errors import ConfigError
from dms_component.core.naming import PACKAGE, PYTHON, STACK
from dms_component.package.component import converted
from dms_component.providers.adapters.dns.rfc2136 import Rfc2136Dns
from dms_component.providers.adapters.ledger.sqlite import SqliteLedger, SqliteLedgerArgs
from dms_component.providers.resources.refusals import Refusal
from dms_component.providers.resources.verification import VerificationProvider
from tests.support.graph_mocks import Mocks

ZONE = "example.test"
SERVER = "127.0.0.1:5300"
# How each front end names the keys the refusals point at.
NAMES = {
    PYTHON: {"quota": "SenderDomainArgs.ledger.quota", "domain": "SenderDomainArgs.domain",
             "subdomain": "SenderDomainArgs.checks.subdomain", "retire": "SenderDomainArgs.retire",
             "type": "SenderDomainArgs.type"},
    PACKAGE: {"quota": "ledger.sqlite.quota", "domain": "domain", "subdomain": "checks.subdomain",
              "retire": "retire", "type": "type"},
    STACK: {"quota": "dms:ledger.quota", "domain": "dms:domains[1].domain", "subdomain": "dms:checks.subdomain",
            "retire": "dms:domains[1].retire", "type": "dms:domains[1].type"},
}  # fmt: skip
FRONTS = list(NAMES)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_mocks(Mocks(), preview=True)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    """An account with two verified sender domains that allows two."""
    path = tmp_path / "ledger.sqlite"
    ledger = SqliteLedger(path, 2)
    for domain in (f"a.{ZONE}", f"b.{ZONE}"):
        ledger.register(domain, "triggered")
        ledger.mark_verified(domain)
    return path


def declare(
    front: str, ledger: Path, domains: list[tuple[str, str]], quota: int = 2, **extra: Any
) -> list[SenderDomain]:
    """The sender domains as the front end declares them: `(name, domain)` each, triggered mail."""
    checks = extra.pop("checks", {})
    rotation = {k: extra.pop(k) for k in list(extra) if k.startswith("dkim_")}  # SenderDomainArgs' field names
    if front == PYTHON:
        return [
            SenderDomain(
                name,
                SenderDomainArgs(
                    domain=domain,
                    type=extra.get("type", "triggered"),
                    dns=Rfc2136Dns(server=SERVER, zone=ZONE),
                    ledger=SqliteLedgerArgs(path=str(ledger), quota=quota),
                    checks=ChecksArgs(**checks),
                    **rotation,
                ),
            )
            for name, domain in domains
        ]
    if front == PACKAGE:
        from dms_component.package.component import SenderDomain as PackageSenderDomain

        inputs = {
            "type": extra.get("type", "triggered"),
            "dns": {"rfc2136": {"server": SERVER, "zone": ZONE}},
            "ledger": {"sqlite": {"path": str(ledger), "quota": float(quota)}},  # the SDK hands numbers over as floats
            "checks": checks,
            **rotation,
        }
        return [PackageSenderDomain(name, {"domain": domain, **inputs}) for name, domain in domains]
    config = {
        "domains": [{"domain": f"x.{ZONE}", "type": "triggered"}]
        + [
            {"domain": d, "type": extra.get("type", "triggered"), **{_camel(k): v for k, v in rotation.items()}}
            for _, d in domains
        ],
        "dns": {"server": SERVER, "zone": ZONE},
        "ledger": {"path": str(ledger), "quota": quota},
        "checks": {_camel(k): v for k, v in checks.items()},
    }
    settings = parse_stack_config(config)  # the first entry is another domain: the ones under test are [1] on
    return [SenderDomain(e.spec.domain, e.args, front=e.front) for e in settings.entries[1:]]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def refusal(loop: asyncio.AbstractEventLoop, sender: SenderDomain) -> str:
    with pytest.raises(pulumi.RunError) as refused:
        loop.run_until_complete(sender.identity.owner.future())
    message = str(refused.value)
    assert "\n" not in message and "dms_component." not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize("front", FRONTS)
def test_the_quota_names_the_quota_key(front: str, loop, ledger_path: Path) -> None:
    [over] = declare(front, ledger_path, [("c", f"c.{ZONE}")])

    message = refusal(loop, over)

    assert message.endswith("[ledger.quota]") and f"raise {NAMES[front]['quota']} if" in message


@pytest.mark.parametrize("front", FRONTS)
def test_a_domain_declared_twice_names_the_second_ones_domain_key(front: str, loop, ledger_path: Path) -> None:
    twice = [("d", f"d.{ZONE}"), ("d2", f"d.{ZONE}")]
    if front == STACK:  # stack config manages one entry per domain: refused as the config is read
        with pytest.raises(ConfigError) as refused:
            declare(front, ledger_path, twice, quota=5)
        message, key = str(refused.value), "dms:domains[2].domain"
    else:
        _, second = declare(front, ledger_path, twice, quota=5)
        message, key = refusal(loop, second), NAMES[front]["domain"]

    assert message.endswith("[rules.declared-twice]")
    assert f"{key}: d.{ZONE} is declared twice" in message


@pytest.mark.parametrize("front", FRONTS)
def test_the_subdomain_check_names_its_severity_key(front: str, loop, ledger_path: Path) -> None:
    [apex] = declare(front, ledger_path, [("apex", ZONE)], quota=5, checks={"subdomain": "error"})

    message = refusal(loop, apex)

    assert message.endswith("[rules.subdomain]")
    assert f"{NAMES[front]['domain']}: {ZONE} is a registrable domain" in message
    assert f"({NAMES[front]['subdomain']} is error)" in message


@pytest.mark.parametrize("front", FRONTS)
def test_a_bad_value_names_its_key(front: str, loop, ledger_path: Path) -> None:
    with pytest.raises((pulumi.RunError, ConfigError)) as refused:  # the stack's config is read first
        declare(front, ledger_path, [("e", f"e.{ZONE}")], type="bulk")

    assert f"{NAMES[front]['type']}: 'bulk' is not allowed; allowed: triggered, batch" in str(refused.value)


@pytest.mark.parametrize("front", FRONTS)
def test_deleting_a_verified_domain_names_the_retire_key_without_a_class_path(front: str, ledger_path: Path) -> None:
    """The refusal at the delete step, in the provider: worded by the Front the resource keeps in its inputs."""
    from dms_component.args import front_for

    where = {PYTHON: "a", PACKAGE: "a", STACK: "dms:domains[1]"}[front]
    args = SenderDomainArgs(
        domain=f"a.{ZONE}", type="triggered", dns=Rfc2136Dns(server=SERVER, zone=ZONE), ledger=SqliteLedgerArgs()
    )
    props = {
        "domain": f"a.{ZONE}",
        "ledger": {"backend": "sqlite", "path": str(ledger_path), "quota": 2},
        "front": front_for(front, where, args).to_dict(),
    }

    with pytest.raises(Refusal) as refused:
        VerificationProvider().delete(f"a.{ZONE}/verification", props)

    line = f"{type(refused.value).__name__}: {refused.value}"  # as the dynamic-provider host prints it
    assert line.startswith(f"dms: a.{ZONE} is a verified sender domain")
    assert refused.value.code == "ledger.verified-protected"
    assert f"set {NAMES[front]['retire']} to true" in line and "dms_component." not in line


def test_the_package_front_is_what_converted_gives() -> None:
    """The package's SenderDomain takes its Front from `converted`: the YAML and TypeScript key names."""
    _, front = converted("n", {"domain": f"n.{ZONE}", "type": "batch", "dns": {"rfc2136": {"zone": ZONE}}})
    assert (front.style, front.name("ledger.quota"), front.name("dns.tsig_key_file")) == (
        PACKAGE,
        "ledger.sqlite.quota",
        "dns.rfc2136.tsigKeyFile",
    )


@pytest.mark.parametrize("front", FRONTS)
def test_a_bad_rotation_input_names_its_key_with_its_code(front: str, loop, ledger_path: Path) -> None:
    with pytest.raises((pulumi.RunError, ConfigError)) as refused:
        declare(front, ledger_path, [("f", f"f.{ZONE}")], dkim_overlap_days=0)

    key = {PYTHON: "SenderDomainArgs.dkim_overlap_days", PACKAGE: "dkimOverlapDays"}.get(
        front, "dms:domains[1].dkimOverlapDays"
    )
    message = str(refused.value)
    assert f"{key}: 0 is not allowed" in message and message.endswith("[dkim.rotation-input]"), message
    assert "\n" not in message and "Traceback" not in message
