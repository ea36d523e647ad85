"""The ledger: the account's list of sender domains, its quota and its no-delete rule."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Self

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
    # Where the service decides the records (decides_records): those it asks for, as it words them
    # ({Type, SendDomain, ExpectedValue, ...}); None where this project computes them.
    service_attributes: tuple[Mapping[str, Any], ...] | None = field(default=None, compare=False)


class LedgerBackend(ABC):
    """Every method is one atomic step; implementations must hold that under concurrency."""

    # True where the ledger is the email service itself: it makes the DKIM key and says which records
    # to publish (register's entry carries them; service_attributes reads them again).
    decides_records: ClassVar[bool] = False

    def __init__(self, quota: int = DEFAULT_QUOTA) -> None:
        self.quota = quota

    @abstractmethod
    def register(
        self, domain: str, mail_type: str, owner: str | None = None, *, dkim_key_bits: int = 2048
    ) -> LedgerEntry:
        """Add a pending domain (or return the existing entry). Refused while the quota is full.

        `dkim_key_bits` is for a ledger that makes the key (decides_records); the others ignore it.
        """

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

    def ensure_retypable(self, domain: str, mail_type: str) -> None:
        """Refuse now (at preview) what `retype(domain, mail_type)` would refuse; nothing is changed."""
        entry = self.get(domain)
        if entry is not None and entry.status == VERIFIED and entry.mail_type != mail_type:
            raise unchangeable(domain, f"its type ({entry.mail_type})")

    def service_attributes(self, domain: str) -> list[dict[str, Any]] | None:
        """The records the service asks for (see LedgerEntry.service_attributes), read now; None where
        this project decides them. A ledger that decides them raises ServiceError for an unknown domain."""
        return None


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

    def ledger_id(self) -> str:
        """Which ledger this is (its settings but the quota): one program, or one `dms status`, may use several."""
        return repr(sorted((k, str(v)) for k, v in self.state().items() if k != "quota"))

    def open(self) -> LedgerBackend:
        raise NotImplementedError


__all__ = [
    "DEFAULT_QUOTA",
    "PENDING",
    "VERIFIED",
    "LedgerBackend",
    "LedgerEntry",
    "LedgerSettings",
    "protected",
    "quota_error",
    "unchangeable",
]
