"""A stack of the project's own program with N sender domains, run with the plain CLI as users run it.

The benchmarks (bench/breakdown.py, scale.py, verify_time.py) and the end-to-end tests that look at
timing share it: the project's Pulumi.yaml and __main__.py copied to a folder of their own, its own
file:// backend, a SQLite ledger with a quota of N, the TSIG key as a file, and every provider call
timestamped in `trace.jsonl` beside the project (DMS_TRACE_FILE, providers/resources/trace.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from devtools.localdns import LocalDnsServer
from devtools.runner import ROOT
from tests.e2e.cli import CliProject, copy_project


def stack_project(
    folder: Path,
    knot: LocalDnsServer,
    address: str,
    count: int,
    delay: float,
    code: Path = ROOT,
    env: dict[str, str] | None = None,
    prefix: str = "d",
    timeout: float | None = None,
) -> CliProject:
    """Stack `bench` in `folder`/project with `count` domains (`<prefix><i>.<zone>`), written to and verified
    at `address` (Knot, or a proxy in front of it), verification timeout `delay` + 120 s (or `timeout`). `code`: the
    checkout whose program and packages run (another worktree, e.g. the commit before a change; the venv
    stays this one's); `env`: more variables for the CLI."""
    project = copy_project(code, folder / "project", names=["Pulumi.yaml", "__main__.py"])
    cli = CliProject(
        project,
        state_dir=folder / "state",
        venv=ROOT / ".venv",
        pythonpath=[code],
        # PULUMI_DEBUG_COMMANDS: --event-log needs it.
        env={"DMS_TRACE_FILE": str(trace_file(folder)), "PULUMI_DEBUG_COMMANDS": "true", **(env or {})},
        timeout=1800,
    )
    cli.init("bench", check=True)
    config = {
        "dms:domains": [{"domain": f"{prefix}{i}.{knot.zone}", "type": "triggered"} for i in range(count)],
        "dms:dns": {
            "provider": "rfc2136",
            "server": address,
            "zone": knot.zone,
            "tsig": {"keyFile": str(knot.key_file)},
        },
        "dms:ledger": {"backend": "sqlite", "path": "ledger.sqlite", "quota": count},
        "dms:verification": {"timeout": delay + 120 if timeout is None else timeout},
    }
    cli.config_file.write_text(json.dumps({"config": config}, indent=2))
    return cli


def trace_file(folder: Path) -> Path:
    return folder / "trace.jsonl"


def provider_calls(folder: Path) -> list[dict]:
    """The provider calls traced so far: kind, call, domain, start, end, thread."""
    trace = trace_file(folder)
    return [json.loads(line) for line in trace.read_text().splitlines()] if trace.exists() else []
