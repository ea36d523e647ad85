"""What every adapter's settings share (a DNS host's DnsTarget, a ledger's LedgerSettings).

A frozen dataclass whose fields are the adapter's settings: the one definition of them. Each field has its
plain type, as the adapter takes it once resolved and checked, and, in the line under it, its description.
From it scripts/generate_types.py (`make generate`) derives the other role, the settings as a program writes
them: where `inputs` is true (a DNS host), every field may be a `pulumi.Input` (dms_component/hosts.py gives
type checkers that constructor; dms_component/package/types.py the `dms` package's schema types). Stack config
reads them by their config keys. `validated` checks the values once resolved; `state()` is what Pulumi state
keeps in plain text: every field but the credential, which travels only as a Pulumi secret.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar

from dms_component.core.naming import camel


T = TypeVar("T")


def given(value: T | None, field: str) -> T:
    """A setting `validated` requires (it refuses settings without it): for the adapter made from them."""
    if value is None:
        raise ValueError(f"{field} is missing: the settings were not validated")
    return value


@dataclass(frozen=True, kw_only=True)
class Settings:
    kind: ClassVar[str]  # the adapter's name: rfc2136, route53, sqlite, dynamodb, ...
    kind_key: ClassVar[str]  # the key naming it in state and in stack config: provider | backend
    credential_field: ClassVar[str | None] = None  # the field that holds a secret, if any
    inputs: ClassVar[bool] = False  # a program may give each field as a pulumi.Input (resolved before validated)
    # field -> its stack config key, where it is not the field in camelCase: `tsig.keyFile` is the key keyFile of
    # the map tsig; a key with `:` is one of another namespace (`aws:region`).
    config_keys: ClassVar[Mapping[str, str]] = {}
    required: ClassVar[tuple[str, ...]] = ()  # fields a program must give (validated says "missing" without them)
    package_omits: ClassVar[tuple[str, ...]] = ()  # fields the `dms` package doesn't offer

    def state(self) -> dict[str, Any]:
        """Plain settings, safe to keep in state: no credential."""
        kept = {f.name: getattr(self, f.name) for f in fields(self) if f.name != self.credential_field}
        return {self.kind_key: self.kind, **kept}

    def credential(self) -> Any:
        return getattr(self, self.credential_field) if self.credential_field else None

    def with_credential(self) -> dict[str, Any]:
        """state() plus the credential: for an adapter opened here, or handed on only as a Pulumi secret."""
        secret = self.credential()
        return {**self.state(), self.credential_field: secret} if secret and self.credential_field else self.state()

    @classmethod
    def from_state(cls, state: Mapping[str, Any], credential: Any = None) -> Self:
        """From state() (or with_credential()); `credential`, when given, is the secret kept apart."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in state.items() if k in known}
        if cls.credential_field and credential is not None:
            values[cls.credential_field] = credential
        return cls(**values)

    @classmethod
    def config_key(cls, name: str) -> str:
        """The field's stack config key inside the adapter's map (`dms:dns`, `dms:ledger`), or a whole key."""
        return cls.config_keys.get(name, camel(name))

    @classmethod
    def from_config(cls, value: Mapping[str, Any], other: Mapping[str, Any] | None = None) -> Self:
        """From its stack config map (its shape checked against `config_shape`); `other` holds the keys of other
        namespaces a host reads (aws:region)."""
        found: dict[str, Any] = {}
        for f in fields(cls):
            key = cls.config_key(f.name)
            if ":" in key:
                given = (other or {}).get(key)
            else:
                given = value
                for part in key.split("."):
                    given = given.get(part) if isinstance(given, Mapping) else None
            if given is not None:
                found[f.name] = given
        return cls(**found)

    @classmethod
    def config_shape(cls) -> dict[str, set[str]]:
        """The keys its stack config map may hold: "" -> the top-level keys, `tsig` -> the keys of that map."""
        shape: dict[str, set[str]] = {"": {cls.kind_key}}
        for f in fields(cls):
            key = cls.config_key(f.name)
            if ":" in key:
                continue
            head, _, rest = key.partition(".")
            shape[""].add(head)
            if rest:
                shape.setdefault(head, set()).add(rest)
        return shape


class Registry(Mapping[str, Any]):
    """kind -> settings class, for every module of a package that defines `attribute` (`TARGET = Rfc2136Dns`): how
    DNS hosts and ledgers register, by their module alone, named as their kind. The kinds come from the modules'
    source; a module is imported when its kind is first looked up, so a process loads only the hosts and ledgers
    it uses (not boto3 for a stack on Knot and SQLite)."""

    def __init__(self, package: str, path: Sequence[str], attribute: str) -> None:
        self._package, self._attribute = package, attribute
        defines = re.compile(rf"^{attribute} = ", re.M)
        self._kinds = tuple(
            sorted(
                m.name
                for m in pkgutil.iter_modules(path)
                if defines.search((Path(m.module_finder.path) / f"{m.name}.py").read_text())  # type: ignore[union-attr]
            )
        )
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, kind: str) -> Any:
        if kind not in self._kinds:
            raise KeyError(kind)
        if kind not in self._loaded:
            settings = getattr(importlib.import_module(f"{self._package}.{kind}"), self._attribute)
            assert settings.kind == kind, f"{self._package}.{kind}: {self._attribute}.kind is {settings.kind!r}"
            self._loaded[kind] = settings
        return self._loaded[kind]

    def __contains__(self, kind: object) -> bool:
        return kind in self._kinds

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)


def registered(package: str, path: Sequence[str], attribute: str) -> Registry:
    return Registry(package, path, attribute)
