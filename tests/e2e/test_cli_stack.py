"""End to end with the plain `pulumi` CLI, as a user runs it: this project's own Pulumi.yaml and __main__.py,
copied to a folder of their own, run by the Python language host (no Automation API), the real Knot."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.localdns import ALGORITHM, KEY_NAME, LocalDnsServer
from devtools.runner import ROOT
from tests.e2e.cli import CliProject, copy_project
from tests.e2e.test_stack import SECRET_SIG, delete_behind_pulumis_back, txt

pytestmark = pytest.mark.e2e
SPF = "v=spf1 include:qcloudmail.com ~all"


@pytest.fixture
def project(tmp_path: Path, local_dns: LocalDnsServer) -> Iterator[CliProject]:
    """The project folder as a user has it (Pulumi.yaml, __main__.py), its stack `test` on a file:// backend."""
    folder = copy_project(ROOT, tmp_path / "project", names=["Pulumi.yaml", "__main__.py"])
    cli = CliProject(folder, state_dir=tmp_path / "state", venv=ROOT / ".venv", pythonpath=[ROOT])
    cli.init("test", check=True)
    yield cli


def configure(cli: CliProject, dns: LocalDnsServer, domains: list[tuple[str, str]]) -> None:
    """`pulumi config set` as the README shows it; the ledger path is relative to the project folder."""
    settings: list[tuple[str, object]] = []
    for i, (domain, mail_type) in enumerate(domains):
        settings += [(f"dms:domains[{i}].domain", domain), (f"dms:domains[{i}].type", mail_type)]
    settings += [
        ("dms:dns.provider", "rfc2136"),
        ("dms:dns.server", dns.address),
        ("dms:dns.zone", dns.zone),
        ("dms:dns.tsig.name", KEY_NAME),
        ("dms:dns.tsig.algorithm", ALGORITHM),
        ("dms:ledger.backend", "sqlite"),
        ("dms:ledger.path", "ledger.sqlite"),
        ("dms:ledger.quota", 5),
        ("dms:verification.timeout", 30),
    ]
    for key, value in settings:
        cli.config_set(key, value, path=True, check=True)
    cli.config_set("dms:dns.tsig.secret", dns.tsig_secret(), secret=True, path=True, check=True)


def ledger(cli: CliProject) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(cli.folder / "ledger.sqlite") as conn:
        return {d: (s, o) for d, s, o in conn.execute("SELECT domain, status, owner FROM sender_domains")}


def unsealed(value: Any) -> Any:
    """The export with each secret's ciphertext (new at every export) replaced by a marker."""
    if isinstance(value, dict):
        return "<secret>" if SECRET_SIG in value else {k: unsealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unsealed(v) for v in value]
    return value


def test_plain_pulumi_up_preview_refresh_destroy_of_the_projects_own_program(
    project: CliProject, local_dns: LocalDnsServer
) -> None:
    notify, news = "notify-cli.example.test", "news-cli.example.test"
    configure(project, local_dns, [(notify, "triggered"), (news, "batch")])

    up = project.up()

    assert up.ok, up.output
    assert "+ 9 created" in up.output  # stack + 2 x (component + 3 children)
    statuses = project.stack_output("domains")
    assert {d: s["status"] for d, s in statuses.items()} == {notify: "Verified", news: "Verified"}
    assert [i["item"] for i in statuses[notify]["items"]] == ["SPF", "DKIM", "DMARC", "MX"]
    assert txt(local_dns, notify) == [SPF]
    # The program runs in the project folder (the old host gives it no root directory, only this cwd):
    # the ledger lands there and the ledger rows name this folder's stack as their owner.
    owner = f"organization/dms/test@{project.folder}"
    assert ledger(project) == {notify: ("verified", owner), news: ("verified", owner)}  # stored as codes

    assert project.preview(expect_no_changes=True).ok
    again = project.up()
    assert again.ok and "9 unchanged" in again.output, again.output
    assert project.preview(expect_no_changes=True).ok

    # Drift: a record deleted behind Pulumi's back shows after `refresh`, fails the drift check, `up` repairs it.
    delete_behind_pulumis_back(local_dns, news, SPF)
    refresh = project.refresh()
    assert refresh.ok, refresh.output
    drift = project.preview(expect_no_changes=True)
    assert not drift.ok and "no changes were expected" in drift.output.lower(), drift.output
    assert project.up().ok
    assert txt(local_dns, news) == [SPF]
    assert project.preview(expect_no_changes=True).ok

    # Secrets: the DKIM private keys and the TSIG key are encrypted in state and never printed.
    printed = "\n".join(r.output for r in (up, again, refresh, drift))
    for text in (project.state_text(), printed):
        assert "PRIVATE KEY" not in text
        assert local_dns.tsig_secret() not in text
    identities = [r for r in project.resources() if r["type"].endswith("SenderIdentity")]
    assert len(identities) == 2
    assert all(SECRET_SIG in r["outputs"]["dkim_private_key"] for r in identities)

    # Destroy: a verified domain's verification is protected (its records and identity can't go before it),
    # so the engine refuses at destroy's preview, before any delete, and names it; nothing is removed.
    before = unsealed(project.resources())
    destroy = project.run("destroy", "--yes", "--non-interactive", "--color", "never")

    assert not destroy.ok
    assert "Traceback" not in destroy.output
    assert "Destroying (" not in destroy.output  # stopped at the preview
    for domain in (notify, news):
        assert f'{domain}/verification" cannot be deleted' in destroy.output, destroy.output
    assert "because it is protected" in destroy.output
    assert unsealed(project.resources()) == before
    assert ledger(project) == {notify: ("verified", owner), news: ("verified", owner)}  # stored as codes
    assert txt(local_dns, notify) == [SPF]
    assert txt(local_dns, f"_dmarc.{news}") == ["v=DMARC1; p=none"]

    # Pulumi's text suggests `pulumi state unprotect`. Then the delete step itself refuses, with our one line,
    # and nothing is removed: records, ledger rows and every resource stay.
    project.run("state", "unprotect", "--all", "--yes", check=True)
    destroy = project.run("destroy", "--yes", "--non-interactive", "--color", "never")

    assert not destroy.ok
    assert "[ledger.verified-protected]" in destroy.output and "Traceback" not in destroy.output
    assert [r["urn"] for r in project.resources()] == [r["urn"] for r in before]
    assert ledger(project) == {notify: ("verified", owner), news: ("verified", owner)}
    assert txt(local_dns, notify) == [SPF]
    assert txt(local_dns, f"_dmarc.{news}") == ["v=DMARC1; p=none"]


def test_a_config_mistake_fails_plain_pulumi_preview_with_its_one_line_message(
    project: CliProject, local_dns: LocalDnsServer
) -> None:
    configure(project, local_dns, [("typo-cli.example.test", "bulk")])

    preview = project.preview()

    assert not preview.ok
    assert "error: invalid stack config: dms:domains[0].type: 'bulk' is not allowed" in preview.output
    assert "Traceback" not in preview.output
    assert not (project.folder / "ledger.sqlite").exists()


def test_plain_pulumi_up_makes_the_declared_addresses_with_a_secret_password_and_changes_nothing_after(
    project: CliProject, local_dns: LocalDnsServer
) -> None:
    """Sender addresses from stack config, set with `pulumi config set --path` as the README shows (the password with
    --secret): made in the `up` that verifies the domain; the password nowhere in plain text; nothing to change."""
    domain, password = "senders-cli.example.test", "Cli-Smtp-Pass42"
    configure(project, local_dns, [(domain, "batch")])
    project.config_set("dms:domains[0].senders[0].address", "noreply", path=True, check=True)
    project.config_set("dms:domains[0].senders[0].senderName", "Example News", path=True, check=True)
    project.config_set("dms:domains[0].senders[0].password", password, secret=True, path=True, check=True)

    up = project.up()

    assert up.ok, up.output
    with sqlite3.connect(project.folder / "ledger.sqlite") as conn:
        query = "SELECT address, sender_name, password_set, unsubscribe FROM sender_addresses"
        assert conn.execute(query).fetchall() == [(f"noreply@{domain}", "Example News", 1, 2)]
    assert project.stack_output("domains")[domain]["status"] == "Verified"
    assert password not in project.state_text() + up.output + project.config_file.read_text()
    again = project.preview(expect_no_changes=True)
    assert again.ok, again.output
