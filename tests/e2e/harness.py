"""Drive a real stack of this project: real Pulumi CLI and engine, file:// backend, real Knot."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from devtools.localdns import LocalDnsServer
from devtools.runner import ROOT, open_stack

PASSPHRASE = "e2e-test-passphrase"


@dataclass
class Deployment:
    """One stack in its own project folder, backend and ledger; the DNS server is shared."""

    folder: Path
    dns: LocalDnsServer
    stack_name: str = "test"
    output: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.project = self.folder / "project"
        self.project.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "Pulumi.yaml", self.project / "Pulumi.yaml")
        self.stack = open_stack(
            self.stack_name, project_dir=self.project, state_dir=self.folder / "state", passphrase=PASSPHRASE
        )

    @property
    def ledger_path(self) -> Path:
        return self.folder / "ledger.sqlite"

    def configure(self, domains: list[dict[str, Any]], *, tsig_secret: bool = True, **extra: Any) -> None:
        """Write the stack's config; the TSIG key goes in as a Pulumi secret unless told otherwise."""
        stack_file = self.project / f"Pulumi.{self.stack_name}.yaml"
        current = json.loads(json.dumps(_load(stack_file)))
        dns: dict[str, Any] = {"provider": "rfc2136", "server": self.dns.address, "zone": self.dns.zone}
        if not tsig_secret:
            dns["tsig"] = {"keyFile": str(self.dns.key_file)}
        config = {
            "dms:domains": domains,
            "dms:dns": dns,
            "dms:ledger": {"backend": "sqlite", "path": str(self.ledger_path), "quota": 5},
            "dms:verification": {"timeout": 30},
        }
        for key, value in extra.items():
            config[f"dms:{key}"] = value
        current["config"] = config
        stack_file.write_text(json.dumps(current, indent=2))  # JSON is YAML
        if tsig_secret:
            from devtools.localdns import ALGORITHM, KEY_NAME

            self.stack.set_config("dms:dns.tsig.name", auto.ConfigValue(KEY_NAME), path=True)
            self.stack.set_config("dms:dns.tsig.algorithm", auto.ConfigValue(ALGORITHM), path=True)
            self.stack.set_config(
                "dms:dns.tsig.secret", auto.ConfigValue(self.dns.tsig_secret(), secret=True), path=True
            )

    def _on_output(self, line: str) -> None:
        self.output.append(line)

    def up(self, **kw: Any) -> auto.UpResult:
        return self.stack.up(on_output=self._on_output, color="never", show_secrets=False, **kw)

    def preview(self, **kw: Any) -> auto.PreviewResult:
        return self.stack.preview(on_output=self._on_output, color="never", **kw)

    def refresh(self) -> auto.RefreshResult:
        return self.stack.refresh(on_output=self._on_output, color="never", show_secrets=False)

    def destroy(self) -> auto.DestroyResult:
        return self.stack.destroy(on_output=self._on_output, color="never", show_secrets=False)

    def statuses(self) -> dict[str, Any]:
        outputs = self.stack.outputs()
        return outputs["domains"].value if "domains" in outputs else {}

    def state_text(self) -> str:
        """Every file the backend holds, as text: current state, backups and history."""
        files = sorted(p for p in (self.folder / "state").rglob("*") if p.is_file())
        return "\n".join(p.read_text(errors="replace") for p in files)

    def resources(self) -> list[dict[str, Any]]:
        return self.stack.export_stack().deployment.get("resources", [])

    def start_up(self, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """`pulumi up` in a process of its own, in a new process group (runner, CLI and providers), so that
        a test can run two at once or SIGKILL the whole group. Exit code 0 when the update succeeded."""
        args = [str(self.project), str(self.folder / "state"), self.stack_name]
        return subprocess.Popen(
            [sys.executable, "-c", "import sys, tests.e2e.harness as h; sys.exit(h.up_main(sys.argv[1:]))", *args],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )


@dataclass
class Race:
    winner: str
    loser: str
    outputs: dict[str, str]  # each side's printed output


def race(stacks: dict[str, Deployment], env: dict[str, str] | None = None) -> Race:
    """`pulumi up` of every stack started together; exactly one wins, the other fails with the quota error."""
    runs = {side: stack.start_up(env) for side, stack in stacks.items()}
    outcomes = {side: (run.communicate(timeout=240)[0] or "", run.returncode) for side, run in runs.items()}
    won = [side for side, (_, code) in outcomes.items() if code == 0]
    assert len(won) == 1, outcomes
    (lost,) = [side for side in outcomes if side != won[0]]
    loser_output = outcomes[lost][0]
    assert "quota:" in loser_output and "Traceback" not in loser_output, loser_output
    return Race(won[0], lost, {side: output for side, (output, _) in outcomes.items()})


def up_main(argv: list[str]) -> int:
    """The body of `Deployment.start_up`'s process: print the CLI's output and the error, if any."""
    project, state, stack_name = argv
    stack = open_stack(stack_name, project_dir=Path(project), state_dir=Path(state), passphrase=PASSPHRASE)
    try:
        stack.up(on_output=print, color="never", show_secrets=False)
    except auto.errors.CommandError as exc:
        print(exc, flush=True)
        return 1
    return 0


def _load(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    import yaml

    return yaml.safe_load(path.read_text()) or {}


# --- process trees (Linux /proc): a killed run must take its plugins with it ----------------------


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state letter) of a process, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the command name may hold spaces and parentheses
    return int(fields[1]), fields[0]


def process_tree(root: int) -> set[int]:
    """`root` and every live descendant, found by parent pid (plugins may sit in sessions of their own)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            children.setdefault(stat[0], []).append(int(entry.name))
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in tree and alive(pid):
            tree.add(pid)
            todo += children.get(pid, [])
    return tree


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[1] != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def kill_tree(root: int) -> dict[int, str]:
    """SIGKILL `root` and all its descendants, as a power cut would; returns what was killed (pid:
    command line). Stopped first, until the tree stands still, so none can start another meanwhile."""
    import signal

    stopped: set[int] = set()
    while (tree := process_tree(root)) - stopped:
        for pid in tree - stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        stopped |= tree
    killed = {pid: command_line(pid) for pid in stopped}
    for pid in stopped:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return killed
