"""End to end, day to day: the DNS plan at preview, progress while verifying, `dms plan`, `dms status`
and `dms wait` against the same real stack (Pulumi CLI and engine, Knot behind a propagation delay)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.localdns import LocalDnsServer
from devtools.runner import ROOT, pulumi_bin_dir, pulumi_env
from dms_component.core.plan_view import render_lines
from tests.e2e.harness import PASSPHRASE, Deployment
from tests.integration.zone import Zone
from tests.support.delay_proxy import DelayProxy

pytestmark = pytest.mark.e2e
DOMAINS = [f"day{i}.example.test" for i in range(5)]
MERGED = DOMAINS[0]  # has an SPF record of its own before the stack starts
THEIR_SPF = "v=spf1 ip4:192.0.2.1 ~all"
PROGRESS = re.compile(
    r"(?P<domain>[a-z0-9.-]+): ((SPF|DKIM|DMARC|MX) [^,()]+)(, (SPF|DKIM|DMARC|MX) [^,()]+){3} \((\d+) s of 30 s\)$"
)


@pytest.fixture
def proxy(local_dns: LocalDnsServer) -> Iterator[DelayProxy]:
    """Every name written is served only 4 s later: verifications wait, and print while they do."""
    proxy = DelayProxy(local_dns.host, local_dns.port, delay=6.0).start()
    yield proxy
    proxy.stop()


def dms(deployment: Deployment, *args: str) -> subprocess.CompletedProcess[str]:
    """The `dms` command with the stack's Pulumi environment, as a CI job has it."""
    env = {**os.environ, **pulumi_env(pulumi_bin_dir(), deployment.folder / "state", PASSPHRASE)}
    return subprocess.run(
        [sys.executable, "-m", "dms_component", *args, "--stack", "test", "--cwd", str(deployment.project)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_plan_at_preview_progress_while_verifying_then_status_and_wait(
    tmp_path: Path, local_dns: LocalDnsServer, proxy: DelayProxy
) -> None:
    Zone(local_dns).add_txt(MERGED, THEIR_SPF)
    deployment = Deployment(tmp_path, local_dns)
    dns = {"provider": "rfc2136", "server": proxy.address, "zone": local_dns.zone}
    deployment.configure([{"domain": d, "type": "triggered"} for d in DOMAINS], dns=dns)

    # The DNS plan at preview, DNSControl style, and the same plan from `dms plan --json`.
    deployment.preview()
    preview = "\n".join(deployment.output)
    plan = dms(deployment, "plan", "--json")
    assert plan.returncode == 0, plan.stderr
    plans = {p["domain"]: p for p in json.loads(plan.stdout)["domains"]}
    merge = next(r for r in plans[MERGED]["records"] if r["item"] == "SPF")
    assert merge == {
        "action": "merge",
        "item": "SPF",
        "host": MERGED,
        "type": "TXT",
        "before": [THEIR_SPF],
        "after": ["v=spf1 ip4:192.0.2.1 include:qcloudmail.com ~all"],
    }
    for line in render_lines(plans[MERGED]):
        assert line.strip() in preview, line
    assert f'± MERGE    TXT   {MERGED} "{THEIR_SPF}" -> "v=spf1 ip4:192.0.2.1 include:qcloudmail.com ~all"' in preview
    assert "p=<key made at apply>" in preview

    # Progress while the verifications wait: lines arrive before each verification is done.
    stamped: list[tuple[float, str]] = []
    deployment._on_output = lambda line: stamped.append((time.monotonic(), line))  # type: ignore[method-assign]
    deployment.up()
    up_done = time.monotonic()
    progress = [(t, m) for t, line in stamped if (m := PROGRESS.search(line))]
    waited = []
    for domain in DOMAINS:
        mine = [(t, m) for t, m in progress if m["domain"] == domain]
        created = min(t for t, line in stamped if f"{domain}/verification created" in line)
        waiting = [t for t, m in mine if "not yet served" in m.group(0)]
        # A domain whose records were served by its first check (a slow machine) has nothing to wait for.
        if waiting:
            assert min(waiting) < created < up_done, domain  # shown while it waited, not at the end
            assert any(m.group(0).startswith(f"{domain}: SPF ok, DKIM ok, DMARC ok, MX ok") for _, m in mine)
            waited.append(domain)
    assert waited, progress
    for _, line in stamped:
        assert len(re.findall(r"\(\d+ s of 30 s\)", line)) <= 1, line  # one domain per line, never garbled
    statuses = deployment.statuses()
    assert {d: s["status"] for d, s in statuses.items()} == dict.fromkeys(DOMAINS, "Verified")

    # The account as the console lists it, with this stack's DKIM keys checked too.
    status = dms(deployment, "status")
    assert status.returncode == 0, status.stdout + status.stderr
    rows = status.stdout.splitlines()[1:]
    assert [r.split()[0] for r in rows] == DOMAINS
    # SPF, DKIM, DMARC, MX, then KEY AGE (the stack holds the keys: made today).
    assert all(r.split()[2] == "Verified" and r.split()[-5:] == ["ok"] * 4 + ["0d"] for r in rows), rows
    assert "organization/dms/test" in status.stdout
    as_json = json.loads(dms(deployment, "status", "--json").stdout)
    assert {r["domain"]: r["status"] for r in as_json["domains"]} == dict.fromkeys(DOMAINS, "Verified")

    # `dms wait`: verified at once; a record removed behind the stack's back times out; bad input.
    waited = dms(deployment, "wait", *DOMAINS, "--json")
    assert waited.returncode == 0, waited.stderr
    assert [d["status"] for d in json.loads(waited.stdout)["domains"]] == ["Verified"] * 5
    Zone(local_dns).delete(f"_dmarc.{DOMAINS[1]}", "TXT")
    timed_out = dms(deployment, "wait", DOMAINS[1], "--timeout", "1")
    assert timed_out.returncode == 1, timed_out.stderr
    assert f"{DOMAINS[1]}: still pending after 1 s: DMARC not yet served by {proxy.address}" in timed_out.stderr
    unknown = dms(deployment, "wait", "other.example.test")
    assert unknown.returncode == 2 and unknown.stderr.startswith("dms: DOMAIN: other.example.test is not a sender")
    negative = dms(deployment, "wait", DOMAINS[0], "--timeout", "-5")
    assert negative.returncode == 2 and negative.stderr.strip() == (
        "dms: --timeout: -5 is not allowed; use seconds from 0 to 86400"
    )
    degraded = dms(deployment, "status")
    assert degraded.returncode == 1 and f"{DOMAINS[1]} DMARC: no DMARC record" in degraded.stdout

    everything = preview + "\n".join(line for _, line in stamped) + status.stdout + waited.stderr + plan.stdout
    assert "PRIVATE KEY" not in everything
    assert local_dns.tsig_secret() not in everything
