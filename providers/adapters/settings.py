"""What every adapter's settings share (a DNS host's DnsTarget, a ledger's LedgerSettings).

A frozen dataclass whose fields are the adapter's settings; a program may give `pulumi.Input`s,
checked by `validated` once resolved. `state()` is what Pulumi state keeps in plain text: every
field but the credential, which travels only as a Pulumi secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self


@dataclass(frozen=True, kw_only=True)
class Settings:
    kind: ClassVar[str]  # the adapter's name: rfc2136, route53, sqlite, dynamodb, ...
    kind_key: ClassVar[str]  # the key naming it in state and in stack config: provider | backend
    credential_field: ClassVar[str | None] = None  # the field that holds a secret, if any
    config_keys: ClassVar[Mapping[str, str]] = {}  # field -> its stack config key, where the names differ

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
    def from_config(cls, value: Mapping[str, Any]) -> Self:
        """From the keys of its stack config map (already checked against `config_allowed`)."""
        names = {cls.config_keys.get(f.name, f.name): f.name for f in fields(cls)}
        return cls(**{names[k]: v for k, v in value.items() if k in names})

    @classmethod
    def config_allowed(cls) -> set[str]:
        return {cls.kind_key, *(cls.config_keys.get(f.name, f.name) for f in fields(cls))}
