"""`make lint`: the layers import only downward.

core (dms_component/core) <- providers (providers/, but providers/dynamic) <- dynamic providers
(providers/dynamic) <- the component, the program and the CLI (the rest of dms_component).
The core also stays free of Pulumi and of the cloud SDKs; the providers stay free of Pulumi.
Prints one line per import that breaks a rule; exit code 1 if there is any.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["core", "providers", "dynamic", "top"]  # bottom to top
# Third-party packages a layer must not import, whatever it imports of ours.
FORBIDDEN = {
    "core": ("pulumi", "boto3", "botocore", "tencentcloud", "dns.resolver", "dns.query", "sqlite3", "socket"),
    "providers": ("pulumi",),
}


def layer_of(module: str) -> str | None:
    if module == "dms_component.core" or module.startswith("dms_component.core."):
        return "core"
    if module == "providers.dynamic" or module.startswith("providers.dynamic."):
        return "dynamic"
    if module == "providers" or module.startswith("providers."):
        return "providers"
    if module == "dms_component" or module.startswith("dms_component."):
        return "top"
    return None


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            if layer_of(base):
                # `from providers import keys` imports providers.keys: judge each name, the package only by it.
                found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, base))
    return found


def problems(root: Path = ROOT) -> list[str]:
    out: list[str] = []
    for path in sorted([*root.glob("dms_component/**/*.py"), *root.glob("providers/**/*.py")]):
        own = layer_of(module_name(path, root))
        assert own is not None
        for line, target in imports(path, root):
            theirs = layer_of(target)
            where = f"{path.relative_to(root)}:{line}"
            if theirs is not None and LAYERS.index(theirs) > LAYERS.index(own):
                out.append(f"{where}: the {own} layer imports {target} from the {theirs} layer above it")
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
