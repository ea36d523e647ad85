"""scripts/check_layers.py: the repo keeps its layers, and the check does catch an import that climbs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.conftest import repo_root

spec = importlib.util.spec_from_file_location("check_layers", repo_root() / "scripts" / "check_layers.py")
assert spec is not None and spec.loader is not None
check_layers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_layers)


def test_the_repo_imports_only_downward() -> None:
    assert check_layers.problems() == []


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_an_import_from_a_higher_layer_or_of_pulumi_in_the_core_is_reported(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "dms_component/__init__.py": "",
            "dms_component/config.py": "",
            "dms_component/core/__init__.py": "",
            "dms_component/core/spf.py": "from dms_component import config\nimport pulumi\n",
            "dms_component/providers/__init__.py": "",
            "dms_component/providers/adapters/__init__.py": "",
            "dms_component/providers/adapters/keys.py": "",
            "dms_component/providers/adapters/dns/__init__.py": (
                "from dms_component.providers.resources import records\n"
            ),
            "dms_component/providers/resources/__init__.py": "",
            "dms_component/providers/resources/records.py": (
                "from dms_component.providers.adapters import keys\nfrom ..adapters.dns import base\n"
            ),
        },
    )
    found = check_layers.problems(root)
    assert any(p.startswith("dms_component/core/spf.py:1: the core layer imports dms_component.config") for p in found)
    assert any(p.startswith("dms_component/core/spf.py:2: the core layer imports pulumi") for p in found)
    climbing = (
        "dms_component/providers/adapters/dns/__init__.py:1: "
        "the adapters layer imports dms_component.providers.resources"
    )
    assert any(p.startswith(climbing) for p in found)
    assert not any(p.startswith("dms_component/providers/resources/records.py") for p in found)  # downward is fine
    assert len(found) == 3


def test_pulumi_in_an_adapters_annotations_is_reported(tmp_path: Path) -> None:
    """An adapter's settings are typed as it takes them, resolved: not even its annotations need Pulumi."""
    root = tree(
        tmp_path,
        {
            "dms_component/__init__.py": "",
            "dms_component/providers/__init__.py": "",
            "dms_component/providers/adapters/__init__.py": "",
            "dms_component/providers/adapters/host.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pulumi import Input\n"
            ),
            "dms_component/providers/adapters/progress.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from dms_component import args\n"
            ),
        },
    )
    assert check_layers.problems(root) == [
        "dms_component/providers/adapters/host.py:3: the adapters layer imports pulumi"
    ]
