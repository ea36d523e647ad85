"""End to end: the policy pack in policy/ run by the real Pulumi CLI (`pulumi preview --policy-pack`).

These machines have no Pulumi Python language host, so the pack is passed as its executable
(policy/run-policy-pack), which the CLI launches directly as an analyzer plugin; see docs/rules.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pulumi
import pytest
from pulumi import automation as auto

from devtools.localdns import LocalDnsServer
from devtools.runner import ROOT, open_stack
from dms_component.providers.resources.context import LedgerContext
from dms_component.providers.resources.identity import SenderIdentity
from dms_component.version import VERSION
from tests.e2e.harness import PASSPHRASE, Deployment
from tests.e2e.test_rules import entry, ledger, rows

pytestmark = pytest.mark.e2e
PACK = str(ROOT / "policy" / "run-policy-pack")


@pytest.fixture
def deployment(tmp_path: Path, local_dns: LocalDnsServer) -> Iterator[Deployment]:
    yield Deployment(tmp_path / "a", local_dns)


def pack_config(folder: Path, **config: object) -> str:
    path = folder / "policy-config.json"
    path.write_text(json.dumps({"sender-domain-quota": {"enforcementLevel": "mandatory", **config}}))
    return str(path)


def test_a_stack_within_the_rules_passes_the_pack(deployment: Deployment) -> None:
    deployment.configure([entry("pp-notify.example.test"), entry("pp-news.example.test", "batch")])

    deployment.preview(policy_packs=[PACK])

    printed = "\n".join(deployment.output)
    assert f"dms-sender-domains@v{VERSION}" in printed  # the pack ran, at the one version
    assert "mandatory" not in printed


def test_the_pack_refuses_more_domains_than_its_quota(deployment: Deployment, tmp_path: Path) -> None:
    deployment.configure([entry("pp-q1.example.test"), entry("pp-q2.example.test", "batch")])

    with pytest.raises(auto.errors.CommandError) as failure:
        deployment.preview(policy_packs=[PACK], policy_pack_configs=[pack_config(tmp_path, quota=1)])

    message = str(failure.value) + "\n".join(deployment.output)  # the error's own text is cut short
    assert "sender-domain-quota" in message and "mandatory" in message
    assert "pp-q2.example.test would not fit; pp-q1.example.test would fit" in message
    assert not deployment.ledger_path.exists()


def test_the_pack_counts_the_ledgers_verified_domains(tmp_path: Path, local_dns: LocalDnsServer) -> None:
    shared = tmp_path / "shared.sqlite"
    first, second = Deployment(tmp_path / "first", local_dns), Deployment(tmp_path / "second", local_dns)
    first.configure([entry("pp-l1.example.test")], ledger=ledger(shared, 2))
    first.up()
    assert rows(shared) == {"pp-l1.example.test": ("triggered", "verified")}

    # The stack's own quota is 5; the platform's pack says 2, and the ledger already holds one.
    second.configure([entry("pp-l2.example.test"), entry("pp-l3.example.test")], ledger=ledger(shared, 5))
    with pytest.raises(auto.errors.CommandError) as failure:
        second.preview(policy_packs=[PACK], policy_pack_configs=[pack_config(tmp_path, quota=2)])

    message = str(failure.value) + "\n".join(second.output)
    assert "2 verified sender domains and 1 are verified (pp-l1.example.test)" in message
    assert "pp-l3.example.test would not fit" in message


def test_the_pack_refuses_one_domain_for_both_types_in_a_program_that_is_not_ours(
    tmp_path: Path, local_dns: LocalDnsServer
) -> None:
    # A platform team's own program, declaring the identities directly: our config checks never run.
    settings = {"backend": "sqlite", "path": str(tmp_path / "ledger.sqlite"), "quota": 5}

    def program() -> None:
        for mail_type in ("triggered", "batch"):
            SenderIdentity(
                f"shared-{mail_type}",
                domain="pp-both.example.test",
                mail_type=mail_type,
                dkim_key_bits=1024,
                context=LedgerContext(settings),
            )
        pulumi.export("ok", True)

    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    stack = open_stack(
        "custom", project_dir=tmp_path / "project", state_dir=tmp_path / "state", passphrase=PASSPHRASE, program=program
    )
    output: list[str] = []
    with pytest.raises(auto.errors.CommandError) as failure:
        stack.preview(on_output=output.append, color="never", policy_packs=[PACK])

    message = str(failure.value) + "\n".join(output)
    assert "separate-triggered-and-batch-domains" in message and "mandatory" in message
    assert "pp-both.example.test is declared twice" in message and "[rules.type-separation]" in message
    assert not (tmp_path / "ledger.sqlite").exists()
