"""End to end: what the stack's verifications wait for, and the DKIM probe: the key stays in the identity."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.localdns import LocalDnsServer
from tests.e2e.harness import Deployment

pytestmark = pytest.mark.e2e
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # how Pulumi marks a secret value


def test_verifications_wait_for_every_domains_records_and_probe_without_a_copy_of_the_key(
    tmp_path: Path, local_dns: LocalDnsServer
) -> None:
    deployment = Deployment(tmp_path, local_dns)
    domains = ["probe-a.example.test", "probe-b.example.test", "probe-c.example.test"]
    deployment.configure([{"domain": d, "type": "triggered"} for d in domains])

    deployment.up()

    statuses = deployment.statuses()
    assert {d: s["status"] for d, s in statuses.items()} == dict.fromkeys(domains, "Verified")
    for status in statuses.values():
        dkim = next(i for i in status["items"] if i["item"] == "DKIM")
        assert dkim["reason"] == "DKIM key matches; a signed probe message verifies"
    resources = deployment.resources()
    records = {r["urn"] for r in resources if r["urn"].endswith("/records")}
    verifications = [r for r in resources if r["urn"].endswith("/verification")]
    assert len(records) == len(verifications) == 3
    for verification in verifications:
        # Its own records only: the wait for every domain's records (the barrier) adds no edge to the state.
        own = {
            r
            for r in records
            if r.rsplit("::", 1)[1] == verification["urn"].rsplit("::", 1)[1].replace("/verification", "/records")
        }
        assert records & set(verification.get("dependencies") or []) == own and len(own) == 1
        # The verification checks the identity's signed probe: no copy of the private key.
        assert "dkim_private_key" not in verification["inputs"] and "dkim_private_key" not in verification["outputs"]
        assert verification["inputs"]["dkim_probe"].startswith("DKIM-Signature: ")
    identities = [r for r in resources if r["urn"].endswith("/identity")]
    assert all(r["outputs"]["dkim_private_key"][SECRET_SIG] for r in identities)  # the one copy, secret
    assert "PRIVATE KEY" not in deployment.state_text()
    assert "PRIVATE KEY" not in "\n".join(deployment.output)

    again = deployment.up()
    assert set(again.summary.resource_changes) == {"same"}


def test_verifications_waiting_for_propagation_do_not_queue_behind_the_hosts_four_threads(
    tmp_path: Path, local_dns: LocalDnsServer
) -> None:
    """Six domains whose records are served 2 s after they are written: all six verifications poll at once
    (Pulumi's dynamic-provider host alone would serve four calls at a time, providers/resources/threads.py)."""
    from tests.support.delay_proxy import DelayProxy
    from tests.support.measure_stack import provider_calls, stack_project

    count = 6
    proxy = DelayProxy(local_dns.host, local_dns.port, 2.0).start()
    try:
        cli = stack_project(tmp_path, local_dns, proxy.address, count, 2.0, prefix="wide")

        up = cli.up("--parallel", "16", skip_preview=True)  # the engine's own limit is not the one under test

        assert up.ok, up.output
        assert [s["status"] for s in cli.stack_output("domains").values()] == ["Verified"] * count
    finally:
        proxy.stop()
    calls = provider_calls(tmp_path)
    waits = [(c["start"], c["end"]) for c in calls if (c["kind"], c["call"]) == ("Verification", "create")]
    assert len(waits) == count
    most = max(sum(1 for s, e in waits if s <= at < e) for at, _ in waits)
    assert most == count  # every verification was polling at the moment the last one started
