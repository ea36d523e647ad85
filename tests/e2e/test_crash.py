"""End to end: `pulumi up` killed with SIGKILL at each stage, then the documented recovery, then convergence.

The whole process group dies at once (runner, CLI, dynamic-provider process), as with a power cut. The
stage is reached for sure: the provider stops at a named pause point (DMS_PAUSE_AT, see
providers/resources/base.py pause_point) and says so in a file; the stage "verifying" needs no pause point:
a verification server that never answers keeps it polling. The recovery is what docs/rules.md tells the
user: `pulumi cancel` (the file backend keeps the dead run's lock), `pulumi refresh --clear-pending-creates`,
then `pulumi up`.
"""

from __future__ import annotations

import socket
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from devtools.localdns import LocalDnsServer
from tests.e2e.harness import Deployment, alive, kill_tree
from tests.e2e.test_rules import entry, published
from tests.e2e.test_stack import txt

pytestmark = pytest.mark.e2e
SPF = "v=spf1 include:qcloudmail.com ~all"


def kill_when(deployment: Deployment, reached: callable, env: dict[str, str] | None = None) -> str:  # type: ignore[valid-type]
    """Start `up`, wait until `reached()` is true, SIGKILL its whole process tree; return what it printed.

    The tree, not the process group: the CLI starts the dynamic-provider host (`python -m pulumi.dynamic`)
    in a group of its own, which a killpg leaves running with no parent."""
    run = deployment.start_up(env)
    deadline = time.monotonic() + 120
    while not reached():
        assert run.poll() is None, (
            f"`up` ended before the stage was reached:\n{run.stdout.read() if run.stdout else ''}"
        )
        assert time.monotonic() < deadline, "the stage was never reached"
        time.sleep(0.05)
    killed = kill_tree(run.pid)
    run.wait(timeout=30)
    assert any("pulumi.dynamic" in cmd for cmd in killed.values()), killed  # the provider host was running
    deadline = time.monotonic() + 30  # SIGKILL is not instant: wait for it, don't time it
    while (left := [pid for pid in killed if alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left == [], {pid: killed[pid] for pid in left}  # nothing of the killed run is left running
    return run.stdout.read() if run.stdout else ""


def recover(deployment: Deployment) -> None:
    """The documented recovery after a killed `pulumi up` (docs/rules.md)."""
    deployment.stack.cancel()  # the dead run's lock on the file backend
    # Forget the creates the dead run had started; `up` makes them again, and every create adopts
    # what it finds: the ledger row (register), the same record values (the key is in state), the verified mark.
    deployment.stack.refresh(clear_pending_creates=True, color="never", on_output=deployment.output.append)
    deployment.up()


def assert_converged(deployment: Deployment, server: LocalDnsServer, domain: str) -> None:
    # One ledger row, verified.
    with sqlite3.connect(deployment.ledger_path) as conn:
        assert conn.execute("SELECT domain, status FROM sender_domains").fetchall() == [(domain, "verified")]
    # Exactly one identity, one set of records; nothing left pending in the state.
    state = deployment.stack.export_stack().deployment
    assert not state.get("pending_operations")
    identities = [r for r in state["resources"] if r["type"].endswith("SenderIdentity")]
    assert len(identities) == 1
    # No lost key and no orphan: the one DKIM value published is the key the state holds.
    key = identities[0]["outputs"]["dkim_public_key"]
    records = published(server, domain)
    assert records["DKIM"] == [f"v=DKIM1; k=rsa; p={key}"]
    assert (
        records["SPF"] == [SPF] and records["DMARC"] == ["v=DMARC1; p=none"] and records["MX"] == ["5 mxbiz1.qq.com."]
    )
    assert deployment.statuses()[domain]["status"] == "Verified"
    deployment.preview(expect_no_changes=True)


@pytest.mark.parametrize(
    "stage",
    [
        "ledger-row",  # SenderIdentity registered the domain in the ledger, before its key was made
        "dns-written",  # DnsRecords wrote the records, before Pulumi recorded them
        "marked-verified",  # Verification marked the domain verified, before Pulumi recorded it
    ],
)
def test_a_kill_at_each_stage_converges_after_cancel_and_up(
    stage: str, tmp_path: Path, local_dns: LocalDnsServer
) -> None:
    domain = f"crash-{stage}.example.test"
    deployment = Deployment(tmp_path / "a", local_dns)
    deployment.configure([entry(domain)])
    pause = tmp_path / "paused"

    printed = kill_when(deployment, pause.exists, {"DMS_PAUSE_AT": stage, "DMS_PAUSE_FILE": str(pause)})

    assert pause.read_text() == stage and "Resources:" not in printed  # killed mid-run
    recover(deployment)
    assert_converged(deployment, local_dns, domain)


def test_a_kill_during_verification_converges(tmp_path: Path, local_dns: LocalDnsServer) -> None:
    domain = "crash-verifying.example.test"
    deployment = Deployment(tmp_path / "a", local_dns)
    # Verification asks a server that receives its questions and never answers, so it keeps polling.
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    silent.setblocking(False)
    nameserver = f"127.0.0.1:{silent.getsockname()[1]}"
    deployment.configure([entry(domain)], verification={"nameserver": nameserver, "timeout": 120})

    def verifying() -> bool:
        # A question reached the silent server: the verification is polling (the records are written).
        try:
            return bool(silent.recv(4096))
        except BlockingIOError:
            return False

    with silent:
        kill_when(deployment, verifying)
    assert published(local_dns, domain)["SPF"] == [SPF]

    deployment.configure([entry(domain)])  # back to the server we write to
    recover(deployment)
    assert_converged(deployment, local_dns, domain)


def test_a_kill_between_the_services_address_create_and_the_state_write_converges(
    tmp_path: Path, local_dns: LocalDnsServer
) -> None:
    """The address is made in the ledger (the service), then the run dies before Pulumi records it: the next `up`
    takes it over (no RepeatEmailAddress), sets its unsubscribe link, and a preview after shows no changes."""
    domain = "crash-address.example.test"
    deployment = Deployment(tmp_path / "a", local_dns)
    deployment.configure([entry(domain, "batch", senders=[{"address": "noreply", "senderName": "News"}])])
    pause = tmp_path / "paused"

    printed = kill_when(deployment, pause.exists, {"DMS_PAUSE_AT": "address-created", "DMS_PAUSE_FILE": str(pause)})

    assert pause.read_text() == "address-created" and "Resources:" not in printed
    with sqlite3.connect(deployment.ledger_path) as conn:
        query = "SELECT address, sender_name, unsubscribe FROM sender_addresses"
        assert conn.execute(query).fetchall() == [(f"noreply@{domain}", "News", 0)]  # made, link not set yet
    recover(deployment)
    with sqlite3.connect(deployment.ledger_path) as conn:
        assert conn.execute(query).fetchall() == [(f"noreply@{domain}", "News", 2)]  # taken over, link set
    addresses = [r for r in deployment.resources() if r["type"].endswith("SenderAddress")]
    assert len(addresses) == 1 and addresses[0]["outputs"]["created"] is True
    deployment.preview(expect_no_changes=True)


# -- a DKIM key rotation killed at each of its steps ---------------------------------------------------------------

ROTATION_STAGES = {
    # stage: (the config of the killed `up`, its clock)
    "dkim-pending-made": ("r1", "2027-01-10T00:00:00Z"),  # the identity made the new key, before Pulumi recorded it
    "dns-rewritten": ("r1", "2027-01-10T00:00:00Z"),  # DnsRecords published it, before Pulumi recorded that
    "dkim-promoted": (None, "2027-01-10T06:00:00Z"),  # the identity made it active, before Pulumi recorded that
}


def dkim_published(server: LocalDnsServer, domain: str, selectors: set[str]) -> dict[str, list[str]]:
    return {s: vals for s in selectors if (vals := txt(server, f"{s}._domainkey.{domain}"))}


def assert_keys_converged(deployment: Deployment, server: LocalDnsServer, domain: str) -> dict[str, Any]:
    """Every key the state holds is published with its own value, no other selector of ours is, the active key
    is one that verified (the domain Verified, its DKIM item passing), and the ledger row is unchanged."""
    state = deployment.stack.export_stack().deployment
    assert not state.get("pending_operations")
    (identity,) = [r for r in state["resources"] if r["type"].endswith("SenderIdentity")]
    keys = identity["outputs"]["dkim_keys"]
    issued = set(keys["issued"])
    expected = {k["selector"]: [f"v=DKIM1; k=rsa; p={k['public_key']}"] for k in keys["keys"]}
    assert dkim_published(server, domain, issued) == expected  # no key lost, none orphaned
    assert deployment.statuses()[domain]["status"] == "Verified"
    with sqlite3.connect(deployment.ledger_path) as conn:
        assert conn.execute("SELECT domain, status FROM sender_domains").fetchall() == [(domain, "verified")]
    return keys


@pytest.mark.parametrize("stage", list(ROTATION_STAGES))
def test_a_rotation_killed_at_each_step_converges(
    stage: str, tmp_path: Path, local_dns: LocalDnsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    domain = f"crash-{stage}.example.test"
    deployment = Deployment(tmp_path / "a", local_dns)
    monkeypatch.setenv("DMS_NOW", "2027-01-05T00:00:00Z")
    deployment.configure([entry(domain)])
    deployment.up()
    rotation, moment = ROTATION_STAGES[stage]
    if rotation is None:  # the promotion: the rotation started at an earlier `up`
        monkeypatch.setenv("DMS_NOW", "2027-01-10T00:00:00Z")
        deployment.configure([entry(domain, dkimRotation="r1")])
        deployment.up()
    deployment.configure([entry(domain, dkimRotation="r1")])
    monkeypatch.setenv("DMS_NOW", moment)
    pause = tmp_path / "paused"

    printed = kill_when(deployment, pause.exists, {"DMS_PAUSE_AT": stage, "DMS_PAUSE_FILE": str(pause)})

    assert pause.read_text() == stage and "Resources:" not in printed  # killed mid-run
    recover(deployment)
    assert_keys_converged(deployment, local_dns, domain)
    monkeypatch.setenv("DMS_NOW", "2027-01-10T12:00:00Z")
    deployment.up()  # the identity records the promotion the verification saw (or makes it now)
    keys = assert_keys_converged(deployment, local_dns, domain)
    # The new key is active (verified before), the old one retiring, both published.
    assert {k["selector"]: k["state"] for k in keys["keys"]} == {"qcloud-202701": "active", "qcloud": "retiring"}
    deployment.preview(expect_no_changes=True)
    # After the overlap, the old record goes, and nothing of it is left.
    monkeypatch.setenv("DMS_NOW", "2027-01-30T00:00:00Z")
    deployment.up()
    assert txt(local_dns, f"qcloud._domainkey.{domain}") == []
    assert txt(local_dns, f"qcloud-202701._domainkey.{domain}")
