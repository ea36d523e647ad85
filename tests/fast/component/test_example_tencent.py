"""The Tencent Cloud example stack (examples/tencent/) is valid stack config."""

from __future__ import annotations

from pathlib import Path

import yaml

from dms_component.config import parse_stack_config

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "tencent" / "Pulumi.tencent.yaml"


def test_the_example_parses_into_a_tencent_ledger_and_dnspod() -> None:
    config = yaml.safe_load(EXAMPLE.read_text())["config"]

    settings = parse_stack_config({k.removeprefix("dms:"): v for k, v in config.items()})

    assert settings.ledger.backend == "tencent" and settings.ledger.region == "ap-guangzhou"
    assert settings.dns.kind == "dnspod" and settings.dns.ttl == 600
    assert [(d.domain, d.mail_type) for d in settings.domains] == [
        ("notify.example.com", "triggered"),
        ("news.example.com", "batch"),
    ]


def test_the_ci_example_stack_uses_the_dynamodb_ledger() -> None:
    path = Path(__file__).resolve().parents[3] / "examples" / "ci" / "Pulumi.prod.yaml"
    config = yaml.safe_load(path.read_text())["config"]
    config["dms:dns"]["tsig"]["secret"] = "c2VjcmV0"  # set with --secret by the user, never in the file

    settings = parse_stack_config({k.removeprefix("dms:"): v for k, v in config.items()})

    assert settings.ledger.backend == "dynamodb" and settings.ledger.table == "dms-ledger"
    assert [d.domain for d in settings.domains] == ["notify.example.com", "news.example.com"]
