"""The plain-CLI harness itself, with a stand-in `pulumi`: exit codes, output, flags, timeouts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.cli import CliProject, CliTimeout

FAKE_PULUMI = """#!/usr/bin/env bash
echo "argv: $*"
echo "path0: ${PATH%%:*}"
echo "python: $PULUMI_PYTHON_CMD"
echo "to stderr" >&2
case "$1" in
  hang) sleep 300 & echo "child: $!"; wait ;;
  fail) exit 3 ;;
esac
"""


@pytest.fixture
def fake(tmp_path: Path) -> CliProject:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text(FAKE_PULUMI)
    (bin_dir / "pulumi").chmod(0o755)
    (tmp_path / "project").mkdir()
    return CliProject(tmp_path / "project", state_dir=tmp_path / "state", venv=tmp_path / "venv", bin_dir=bin_dir)


def test_a_failing_command_returns_its_code_and_combined_output(fake: CliProject) -> None:
    result = fake.run("fail")
    assert result.code == 3 and not result.ok
    assert "argv: fail" in result.output and "to stderr" in result.output
    assert f"path0: {fake.bin_dir}" in result.output
    assert f"python: {fake.venv}/bin/python" in result.output


def test_the_stack_flag_goes_before_a_double_dash(fake: CliProject) -> None:
    fake.stack = "dev"
    assert "argv: config set --plaintext --path --stack dev -- a:b 5" in fake.config_set("a:b", 5, path=True).output
    assert "argv: up --non-interactive --color never --yes --stack dev" in fake.up().output


def test_a_timeout_kills_the_whole_process_group(fake: CliProject) -> None:
    started = time.monotonic()
    with pytest.raises(CliTimeout) as timeout:
        fake.run("hang", timeout=1)
    assert time.monotonic() - started < 10
    child = int(timeout.value.result.output.split("child: ")[1].split()[0])
    time.sleep(0.2)
    assert not alive(child)


def alive(pid: int) -> bool:
    """Running: a killed process whose new parent hasn't reaped it yet is a zombie (state Z), not alive."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")
