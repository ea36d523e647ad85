"""End to end: `pulumi up` killed with SIGKILL at each stage, then the documented recovery, then convergence.

The whole process group dies at once (runner, CLI, dynamic-provider process), as with a power cut. The
stage is reached for sure: the provider stops at a named pause point (DMS_PAUSE_AT, see
providers/dynamic/base.py pause_point) and says so in a file; the stage "verifying" needs no pause point:
a verification server that never answers keeps it polling. The recovery is what docs/rules.md tells the
user: `pulumi cancel` (the file backend keeps the dead run's lock), `pulumi refresh --clear-pending-creates`,
then `pulumi up`.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from dms_component.localdns import LocalDnsServer, free_port
from tests.e2e.harness import Deployment
from tests.e2e.test_rules import entry, published

pytestmark = pytest.mark.e2e
SPF = "v=spf1 include:qcloudmail.com ~all"


def kill_when(deployment: Deployment, reached: callable, env: dict[str, str] | None = None) -> str:  # type: ignore[valid-type]
    """Start `up`, wait until `reached()` is true, SIGKILL the whole process group; return what it printed."""
    run = deployment.start_up(env)
    deadline = time.monotonic() + 120
    while not reached():
        assert run.poll() is None, (
            f"`up` ended before the stage was reached:\n{run.stdout.read() if run.stdout else ''}"
        )
        assert time.monotonic() < deadline, "the stage was never reached"
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
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
        assert conn.execute("SELECT domain, status FROM sender_domains").fetchall() == [(domain, "Verified")]
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
    # Verification asks a server that never answers, so it keeps polling until killed.
    deployment.configure([entry(domain)], verification={"nameserver": f"127.0.0.1:{free_port()}", "timeout": 120})

    def verifying() -> bool:
        # The records are published and the state says the DnsRecords step is done: verification runs next.
        if published(local_dns, domain)["SPF"] != [SPF]:
            return False
        return any(r["type"].endswith("DnsRecords") for r in state_resources(deployment))

    kill_when(deployment, verifying)
    time.sleep(1)  # well inside the polling

    deployment.configure([entry(domain)])  # back to the server we write to
    recover(deployment)
    assert_converged(deployment, local_dns, domain)


def state_resources(deployment: Deployment) -> list[dict]:
    """The resources of the checkpoint file as it is on disk now (readable while `up` runs)."""
    import json

    path = deployment.folder / "state" / "backend" / ".pulumi" / "stacks" / "dms" / f"{deployment.stack_name}.json"
    try:
        return json.loads(path.read_text()).get("checkpoint", {}).get("latest", {}).get("resources", []) or []
    except (OSError, ValueError):
        return []
