"""Measure a real stack's time to Verified with N domains and a propagation delay D.

    PYTHONPATH=. DMS_PULUMI_BIN=$(bash scripts/ensure-pulumi.sh) \
        .venv/bin/python -m tests.support.measure_stack --domains 1 5 20 --delay 5 30

Each run: a fresh Knot (tests' LocalDnsServer) behind a DelayProxy that serves each written name
D seconds after its update, a fresh stack (file backend, SQLite ledger with a quota of N) whose
records are written through the proxy and verified through it, and `pulumi up` (the real CLI and
engine, the dynamic provider with its 4 threads). Reported per run: the whole `up`, and per domain
the time from "its records are served" (its DnsRecords done + D) to its Verification done.
`--no-verify-after` runs the program without the all-records-first ordering, for comparison.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dms_component.localdns import LocalDnsServer, free_port
from tests.e2e.harness import Deployment
from tests.support.delay_proxy import DelayProxy


@dataclass
class ProxiedServer:
    """What Deployment needs of a DNS server, pointing at the proxy in front of Knot."""

    knot: LocalDnsServer
    proxy: DelayProxy

    @property
    def address(self) -> str:
        return self.proxy.address

    @property
    def zone(self) -> str:
        return self.knot.zone

    @property
    def key_file(self) -> Path:
        return self.knot.key_file

    def tsig_secret(self) -> str:
        return self.knot.tsig_secret()


@dataclass
class Run:
    domains: int
    delay: float
    up_seconds: float
    extra: list[float]  # per domain: Verified minus (records written + delay)
    verified: int

    def line(self) -> str:
        e = sorted(self.extra)
        med = statistics.median(e) if e else float("nan")
        return (
            f"domains={self.domains:<3} delay={self.delay:>4.0f}s  up={self.up_seconds:6.2f}s"
            f"  up-delay={self.up_seconds - self.delay:5.2f}s  verified={self.verified}/{self.domains}"
            f"  extra after served: median={med:.2f}s max={max(e, default=float('nan')):.2f}s"
        )


def measure(count: int, delay: float, folder: Path) -> Run:
    knot = LocalDnsServer(folder / "knot", zone="example.test", port=free_port()).start()
    proxy = DelayProxy(knot.host, knot.port, delay).start()
    try:
        deployment = Deployment(folder / "stack", ProxiedServer(knot, proxy))  # type: ignore[arg-type]
        domains = [{"domain": f"d{i}.example.test", "type": "triggered"} for i in range(count)]
        deployment.configure(
            domains,
            ledger={"backend": "sqlite", "path": str(deployment.ledger_path), "quota": count},
            verification={"timeout": delay + 120},
        )
        written: dict[str, float] = {}
        verified: dict[str, float] = {}

        def on_event(event: Any) -> None:
            done = event.res_outputs_event
            if done is None:
                return
            urn = done.metadata.urn
            domain = urn.rsplit("::", 1)[-1].split("/", 1)[0]
            if urn.endswith("/records"):
                written[domain] = time.monotonic()
            elif urn.endswith("/verification"):
                verified[domain] = time.monotonic()

        start = time.monotonic()
        deployment.stack.up(on_event=on_event, color="never", show_secrets=False)
        up_seconds = time.monotonic() - start
        statuses = deployment.statuses()
        extra = [verified[d] - (written[d] + delay) for d in verified if d in written]
        ok = sum(1 for s in statuses.values() if s["status"] == "Verified")
        return Run(count, delay, up_seconds, extra, ok)
    finally:
        proxy.stop()
        knot.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--domains", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--delay", type=float, nargs="+", default=[5.0])
    parser.add_argument("--no-verify-after", action="store_true", help="without the all-records-first ordering")
    args = parser.parse_args()
    if args.no_verify_after:
        import dms_component.component as component

        original = component.SenderDomain.__init__

        def without(self, *a: Any, verify_after: Any = None, **kw: Any) -> None:
            original(self, *a, **kw)

        component.SenderDomain.__init__ = without  # type: ignore[method-assign]
    for delay in args.delay:
        for count in args.domains:
            with tempfile.TemporaryDirectory() as tmp:
                print(measure(count, delay, Path(tmp)).line(), flush=True)


if __name__ == "__main__":
    main()
