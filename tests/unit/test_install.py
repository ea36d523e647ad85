"""What installing the distribution adds to site-packages, and its one version number.

The wheel holds one top-level name, `dms_component`: the checkout's layer folders (core/, providers/) install
inside it, and the project's own tools (devtools/) stay out. Its version is the plugin's, the schema's, the
policy pack's and `dms --version`'s.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import yaml

from dms_component.package.provider import PackageProvider
from dms_component.version import VERSION
from tests.conftest import repo_root

# The folders of the checkout that install, and under which name (pyproject.toml's package-dir).
INSTALLED = {"dms_component": "dms_component", "core": "dms_component.core", "providers": "dms_component.providers"}


def project() -> dict:
    return tomllib.loads((repo_root() / "pyproject.toml").read_text())


def test_the_package_list_is_every_folder_of_the_layers_under_its_installed_name() -> None:
    root = repo_root()
    found = set()
    for folder, name in INSTALLED.items():
        for init in (root / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(root / folder).parts
            found.add(".".join([name, *relative]))
    setuptools = project()["tool"]["setuptools"]
    assert set(setuptools["packages"]) == found
    assert setuptools["package-dir"] == {name: folder for folder, name in INSTALLED.items()}


def test_the_wheel_adds_only_dms_component_and_no_dev_tool(tmp_path: Path) -> None:
    root, source = repo_root(), tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(root / name, source / name)
    for folder in INSTALLED:  # a copy: a checkout's build/ folder may hold files from older layouts
        shutil.copytree(root / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("*.whl")
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
