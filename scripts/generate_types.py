"""`make generate` (checked by `make lint`): what is derived from the one definition of SenderDomain's inputs.

The inputs are defined once: SenderDomainArgs, VerificationArgs and ChecksArgs (dms_component/args.py),
each DNS host's DnsTarget and each ledger's LedgerSettings (their modules under providers/adapters/), with a
type and a description under every field, and the enums' values in the core. From them this writes:

- dms_component/package/types.py: the `dms` package's inputs as TypedDicts, which Pulumi's schema analyzer
  reads (it takes descriptions from the source, so they are written out, not built at run time);
- dms_component/hosts.py: the hosts' and ledgers' classes, for `from dms_component import Rfc2136Dns`, and, for
  type checkers, each DNS host's constructor as a program calls it: every field a pulumi.Input of its type.

So a new DNS host is one module; `make generate` does the rest, and `make lint` fails until it has run.
`--check` writes nothing and exits 1 when a file would change.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import itertools
import subprocess
import sys
import textwrap
from dataclasses import MISSING, fields
from pathlib import Path

from dms_component import args as api
from dms_component.core.dmarc import POLICY_DOCS
from dms_component.core.records import MAIL_TYPE_DOCS
from dms_component.core.rules import SEVERITY_DOCS
from dms_component.providers.adapters.dns import TARGETS
from dms_component.providers.adapters.ledger import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
TYPES = ROOT / "dms_component" / "package" / "types.py"
HOSTS = ROOT / "dms_component" / "hosts.py"
ENUMS = {"MailType": MAIL_TYPE_DOCS, "DmarcPolicy": POLICY_DOCS, "Severity": SEVERITY_DOCS}
# The Python API's classes that are unions or nested objects, and the package's name for each.
OBJECTS = {
    "DnsTarget": "Dns",
    "LedgerSettings": "Ledger",
    "VerificationArgs": "VerificationOptions",
    "ChecksArgs": "Checks",
    "SenderAddressArgs": "SenderAddress",
}


def field_docs(cls: type) -> dict[str, str]:
    """The description under each field, from the class and its bases (the most derived one wins)."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__ in ("builtins", "abc"):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for node, after in itertools.pairwise(body):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def as_input(text: str) -> str:
    """A plain annotation as a program may give it: each type but None a pulumi.Input (`str | None` ->
    `pulumi.Input[str] | None`)."""
    return " | ".join(t if t == "None" else f"pulumi.Input[{t}]" for t in text.split(" | "))


def annotation(text: str, required: bool, inputs: bool = False) -> str:
    """A field's annotation as the package's TypedDict writes it; `inputs`: the class's fields may be Inputs."""
    text = text.replace(" | None", "").replace("None | ", "")
    text = as_input(text) if inputs else text
    text = text.replace("pulumi.Input[", "Input[").replace("Input[", "pulumi.Input[")
    for python, package in OBJECTS.items():
        text = text.replace(python, package)
    return text if required else f"NotRequired[{text}]"


def docstring(text: str) -> str:
    """A docstring at a class's or a field's indent, wrapped to the line length."""
    return textwrap.fill(f'"""{text}"""', 116, initial_indent="    ", subsequent_indent="    ")


def typed_dict(name: str, doc: str, cls: type, omit: tuple[str, ...] = (), required: tuple[str, ...] = ()) -> str:
    docs = field_docs(cls)
    inputs = bool(getattr(cls, "inputs", False))
    lines = [f"class {name}(TypedDict):", docstring(doc), ""]
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name in omit:
            continue
        has_default = f.default is not MISSING or f.default_factory is not MISSING
        lines.append(f"    {f.name}: {annotation(str(f.type), f.name in required or not has_default, inputs)}")
        if f.name not in docs:
            raise SystemExit(f"{cls.__qualname__}.{f.name} has no description: write one in the line under it")
        lines.append(docstring(docs[f.name]))
    return "\n".join(lines) + "\n"


def settings_dict(cls: type) -> str:
    """A host's or a ledger's settings, as the package offers them."""
    return typed_dict(package_name(cls), one_line(cls.__doc__), cls, cls.package_omits, cls.required)  # type: ignore[attr-defined]


def union(name: str, doc: str, kinds: dict[str, type]) -> str:
    lines = [f"class {name}(TypedDict):", docstring(doc), ""]
    for kind, cls in kinds.items():
        lines.append(f"    {kind}: NotRequired[{package_name(cls)}]")
        lines.append(docstring(first_sentence(cls.__doc__ or kind)))
    return "\n".join(lines) + "\n"


def enum(name: str, docs: dict[str, str]) -> str:
    lines = [f"class {name}(StrEnum):", docstring(docs[""]), ""]
    for value, doc in docs.items():
        if value:
            lines += [f'    {value.upper()} = "{value}"', docstring(doc)]
    return "\n".join(lines) + "\n"


def package_name(cls: type) -> str:
    return cls.__name__.removesuffix("Args")


def first_sentence(doc: str) -> str:
    text = one_line(doc)
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


def one_line(doc: str | None) -> str:
    return " ".join((doc or "").split())


def types_module() -> str:
    hosts, ledgers = ", ".join(TARGETS), ", ".join(SETTINGS)
    parts = [enum(name, docs) for name, docs in ENUMS.items()]
    parts += [settings_dict(c) for c in TARGETS.values()]
    parts.append(union(OBJECTS["DnsTarget"], f"Where the records go: give exactly one of {hosts}.", TARGETS))
    parts += [settings_dict(c) for c in SETTINGS.values()]
    parts.append(
        union(
            OBJECTS["LedgerSettings"],
            f"The account's ledger of sender domains: give at most one of {ledgers} (default sqlite). Its values"
            " must be plain: it is read at preview for the quota and the no-delete rule.",
            SETTINGS,
        )
    )
    for cls in (api.VerificationArgs, api.ChecksArgs, api.SenderAddressArgs):
        parts.append(typed_dict(OBJECTS[cls.__name__], one_line(cls.__doc__), cls))
    parts.append(typed_dict("SenderDomainArgs", "One sender domain.", api.SenderDomainArgs))
    names = [part.split("(", 1)[0].removeprefix("class ") for part in parts]  # each part is one class
    head = '''"""The `dms` package's inputs, as Pulumi's schema analyzer reads them (pulumi.provider.experimental).

Generated by scripts/generate_types.py (`make generate`) from the one definition of every input: don't edit.
Each union is an object with one optional field per kind (`dns: {rfc2136: {...}}`), because the analyzer
can't express the Python API's base classes. No `from __future__ import annotations`: the analyzer needs the
annotations as types, and reads the descriptions under each field from this source.
"""

from enum import StrEnum
from typing import NotRequired, TypedDict

import pulumi
'''
    tail = "__all__ = [\n" + "".join(f'    "{n}",\n' for n in sorted(names)) + "]\n"
    return "\n\n".join([head, *parts, tail])


def hosts_module() -> str:
    classes = sorted([*TARGETS.values(), *SETTINGS.values()], key=lambda c: c.__name__)
    plain = [c for c in classes if not c.inputs]
    inputs = [c for c in classes if c.inputs]
    lines = [
        '"""Every DNS host\'s and ledger\'s settings class, for `from dms_component import Rfc2136Dns`: where each is',
        "defined, so that the package loads it on first use. For type checkers, a DNS host's class as a program",
        "writes it: every field may be a pulumi.Input (the class types them as its adapter takes them, resolved).",
        "",
        'Generated by scripts/generate_types.py (`make generate`) from their modules: don\'t edit."""',
        "",
        "from typing import TYPE_CHECKING",
        "",
        "if TYPE_CHECKING:",
        "    import pulumi",
        "",
        *(f"    import {c.__module__}" for c in sorted(inputs, key=lambda c: c.__module__)),
        *(f"    from {c.__module__} import {c.__name__}" for c in sorted(plain, key=lambda c: c.__module__)),
    ]
    for cls in inputs:
        lines += ["", *program_args(cls)]
    lines += [
        "",
        "HOSTS = {" + ", ".join(f'"{c.__name__}": "{c.__module__}"' for c in classes) + "}",
        "",
        "__all__ = [" + ", ".join(f'"{c.__name__}"' for c in classes) + "]",
    ]
    return "\n".join(lines) + "\n"


def program_args(cls: type) -> list[str]:
    """A DNS host's class as a program writes it (type checkers only): its constructor takes each field as a
    pulumi.Input, with the class's own defaults."""
    params = []
    for f in fields(cls):  # type: ignore[arg-type]
        if f.default is MISSING:
            raise SystemExit(f"{cls.__qualname__}.{f.name}: a DNS host's setting needs a plain default")
        params.append(f"{f.name}: {as_input(str(f.type))} = {f.default!r}")
    return [
        f"    class {cls.__name__}({cls.__module__}.{cls.__name__}):",
        f"        {docstring(first_sentence(cls.__doc__ or cls.__name__)).strip()}",
        "",
        f"        def __init__(self, *, {', '.join(params)}) -> None: ...",
    ]


def formatted(source: str, path: Path) -> str:
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run(
        [str(ruff), "format", "--stdin-filename", str(path), "-"], input=source, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"ruff format failed on the generated {path.name}: {done.stderr.strip()}")
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is out of date")
    check = parser.parse_args().check
    stale = []
    for path, source in ((TYPES, types_module()), (HOSTS, hosts_module())):
        text = formatted(source, path)
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path)
        if not check:
            path.write_text(text)
    for path in stale:
        verb = "is out of date: run `make generate`" if check else "written"
        print(f"{path.relative_to(ROOT)} {verb}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
