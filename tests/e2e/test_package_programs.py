"""The `dms` package from programs in other languages, with the plain `pulumi` CLI: examples/yaml through the YAML
language host and examples/typescript through the Node.js one (with the SDK generated from the schema), each
against a Knot server of its own and the default SQLite ledger. The CLI runs the package's provider with the
`pulumi-resource-dms` script that scripts/ensure-pulumi.sh puts beside it; the provider runs SenderDomain,
whose children are the Python dynamic resources, as in a Python program."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.localdns import KEY_NAME, LocalDnsServer, free_port
from devtools.runner import ROOT
from dms_component.package.provider import PackageProvider
from tests.e2e.cli import CliProject, copy_project
from tests.e2e.day_two import assert_day_two_commands_see_the_verified_domains
from tests.e2e.test_stack import txt

pytestmark = pytest.mark.e2e
ZONE = "pkg.test"
SPF = "v=spf1 include:qcloudmail.com ~all"
LANGUAGES = ["yaml", "typescript"]
# The TypeScript example's own files; node_modules is linked from the checkout (`make bootstrap` fills it).
PASSWORD = "Pkg-Smtp-Pass42"  # noreply@notify's SMTP password: meets the service's rule; searched for
TYPESCRIPT_FILES = ("Pulumi.yaml", "index.ts", "package.json", "package-lock.json", "tsconfig.json")


@pytest.fixture
def knot(tmp_path: Path) -> Iterator[LocalDnsServer]:
    """A zone of its own: the example's names (notify., news.) are common, and a preview reads them."""
    server = LocalDnsServer(tmp_path / "knot", zone=ZONE, port=free_port()).start()
    yield server
    server.stop()


def program(language: str, folder: Path, knot: LocalDnsServer, quota: int) -> CliProject:
    """examples/<language> copied to `folder`, a stack `test` configured for `knot`; the TSIG key as a secret."""
    example = ROOT / "examples" / language
    names = TYPESCRIPT_FILES if language == "typescript" else None
    cli = CliProject(copy_project(example, folder, names), state_dir=folder.parent / "state")
    if language == "typescript":
        (folder / "node_modules").symlink_to(example / "node_modules")
        generate_sdk(cli, folder / "sdk")
        type_check_once(folder)
        # Checked above: each `pulumi` run then only transpiles (ts-node type-checks the program and the SDK at
        # every run otherwise, seconds each, the same check again).
        cli.extra_env["PULUMI_NODEJS_TRANSPILE_ONLY"] = "true"
    cli.init("test", check=True)
    for key, value in {"zone": ZONE, "server": knot.address, "tsigName": KEY_NAME, "quota": quota}.items():
        cli.config_set(key, value, check=True)
    cli.config_set("tsigSecret", knot.tsig_secret(), secret=True, check=True)
    cli.config_set("smtpPassword", PASSWORD, secret=True, check=True)
    return cli


def generate_sdk(cli: CliProject, out: Path) -> None:
    """The package's Node.js SDK from the schema the plugin serves, as `pulumi package gen-sdk` makes it."""
    schema = cli.folder / "dms-schema.json"
    shown = cli.run("package", "get-schema", str(cli.bin_dir / "pulumi-resource-dms"), split=True, check=True)
    schema.write_text(shown.stdout)
    subprocess.run([str(cli.bin_dir / "pulumi-gen-nodejs-sdk"), str(schema), str(out)], check=True)


TYPE_CHECKED: set[str] = set()  # the TypeScript programs (index.ts, the SDK, the config) checked this session


def type_check_once(folder: Path) -> None:
    """`tsc --noEmit` over the program and its generated SDK, as ts-node would check them; once per session for the
    same inputs (their hash), so a type error still fails the test."""
    inputs = sorted(p for p in folder.rglob("*") if p.is_file() and "node_modules" not in p.parts)
    digest = hashlib.sha256(b"".join(p.relative_to(folder).as_posix().encode() + p.read_bytes() for p in inputs))
    if digest.hexdigest() in TYPE_CHECKED:
        return
    check = subprocess.run(
        [str(folder / "node_modules" / ".bin" / "tsc"), "--noEmit", "-p", str(folder)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    TYPE_CHECKED.add(digest.hexdigest())


def rows(cli: CliProject) -> dict[str, str]:
    """The default ledger, which must land in the program's own folder."""
    path = cli.folder / ".state" / "ledger.sqlite"
    if not path.exists():
        return {}
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT domain, status FROM sender_domains"))


def addresses(cli: CliProject) -> dict[str, tuple[str, bool, int]]:
    with sqlite3.connect(cli.folder / ".state" / "ledger.sqlite") as conn:
        query = "SELECT address, sender_name, password_set, unsubscribe FROM sender_addresses"
        return {a: (n, bool(p), u) for a, n, p, u in conn.execute(query)}


def error_lines(output: str, fragment: str) -> list[str]:
    assert "Traceback" not in output and "Unexpected <class" not in output, output
    lines = [line.strip() for line in output.splitlines() if fragment in line]
    assert lines, output
    return lines


@pytest.mark.parametrize("language", LANGUAGES)
def test_two_sender_domains_go_to_verified_and_stay_under_every_rule(
    language: str, tmp_path: Path, knot: LocalDnsServer
) -> None:
    cli = program(language, tmp_path / language, knot, quota=2)
    notify, news = f"notify.{ZONE}", f"news.{ZONE}"

    up = cli.up()

    assert up.ok, up.output
    assert cli.stack_output("notify")["status"] == "Verified"
    assert cli.stack_output("news")["status"] == "Verified"
    assert [(r["item"], r["name"]) for r in cli.stack_output("news")["records"]] == [
        ("SPF", "news"),
        ("DKIM", "qcloud._domainkey.news"),
        ("DMARC", "_dmarc.news"),
        ("MX", "news"),
    ]
    assert txt(knot, notify) == [SPF] and txt(knot, f"_dmarc.{news}") == ["v=DMARC1; p=quarantine"]
    assert rows(cli) == {notify: "verified", news: "verified"}
    # The addresses, made in the same `up` (news: batch, so the English unsubscribe link by default).
    assert addresses(cli) == {
        f"noreply@{notify}": ("Example Notifications", True, 0),
        f"news@{news}": ("Example News", True, 2),
    }

    # Secrets: the TSIG secret (an input), the DKIM keys and SMTP passwords (outputs) never in plain text.
    seen = cli.state_text() + up.output + json.dumps(cli.export())
    assert knot.tsig_secret() not in seen and PASSWORD not in seen
    assert "PRIVATE KEY" not in seen
    identity = next(r for r in cli.resources() if r["type"].endswith("dms:SenderIdentity"))
    assert "ciphertext" in identity["outputs"]["dkim_private_key"]

    # Nothing to change the second time: the domains are verified and their resources protected.
    again = cli.up("--expect-no-changes")
    assert again.ok, again.output
    protected = [r["urn"] for r in cli.resources() if r.get("protect")]
    # Each domain's verification, which holds its records and identity (they are its dependencies).
    assert sorted(protected) == sorted(r["urn"] for r in cli.resources() if r["urn"].endswith("/verification"))
    assert len(protected) == 2
    assert_day_two_commands_see_the_verified_domains(cli, {notify, news})  # from the state alone: no dms: config

    # Destroy stops at its preview: a verified domain is never deleted.
    before = [r["urn"] for r in cli.resources()]
    destroy = cli.run("destroy", "--yes", "--non-interactive", "--color", "never")
    assert not destroy.ok
    assert error_lines(destroy.output, "cannot be deleted")
    assert "because it is protected" in destroy.output
    assert [r["urn"] for r in cli.resources()] == before
    assert txt(knot, notify) == [SPF] and txt(knot, news) == [SPF]
    assert rows(cli) == {notify: "verified", news: "verified"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_more_domains_than_the_quota_are_refused_at_preview(
    language: str, tmp_path: Path, knot: LocalDnsServer
) -> None:
    cli = program(language, tmp_path / language, knot, quota=1)

    refused = cli.up()

    assert not refused.ok
    line = error_lines(refused.output, "quota:")[0]
    assert "[ledger.quota]" in line and "raise ledger.sqlite.quota if" in line  # the key as YAML and TS write it
    assert "the account allows 1 verified sender domains" in line
    assert rows(cli) == {}
    assert txt(knot, f"notify.{ZONE}") == [] and txt(knot, f"news.{ZONE}") == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_mistake_in_an_input_fails_preview_with_one_line_naming_the_key(
    language: str, tmp_path: Path, knot: LocalDnsServer
) -> None:
    cli = program(language, tmp_path / language, knot, quota=2)
    cli.config_set("server", "127.0.0.1:99999", check=True)

    refused = cli.preview()

    assert not refused.ok
    line = error_lines(refused.output, "invalid sender domain:")[0]
    # Both domains have the mistake: whichever the engine reports first.
    assert re.search(r"SenderDomain (notify|news): dns\.rfc2136\.server: '127\.0\.0\.1:99999' is not HOST", line)
    assert rows(cli) == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_password_that_breaks_the_rule_is_refused_at_preview_naming_its_key(
    language: str, tmp_path: Path, knot: LocalDnsServer
) -> None:
    cli = program(language, tmp_path / language, knot, quota=2)
    bad = "pkg-smtp-pass42"  # no upper-case letter
    cli.config_set("smtpPassword", bad, secret=True, check=True)

    refused = cli.up()

    assert not refused.ok
    line = error_lines(refused.output, "[senders.password]")[0]
    assert "SenderDomain notify: senders[0].password:" in line  # the key as YAML and TypeScript write it
    assert bad not in refused.output
    assert rows(cli) == {} and txt(knot, f"notify.{ZONE}") == []  # nothing written


def test_an_enum_value_out_of_range_is_refused_by_the_yaml_type_check(tmp_path: Path, knot: LocalDnsServer) -> None:
    cli = program("yaml", tmp_path / "yaml", knot, quota=2)
    source = cli.folder / "Pulumi.yaml"
    source.write_text(source.read_text().replace("type: batch", "type: bulk"))

    refused = cli.preview()

    assert not refused.ok
    assert "Traceback" not in refused.output
    assert "Cannot assign type 'string' to type 'dms:index:MailType'" in refused.output
    assert 'Allowed values are TRIGGERED ("triggered"), BATCH ("batch")' in refused.output


def test_pulumi_package_get_schema_shows_the_schema_with_descriptions_enums_and_secrets(tmp_path: Path) -> None:
    cli = CliProject(tmp_path, state_dir=tmp_path / "state")

    shown = cli.run("package", "get-schema", str(cli.bin_dir / "pulumi-resource-dms"), split=True, check=True)

    schema = json.loads(shown.stdout)  # the CLI's form of it: its own key order, language sections added
    resource = schema["resources"]["dms:index:SenderDomain"]
    assert schema["name"] == "dms" and resource["isComponent"] is True
    assert all(p.get("description") for p in [*resource["inputProperties"].values(), *resource["properties"].values()])
    assert resource["properties"]["dkimPrivateKey"]["secret"] is True
    assert schema["types"]["dms:index:Rfc2136Dns"]["properties"]["tsigSecret"]["secret"] is True
    assert [v["value"] for v in schema["types"]["dms:index:MailType"]["enum"]] == ["triggered", "batch"]
    assert set(schema["types"]) == set(json.loads(PackageProvider().schema or "{}")["types"])
