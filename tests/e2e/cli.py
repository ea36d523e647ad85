"""Drive a Pulumi project folder with the plain `pulumi` CLI, as a user types it: no Automation API.

The program runs through the Python language host that scripts/ensure-pulumi.sh puts beside the CLI.
That host (v3.68.0, the newest the Go module proxy serves) ignores Pulumi.yaml's `virtualenv` option:
the project's venv goes first on PATH and is named in PULUMI_PYTHON_CMD, which the host and the
dynamic-provider plugin both use. Works for any project folder; the caller says which venv it uses.

    project = CliProject(folder, state_dir=tmp / "state", venv=repo / ".venv", pythonpath=[repo])
    project.init("test")
    project.config_set("dms:dns.tsig.secret", secret_value, secret=True, path=True)
    result = project.up()
    assert result.ok, result.output
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PASSPHRASE = "cli-test-passphrase"
DEFAULT_TIMEOUT = 300.0  # seconds per command
# What a project folder copy leaves behind: venvs, caches, local state and stack config files.
_PYTHON_VARS = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
_COMMON_FLAGS = ("--non-interactive", "--color", "never")
COPY_IGNORE = (".venv", "venv", "__pycache__", ".state", ".pytest_cache", ".ruff_cache", "Pulumi.*.yaml")


class CliError(Exception):
    """A command failed when the caller asked for success (`check=True`), or timed out."""

    def __init__(self, message: str, result: CliResult) -> None:
        super().__init__(f"{message}\n{result.output}")
        self.result = result


class CliTimeout(CliError):
    """The command outlived its timeout; its whole process group was killed. `result.output` is what it printed."""


@dataclass(frozen=True)
class CliResult:
    args: list[str]  # the command line, without the `pulumi` in front
    code: int  # the exit code; negative for a signal
    output: str  # stdout and stderr, interleaved as printed (with `split`, stdout then stderr)
    stdout: str  # stdout alone with `split`, else the same as output

    @property
    def ok(self) -> bool:
        return self.code == 0

    def check(self) -> CliResult:
        """This result, or CliError when the command failed."""
        if not self.ok:
            raise CliError(f"`pulumi {' '.join(self.args)}` exited with {self.code}", self)
        return self


def copy_project(source: Path, dest: Path, names: Iterable[str] | None = None) -> Path:
    """A copy of a project folder: the given top-level `names` only, or everything but COPY_IGNORE."""
    dest.mkdir(parents=True, exist_ok=True)
    if names is None:
        shutil.copytree(source, dest, ignore=shutil.ignore_patterns(*COPY_IGNORE), dirs_exist_ok=True)
        return dest
    for name in names:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, dest / name, ignore=shutil.ignore_patterns(*COPY_IGNORE), dirs_exist_ok=True)
        else:
            shutil.copy2(path, dest / name)
    return dest


def default_bin_dir() -> Path:
    """The folder with `pulumi` and the Python language host: $DMS_PULUMI_BIN, else scripts/ensure-pulumi.sh."""
    from devtools.runner import pulumi_bin_dir

    return pulumi_bin_dir()


class CliProject:
    """One Pulumi project folder, its own file:// backend and PULUMI_HOME under `state_dir`, one stack at a time.

    Every command runs in `folder` with `--stack <stack>` once `init` or `select` named one, and returns a
    CliResult whatever its exit code (`check=True` raises CliError instead). A command that outlives its
    timeout has its whole process group (CLI, language host, program, providers) killed: CliTimeout.
    """

    def __init__(
        self,
        folder: Path,
        *,
        state_dir: Path,
        venv: Path | None = None,
        bin_dir: Path | None = None,
        passphrase: str = PASSPHRASE,
        pythonpath: Sequence[Path] = (),
        env: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """`venv`: the project's virtualenv (default: the one running this code); its `bin` goes first on PATH
        after `bin_dir`. `pythonpath`: folders the program and the dynamic-provider process must import from.
        `env`: more variables, applied last."""
        self.folder = Path(folder).resolve()
        self.state_dir = Path(state_dir).resolve()
        self.venv = Path(venv or sys.prefix).resolve()
        self.bin_dir = Path(bin_dir or default_bin_dir())
        self.passphrase = passphrase
        self.pythonpath = [Path(p) for p in pythonpath]
        self.extra_env = dict(env or {})
        self.timeout = timeout
        self.stack: str | None = None
        self.backend_dir.mkdir(parents=True, exist_ok=True)

    @property
    def backend_dir(self) -> Path:
        return self.state_dir / "backend"

    @property
    def backend_url(self) -> str:
        return self.backend_dir.as_uri()

    def env(self) -> dict[str, str]:
        """The environment every command runs with."""
        venv_bin = self.venv / "bin"
        # Nothing of the caller's own Pulumi or Python setup leaks in: `env` adds what a test wants.
        base = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_") and k not in _PYTHON_VARS}
        return {
            **base,
            "PATH": os.pathsep.join([str(self.bin_dir), str(venv_bin), os.environ.get("PATH", "")]),
            "PULUMI_BACKEND_URL": self.backend_url,
            "PULUMI_HOME": str(self.state_dir / "pulumi-home"),
            "PULUMI_CONFIG_PASSPHRASE": self.passphrase,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            # The language host and the dynamic-provider plugin both run this interpreter.
            "PULUMI_PYTHON_CMD": str(venv_bin / "python"),
            **({"PYTHONPATH": os.pathsep.join(map(str, self.pythonpath))} if self.pythonpath else {}),
            **self.extra_env,
        }

    def run(
        self, *args: str, stack: bool = True, check: bool = False, timeout: float | None = None, split: bool = False
    ) -> CliResult:
        """`pulumi <args>` in the project folder; `--stack` is added when `stack` and a stack is chosen.
        `split`: keep stderr apart, so `stdout` is only what the command printed there (for --json)."""
        argv = list(args)
        if stack and self.stack:
            at = argv.index("--") if "--" in argv else len(argv)  # flags before a `--`
            argv[at:at] = ["--stack", self.stack]
        limit = timeout or self.timeout
        process = subprocess.Popen(
            [str(self.bin_dir / "pulumi"), *argv],
            cwd=self.folder,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if split else subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, so a timeout kills the providers too
        )
        try:
            out, err = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            out, err = process.communicate()
            result = CliResult(argv, process.returncode, (out or "") + (err or ""), out or "")
            raise CliTimeout(f"`pulumi {' '.join(argv)}` timed out after {limit}s", result) from None
        result = CliResult(argv, process.returncode, (out or "") + (err or ""), out or "")
        return result.check() if check else result

    # Stacks and config.

    def login(self, *, check: bool = False) -> CliResult:
        return self.run("login", self.backend_url, stack=False, check=check)

    def init(self, stack: str, *, check: bool = False) -> CliResult:
        """`pulumi login <backend>` then `pulumi stack init <stack>`; the stack is chosen for the next commands."""
        result = self.login(check=check)
        if result.ok:
            result = self.run("stack", "init", stack, stack=False, check=check)
        if result.ok:
            self.stack = stack
        return result

    def select(self, stack: str, *, check: bool = False) -> CliResult:
        result = self.run("stack", "select", stack, stack=False, check=check)
        if result.ok:
            self.stack = stack
        return result

    @property
    def config_file(self) -> Path:
        assert self.stack, "no stack chosen: init() or select() first"
        return self.folder / f"Pulumi.{self.stack}.yaml"

    def config_set(
        self, key: str, value: object, *, secret: bool = False, path: bool = False, check: bool = False
    ) -> CliResult:
        """`pulumi config set [--secret|--plaintext] [--path] -- key value`; with `path`, `5` and `true` stay
        a number and a boolean."""
        flags = ["--secret" if secret else "--plaintext", *(["--path"] if path else [])]
        return self.run("config", "set", *flags, "--", key, str(value), check=check)

    # The four commands a user runs.

    def up(
        self, *extra: str, skip_preview: bool = False, check: bool = False, timeout: float | None = None
    ) -> CliResult:
        """`pulumi up --yes --non-interactive --color never`, with its preview unless `skip_preview`."""
        flags = [*_COMMON_FLAGS, "--yes", *(["--skip-preview"] if skip_preview else [])]
        return self.run("up", *flags, *extra, check=check, timeout=timeout)

    def preview(
        self, *extra: str, expect_no_changes: bool = False, check: bool = False, timeout: float | None = None
    ) -> CliResult:
        """`pulumi preview`; with `expect_no_changes`, a change (drift) is a non-zero exit."""
        flags = [*_COMMON_FLAGS, *(["--expect-no-changes"] if expect_no_changes else [])]
        return self.run("preview", *flags, *extra, check=check, timeout=timeout)

    def refresh(self, *extra: str, check: bool = False, timeout: float | None = None) -> CliResult:
        return self.run("refresh", *_COMMON_FLAGS, "--yes", "--skip-preview", *extra, check=check, timeout=timeout)

    def destroy(self, *extra: str, check: bool = False, timeout: float | None = None) -> CliResult:
        return self.run("destroy", *_COMMON_FLAGS, "--yes", "--skip-preview", *extra, check=check, timeout=timeout)

    def dms(self, command: str, *extra: str, timeout: float | None = None) -> CliResult:
        """`dms <command> --stack <stack> --cwd <folder> ...` with the venv's `dms`, in this project's environment:
        the day-2 commands as a user runs them beside `pulumi`. `output` is stdout then stderr."""
        assert self.stack, "no stack chosen: init() or select() first"
        argv = [command, *extra, "--stack", self.stack, "--cwd", str(self.folder)]
        env = {**self.env(), "DMS_PULUMI_BIN": str(self.bin_dir)}
        done = subprocess.run(
            [str(self.venv / "bin" / "dms"), *argv],
            cwd=self.folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout or self.timeout,
        )
        return CliResult(["dms", *argv], done.returncode, done.stdout + done.stderr, done.stdout)

    # What the stack holds.

    def stack_output(self, name: str) -> Any:
        """One stack output, parsed from `pulumi stack output <name> --json --show-secrets=false`."""
        result = self.run("stack", "output", name, "--json", "--show-secrets=false", check=True, split=True)
        return json.loads(result.stdout)

    def export(self) -> dict[str, Any]:
        """`pulumi stack export`: {"version": 3, "deployment": {...}}; secrets stay encrypted."""
        return json.loads(self.run("stack", "export", check=True, split=True).stdout)

    def resources(self) -> list[dict[str, Any]]:
        return self.export().get("deployment", {}).get("resources", []) or []

    def state_text(self) -> str:
        """Every file the backend holds, as text: current state, backups and history (for secret checks)."""
        files = sorted(p for p in self.backend_dir.rglob("*") if p.is_file())
        return "\n".join(p.read_text(errors="replace") for p in files)


def _kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # start_new_session: its pid is the group's id
