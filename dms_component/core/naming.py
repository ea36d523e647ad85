"""How each front end names a setting (pure): one definition of every program's words for our keys.

Every setting has one canonical name, its dotted path in the Python API's SenderDomainArgs: `domain`,
`type`, `dns.server`, `dns.provider` (which host), `ledger.quota`, `ledger.backend` (which ledger),
`verification.timeout`, `checks.subdomain`. A `Front` says how the program that declared a sender domain
writes those keys, so a message names them as that program wrote them:

    python   SenderDomainArgs.ledger.quota      (the resource is named before the message: `SenderDomain notify: ...`)
    package  ledger.sqlite.quota                (YAML, TypeScript and every other language: camelCase, the kind)
    stack    dms:ledger.quota, dms:domains[2].type

A Front is plain data: it travels in the resources' inputs, so a refusal raised in a provider, or by the
`dms` CLI reading a stack's state, names the keys the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

PYTHON, PACKAGE, STACK = "python", "package", "stack"
STYLES = (PYTHON, PACKAGE, STACK)
# The keys naming which host and which ledger: their settings class in Python, the union's field in the package.
KIND_KEYS = {"dns": "provider", "ledger": "backend"}
_SECTIONS = ("dns", "ledger", "verification", "checks")

Namer = Callable[[str], str]  # canonical path -> the front end's name


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class Front:
    """One program's way of naming one sender domain's settings.

    `where`: the resource's name (python, package) or its entry (stack: `dms:domains[2]`). `dns` and `ledger`:
    the kinds chosen, e.g. rfc2136 and sqlite. `config_keys`: for stack config, the settings whose key is not
    the camelCase of the field, by canonical path (`dns.tsig_key_file` -> `tsig.keyFile`; a key with `:`
    is a whole key of another namespace, e.g. `aws:region`).
    """

    style: str
    where: str
    dns: str = ""
    ledger: str = ""
    config_keys: Mapping[str, str] = field(default_factory=dict)

    def name(self, path: str) -> str:
        section, _, rest = path.partition(".")
        if section not in _SECTIONS:
            return self._top(path)
        # The section itself (its settings as a whole), or the key naming its host or ledger: in Python the
        # settings class, in the package the union's field.
        if not rest or rest == KIND_KEYS.get(section):
            return {PYTHON: f"SenderDomainArgs.{section}", PACKAGE: section}.get(self.style, f"dms:{path}")
        kind = self.dns if section == "dns" else self.ledger if section == "ledger" else ""
        if self.style == PYTHON:
            return f"SenderDomainArgs.{path}"
        if self.style == PACKAGE:
            return ".".join(p for p in (section, kind, camel(rest)) if p)
        key = self.config_keys.get(path, camel(rest))
        return key if ":" in key else f"dms:{section}.{key}"

    def _top(self, path: str) -> str:
        if self.style == PYTHON:
            return f"SenderDomainArgs.{path}"
        if self.style == PACKAGE:
            return camel(path)
        if path in ("profile",):
            return f"dms:{path}"
        return f"{self.where}.{camel(path)}" if self.where else f"dms:domains[].{camel(path)}"

    def namer(self, section: str | None = None) -> Namer:
        """A namer of one section's fields (`dns`: field -> its name), or of whole paths."""
        if section is None:
            return self.name
        return lambda f: self.name(f"{section}.{f}")

    @property
    def subject(self) -> str:
        """What a message about this domain starts with: the resource (`SenderDomain notify`), or nothing for
        stack config, whose keys say which entry."""
        return "" if self.style == STACK else f"SenderDomain {self.where}"

    def at(self, text: str) -> str:
        """`text` as a line about this domain: `SenderDomain notify: text`, or the text itself."""
        return f"{self.subject}: {text}" if self.subject else text

    def to_dict(self) -> dict[str, Any]:
        return {"style": self.style, "where": self.where, "dns": self.dns, "ledger": self.ledger,
                "config_keys": dict(self.config_keys)}  # fmt: skip

    @staticmethod
    def from_dict(data: Mapping[str, Any] | None) -> Front | None:
        if not isinstance(data, Mapping) or data.get("style") not in STYLES:
            return None
        keys = data.get("config_keys")
        return Front(
            str(data["style"]),
            str(data.get("where") or ""),
            str(data.get("dns") or ""),
            str(data.get("ledger") or ""),
            dict(keys) if isinstance(keys, Mapping) else {},
        )


def plain(path: str) -> str:
    """The namer of last resort (no front end known): the canonical path itself."""
    return path
