"""`make lint`: the layers import only downward, and each folder is one layer.

    dms_component/core/                 the pure core
    dms_component/providers/adapters/   DNS hosts, ledgers, resolver, verifier
    dms_component/providers/resources/  the Pulumi dynamic resources
    dms_component/                      the component, the program, the package, the CLI

A module's import name is its path. A module may import its own layer and those below it. The core also stays
free of Pulumi, the cloud SDKs and anything that does I/O; the adapters stay free of Pulumi. Imports under
`if TYPE_CHECKING:` are for type checkers only and never run, so they don't count for the order of the layers;
the forbidden modules stay out of them too (an adapter's annotations are the plain, resolved types). Prints one
line per import that breaks a rule; exit code 1 if there is any.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Package -> layer, bottom to top; a module is in the layer of the longest package that holds it.
LAYERS: dict[str, str] = {
    "dms_component.core": "core",
    "dms_component.providers": "adapters",  # the folder's own __init__: a docstring
    "dms_component.providers.adapters": "adapters",
    "dms_component.providers.resources": "resources",
    "dms_component": "component",
}
ORDER = list(dict.fromkeys(LAYERS.values()))
# Modules a layer must not import, whatever it imports of ours.
FORBIDDEN = {
    "core": ("pulumi", "boto3", "botocore", "tencentcloud", "dns.resolver", "dns.query", "sqlite3", "socket"),
    "adapters": ("pulumi",),
}


def layer_of(module: str) -> str | None:
    """The layer of one of our modules (by its import name), None for anyone else's."""
    holding = [package for package in LAYERS if module == package or module.startswith(package + ".")]
    return LAYERS[max(holding, key=len)] if holding else None


def module_name(path: Path, root: Path = ROOT) -> str:
    """The import name of a file of ours: its path from the checkout's root."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, root: Path = ROOT, typing: bool = False) -> list[tuple[int, str]]:
    """The modules `path` imports, by line; `typing`: also those under `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(), str(path))
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only and not typing:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            if layer_of(base):
                # `from x.adapters import keys` imports x.adapters.keys: judge each name, the package only by it.
                found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, base))
    return found


def sources(root: Path = ROOT) -> list[Path]:
    return sorted((root / "dms_component").rglob("*.py"))


def problems(root: Path = ROOT) -> list[str]:
    out: list[str] = []
    for path in sources(root):
        own = layer_of(module_name(path, root))
        assert own is not None
        for line, target in imports(path, root):
            theirs = layer_of(target)
            where = f"{path.relative_to(root)}:{line}"
            if theirs is not None and ORDER.index(theirs) > ORDER.index(own):
                out.append(f"{where}: the {own} layer imports {target} from the {theirs} layer above it")
        for line, target in imports(path, root, typing=True):
            where = f"{path.relative_to(root)}:{line}"
            for banned in FORBIDDEN.get(own, ()):
                if target == banned or target.startswith(banned + "."):
                    out.append(f"{where}: the {own} layer imports {target}")
    return out


def main() -> int:
    found = problems()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
