"""The SDK matrix (`make sdk-range`, which `make test` runs): the fast tier and one plain-CLI e2e at each end of
the dependency ranges pyproject.toml declares, each end in a venv of its own (.venv-sdk-min, .venv-sdk-max).

- min: every runtime dependency at the lower end of its range (`pulumi>=3.237.0` gives pulumi==3.237.0).
- max: every runtime dependency at its newest release on PyPI when `make sdk-range` runs (inside its range, if a
  range is capped at a release known to break us), not requirements.txt's pin: a release out today is tested
  today. The venv is made again when a newer release is out.

Both ends get the test tools at requirements.txt's pins. pyproject.toml and requirements.txt are the only
definitions of the ends: this module reads them, and tests/packaging/test_ranges.py checks that they agree.

    python -m devtools.sdk_range requirements min|max   # what that venv installs, beside `-e .[all]`
    python -m devtools.sdk_range run min|max            # check the venv holds that end, then run the tests
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
ENDS = ("min", "max")
EXTRAS = ("aws", "tencent")  # every optional backend: the matrix installs `.[all]`
# What each end runs: the fast tier, and a user's own program deployed with the plain `pulumi` CLI from a wheel.
TESTS = ("tests/fast", "tests/packaging/test_own_program.py")


def declared() -> dict[str, SpecifierSet]:
    """Each runtime dependency (the base ones and every backend's) -> its declared range."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = [*project["dependencies"], *(r for extra in EXTRAS for r in project["optional-dependencies"][extra])]
    return {(r := Requirement(line)).name.lower(): r.specifier for line in lines}


def lower_end(spec: SpecifierSet) -> str:
    """The version a range's `>=` names; a range without exactly one has no lower end to test."""
    lows = [s.version for s in spec if s.operator == ">="]
    if len(lows) != 1:
        raise ValueError(f"{spec}: a range needs exactly one lower end (>=)")
    return lows[0]


def pinned() -> dict[str, str]:
    """requirements.txt: each pinned distribution (lower case, without extras) -> the whole line."""
    found = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            found[Requirement(line).name.lower()] = line
    return found


def pin(name: str) -> str:
    return str(next(iter(Requirement(pinned()[name]).specifier)).version)


def newest(name: str, spec: SpecifierSet) -> str:
    """The newest final release of `name` on the package index that `spec` admits (pip's own index client)."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", name, "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    listed = next(line for line in out.splitlines() if line.startswith("Available versions:"))
    versions = [Version(v.strip()) for v in listed.split(":", 1)[1].split(",")]
    return str(max(v for v in versions if not v.is_prerelease and spec.contains(v)))


def ends(end: str) -> dict[str, str]:
    """The versions an end holds: min, every runtime dependency's lower end; max, each one's newest release."""
    if end == "min":
        return {name: lower_end(spec) for name, spec in declared().items()}
    if end == "max":
        return {name: newest(name, spec) for name, spec in declared().items()}
    raise ValueError(f"{end}: the ends are {', '.join(ENDS)}")


def requirements(end: str) -> list[str]:
    """What that end's venv installs beside the project: its ends, and requirements.txt's test tools."""
    runtime = declared()
    tools = [line for name, line in pinned().items() if name not in runtime]
    return [f"{name}=={version}" for name, version in ends(end).items()] + tools


def run(end: str) -> int:
    """In that end's venv: check it holds the end, say which versions it tests, run TESTS; pytest's exit code."""
    installed = {name: metadata.version(name) for name in declared()}
    wanted = ends(end)
    wrong = [f"{n} {installed[n]} (wanted {v})" for n, v in wanted.items() if Version(installed[n]) != Version(v)]
    if wrong:
        print(f"sdk-range {end}: this venv is not that end: {', '.join(wrong)}", file=sys.stderr)
        return 2
    versions = ", ".join(f"{name} {version}" for name, version in installed.items())
    print(f"sdk-range {end}: testing with {versions}", flush=True)
    code = subprocess.call([sys.executable, "-m", "pytest", "-q", *TESTS], cwd=ROOT)
    print(f"sdk-range {end}: pulumi {installed['pulumi']}: {'passed' if code == 0 else 'FAILED'}", flush=True)
    return code


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("requirements", "run") or argv[1] not in ENDS:
        print(f"usage: python -m devtools.sdk_range requirements|run {'|'.join(ENDS)}", file=sys.stderr)
        return 2
    if argv[0] == "requirements":
        print("\n".join(requirements(argv[1])))
        return 0
    return run(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
