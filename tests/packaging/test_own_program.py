"""examples/own-program with the plain `pulumi` CLI: a user's own Pulumi project, in a venv of its own where
this package is installed from a wheel built from the checkout, declaring sender domains with the typed API
(DNS settings from another resource's Outputs). Every rule holds there as in this project's own program."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from devtools.localdns import LocalDnsServer
from devtools.runner import ROOT
from dms_component.providers.resources.sdk import UNKNOWN_SDK
from tests.e2e.cli import CliProject, copy_project
from tests.e2e.day_two import assert_day_two_commands_see_the_verified_domains
from tests.e2e.test_stack import txt

pytestmark = pytest.mark.e2e
EXAMPLE = ROOT / "examples" / "own-program"
SPF = "v=spf1 include:qcloudmail.com ~all"


def as_tested() -> list[str]:
    """The example's requirements and the package's own dependencies, each pinned at the version this test runs
    with: in .venv that is the example's own pins; under `make sdk-range`, an end of the declared ranges. So the
    user's venv is a team's that pins that Pulumi SDK, and the wheel must install beside it."""
    names = [line.split("==")[0] for line in (EXAMPLE / "requirements.txt").read_text().splitlines() if "==" in line]
    names += [re.split(r"[<>=!~; \[]", r)[0] for r in metadata.requires("dms-sender-domains") or [] if "extra" not in r]
    return [f"{name}=={metadata.version(name)}" for name in dict.fromkeys(names)]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the package installed as a user would: `pip install <checkout>` (a wheel), plus the
    example's requirements (`as_tested`). Nothing of this repo is on its path but what the wheel holds."""
    folder = tmp_path_factory.mktemp("own-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = str(folder / "bin" / "python")
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, str(ROOT), *as_tested()], check=True, cwd=folder.parent)
    version = "from importlib import metadata; print(metadata.version('pulumi'))"
    sdk = subprocess.run([python, "-c", version], capture_output=True, text=True)
    assert sdk.stdout.strip() == metadata.version("pulumi"), sdk  # the SDK under test, not another one
    return folder


@pytest.fixture
def project(tmp_path: Path, venv: Path, local_dns: LocalDnsServer) -> Iterator[CliProject]:
    folder = copy_project(EXAMPLE, tmp_path / "own-program")
    # No pythonpath: the program and its dynamic providers import dms_component from the venv's wheel.
    cli = CliProject(folder, state_dir=tmp_path / "state", venv=venv)
    cli.init("test", check=True)
    for key, value in {
        "own:primary": local_dns.address,
        "own:zone": local_dns.zone,
        "own:tsigKeyFile": str(local_dns.key_file),
        "own:ledgerPath": "ledger.sqlite",
        "own:quota": 2,
    }.items():
        cli.config_set(key, value, check=True)
    yield cli


def senders(cli: CliProject, *entries: tuple[str, str]) -> None:
    cli.run("config", "rm", "own:senders")
    for i, (name, mail_type) in enumerate(entries):
        cli.config_set(f"own:senders[{i}].name", name, path=True, check=True)
        cli.config_set(f"own:senders[{i}].type", mail_type, path=True, check=True)


def rows(cli: CliProject) -> dict[str, str]:
    with sqlite3.connect(cli.folder / "ledger.sqlite") as conn:
        return dict(conn.execute("SELECT domain, status FROM sender_domains"))


def one_error_line(output: str, fragment: str) -> str:
    lines = [line.strip() for line in output.splitlines() if fragment in line]
    assert lines and "Traceback" not in output, output
    return lines[0]


def test_a_users_own_program_gets_verified_domains_and_every_rule(project: CliProject, local_dns) -> None:
    zone = local_dns.zone
    notify, news = f"own-notify.{zone}", f"own-news.{zone}"
    senders(project, ("own-notify", "triggered"), ("own-news", "batch"))

    up = project.up()

    assert up.ok, up.output
    assert project.stack_output("own-notify")["status"] == "Verified"
    assert project.stack_output("own-news")["status"] == "Verified"
    records = project.stack_output("own-news")["records"]
    assert [(r["item"], r["name"]) for r in records] == [
        ("SPF", "own-news"),
        ("DKIM", "qcloud._domainkey.own-news"),
        ("DMARC", "_dmarc.own-news"),
        ("MX", "own-news"),
    ]
    assert txt(local_dns, notify) == [SPF]
    assert rows(project) == {notify: "verified", news: "verified"}  # the ledger stores codes
    assert "PRIVATE KEY" not in project.state_text() + up.output
    assert UNKNOWN_SDK not in up.output  # the program's and the dynamic-provider host's SDK workarounds are on
    assert project.up().ok  # the ledger now says verified: their resources become protected
    assert project.preview(expect_no_changes=True).ok
    assert_day_two_commands_see_the_verified_domains(project, {notify, news})  # from the state alone

    # The quota, at preview: two are verified and the account allows two.
    senders(project, ("own-notify", "triggered"), ("own-news", "batch"), ("own-more", "triggered"))
    refused = project.preview()
    assert not refused.ok
    line = one_error_line(refused.output, "quota:")
    assert "quota: the account allows 2 verified sender domains" in line
    assert "[ledger.quota]" in line and "raise SenderDomainArgs.ledger.quota if" in line  # the Python field
    assert f"own-more.{zone} would not fit" in refused.output

    # Removing a verified domain from the program: its verification is protected, refused at preview.
    senders(project, ("own-notify", "triggered"))
    refused = project.preview()
    assert not refused.ok
    assert "own-news/verification" in one_error_line(refused.output, "cannot be deleted")
    assert "because it is protected" in refused.output
    assert not project.up().ok
    assert rows(project) == {notify: "verified", news: "verified"}  # the ledger stores codes
    assert txt(local_dns, news) == [SPF]

    # Destroy stops at its preview: nothing is removed.
    senders(project, ("own-notify", "triggered"), ("own-news", "batch"))
    before = [r["urn"] for r in project.resources()]
    destroy = project.run("destroy", "--yes", "--non-interactive", "--color", "never")
    assert not destroy.ok and "because it is protected" in destroy.output, destroy.output
    assert [r["urn"] for r in project.resources()] == before
    assert txt(local_dns, notify) == [SPF] and txt(local_dns, news) == [SPF]


def test_a_mistake_in_the_typed_args_fails_preview_with_one_line_naming_the_field(project: CliProject) -> None:
    senders(project, ("own-bulk", "bulk"))

    refused = project.preview()

    assert not refused.ok
    line = one_error_line(refused.output, "invalid sender domain:")
    assert "SenderDomainArgs.type: 'bulk' is not allowed; allowed: triggered, batch" in line
    assert not (project.folder / "ledger.sqlite").exists() or rows(project) == {}


PASSWORD = "Own-Pr0gram-Pass7"  # meets the service's rule; searched for in state and output


def addresses(cli: CliProject) -> dict[str, tuple[str, bool, int]]:
    with sqlite3.connect(cli.folder / "ledger.sqlite") as conn:
        query = "SELECT address, sender_name, password_set, unsubscribe FROM sender_addresses"
        return {a: (n, bool(p), u) for a, n, p, u in conn.execute(query)}


def test_a_users_own_program_makes_its_addresses_in_the_up_that_verifies_the_domain(
    project: CliProject, local_dns: LocalDnsServer
) -> None:
    domain = f"own-mail.{local_dns.zone}"
    senders(project, ("own-mail", "batch"))
    project.config_set("own:senders[0].addresses[0].address", "noreply", path=True, check=True)
    project.config_set("own:senders[0].addresses[0].senderName", "Own Mail", path=True, check=True)
    project.config_set("own:smtpPassword", PASSWORD.replace("0", "o"), secret=True, check=True)  # one digit: refused

    refused = project.preview()

    assert not refused.ok
    line = one_error_line(refused.output, "senders[0].password")
    assert "SenderDomainArgs.senders[0].password:" in line and line.endswith("[senders.password]")
    assert PASSWORD.replace("0", "o") not in refused.output
    assert not (project.folder / "ledger.sqlite").exists() or rows(project) == {}  # nothing written

    project.config_set("own:smtpPassword", PASSWORD, secret=True, check=True)
    up = project.up()

    assert up.ok, up.output
    assert project.stack_output("own-mail")["status"] == "Verified"
    assert addresses(project) == {f"noreply@{domain}": ("Own Mail", True, 2)}  # batch: the English link
    assert PASSWORD not in project.state_text() + up.output
    assert project.preview(expect_no_changes=True).ok
