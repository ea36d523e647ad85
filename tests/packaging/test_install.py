"""What installing the distribution adds to site-packages, and its one version number.

The wheel holds one top-level name, `dms_component`, laid out as the checkout's folders are (so each module's
import name is its path), and the project's own tools (devtools/) stay out. Python started in the checkout's
root finds the same whole package whether it is installed editable or not, and the pure core loads alone.
Its version is the plugin's, the schema's, the policy pack's and `dms --version`'s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import yaml

from dms_component.package.provider import PackageProvider
from dms_component.version import VERSION
from tests.conftest import repo_root


def project() -> dict:
    return tomllib.loads((repo_root() / "pyproject.toml").read_text())


def test_the_top_level_providers_folder_is_the_package_s_own() -> None:
    root = repo_root()
    assert (root / "providers").resolve() == (root / "dms_component" / "providers").resolve()
    assert project()["tool"]["setuptools"]["packages"]["find"]["include"] == ["dms_component", "dms_component.*"]


def build_wheel(tmp_path: Path) -> Path:
    root, source = repo_root(), tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(root / name, source / name)
    # a copy: a checkout's build/ folder may hold files from older layouts
    shutil.copytree(root / "dms_component", source / "dms_component", ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("*.whl")
    return wheel


def test_the_wheel_adds_only_dms_component_and_no_dev_tool(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"dms_component", f"dms_sender_domains-{VERSION}.dist-info"}
    assert "dms_component/core/spf.py" in names and "dms_component/providers/resources/verification.py" in names
    assert not [n for n in names if "devtools" in n or "localdns" in n or n.endswith("runner.py")]


def test_one_version_for_the_distribution_the_plugin_its_schema_the_policy_pack_and_the_cli() -> None:
    assert project()["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "dms_component.version.VERSION"}
    provider = PackageProvider()
    assert provider.version == VERSION
    assert json.loads(provider.schema or "{}")["version"] == VERSION
    policy = yaml.safe_load((repo_root() / "policy" / "PulumiPolicy.yaml").read_text())
    assert str(policy["version"]) == VERSION
    shown = subprocess.run([sys.executable, "-m", "dms_component", "--version"], capture_output=True, text=True)
    assert shown.stdout.strip() == f"dms {VERSION}"
    assert f"## {VERSION}" in (repo_root() / "CHANGELOG.md").read_text()


def test_python_in_the_checkout_root_imports_the_package_installed_not_editable(tmp_path: Path) -> None:
    """The checkout's dms_component/ comes first on sys.path there: it must be the whole package."""
    wheel = build_wheel(tmp_path)
    target = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    # -S: site-packages without its .pth files, so .venv's editable install (whose finder maps every module of
    # ours to this checkout) can't fill in what the checkout's dms_component/ lacks; the dependencies stay found.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), sysconfig.get_paths()["purelib"]])}
    code = "from dms_component import SenderDomain, Rfc2136Dns; import dms_component.providers.resources.identity"
    run = subprocess.run([sys.executable, "-S", "-c", code], cwd=repo_root(), env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_the_pure_core_loads_without_pulumi() -> None:
    code = (
        "import sys, dms_component.core.spf, dms_component.core.changes, dms_component.core.rules;"
        "import dms_component.core.verdicts, dms_component.core.dkim;"
        "sys.exit(1 if 'pulumi' in sys.modules else 0)"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=repo_root(), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr or "importing the core loaded pulumi"
