"""End to end with the plain `pulumi` CLI: a domain's DKIM key rotated across `up`s with the clock controlled
(DMS_NOW), each step's active key checked as a receiver checks it: a message signed with it verifies with dkimpy
against the records Knot serves; the old key keeps verifying for the overlap, and its record goes after it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dkim as dkimpy
import dns.message
import dns.query
import pytest

from devtools.localdns import LocalDnsServer
from devtools.runner import ROOT
from tests.e2e.cli import CliProject, copy_project
from tests.e2e.test_cli_stack import configure
from tests.e2e.test_stack import SECRET_SIG, txt

pytestmark = pytest.mark.e2e
DOMAIN = "rotate.example.test"


@pytest.fixture
def project(tmp_path: Path, local_dns: LocalDnsServer) -> Iterator[CliProject]:
    folder = copy_project(ROOT, tmp_path / "project", names=["Pulumi.yaml", "__main__.py"])
    cli = CliProject(folder, state_dir=tmp_path / "state", venv=ROOT / ".venv", pythonpath=[ROOT])
    cli.init("test", check=True)
    configure(cli, local_dns, [(DOMAIN, "triggered")])
    yield cli


def at(cli: CliProject, moment: str) -> None:
    cli.extra_env["DMS_NOW"] = moment  # the clock of the program, its providers and `dms` (test-only)


def served(server: LocalDnsServer, host: str) -> list[str]:
    return txt(server, host)


def receiver(server: LocalDnsServer) -> Any:
    """dkimpy's DNS lookup, asking the zone's server as a receiver asks the authoritative servers."""

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        query = dns.message.make_query(name.decode().rstrip("."), "TXT")
        response = dns.query.tcp(query, server.host, port=server.port, timeout=timeout)
        values = [b"".join(rd.strings) for rrset in response.answer for rd in rrset]
        return values[0] if values else None

    return lookup


def signs_and_verifies(server: LocalDnsServer, selector: str, private_pem: str) -> bool:
    message = (
        f"From: Sender <ops@{DOMAIN}>\r\nTo: <someone@example.org>\r\nSubject: rotation {selector}\r\n"
        f"Message-ID: <{selector}@{DOMAIN}>\r\n\r\nSigned with the key at {selector}.\r\n"
    ).encode()
    signature = dkimpy.sign(message, selector.encode(), DOMAIN.encode(), private_pem.encode())
    return bool(dkimpy.verify(signature + message, dnsfunc=receiver(server)))


def identity_outputs(cli: CliProject) -> dict[str, Any]:
    """The identity's outputs with its secrets shown (`pulumi stack export --show-secrets`)."""
    exported = json.loads(cli.run("stack", "export", "--show-secrets", check=True, split=True).stdout)
    (identity,) = [r for r in exported["deployment"]["resources"] if r["type"].endswith("SenderIdentity")]
    return {k: revealed(v) for k, v in identity["outputs"].items()}


def revealed(value: Any) -> Any:
    """A secret as `--show-secrets` exports it ({<sig>: ..., "plaintext": <JSON>}), decoded."""
    if isinstance(value, dict) and SECRET_SIG in value:
        return json.loads(value["plaintext"])
    return value


def shown(cli: CliProject) -> dict[str, Any]:
    return cli.stack_output("domains")[DOMAIN]


def states(view: dict[str, Any]) -> dict[str, str]:
    return {k["selector"]: k["state"] for k in view["dkim_keys"]}


def ledger_row(cli: CliProject) -> tuple[Any, ...]:
    with sqlite3.connect(cli.folder / "ledger.sqlite") as conn:
        return tuple(conn.execute("SELECT * FROM sender_domains").fetchall())


def test_a_key_rotates_across_ups_without_a_gap(project: CliProject, local_dns: LocalDnsServer) -> None:
    outputs: list[str] = []

    def up() -> None:
        result = project.up()
        outputs.append(result.output)
        assert result.ok, result.output
        assert shown(project)["status"] == "Verified"

    at(project, "2027-01-05T00:00:00Z")
    up()
    first = shown(project)
    assert first["dkim_selector"] == "qcloud" and states(first) == {"qcloud": "active"}
    keys = identity_outputs(project)["dkim_private_keys"]
    assert signs_and_verifies(local_dns, "qcloud", keys["qcloud"])
    row = ledger_row(project)

    # By hand: a new dkimRotation. The preview names the new key's record; the up publishes it, verifies it on
    # the servers receivers ask and makes it active in the same up; the old key stays published and verifying.
    at(project, "2027-01-10T00:00:00Z")
    project.config_set("dms:domains[0].dkimRotation", "2027-01", path=True, check=True)
    preview = project.preview(check=True)
    assert f"+ CREATE   TXT   qcloud-202701._domainkey.{DOMAIN}" in preview.output, preview.output
    outputs.append(preview.output)
    up()
    second = shown(project)
    assert second["dkim_selector"] == "qcloud-202701"
    assert states(second) == {"qcloud-202701": "active", "qcloud": "retiring"}
    retiring = next(k for k in second["dkim_keys"] if k["state"] == "retiring")
    assert retiring["remove_after"] == "2027-01-17T00:00:00Z"
    keys = identity_outputs(project)["dkim_private_keys"]
    assert signs_and_verifies(local_dns, "qcloud-202701", keys["qcloud-202701"])
    assert signs_and_verifies(local_dns, "qcloud", keys["qcloud"])  # mail in flight still verifies
    assert served(local_dns, f"qcloud._domainkey.{DOMAIN}") and served(local_dns, f"qcloud-202701._domainkey.{DOMAIN}")

    # The next up records the promotion in the identity's state (verified again there): the overlap counts from
    # then, so the old key is never removed earlier than the outputs said.
    at(project, "2027-01-10T06:00:00Z")
    up()
    held = identity_outputs(project)
    assert held["dkim_active_selector"] == "qcloud-202701"
    assert {k["selector"]: k["state"] for k in held["dkim_keys"]["keys"]} == states(second)
    retiring = next(k for k in shown(project)["dkim_keys"] if k["state"] == "retiring")
    assert retiring["remove_after"] == "2027-01-17T06:00:00Z"
    at(project, "2027-01-17T05:00:00Z")
    assert project.preview(expect_no_changes=True).ok
    assert served(local_dns, f"qcloud._domainkey.{DOMAIN}")

    # The first up after the overlap removes the old record, shown as a DELETE at preview.
    at(project, "2027-01-18T00:00:00Z")
    preview = project.preview(check=True)
    assert f"- DELETE   TXT   qcloud._domainkey.{DOMAIN}" in preview.output, preview.output
    up()
    assert served(local_dns, f"qcloud._domainkey.{DOMAIN}") == []
    assert states(shown(project)) == {"qcloud-202701": "active"}
    keys = identity_outputs(project)["dkim_private_keys"]
    assert signs_and_verifies(local_dns, "qcloud-202701", keys["qcloud-202701"])

    # By a new key length: the new key has it.
    at(project, "2027-02-01T00:00:00Z")
    project.config_set("dms:domains[0].dkimKeyBits", 1024, path=True, check=True)
    up()
    third = shown(project)
    assert third["dkim_selector"] == "qcloud-202702"
    assert {k["selector"]: k["bits"] for k in third["dkim_keys"]} == {"qcloud-202702": 1024, "qcloud-202701": 2048}
    keys = identity_outputs(project)["dkim_private_keys"]
    assert signs_and_verifies(local_dns, "qcloud-202702", keys["qcloud-202702"])

    # `dms status` shows the key's age, and warns with a code once it is older than 180 days (no maximum set).
    at(project, "2027-09-01T00:00:00Z")
    status = project.dms("status", "--json")
    (domain,) = json.loads(status.stdout)["domains"]
    assert domain["dkim_key"]["selector"] == "qcloud-202702" and domain["dkim_key"]["age_days"] == 212
    assert domain["dkim_key"]["code"] == "dkim.key-age"
    assert "[dkim.key-age]" in project.dms("status").output

    # By age: a maximum age set, the next up rotates (scheduled CI `up`s rotate on time).
    project.config_set("dms:domains[0].dkimMaxKeyAgeDays", 90, path=True, check=True)
    up()
    fourth = shown(project)
    assert fourth["dkim_selector"] == "qcloud-202709"
    keys = identity_outputs(project)["dkim_private_keys"]
    assert signs_and_verifies(local_dns, "qcloud-202709", keys["qcloud-202709"])

    # Throughout: the ledger row never changed, and no private key is in plaintext in state or output.
    assert ledger_row(project) == row
    plain = project.state_text() + "\n".join(outputs)
    assert "PRIVATE KEY" not in plain
    for pem in identity_outputs(project)["dkim_private_keys"].values():
        body = pem.splitlines()[1]
        assert body not in plain
    (identity,) = [r for r in project.resources() if r["type"].endswith("SenderIdentity")]
    assert (
        SECRET_SIG in identity["outputs"]["dkim_private_keys"] and SECRET_SIG in identity["outputs"]["dkim_private_key"]
    )
