"""State written by the last release keeps working: a stack deployed with that release, then `pulumi preview`,
`up`, `refresh` and `preview --expect-no-changes` with this code. No DNS rewrite, still Verified; the DKIM private
key ends up in the identity only (the verification takes the identity's signed probe instead); and every
resource's pickled provider is rewritten by that first `up` (the release's names modules that are gone,
`providers.dynamic.*`, which `refresh` would fail to load).

The release is commit RELEASE, installed from `git archive` into a folder of its own (its dependencies are
this venv's); both runs use the plain CLI on one project folder and one file:// backend.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.localdns import LocalDnsServer, free_port
from devtools.runner import ROOT
from tests.e2e.cli import CliProject, copy_project

pytestmark = pytest.mark.e2e
RELEASE = "c1fddc4437d075eb4c75f30e0ba670b8098ba816"  # the last release: the verification holds the key, providers.*
SECRET_SIG = "4dabf18193072939515e22adb298388d"
DOMAINS = ["old-a.example.test", "old-b.example.test"]


def release(folder: Path) -> Path:
    """RELEASE installed (without dependencies) into `folder`/site: a folder for PYTHONPATH."""
    source, site = folder / "src", folder / "site"
    source.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", RELEASE], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(source)]
    subprocess.run(pip, check=True, capture_output=True)
    return site


def serial(knot: LocalDnsServer) -> int:
    import dns.message
    import dns.query

    response = dns.query.udp(dns.message.make_query(knot.zone, "SOA"), knot.host, port=knot.port, timeout=2)
    return response.answer[0][0].serial


def by_kind(cli: CliProject) -> dict[str, list[dict]]:
    kinds: dict[str, list[dict]] = {}
    for r in cli.resources():
        kinds.setdefault(r["type"].rsplit(":", 1)[-1], []).append(r)
    return kinds


def test_a_stack_deployed_by_the_release_stays_verified_with_no_dns_rewrite_and_one_copy_of_the_key(
    tmp_path: Path,
) -> None:
    knot = LocalDnsServer(tmp_path / "knot", port=free_port()).start()
    try:
        old_code = release(tmp_path / "release")
        project = copy_project(tmp_path / "release" / "src", tmp_path / "project", names=["Pulumi.yaml", "__main__.py"])

        def cli(pythonpath: Path) -> CliProject:
            return CliProject(project, state_dir=tmp_path / "state", venv=ROOT / ".venv", pythonpath=[pythonpath])

        old = cli(old_code)
        old.init("test", check=True)
        config = {
            "dms:domains": [{"domain": d, "type": "triggered"} for d in DOMAINS],
            "dms:dns": {
                "provider": "rfc2136",
                "server": knot.address,
                "zone": knot.zone,
                "tsig": {"keyFile": str(knot.key_file)},
            },
            "dms:ledger": {"backend": "sqlite", "path": "ledger.sqlite", "quota": 5},
            "dms:verification": {"timeout": 60},
        }
        old.config_file.write_text(json.dumps({"config": config}, indent=2))
        deployed = old.up()
        assert deployed.ok, deployed.output
        before = by_kind(old)
        assert all(v["outputs"]["dkim_private_key"][SECRET_SIG] for v in before["Verification"])  # the old shape
        written = serial(knot)

        new = cli(ROOT)
        new.select("test", check=True)
        preview = new.preview()
        assert preview.ok, preview.output
        up = new.up()
        assert up.ok, up.output
        refresh = new.refresh()
        assert refresh.ok, refresh.output
        settled = new.preview(expect_no_changes=True)
        assert settled.ok, settled.output

        assert serial(knot) == written  # no record was written again
        statuses = new.stack_output("domains")
        assert [statuses[d]["status"] for d in DOMAINS] == ["Verified", "Verified"]
        for status in statuses.values():
            dkim = next(i for i in status["items"] if i["item"] == "DKIM")
            assert dkim["code"] == "dkim.probe-ok"  # the identity's probe, checked against the published key
        after = by_kind(new)
        records = {r["urn"]: r["outputs"]["records"] for r in after["DnsRecords"]}
        assert records == {r["urn"]: r["outputs"]["records"] for r in before["DnsRecords"]}
        for verification in after["Verification"]:
            assert "dkim_private_key" not in verification["inputs"]
            assert "dkim_private_key" not in verification["outputs"]
            assert verification["inputs"]["dkim_probe"].startswith("DKIM-Signature: v=1; a=rsa-sha256;")
        old_keys = {r["urn"]: r["outputs"]["dkim_public_key"] for r in before["SenderIdentity"]}
        for identity in after["SenderIdentity"]:
            assert identity["outputs"]["dkim_private_key"][SECRET_SIG]  # the one copy, still secret
            assert identity["outputs"]["dkim_public_key"] == old_keys[identity["urn"]]  # the same key
        # The outputs show the one key as the active one, of unknown age (made before rotation existed).
        for status in statuses.values():
            assert status["dkim_selector"] == "qcloud"
            [key] = status["dkim_keys"]
            assert key["state"] == "active" and key["public_key"] in old_keys.values() and "since" not in key
        assert "PRIVATE KEY" not in new.state_text()
    finally:
        knot.stop()
