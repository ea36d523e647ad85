"""Benchmark: how a plain `pulumi up` grows with the number of sender domains (issue 15).

    bench/.venv/bin/python bench/scale.py [--domains 1 10 20 50 100] [--repeat 2] [--code DIR] [--readme FILE]

For each N: a fresh Knot on loopback and a fresh stack of the project's own program (tests/support/
measure_stack.py: the plain CLI in a project folder, file:// backend, SQLite ledger with a quota of N), then three
`pulumi up --yes --skip-preview`, each timed as a whole:
- first: creates every domain's identity (DKIM key), records and verification, and every domain is Verified;
- second: the ledger now says verified, so each domain's verification becomes protected (state rewritten);
- no-op: nothing changes; the cost of a stack at rest (the cold start of a CI job).
Every domain must be Verified after the first `up` and the no-op must report no change, else the run fails.
Runs are interleaved (every N once, then again), and the table gives medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from readme_section import machine, write_section  # noqa: E402

from devtools.localdns import LocalDnsServer, free_port  # noqa: E402
from tests.support.measure_stack import stack_project  # noqa: E402

SECTION = "scale"
RUNS = ("first", "second", "no-op")
TARGET_GROWTH = 2.2  # first up, 100 domains / 50
TARGET_COLD = 1.5  # no-op up, 20 domains / 1


def measure(count: int, code: Path, folder: Path, env: dict[str, str]) -> dict[str, float]:
    knot = LocalDnsServer(folder / "knot", zone="example.test", port=free_port()).start()
    try:
        cli = stack_project(folder, knot, knot.address, count, 0, code, env)
        times: dict[str, float] = {}
        for run in RUNS:
            start = time.monotonic()
            result = cli.up(*(["--expect-no-changes"] if run == "no-op" else []), skip_preview=True)
            times[run] = time.monotonic() - start
            if not result.ok:
                raise SystemExit(f"{run} up of {count} domains failed:\n{result.output}")
            if run == "first":
                statuses = cli.stack_output("domains")
                if [s["status"] for s in statuses.values()] != ["Verified"] * count:
                    raise SystemExit(f"not every one of {count} domains is Verified")
        return times
    finally:
        knot.stop()


def report(results: dict[int, list[dict[str, float]]], repeat: int, code: Path, wall: float, skip: bool) -> str:
    med = {n: {run: statistics.median(r[run] for r in runs) for run in RUNS} for n, runs in results.items()}
    counts = sorted(med)
    flags = f"{' --code ' + str(code) if code != ROOT else ''}{' --skip-checkpoints' if skip else ''}"
    out = [
        f"Command: `bench/.venv/bin/python bench/scale.py --domains {' '.join(map(str, counts))} --repeat {repeat}"
        f"{flags}` ({time.strftime('%Y-%m-%d')}; {wall / 60:.1f} min in all)",
        "",
        "| domains | first `up`, median | per domain | second `up` (protect), median | no-op `up`, median |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n in counts:
        m = med[n]
        out.append(f"| {n} | {m['first']:.1f} s | {m['first'] / n:.2f} s | {m['second']:.1f} s | {m['no-op']:.1f} s |")
    targets = []
    if 50 in med and 100 in med:
        growth = med[100]["first"] / med[50]["first"]
        verdict = "met" if growth <= TARGET_GROWTH else "NOT met"
        targets.append(f"- first `up`, 100 domains / 50: {growth:.2f}x (target {TARGET_GROWTH}x): {verdict}")
    if 1 in med and 20 in med:
        cold = med[20]["no-op"] / med[1]["no-op"]
        verdict = "met" if cold <= TARGET_COLD else "NOT met"
        targets.append(f"- no-op `up`, 20 domains / 1: {cold:.2f}x (target {TARGET_COLD}x): {verdict}")
    out += ["", "Targets:", "", *targets, "", f"Machine: {machine()}"]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, nargs="+", default=[1, 10, 20, 50, 100])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout to run (default: this one)")
    parser.add_argument("--readme", type=Path, help="also write the results between this file's markers")
    parser.add_argument("--section", default=SECTION, help="the README markers' name")
    parser.add_argument(
        "--skip-checkpoints",
        action="store_true",
        help="PULUMI_SKIP_CHECKPOINTS=true: the engine saves the state only at the end (unsafe: a crash loses"
        " the run's state); measures what the file backend's state save after every step costs",
    )
    args = parser.parse_args()
    code = args.code.resolve()
    env = {"PULUMI_SKIP_CHECKPOINTS": "true"} if args.skip_checkpoints else {}
    results: dict[int, list[dict[str, float]]] = {}
    started = time.monotonic()
    for turn in range(args.repeat):
        for count in args.domains:
            with tempfile.TemporaryDirectory() as tmp:
                times = measure(count, code, Path(tmp), env)
            results.setdefault(count, []).append(times)
            shown = ", ".join(f"{k} {v:.1f}s" for k, v in times.items())
            print(f"run {turn + 1}/{args.repeat} N={count}: {shown}", file=sys.stderr, flush=True)
    text = report(results, args.repeat, code, time.monotonic() - started, args.skip_checkpoints)
    print(text)
    if args.readme:
        write_section(args.readme, args.section, text)


if __name__ == "__main__":
    main()
