"""The package declares what it imports, pinned as requirements.txt pins it, with backends as extras."""

from __future__ import annotations

import tomllib

from tests.conftest import repo_root


def pins() -> dict[str, str]:
    found = {}
    for line in (repo_root() / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            found[name.split("[")[0].lower()] = version
    return found


def test_every_runtime_dependency_is_declared_with_the_pinned_version() -> None:
    project = tomllib.loads((repo_root() / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["aws"]]
    declared += project["optional-dependencies"]["tencent"]
    required = pins()
    for requirement in declared:
        name, version = requirement.split("==")
        assert required[name.lower()] == version, requirement
    names = {r.split("==")[0].lower() for r in declared}
    assert {"pulumi", "dnspython", "cryptography", "idna", "publicsuffixlist", "boto3"} <= names
    assert {"tencentcloud-sdk-python-ses", "tencentcloud-sdk-python-dnspod"} <= names
