"""The ledger: the account's list of sender domains, its quota and its no-delete rule."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import ClassVar, Self

from dms_component.core import validate
from dms_component.core.rules import protected, quota_error, unchangeable  # the ledger's refusals, worded once
from dms_component.core.verdicts import PENDING, VERIFIED
from dms_component.providers.adapters.settings import Settings

DEFAULT_QUOTA = 5


@dataclass(frozen=True)
class LedgerEntry:
    domain: str
    mail_type: str
    status: str  # VERIFIED or PENDING
    owner: str | None = None  # the stack that registered it ("org/project/stack"); None once retired


class Ledger(ABC):
    """Every method is one atomic step; implementations must hold that under concurrency."""

    def __init__(self, quota: int = DEFAULT_QUOTA) -> None:
        self.quota = quota

    @abstractmethod
    def register(self, domain: str, mail_type: str, owner: str | None = None) -> LedgerEntry:
        """Add a pending domain (or return the existing entry). Refused while the quota is full."""

    @abstractmethod
    def mark_verified(self, domain: str) -> LedgerEntry:
        """Mark verified, checking the quota in the same step."""

    @abstractmethod
    def retype(self, domain: str, mail_type: str) -> LedgerEntry:
        """Change a pending domain's mail type; refused for a verified one."""

    @abstractmethod
    def remove(self, domain: str) -> None:
        """Delete a pending domain; refused for a verified one. A missing domain is fine."""

    @abstractmethod
    def release(self, domain: str) -> None:
        """Forget which stack manages the domain (it was retired); everything else stays."""

    @abstractmethod
    def get(self, domain: str) -> LedgerEntry | None: ...

    @abstractmethod
    def entries(self) -> list[LedgerEntry]: ...

    def ensure_removable(self, domain: str) -> None:
        entry = self.get(domain)
        if entry is not None and entry.status == VERIFIED:
            raise protected(domain)


@dataclass(frozen=True, kw_only=True)
class LedgerSettings(Settings):
    """Which ledger keeps the account's sender domains: one subclass per backend, in its module.

    Like a DnsTarget: plain values in a program (the program reads the ledger before it declares
    anything), `validated` names the field of each mistake.
    """

    kind_key: ClassVar[str] = "backend"
    decides_records: ClassVar[bool] = False  # the service makes the DKIM key and says which records to publish

    quota: int = DEFAULT_QUOTA
    """Verified sender domains the account allows (default 5)."""

    @property
    def backend(self) -> str:
        return self.kind

    def validated(self, name: validate.Namer) -> Self:
        return replace(self, quota=validate.whole(self.quota, name("quota"), 1))

    def key(self) -> str:
        """Which account this is, for telling ledgers apart within one program."""
        return repr(sorted((k, str(v)) for k, v in self.state().items() if k != "quota"))

    def open(self) -> Ledger:
        raise NotImplementedError


__all__ = [
    "DEFAULT_QUOTA",
    "PENDING",
    "VERIFIED",
    "Ledger",
    "LedgerEntry",
    "LedgerSettings",
    "protected",
    "quota_error",
    "unchangeable",
]
