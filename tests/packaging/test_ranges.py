"""The package declares what it imports as ranges, with backends as extras; requirements.txt pins this project's
own environment inside them, and the SDK matrix (devtools/sdk_range.py, run by `make test`) tests their ends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from devtools import sdk_range
from tests.conftest import repo_root


def test_every_runtime_dependency_and_backend_is_declared() -> None:
    names = set(sdk_range.declared())
    assert {"pulumi", "dnspython", "cryptography", "idna", "publicsuffixlist", "boto3"} <= names
    assert {"tencentcloud-sdk-python-common", "tencentcloud-sdk-python-ses", "tencentcloud-sdk-python-dnspod"} <= names


def test_every_range_has_one_lower_end_and_no_cap() -> None:
    # A cap goes on only at a release known to break us; none is known today, so none is capped (a cap on
    # cryptography <51 once made `pip install` downgrade a user's cryptography 51 to 50).
    for name, spec in sdk_range.declared().items():
        assert sdk_range.lower_end(spec)
        assert {s.operator for s in spec} == {">="}, f"{name}{spec}"


def test_every_pin_lies_inside_its_declared_range() -> None:
    pins = sdk_range.pinned()
    for name, spec in sdk_range.declared().items():
        assert name in pins, name
        assert spec.contains(sdk_range.pin(name)), f"requirements.txt pins {pins[name]}, outside {name}{spec}"


def test_the_matrix_tests_the_lower_end_of_every_range_and_the_newest_release_of_every_dependency(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    declared = sdk_range.declared()
    low = sdk_range.requirements("min")
    assert [line for line in low if line.split("==")[0] in declared] == [
        f"{name}=={sdk_range.lower_end(spec)}" for name, spec in declared.items()
    ]
    monkeypatch.setattr(sdk_range, "newest", lambda name, spec: f"99.{len(name)}")
    high = sdk_range.requirements("max")
    assert [line for line in high if line.split("==")[0] in declared] == [f"{n}==99.{len(n)}" for n in declared]
    tools = {line.split("==")[0] for line in high} - set(declared)
    assert {"pytest", "moto[server]"} <= tools and tools == {line.split("==")[0] for line in low} - set(declared)


def test_the_newest_release_is_asked_of_pypi_and_stays_inside_a_range() -> None:
    # cryptography 51.0.1 is out: the newest is at least that, and a range capped below 51 gives a 50.
    assert Version(sdk_range.newest("cryptography", SpecifierSet(">=42"))) >= Version("51.0.1")
    assert Version(sdk_range.newest("cryptography", SpecifierSet(">=42,<51"))).major == 50


def test_make_test_runs_the_matrix_at_both_ends() -> None:
    plan = subprocess.run(
        ["make", "-n", "--always-make", "test"], cwd=repo_root(), capture_output=True, text=True, check=True
    ).stdout
    for end in sdk_range.ENDS:
        assert f"devtools.sdk_range requirements {end} > .venv-sdk-{end}.txt.new" in plan
        assert f"-r .venv-sdk-{end}.txt -e '.[all]'" in plan
    assert "devtools.sdk_range run $end" in plan and "for end in min max" in plan
    assert plan.index("sdk_range run") < plan.index("-m pytest -q")  # the matrix, then the whole suite


def test_installing_the_package_beside_cryptography_51_keeps_51(tmp_path: Path) -> None:
    """A user's venv that already has today's cryptography: `pip install` of the package keeps it."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "cryptography==51.0.1"], check=True)
    subprocess.run([*pip, str(repo_root())], check=True, cwd=tmp_path)
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "from importlib.metadata import version; print(version('cryptography'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == "51.0.1"
