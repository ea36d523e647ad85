"""End to end with the real Pulumi CLI: sender domains in a Route53 (moto) zone go to Verified.

Verification asks a DNS server that serves, at each question, what Route53 holds at that moment.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi import automation as auto

from devtools.localdns import LocalDnsServer
from tests.e2e.harness import Deployment
from tests.support.route53 import HostedZone
from tests.support.route53_bridge import Route53Bridge

pytestmark = pytest.mark.e2e


@pytest.fixture
def bridge(local_dns: LocalDnsServer, hosted_zone: HostedZone) -> Iterator[Route53Bridge]:
    server = Route53Bridge(local_dns, hosted_zone.client, hosted_zone.id, hosted_zone.name).start()
    yield server
    server.stop()


@pytest.fixture
def stack(tmp_path: Path, local_dns: LocalDnsServer, hosted_zone: HostedZone, moto_server: str, bridge) -> Deployment:
    deployment = Deployment(tmp_path, local_dns)
    deployment.route53 = {"provider": "route53", "zone": hosted_zone.name, "endpoint": moto_server}  # type: ignore[attr-defined]
    return deployment


def configure(stack: Deployment, bridge: Route53Bridge, domains: list[dict]) -> None:
    stack.configure(
        domains,
        tsig_secret=False,
        dns=stack.route53,  # type: ignore[attr-defined]
        verification={"nameserver": bridge.address, "timeout": 60},
    )


def test_two_domains_in_route53_verify_drift_is_repaired_and_conflicts_fail_at_preview(
    stack: Deployment, hosted_zone: HostedZone, bridge: Route53Bridge
) -> None:
    notify, news = f"notify.{hosted_zone.name}", f"news.{hosted_zone.name}"
    configure(stack, bridge, [{"domain": notify, "type": "triggered"}, {"domain": news, "type": "batch"}])

    stack.up()

    statuses = stack.statuses()
    assert {d: s["status"] for d, s in statuses.items()} == {notify: "Verified", news: "Verified"}
    assert bridge.questions > 0  # the answers came from Route53's records
    assert hosted_zone.values(notify, "MX") == ["5 mxbiz1.qq.com."]
    assert hosted_zone.values(f"_dmarc.{news}", "TXT") == ['"v=DMARC1; p=none"']
    stack.preview(expect_no_changes=True)

    # Drift: a record deleted in Route53 shows in refresh, and the next up puts it back.
    hosted_zone.drop(f"_dmarc.{notify}", "TXT")
    stack.refresh()
    [records] = [r for r in stack.resources() if r["urn"].endswith(f"{notify}/records")]
    assert [r["item"] for r in records["outputs"]["records"]] == ["SPF", "DKIM", "MX"]
    stack.up()
    assert hosted_zone.values(f"_dmarc.{notify}", "TXT") == ['"v=DMARC1; p=none"']
    stack.preview(expect_no_changes=True)

    # A third domain whose name already carries someone's DMARC record: refused at preview, nothing written.
    third = f"alerts.{hosted_zone.name}"
    hosted_zone.put(f"_dmarc.{third}", "TXT", ['"v=DMARC1; p=reject"'])
    configure(
        stack,
        bridge,
        [
            {"domain": notify, "type": "triggered"},
            {"domain": news, "type": "batch"},
            {"domain": third, "type": "batch"},
        ],
    )
    with pytest.raises(auto.CommandError) as refused:
        stack.preview()
    message = str(refused.value)
    assert f"_dmarc.{third} TXT 'v=DMARC1; p=reject' (DMARC)" in message and "adopt: true" in message
    assert "Traceback" not in message
    assert hosted_zone.values(third, "MX") == []


def test_every_domains_records_are_written_before_verification_waits_for_insync(
    stack: Deployment, hosted_zone: HostedZone, bridge: Route53Bridge, moto
) -> None:
    # More domains than the provider host's 4 threads: if a records create waited for INSYNC, the
    # last two would not be written while Route53 still reports the first changes PENDING.
    domains = [f"d{i}.{hosted_zone.name}" for i in range(6)]
    stack.configure(
        [{"domain": d, "type": "batch"} for d in domains],
        tsig_secret=False,
        dns=stack.route53,  # type: ignore[attr-defined]
        ledger={"backend": "sqlite", "path": str(stack.ledger_path), "quota": len(domains)},
        verification={"nameserver": bridge.address, "timeout": 60},
    )
    polls_before = moto.get_change_calls
    moto.changes_pending = True
    try:
        run = stack.start_up()
        deadline = time.monotonic() + 120
        while not all(hosted_zone.values(d, "MX") for d in domains):
            assert run.poll() is None, run.communicate()[0]
            assert time.monotonic() < deadline, "not every domain's records were written while changes were PENDING"
            time.sleep(0.5)
    finally:
        moto.changes_pending = False
    output, _ = run.communicate(timeout=240)

    assert run.returncode == 0, output
    assert {s["status"] for s in stack.statuses().values()} == {"Verified"}
    assert moto.get_change_calls > polls_before  # the verifications waited for INSYNC


def test_dms_wait_waits_for_insync_with_the_line_pulumi_up_prints(
    stack: Deployment, hosted_zone: HostedZone, bridge: Route53Bridge, moto
) -> None:
    import os
    import subprocess
    import sys
    import threading

    from devtools.runner import ROOT, pulumi_bin_dir, pulumi_env
    from tests.e2e.harness import PASSPHRASE

    domain = f"waits.{hosted_zone.name}"
    configure(stack, bridge, [{"domain": domain, "type": "triggered"}])
    stack.up()
    [records] = [r for r in stack.resources() if r["urn"].endswith(f"{domain}/records")]
    assert records["outputs"]["change"]  # Route53's id of the records' last change

    env = {**os.environ, **pulumi_env(pulumi_bin_dir(), stack.folder / "state", PASSPHRASE)}
    command = [sys.executable, "-m", "dms_component", "wait", domain, "--timeout", "60"]
    polls_before = moto.get_change_calls
    moto.changes_pending = True  # Route53 says PENDING until the test lets it go
    lines: list[str] = []
    seen = threading.Event()
    try:
        wait = subprocess.Popen(
            [*command, "--stack", "test", "--cwd", str(stack.project)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        def read() -> None:
            for line in wait.stderr:  # type: ignore[union-attr]
                lines.append(line)
                if "waiting for Route53 to serve the change on all its servers" in line:
                    seen.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        assert seen.wait(60), "".join(lines)  # it waits, saying so as `pulumi up` does
    finally:
        moto.changes_pending = False
    out = wait.stdout.read()  # type: ignore[union-attr]
    assert wait.wait(60) == 0, "".join(lines) + out
    reader.join(10)

    assert moto.get_change_calls > polls_before  # it asked Route53 (GetChange) while the change was PENDING
    line = next(line for line in lines if "waiting for Route53" in line)
    assert line.startswith(f"{domain}: waiting for Route53 to serve the change on all its servers (")
    assert any(line.startswith(f"{domain}: every item passes") for line in lines)  # then it verified
