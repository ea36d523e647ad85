"""The ledger: the account's list of sender domains, its quota and its no-delete rule; and (issue 26) the
domains' sender addresses, their quota, whether an SMTP password is set and their unsubscribe link.

Sender addresses, the interface every backend implements (each step one atomic step, same codes everywhere):

    addresses(domain=None) -> list[SenderAddressEntry]     the ledger's addresses (of one domain), by address
    address(address) -> SenderAddressEntry | None
    create_address(address, sender_name, owner=None)      refused unless the domain is verified
        -> SenderAddressEntry                              (ledger.domain-not-verified); the sender quota is
                                                           checked in the same step (ledger.sender-quota); an
                                                           address that exists is returned as it is (taken over:
                                                           a rerun, a retried create, one made by hand), whatever
                                                           name it was asked for: a new name is the caller's
                                                           delete_address + create_address (the service can't
                                                           rename a sender)
    delete_address(address)                                a missing address is fine
    set_smtp_password(address, password) -> entry          the ledger keeps only that one is set, never the
                                                           password (senders.password for one that breaks the rule)
    set_unsubscribe(address, language) -> entry            UnsubscribeConfig: 0 none, 1..10 a language
    sender_quota_plan(declared) -> SenderQuotaPlan         at preview: the ledger's addresses + the declared ones
    ensure_sender_quota(declared)                          the same, raising ledger.sender-quota
    remove(domain)                                         also refused while the domain has addresses
                                                           (ledger.domain-has-addresses), after the verified rule
    account_view() -> AccountView | None                   the service's console list (tencent): sending enabled,
                                                           reputation level, daily quota; None elsewhere

An address given to a step is checked and normalised like a declared one (core/senders.py: senders.address,
senders.sender-name); an unknown address raises KeyError in set_smtp_password and set_unsubscribe.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Self

from dms_component.core import senders, validate
from dms_component.core.errors import ConfigError, SenderQuotaExceeded
from dms_component.core.rules import protected, quota_error, unchangeable  # the ledger's refusals, worded once
from dms_component.core.verdicts import PENDING, VERIFIED
from dms_component.providers.adapters.settings import Settings

DEFAULT_QUOTA = 5
DEFAULT_SENDER_QUOTA = senders.DEFAULT_SENDER_QUOTA


@dataclass(frozen=True)
class LedgerEntry:
    domain: str
    mail_type: str
    status: str  # VERIFIED or PENDING
    owner: str | None = None  # the stack that registered it ("org/project/stack"); None once retired
    # Where the service decides the records (decides_records): those it asks for, as it words them
    # ({Type, SendDomain, ExpectedValue, ...}); None where this project computes them.
    service_attributes: tuple[Mapping[str, Any], ...] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SenderAddressEntry:
    """One sender address in the ledger. `password_set`: an SMTP password was set (the password is never kept);
    `unsubscribe`: UnsubscribeConfig (0 none, 1..10 the link's language, core/senders.py LANGUAGES)."""

    address: str
    domain: str
    sender_name: str
    password_set: bool = False
    unsubscribe: int = senders.NO_LINK
    owner: str | None = None  # the stack that declared it; None where the ledger keeps none (the service)


@dataclass(frozen=True)
class DomainView:
    """One sender domain as the service's console lists it (Tencent's ListEmailIdentities)."""

    domain: str
    sending_enabled: bool
    reputation_level: int  # CurrentReputationLevel
    daily_quota: int  # DailyQuota: the most mail it may send today


@dataclass(frozen=True)
class AccountView:
    """What the service's console shows of the account: its domains, and the levels it may reach."""

    domains: tuple[DomainView, ...]
    max_reputation_level: int  # MaxReputationLevel
    max_daily_quota: int  # MaxDailyQuota


class LedgerBackend(ABC):
    """Every method is one atomic step; implementations must hold that under concurrency."""

    # True where the ledger is the email service itself: it makes the DKIM key and says which records
    # to publish (register's entry carries them; service_attributes reads them again).
    decides_records: ClassVar[bool] = False
    # Where mark_verified asks the service to verify (tencent): how long it may wait, in seconds; None: the
    # caller's own time limit. The caller may shorten it to what is left of its own.
    verify_timeout: float | None = None

    def __init__(self, quota: int = DEFAULT_QUOTA, sender_quota: int = DEFAULT_SENDER_QUOTA) -> None:
        self.quota = quota
        self.sender_quota = sender_quota

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
        """Delete a pending domain; refused for a verified one, and for one that still has sender addresses.
        A missing domain is fine."""

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

    # -- sender addresses (issue 26; see the module's docstring) -----------------------------------------------

    @abstractmethod
    def addresses(self, domain: str | None = None) -> list[SenderAddressEntry]:
        """The ledger's sender addresses (of `domain` only, when given), ordered by address."""

    def address(self, address: str) -> SenderAddressEntry | None:
        address = address.strip().lower()
        return next((e for e in self.addresses(senders.domain_of(address)) if e.address == address), None)

    @abstractmethod
    def create_address(self, address: str, sender_name: str, owner: str | None = None) -> SenderAddressEntry:
        """Create the address under its verified domain, checking the sender quota in the same step; an existing
        address is returned as it is."""

    @abstractmethod
    def delete_address(self, address: str) -> None:
        """Delete the address (with its password and unsubscribe setting); a missing one is fine."""

    @abstractmethod
    def set_smtp_password(self, address: str, password: str) -> SenderAddressEntry:
        """Set the address's SMTP password; the ledger keeps only that one is set."""

    @abstractmethod
    def set_unsubscribe(self, address: str, language: int) -> SenderAddressEntry:
        """Set the address's unsubscribe link: 0 none, 1..10 its language."""

    def sender_quota_plan(self, declared: Sequence[str]) -> senders.SenderQuotaPlan:
        """How `declared` (normalised addresses) fit the sender quota beside the ledger's addresses (preview)."""
        return senders.sender_quota_plan(declared, [e.address for e in self.addresses()], self.sender_quota)

    def ensure_sender_quota(self, declared: Sequence[str]) -> None:
        """Refuse now (at preview) what create_address would refuse for the quota; nothing is changed."""
        plan = self.sender_quota_plan(declared)
        if not plan.ok:
            raise SenderQuotaExceeded(plan.finding().message)

    @staticmethod
    def _checked(address: str, sender_name: str | None = None) -> tuple[str, str]:
        """(address, domain) normalised, refused as a declared one would be (senders.address, senders.sender-name)."""
        text = address.strip().lower() if isinstance(address, str) else address
        domain = senders.domain_of(text) if isinstance(text, str) else ""
        if not domain:
            raise ConfigError(str(address), "is not a full address (local@domain)", code=senders.ADDRESS)
        checked = senders.address_at(text, domain, str(address))
        if sender_name is not None:
            senders.sender_name(sender_name, f"sender name of {checked}")
        return checked, domain

    @staticmethod
    def _language(address: str, language: int) -> int:
        return senders.unsubscribe_language(language, f"unsubscribe of {address}")

    def account_view(self) -> AccountView | None:
        """What the service's console shows (sending enabled, reputation level, daily quota); None where the ledger
        is not the service."""
        return None

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
    sender_quota: int = DEFAULT_SENDER_QUOTA
    """Sender addresses the account allows, over all its domains (default 10)."""

    @property
    def backend(self) -> str:
        return self.kind

    def state(self) -> dict[str, Any]:
        """As Settings.state(), but the sender quota only when it is not the default: the ledger input of a stack
        from before sender addresses stays as it was (no diff on upgrading)."""
        kept = super().state()
        if kept.get("sender_quota") == DEFAULT_SENDER_QUOTA:
            del kept["sender_quota"]
        return kept

    def validated(self, name: validate.Namer) -> Self:
        return replace(
            self,
            quota=validate.whole(self.quota, name("quota"), 1),
            sender_quota=validate.whole(self.sender_quota, name("sender_quota"), 1),
        )

    def ledger_id(self) -> str:
        """Which ledger this is (its settings but the quotas): one program, or one `dms status`, may use several."""
        return repr(sorted((k, str(v)) for k, v in self.state().items() if k not in ("quota", "sender_quota")))

    def open(self) -> LedgerBackend:
        raise NotImplementedError


__all__ = [
    "DEFAULT_QUOTA",
    "DEFAULT_SENDER_QUOTA",
    "PENDING",
    "VERIFIED",
    "LedgerBackend",
    "LedgerEntry",
    "AccountView",
    "DomainView",
    "LedgerSettings",
    "SenderAddressEntry",
    "protected",
    "quota_error",
    "unchangeable",
]
