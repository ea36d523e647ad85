"""Run a stack of this project with the real Pulumi CLI and engine, through the Automation API.

`make demo` and the end-to-end tests use this. The program is the project's own `__main__.py`,
run inline (the CLI's `--client` route), so no separate Python language host is needed.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from pulumi import automation as auto

from dms_component.program import PROJECT_FOLDER

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSPHRASE = "dms-demo"  # the demo stack's only secrets are local; real stacks set their own


def pulumi_bin_dir() -> Path:
    """Where the Pulumi CLI is: $DMS_PULUMI_BIN, else what scripts/ensure-pulumi.sh provides."""
    given = os.environ.get("DMS_PULUMI_BIN")
    if given:
        return Path(given)
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "ensure-pulumi.sh")], check=True, capture_output=True, text=True
    ).stdout
    return Path(out.strip().splitlines()[-1])


def project_program(project_dir: Path = ROOT, folder: Path | None = None) -> Callable[[], None]:
    """The project's `__main__.py` as an inline program; `folder` is the stack's project folder."""
    main = project_dir / "__main__.py"

    def run() -> None:
        # Inline programs get no root directory from the engine: tell the program its folder.
        token = PROJECT_FOLDER.set(str(folder or project_dir))
        try:
            runpy.run_path(str(main), run_name="__main__")
        finally:
            PROJECT_FOLDER.reset(token)

    return run


def pulumi_env(
    bin_dir: Path, state_dir: Path, passphrase: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    path = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    os.environ["PATH"] = path  # the Automation API looks the CLI up on our own PATH too
    (state_dir / "backend").mkdir(parents=True, exist_ok=True)
    return {
        "PATH": path,
        "PULUMI_BACKEND_URL": (state_dir / "backend").as_uri(),
        "PULUMI_HOME": str(state_dir / "pulumi-home"),
        "PULUMI_CONFIG_PASSPHRASE": passphrase,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        # The dynamic-provider process must import our packages and use our interpreter.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "PULUMI_PYTHON_CMD": sys.executable,
        **(extra or {}),
    }


def open_stack(
    stack_name: str,
    *,
    project_dir: Path = ROOT,
    state_dir: Path = ROOT / ".state",
    passphrase: str = DEMO_PASSPHRASE,
    program: Callable[[], None] | None = None,
    env: Mapping[str, str] | None = None,
) -> auto.Stack:
    bin_dir = pulumi_bin_dir()
    return auto.create_or_select_stack(
        stack_name=stack_name,
        project_name="dms",
        program=program or project_program(ROOT, folder=project_dir),
        work_dir=str(project_dir),
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(project_dir),
            env_vars=pulumi_env(bin_dir, state_dir, passphrase, env),
            pulumi_command=auto.PulumiCommand(root=str(bin_dir.parent), skip_version_check=True),
        ),
    )
