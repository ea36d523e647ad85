"""Benchmark: the cold start of a stack at rest (issue 28, item 5). A no-op `pulumi up` of the project's own
program with one sender domain, against an empty Python program's `pulumi up` (the CLI and its Python language
host alone), measured side by side in one run:

    .venv/bin/python bench/cold_start.py [--repeat 5] [--readme bench/README.md]

Both are plain CLI runs in a project folder of their own (tests/e2e/cli.py), each with its own file:// backend,
the same venv and the same CLI. The domain's stack is brought to rest first (an `up` that verifies it, a second
that protects its verification); each measured `up` must then report no change (`--expect-no-changes`). Runs
alternate between the two programs, `pulumi up --yes` (with its preview, as a CI job runs it) and then
`--skip-preview`, `--repeat` times each; the table gives medians and the ratio.
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
from tests.e2e.cli import CliProject  # noqa: E402
from tests.support.measure_stack import stack_project  # noqa: E402

SECTION = "cold_start"
TARGET = 1.3  # no-op `up` of one domain / empty program's `up`
MODES = {"pulumi up --yes": False, "pulumi up --yes --skip-preview": True}


def empty_program(folder: Path) -> CliProject:
    project = folder / "project"
    project.mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: empty\nruntime: python\n")
    (project / "__main__.py").write_text("import pulumi  # noqa: F401\n")
    cli = CliProject(project, state_dir=folder / "state", venv=ROOT / ".venv")
    cli.init("bench", check=True)
    return cli


def timed_noop(cli: CliProject, skip_preview: bool) -> float:
    start = time.monotonic()
    result = cli.up("--expect-no-changes", skip_preview=skip_preview)
    took = time.monotonic() - start
    if not result.ok:
        raise SystemExit(f"a no-op `up` in {cli.folder} failed or changed something:\n{result.output}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--readme", type=Path)
    args = parser.parse_args()
    wall = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dms-cold-") as tmp:
        folder = Path(tmp)
        knot = LocalDnsServer(folder / "knot", zone="example.test", port=free_port()).start()
        try:
            domain = stack_project(folder / "domain", knot, knot.address, 1, 0)
            domain.extra_env.pop("DMS_TRACE_FILE", None)  # as users run it: no provider-call trace
            for _ in range(2):  # verified, then protected: at rest
                domain.up(skip_preview=True, check=True)
            if [s["status"] for s in domain.stack_output("domains").values()] != ["Verified"]:
                raise SystemExit("the domain is not Verified")
            empty = empty_program(folder / "empty")
            empty.up(skip_preview=True, check=True)
            times: dict[tuple[str, str], list[float]] = {}
            for _ in range(args.repeat):
                for mode, skip in MODES.items():
                    for name, cli in (("one domain", domain), ("empty program", empty)):
                        times.setdefault((mode, name), []).append(timed_noop(cli, skip))
        finally:
            knot.stop()
    text = report(times, args.repeat, time.monotonic() - wall)
    print(text)
    if args.readme:
        write_section(args.readme, SECTION, text)
    return 0


def report(times: dict[tuple[str, str], list[float]], repeat: int, wall: float) -> str:
    out = [
        f"Command: `.venv/bin/python bench/cold_start.py --repeat {repeat}` ({time.strftime('%Y-%m-%d')};"
        f" {machine()}; {wall:.0f} s in all)",
        "",
        "| command | no-op, one domain: median (min-max) | empty program: median (min-max) | ratio |",
        "|---|---:|---:|---:|",
    ]
    verdicts = []
    for mode in MODES:
        ours, empty = times[(mode, "one domain")], times[(mode, "empty program")]
        ratio = statistics.median(ours) / statistics.median(empty)
        out.append(f"| `{mode}` | {span(ours)} | {span(empty)} | **{ratio:.2f}** |")
        verdicts.append(f"- `{mode}`: {ratio:.2f}x (target {TARGET}x): {'met' if ratio <= TARGET else 'NOT met'}")
    return "\n".join([*out, "", *verdicts])


def span(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f} s)"


if __name__ == "__main__":
    sys.exit(main())
