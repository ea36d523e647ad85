"""Benchmark: time to Verified after propagation, with real stacks (issues 4 and 15).

    bench/.venv/bin/python bench/verify_time.py [--delay 0 5 30] [--domains 1 20] [--repeat 3] [--readme FILE]

Each run: a fresh Knot (LocalDnsServer) behind a DelayProxy that serves each written name only D seconds after
its update, a fresh stack of the project's own program run as users run it (tests/support/measure_stack.py:
the plain `pulumi up --yes --skip-preview` in a project folder, file backend, SQLite ledger with a quota of N)
writing to and verifying through the proxy, creating N sender domains.

Per domain:
- written: when the proxy passed the domain's RFC 2136 update to Knot (one update per domain), so its records
  are served from written + D exactly;
- seen: the last query the proxy answered for the domain's names (the verifier's passing poll);
- Verified: when the engine's event log (`--event-log`, read as it is written) reported the domain's
  Verification done.
Reported: time-to-Verified minus D (Verified - written - D), the same for "seen", and the whole `up`. Runs are
interleaved (all configurations once, then again), so load on the machine spreads over all of them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project and its test support, from this tree

import dns.message  # noqa: E402
import dns.name  # noqa: E402
from breakdown import EventTail, step_times  # noqa: E402
from readme_section import machine, write_section  # noqa: E402

from devtools.localdns import LocalDnsServer, free_port  # noqa: E402
from tests.support.delay_proxy import DelayProxy  # noqa: E402
from tests.support.measure_stack import stack_project  # noqa: E402

SECTION = "verify_time"
# Issue 15's targets, for the largest N (20): extra after the records are served, at every D ...
TARGET_P90, TARGET_MAX = 0.5, 1.0
# ... and the whole `up`, 20 domains against 1, at D = 0 and 5 s.
TARGET_UP = {0.0: 1.5, 5.0: 1.15}


@dataclass
class AskedProxy(DelayProxy):
    """The delay proxy, also noting when each name was last asked (the verifier's last poll)."""

    asked: dict[dns.name.Name, float] = field(default_factory=dict)

    async def _handle(self, wire: bytes, *, tcp: bool) -> bytes | None:
        reply = await super()._handle(wire, tcp=tcp)
        try:
            message = dns.message.from_wire(wire, keyring=False)
        except Exception:
            return reply
        if message.question and message.opcode() == 0:  # a query, not an update
            self.asked[message.question[0].name] = time.monotonic()
        return reply


@dataclass
class Run:
    domains: int
    delay: float
    up: float  # the whole `pulumi up`
    ttv: list[float]  # per domain: Verified - written
    seen: list[float]  # per domain: last query - written
    verified: int  # domains whose status is Verified at the end
    span: float  # first record written -> last domain Verified

    @property
    def extra(self) -> list[float]:
        return [t - self.delay for t in self.ttv]

    @property
    def extra_seen(self) -> list[float]:
        return [t - self.delay for t in self.seen]


def measure(count: int, delay: float, folder: Path, code: Path = ROOT) -> Run:
    knot = LocalDnsServer(folder / "knot", zone="example.test", port=free_port()).start()
    proxy = AskedProxy(knot.host, knot.port, delay).start()
    try:
        cli = stack_project(folder, knot, proxy.address, count, delay, code)
        names = [f"d{i}.example.test" for i in range(count)]
        log = folder / "events.jsonl"
        tail = EventTail(log, clock=time.monotonic).start()  # the proxy's clock
        start = time.monotonic()
        result = cli.up("--event-log", str(log), skip_preview=True)
        up = time.monotonic() - start
        tail.stop()
        if not result.ok:
            raise SystemExit(result.output)
        verified_at = {
            urn.rsplit("::", 1)[-1].split("/", 1)[0]: at["done"]
            for urn, at in step_times(tail.events).items()
            if urn.endswith("/verification") and "done" in at
        }
        statuses = cli.stack_output("domains")
        ttv, seen, written_all = [], [], []
        for d in names:
            under = dns.name.from_text(d)
            written = max(t for n, t in proxy.changed.items() if n.is_subdomain(under))
            asked = max(t for n, t in proxy.asked.items() if n.is_subdomain(under))
            written_all.append(written)
            ttv.append(verified_at[d] - written)
            seen.append(asked - written)
        ok = sum(1 for s in statuses.values() if s["status"] == "Verified")
        return Run(count, delay, up, ttv, seen, ok, max(verified_at.values()) - min(written_all))
    finally:
        proxy.stop()
        knot.stop()


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def pooled(runs: list[Run], attr: str) -> list[float]:
    return [v for r in runs for v in getattr(r, attr)]


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]


def report(results: dict[tuple[float, int], list[Run]], repeat: int, wall: float, code: Path = ROOT) -> str:
    delays = sorted({d for d, _ in results})
    counts = sorted({n for _, n in results})
    out = [
        f"Command: `make bench` ({time.strftime('%Y-%m-%d')}; {repeat} runs per configuration, interleaved;"
        f" {wall / 60:.1f} min in all{'' if code == ROOT else f'; `--code {code}`'})",
        "",
        "| D | domains | runs | all Verified | extra = time-to-Verified - D, median | p90 | max"
        " | seen by the verifier - D, median | whole `up`, median (min-max) | first write → last Verified, median |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (delay, count), runs in sorted(results.items()):
        extra, seen = pooled(runs, "extra"), pooled(runs, "extra_seen")
        ups = [r.up for r in runs]
        all_ok = all(r.verified == r.domains for r in runs)
        out.append(
            f"| {delay:g} s | {count} | {len(runs)} | {'yes' if all_ok else 'NO'} | {med(extra):.2f} s"
            f" | {p90(extra):.2f} s | {max(extra):.2f} s | {med(seen):.2f} s"
            f" | {med(ups):.1f} s ({min(ups):.1f}-{max(ups):.1f}) | {med([r.span for r in runs]):.2f} s |"
        )
    lo, hi = min(counts), max(counts)
    targets = []
    for delay in delays:
        runs = results.get((delay, hi))
        if runs:
            extra = pooled(runs, "extra")
            ok = p90(extra) <= TARGET_P90 and max(extra) <= TARGET_MAX
            targets.append(
                f"- D = {delay:g} s, {hi} domains: extra p90 {p90(extra):.2f} s (target {TARGET_P90:g} s), max"
                f" {max(extra):.2f} s (target {TARGET_MAX:g} s): {'met' if ok else 'NOT met'}"
            )
    for delay, limit in TARGET_UP.items():
        one, many = results.get((delay, lo)), results.get((delay, hi))
        if one and many:
            ratio = med([r.up for r in many]) / med([r.up for r in one])
            targets.append(
                f"- D = {delay:g} s, whole `up`, {hi} domains / {lo}: {ratio:.2f}x (target {limit}x):"
                f" {'met' if ratio <= limit else 'NOT met'}"
            )
    out += [
        "",
        "Targets:",
        "",
        *targets,
        "",
        f"Machine: {machine()}; pulumi {version('pulumi')} (SDK),"
        f" Pulumi CLI {cli_version()}; load average at the end {load()}",
    ]
    return "\n".join(out)


def cli_version() -> str:
    import subprocess

    from devtools.runner import pulumi_bin_dir

    try:
        out = subprocess.run([str(pulumi_bin_dir() / "pulumi"), "version"], capture_output=True, text=True)
        return out.stdout.strip()
    except OSError:
        return "?"


def load() -> str:
    import os

    return f"{os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--delay", type=float, nargs="+", default=[0, 5, 30], help="D in seconds (0: baseline)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--readme", type=Path, help="also write the results between this file's markers")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout to run (default: this one)")
    parser.add_argument("--section", default=SECTION, help="the README markers' name")
    args = parser.parse_args()
    log: Callable[[str], None] = (lambda _m: None) if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))

    results: dict[tuple[float, int], list[Run]] = {}
    started = time.monotonic()
    for turn in range(args.repeat):
        for delay in args.delay:
            for count in args.domains:
                with tempfile.TemporaryDirectory() as tmp:
                    t0 = time.monotonic()
                    run = measure(count, delay, Path(tmp), args.code.resolve())
                results.setdefault((delay, count), []).append(run)
                log(
                    f"run {turn + 1}/{args.repeat} D={delay:g}s N={count}: up {run.up:.1f}s"
                    f" extra median {med(run.extra):.2f}s max {max(run.extra):.2f}s"
                    f" seen {med(run.extra_seen):.2f}s verified {run.verified}/{count}"
                    f" ({time.monotonic() - t0:.0f}s with setup)"
                )
    text = report(results, args.repeat, time.monotonic() - started, args.code.resolve())
    print(text)
    if args.readme:
        write_section(args.readme, args.section, text)


if __name__ == "__main__":
    main()
