"""Where the time of one `pulumi up` goes: every resource step and every provider call, timestamped.

    bench/.venv/bin/python bench/breakdown.py [--domains 20] [--delay 0] [--runs first protect noop] [--code DIR]

One fresh stack of the project's own program, run with the plain CLI as users do (tests/e2e/cli.py), against a
fresh Knot (behind the delay proxy when --delay > 0), SQLite ledger with a quota of N. Sources:
- the engine's event log (`pulumi up --event-log`), read as it is written: when each step started and ended;
- the dynamic providers' own trace (DMS_TRACE_FILE, providers/resources/trace.py): each call's start and end
  and its thread, in the provider process.
Printed: a summary per phase (program start, identities, records, verifications, the end) and per kind of
call, and how many of the provider's threads were busy over time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.localdns import LocalDnsServer, free_port  # noqa: E402
from tests.support.delay_proxy import DelayProxy  # noqa: E402
from tests.support.measure_stack import provider_calls, stack_project, trace_file  # noqa: E402


@dataclass
class EventTail:
    """Reads the engine's event log while it is written; stamps each event on arrival with `clock` (the
    log's own timestamps are whole seconds)."""

    path: Path
    clock: Callable[[], float] = time.time
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> EventTail:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self.path.exists() and not self._stop.is_set():
            time.sleep(0.005)
        with open(self.path) as log:
            buffer = ""
            while True:
                chunk = log.read()
                if chunk:
                    buffer += chunk
                    *lines, buffer = buffer.split("\n")
                    now = self.clock()
                    self.events += [(now, json.loads(line)) for line in lines if line.strip()]
                elif self._stop.is_set():
                    return
                else:
                    time.sleep(0.005)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def step_times(events: list[tuple[float, dict[str, Any]]]) -> dict[str, dict[str, float]]:
    """urn -> {pre, done}: when each resource's step started and ended (arrival times of its events)."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for at, event in events:
        for kind, key in (("resourcePreEvent", "pre"), ("resOutputsEvent", "done")):
            if kind in event and not event[kind].get("planning"):
                out[event[kind]["metadata"]["urn"]][key] = at
    return out


@dataclass
class Breakdown:
    started: float
    ended: float
    events: list[tuple[float, dict[str, Any]]]
    calls: list[dict[str, Any]]

    def steps(self) -> dict[str, dict[str, float]]:
        return step_times(self.events)

    def report(self) -> str:
        t0 = self.started
        steps = self.steps()
        lines = [f"whole command: {self.ended - t0:.2f} s"]
        firsts = [s["pre"] for s in steps.values() if "pre" in s]
        if firsts:
            lines.append(f"command start -> first step: {min(firsts) - t0:.2f} s")
            lines.append(
                f"last step done -> command end: {self.ended - max(s.get('done', 0) for s in steps.values()):.2f} s"
            )
        by_type: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for urn, s in steps.items():
            kind = urn.split("::")[-2].split("$")[-1]
            if "pre" in s and "done" in s:
                by_type[kind].append((s["pre"] - t0, s["done"] - t0))
        lines.append("")
        lines.append("| resource | steps | first start | last done | step, median | step, max |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for kind, spans in sorted(by_type.items(), key=lambda kv: min(a for a, _ in kv[1])):
            lengths = [b - a for a, b in spans]
            lines.append(
                f"| {kind} | {len(spans)} | {min(a for a, _ in spans):.2f} s | {max(b for _, b in spans):.2f} s"
                f" | {statistics.median(lengths):.3f} s | {max(lengths):.3f} s |"
            )
        lines.append("")
        lines.append("| provider call | calls | sum | median | max | first start | last end |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for call in self.calls:
            grouped[f"{call['kind']}.{call['call']}"].append(call)
        for name, calls in sorted(grouped.items(), key=lambda kv: min(c["start"] for c in kv[1])):
            lengths = [c["end"] - c["start"] for c in calls]
            lines.append(
                f"| {name} | {len(calls)} | {sum(lengths):.2f} s | {statistics.median(lengths):.3f} s"
                f" | {max(lengths):.3f} s | {min(c['start'] for c in calls) - t0:.2f} s"
                f" | {max(c['end'] for c in calls) - t0:.2f} s |"
            )
        if self.calls:
            busy = sum(c["end"] - c["start"] for c in self.calls)
            span = max(c["end"] for c in self.calls) - min(c["start"] for c in self.calls)
            lines.append("")
            lines.append(f"provider threads: {busy:.2f} s busy in {span:.2f} s ({busy / span:.2f} threads on average)")
        # Time between a call's end and its step's done event: the engine's own share (state save included).
        tails = []
        for call in self.calls:
            if call["call"] not in ("create", "update"):
                continue
            suffix = {"SenderIdentity": "identity", "DnsRecords": "records", "Verification": "verification"}.get(
                call["kind"]
            )
            urn = next((u for u in steps if u.endswith(f"::{call['domain']}/{suffix}")), None)
            if urn and "done" in steps[urn]:
                tails.append(steps[urn]["done"] - call["end"])
        if tails:
            lines.append(
                f"call end -> step done (engine, state save, event log): median {statistics.median(tails):.3f} s,"
                f" max {max(tails):.3f} s"
            )
        return "\n".join(lines)


def run(
    count: int, delay: float, which: list[str], preview: bool, engine_profile: str | None = None, code: Path = ROOT
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        knot = LocalDnsServer(folder / "knot", zone="example.test", port=free_port()).start()
        proxy = DelayProxy(knot.host, knot.port, delay).start() if delay else None
        try:
            cli = stack_project(folder, knot, proxy.address if proxy else knot.address, count, delay, code)
            trace = trace_file(folder)
            for turn in which:
                log = folder / f"events-{turn}.jsonl"
                trace.unlink(missing_ok=True)
                tail = EventTail(log).start()
                started = time.time()
                # --profiling: the engine's own CPU profile (go tool pprof), where its share is in question.
                profile = ["--profiling", f"{engine_profile}-{turn}"] if engine_profile else []
                result = cli.up("--event-log", str(log), *profile, skip_preview=not preview)
                ended = time.time()
                tail.stop()
                if not result.ok:
                    raise SystemExit(result.output)
                calls = provider_calls(folder)
                print(f"## {turn} up, {count} domains, D = {delay:g} s\n")
                print(Breakdown(started, ended, tail.events, calls).report())
                print()
        finally:
            if proxy:
                proxy.stop()
            knot.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0)
    parser.add_argument("--runs", nargs="+", default=["first", "noop"])
    parser.add_argument("--preview", action="store_true", help="`up` with its preview")
    parser.add_argument("--engine-profile", help="write the engine's CPU profile to this prefix")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout to run (default: this one)")
    args = parser.parse_args()
    run(args.domains, args.delay, args.runs, args.preview, args.engine_profile, args.code.resolve())


if __name__ == "__main__":
    main()
