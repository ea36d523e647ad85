"""The package declares what it imports as ranges, with backends as extras; requirements.txt pins this project's
own environment inside them, and the SDK matrix (devtools/sdk_range.py, run by `make test`) tests their ends."""

from __future__ import annotations

import subprocess

from packaging.version import Version

from devtools import sdk_range
from tests.conftest import repo_root


def test_every_runtime_dependency_and_backend_is_declared() -> None:
    names = set(sdk_range.declared())
    assert {"pulumi", "dnspython", "cryptography", "idna", "publicsuffixlist", "boto3"} <= names
    assert {"tencentcloud-sdk-python-common", "tencentcloud-sdk-python-ses", "tencentcloud-sdk-python-dnspod"} <= names


def test_every_range_has_one_lower_end_and_stops_below_the_major_after_the_pinned_one() -> None:
    for name, spec in sdk_range.declared().items():
        assert sdk_range.lower_end(spec)
        caps = [Version(s.version) for s in spec if s.operator == "<"]
        assert caps == [Version(str(Version(sdk_range.pin(name)).major + 1))], f"{name}{spec}"
        assert {s.operator for s in spec} == {">=", "<"}, f"{name}{spec}"


def test_every_pin_lies_inside_its_declared_range() -> None:
    pins = sdk_range.pinned()
    for name, spec in sdk_range.declared().items():
        assert name in pins, name
        assert spec.contains(sdk_range.pin(name)), f"requirements.txt pins {pins[name]}, outside {name}{spec}"


def test_the_matrix_tests_the_lower_end_of_every_range_and_the_pinned_newest_sdk() -> None:
    declared = sdk_range.declared()
    low = sdk_range.requirements("min")
    assert [line for line in low if line.split("==")[0] in declared] == [
        f"{name}=={sdk_range.lower_end(spec)}" for name, spec in declared.items()
    ]
    high = sdk_range.requirements("max")
    assert [line for line in high if line.split("==")[0] in declared] == [f"pulumi=={sdk_range.pin('pulumi')}"]
    assert Version(sdk_range.pin("pulumi")) > Version(sdk_range.lower_end(declared["pulumi"]))
    tools = {line.split("==")[0] for line in high} - set(declared)
    assert {"pytest", "moto[server]"} <= tools and tools == {line.split("==")[0] for line in low} - set(declared)


def test_make_test_runs_the_matrix_at_both_ends() -> None:
    plan = subprocess.run(
        ["make", "-n", "--always-make", "test"], cwd=repo_root(), capture_output=True, text=True, check=True
    ).stdout
    for end in sdk_range.ENDS:
        assert f"devtools.sdk_range requirements {end} > .venv-sdk-{end}/requirements.txt" in plan
    assert "devtools.sdk_range run $end" in plan and "for end in min max" in plan
    assert plan.index("sdk_range run") < plan.index("-m pytest -q")  # the matrix, then the whole suite
