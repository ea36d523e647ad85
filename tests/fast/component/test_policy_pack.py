"""The policy pack's checks (dms_component/policy_pack.py) on resources as the engine reports them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dms_component.policy_pack import (
    IDENTITY_TYPE,
    declared_identities,
    ledger_verified,
    quota_violation,
    type_separation_violations,
)
from dms_component.providers.adapters.ledger.sqlite import SqliteLedger


@dataclass
class FakeResource:  # the two attributes of pulumi_policy's PolicyResource that the pack reads
    resource_type: str
    props: dict[str, Any] = field(default_factory=dict)
    urn: str = "urn"


def identity(
    domain: Any, mail_type: Any = "triggered", quota: float = 5.0, path: str = "ledger.sqlite"
) -> FakeResource:
    ledger = {"backend": "sqlite", "path": path, "quota": quota}  # numbers arrive as floats
    return FakeResource(IDENTITY_TYPE, {"domain": domain, "mail_type": mail_type, "ledger": ledger})


def test_only_sender_identities_with_known_inputs_are_read() -> None:
    resources = [
        identity("a.example.com"),
        FakeResource("pulumi-python:dynamic/dms:DnsRecords", {"domain": "a.example.com"}),
        identity(None),  # unknown at preview: nothing to judge
    ]
    assert [i.domain for i in declared_identities(resources)] == ["a.example.com"]


def test_type_separation_flags_both_types_and_plain_duplicates() -> None:
    found = declared_identities(
        [
            identity("both.example.com", "triggered"),
            identity("both.example.com", "batch"),
            identity("twice.example.com", "batch"),
            identity("twice.example.com", "batch"),
            identity("fine.example.com", "batch"),
        ]
    )

    violations = type_separation_violations(found)

    assert len(violations) == 2
    assert violations[0].startswith("both.example.com is declared twice")
    assert violations[0].endswith("[rules.type-separation]")
    assert violations[1].startswith("twice.example.com") and violations[1].endswith("[rules.declared-twice]")


def test_quota_uses_the_policy_config_or_else_the_smallest_ledger_quota() -> None:
    found = declared_identities([identity("a.x.com", quota=5.0), identity("b.x.com", quota=2.0)])
    assert quota_violation(found, None, lambda _: ["v.x.com"]) is not None  # 2 allowed, 1 verified + 2 new
    assert quota_violation(found, 3, lambda _: ["v.x.com"]) is None
    message = quota_violation(found, 1.0, lambda _: [], read_ledger=False)
    assert message is not None and "b.x.com would not fit; a.x.com would fit" in message


def test_quota_fails_closed_when_the_ledger_cant_be_read() -> None:
    def broken(_: object) -> list[str]:
        raise OSError("disk gone")

    message = quota_violation(declared_identities([identity("a.x.com")]), 5, broken)
    assert message == "quota: can't read the ledger to check the quota: disk gone"


def test_ledger_verified_reads_a_real_sqlite_ledger(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    ledger = SqliteLedger(path, 5)
    ledger.register("v.x.com", "batch")
    ledger.mark_verified("v.x.com")
    ledger.register("p.x.com", "batch")

    assert ledger_verified({"backend": "sqlite", "path": str(path), "quota": 5.0}) == ["v.x.com"]
