"""The component graph under pulumi.runtime.set_mocks: which children, wired how (no engine, no I/O)."""

from __future__ import annotations

import asyncio
import json

import pulumi
import pytest

from dms_component.config import parse_stack_config
from tests.support.graph_mocks import CREATED, Mocks


@pytest.fixture(autouse=True)
def mocks():
    """Mocks on a loop of their own: another test's asyncio.run() may have closed the current one."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_mocks(Mocks(), preview=False)
    yield
    asyncio.set_event_loop(None)
    loop.close()


SETTINGS = parse_stack_config(
    {
        "domains": [{"domain": "Notify.Example.Test.", "type": "triggered", "dmarcPolicy": "reject"}],
        "dns": {
            "server": "127.0.0.1:5300",
            "zone": "example.test",
            "tsig": {"name": "k", "secret": "c2VjcmV0c2VjcmV0", "algorithm": "hmac-sha256"},
        },
        "ledger": {"path": "/tmp/ledger.sqlite"},
    }
)


def sender():
    from dms_component.component import SenderDomain

    entry = SETTINGS.entries[0]
    return SenderDomain("notify", entry.args, front=entry.front)


@pulumi.runtime.test
def test_a_sender_domain_has_identity_records_and_verification_children() -> pulumi.Output:
    CREATED.clear()
    domain = sender()

    def check(urns: list[str]) -> None:
        children = [a for a in CREATED if a.typ.startswith("pulumi-python:dynamic")]
        assert sorted((a.typ.rsplit(":", 1)[-1], a.name) for a in children) == [
            ("DnsRecords", "notify/records"),
            ("SenderIdentity", "notify/identity"),
            ("Verification", "notify/verification"),
        ]
        assert urns[0].endswith("dms:index:SenderDomain::notify")
        for urn in urns[1:]:
            assert "dms:index:SenderDomain$pulumi-python:dynamic/dms:" in urn  # parented to the component

    children = (domain.identity, domain.dns_records, domain.verification)
    return pulumi.Output.all(domain.urn, *(c.urn for c in children)).apply(check)


@pulumi.runtime.test
def test_records_are_computed_from_the_identitys_public_key() -> pulumi.Output:
    CREATED.clear()
    domain = sender()

    def check(args: list) -> None:
        records = args[0]
        by_item = {r["item"]: r for r in records}
        assert by_item["DKIM"]["value"] == "v=DKIM1; k=rsa; p=PUBKEY"
        assert by_item["DKIM"]["host"] == "qcloud._domainkey.notify.example.test"
        assert by_item["DMARC"]["value"] == "v=DMARC1; p=reject"
        dns_inputs = next(a.inputs for a in CREATED if a.typ.endswith("dms:DnsRecords"))
        assert dns_inputs["dns"]["server"] == "127.0.0.1:5300"
        assert "c2VjcmV0c2VjcmV0" not in json.dumps(dns_inputs["dns"])  # the secret travels apart
        verification = next(a.inputs for a in CREATED if a.typ.endswith("dms:Verification"))
        assert verification["nameservers"] == ["127.0.0.1:5300"]

    return pulumi.Output.all(domain.records, domain.status).apply(check)


@pulumi.runtime.test
def test_the_private_key_and_tsig_secret_stay_secret() -> pulumi.Output:
    CREATED.clear()
    domain = sender()

    def check(flags: list[bool]) -> None:
        assert flags == [True]

    return pulumi.Output.all(pulumi.Output.from_input(domain.dkim_private_key).is_secret()).apply(check)


def test_a_bad_config_stops_the_program_with_one_line() -> None:
    from dms_component import program

    pulumi.runtime.set_all_config({"dms:domains": json.dumps([{"domain": "x.example.test", "type": "bulk"}])})
    try:
        with pytest.raises(pulumi.RunError) as failure:
            program.main()
    finally:
        pulumi.runtime.set_all_config({})
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith("invalid stack config: dms:")


@pytest.mark.parametrize(
    ("config", "start"),
    [
        ({"dms:domain": "[]"}, "invalid stack config: dms:domain: unknown key; allowed: dms:profile, dms:domains"),
        (
            {"dms:profile": "tencent"},
            "invalid stack config: dms:profile: 'tencent' is not allowed; allowed: tencent-ses",
        ),
    ],
)
def test_every_dms_key_is_checked(config: dict[str, str], start: str) -> None:
    from dms_component import program

    pulumi.runtime.set_all_config(config)
    try:
        with pytest.raises(pulumi.RunError) as failure:
            program.main()
    finally:
        pulumi.runtime.set_all_config({})
    assert str(failure.value).startswith(start)


def test_a_plain_string_profile_is_read() -> None:
    from dms_component import program

    pulumi.runtime.set_all_config({"dms:profile": "tencent-ses", "aws:region": "x", "dms:domains": "[]"})
    try:
        assert program.stack_config() == {"profile": "tencent-ses", "domains": []}
    finally:
        pulumi.runtime.set_all_config({})
