"""Sender addresses (issue 26): the service's rules for an address, its sender name, its SMTP password and its
unsubscribe link, the address quota and the refusals of the ledger's address steps. Pure: no I/O, no Pulumi.

Each refusal has one stable code and one wording; a key in a message is whatever the caller passes (a front
end's name, or a `setting(...)` reference for the front end to name, e.g. `setting("senders[0].address")`).

    code                          what
    senders.address               not an email address (or its local part) the service takes
    senders.outside-domain        a full address that does not lie exactly at its sender domain
    senders.sender-name           a sender name the service won't take (the rule is an assumption, below)
    senders.password              an SMTP password that breaks the service's rule
    senders.unsubscribe           an unsubscribe language we don't know
    senders.declared-twice        one address declared twice
    ledger.sender-quota           more addresses than the account's sender quota
    ledger.domain-not-verified    an address under a domain that is not verified (yet)
    ledger.domain-has-addresses   a domain that still has addresses can't be removed

What the service says (SDK ses v20201002, docs/tencent.md): an address lies under a verified sender domain;
at most 10 addresses "in total" (the model; Tencent's Terraform docs say 10 per domain: the quota is
`ledger.sender_quota`, counted per account, default 10); the SMTP password is 10 to 20 characters with at least
two different digits, a lower-case and an upper-case letter (InvalidSmtpPassWord's text); UnsubscribeConfig 0
is no link, 1 to 10 a language. The service documents no rule for the sender name and no characters for the
local part or the password: those rules here are assumptions, kept conservative and written down in
docs/tencent.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dms_component.core.errors import (
    ConfigError,
    DomainHasAddresses,
    DomainNotVerified,
    SenderQuotaExceeded,
    setting,
)
from dms_component.core.rules import Finding

ADDRESS = "senders.address"
OUTSIDE_DOMAIN = "senders.outside-domain"
SENDER_NAME = "senders.sender-name"
PASSWORD = "senders.password"
UNSUBSCRIBE = "senders.unsubscribe"
DECLARED_TWICE = "senders.declared-twice"
SENDER_QUOTA = SenderQuotaExceeded.code
NOT_VERIFIED = DomainNotVerified.code
HAS_ADDRESSES = DomainHasAddresses.code

DEFAULT_SENDER_QUOTA = 10  # the SDK model: "at most 10 sender addresses in total"
MAX_ADDRESS = 128  # UpdateEmailSmtpPassWord: EmailAddress up to 128 characters
MAX_LOCAL_PART = 64  # RFC 5321
# The local part we accept: RFC 5321's dot-atom, narrowed to what every mail system takes (an assumption).
_LOCAL_PART = re.compile(r"^[a-z0-9_+-]+(\.[a-z0-9_+-]+)*$")

# -- the sender name ---------------------------------------------------------------------------------------
# Assumption (the service documents none; docs/tencent.md): 1 to 64 characters once trimmed, any script
# (the SDK's example is 腾讯云邮件通知), no control characters and none of < > " \ @ (the service shows the
# name as `Name <address>`, and those would break that header or pass for another address).
MAX_SENDER_NAME = 64
_NAME_FORBIDDEN = set('<>"\\@')

# -- the SMTP password --------------------------------------------------------------------------------------
PASSWORD_MIN, PASSWORD_MAX = 10, 20
# Assumption: printable ASCII without spaces (the service names no characters; the rule's text names letters
# and digits, and a password is typed into SMTP clients' settings).
_PASSWORD_CHARS = {chr(c) for c in range(0x21, 0x7F)}

# -- the unsubscribe link -------------------------------------------------------------------------------------
NO_LINK = 0
# UnsubscribeConfig: the link's language. code -> (BCP 47 tag, English name)
LANGUAGES: Mapping[int, tuple[str, str]] = {
    1: ("zh-CN", "Simplified Chinese"),
    2: ("en", "English"),
    3: ("zh-TW", "Traditional Chinese"),
    4: ("es", "Spanish"),
    5: ("fr", "French"),
    6: ("de", "German"),
    7: ("ja", "Japanese"),
    8: ("ko", "Korean"),
    9: ("ar", "Arabic"),
    10: ("th", "Thai"),
}
ENGLISH = 2
# How a user may write a language (case, spaces, `-` and `_` don't matter): the service's number, the tag
# (en, zh-CN) or the English name (english, simplified chinese); `none` (or 0, or false) for no link.
_NONE_WORDS = ("none", "off", "no")


def _word(value: str) -> str:
    return re.sub(r"[\s_-]+", "", value.strip().lower())


_LANGUAGE_WORDS: dict[str, int] = {
    **{_word(w): NO_LINK for w in _NONE_WORDS},
    **{_word(tag): code for code, (tag, _) in LANGUAGES.items()},
    **{_word(name): code for code, (_, name) in LANGUAGES.items()},
    "zh": 1,
    "chinese": 1,
}


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def address_at(value: Any, domain: str, key: str) -> str:
    """The full address (lower case) of `value`, a local part (`noreply`) or a full address that lies exactly at
    `domain` (not a subdomain of it). Refused: senders.address, senders.outside-domain."""
    domain = domain.strip().rstrip(".").lower()
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, "missing: give a local part (noreply) or a full address at " + domain, code=ADDRESS)
    text = value.strip().lower()
    local, at, host = text.rpartition("@")
    if not at:
        local, host = text, domain
    elif host.rstrip(".") != domain:
        raise ConfigError(
            key,
            f"{_shown(value)} is not at the sender domain {domain}; an address lies exactly at its domain"
            f" (write the local part alone, e.g. {local or 'noreply'}), or declare it under the domain {host}",
            code=OUTSIDE_DOMAIN,
        )
    if not local or len(local) > MAX_LOCAL_PART or not _LOCAL_PART.match(local):
        raise ConfigError(
            key,
            f"{_shown(value)} is not an address the service takes: use 1 to {MAX_LOCAL_PART} of a-z 0-9 . _ + -"
            " before the @ (no leading, trailing or double dot)",
            code=ADDRESS,
        )
    address = f"{local}@{domain}"
    if len(address) > MAX_ADDRESS:
        raise ConfigError(key, f"{_shown(value)} is longer than the service's {MAX_ADDRESS} characters", code=ADDRESS)
    return address


def domain_of(address: str) -> str:
    """The domain of a full address; "" when it has no @."""
    _local, at, domain = address.rpartition("@")
    return domain if at else ""


def sender_name(value: Any, key: str) -> str:
    """The sender name, trimmed; refused (senders.sender-name) where the rule above says the service won't take it."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, "missing: give the name recipients see, e.g. Example Notifications", code=SENDER_NAME)
    name = value.strip()
    bad = sorted({c for c in name if c in _NAME_FORBIDDEN or not c.isprintable()})
    if len(name) > MAX_SENDER_NAME or bad:
        why = f"is longer than {MAX_SENDER_NAME} characters" if not bad else f"holds {_shown(''.join(bad))}"
        raise ConfigError(
            key,
            f'{_shown(name)} {why}; a sender name is 1 to {MAX_SENDER_NAME} characters without < > " \\ @ or'
            " control characters",
            code=SENDER_NAME,
        )
    return name


def password_problem(password: str) -> str | None:
    """What makes `password` break the service's SMTP password rule, or None. Never includes the password."""
    if not isinstance(password, str):
        return "is not a string"
    problems = []
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        problems.append(f"has {len(password)} characters")
    if any(c not in _PASSWORD_CHARS for c in password):
        problems.append("holds a space or a character other than printable ASCII")
    if len({c for c in password if c.isascii() and c.isdigit()}) < 2:
        problems.append("has fewer than two different digits")
    if not any(c.isascii() and c.islower() for c in password):
        problems.append("has no lower-case letter")
    if not any(c.isascii() and c.isupper() for c in password):
        problems.append("has no upper-case letter")
    if not problems:
        return None
    return (
        f"the SMTP password {', '.join(problems)}; the service takes {PASSWORD_MIN} to {PASSWORD_MAX} printable"
        " ASCII characters with at least two different digits, a lower-case and an upper-case letter (or leave"
        " it out and have one generated)"
    )


def check_password(password: str, key: str) -> str:
    """The password, or ConfigError senders.password (the password never in it)."""
    problem = password_problem(password)
    if problem is not None:
        raise ConfigError(key, problem, code=PASSWORD)
    return password


def unsubscribe_language(value: Any, key: str) -> int:
    """UnsubscribeConfig for what a user wrote: 0 (none, off, false) or 1 to 10 (a number, a tag such as en or
    zh-CN, or an English name such as english). Refused: senders.unsubscribe."""
    if value is False:
        return NO_LINK
    if isinstance(value, int) and not isinstance(value, bool) and (value == NO_LINK or value in LANGUAGES):
        return value
    if isinstance(value, str):
        word = _word(value)
        if word.isdigit() and (int(word) == NO_LINK or int(word) in LANGUAGES):
            return int(word)
        if word in _LANGUAGE_WORDS:
            return _LANGUAGE_WORDS[word]
    names = ", ".join(f"{tag} ({name})" for tag, name in LANGUAGES.values())
    raise ConfigError(
        key, f"{_shown(value)} is not an unsubscribe language; use none, or one of {names}, or 1 to 10",
        code=UNSUBSCRIBE,
    )  # fmt: skip


def default_unsubscribe(mail_type: str) -> int:
    """Batch (marketing) mail carries a one-click unsubscribe link (Gmail's and Yahoo's bulk-sender rules), in
    English; triggered mail none."""
    return ENGLISH if mail_type == "batch" else NO_LINK


def unsubscribe_label(code: int) -> str:
    """How `dms status` shows a setting: none, or the tag (en)."""
    return "none" if code == NO_LINK else LANGUAGES[code][0] if code in LANGUAGES else str(code)


def declared_twice(addresses: Sequence[tuple[str, str]]) -> Finding | None:
    """(key, normalised address) pairs: the first address declared twice, naming both keys."""
    seen: dict[str, str] = {}
    for key, address in addresses:
        if address in seen:
            return Finding(
                DECLARED_TWICE,
                f"{key}: {address} is declared twice (also as {seen[address]}); keep one entry per address",
            )
        seen[address] = key
    return None


@dataclass(frozen=True)
class SenderQuotaPlan:
    """How the declared addresses fit the account's sender quota (ledger.sender_quota), at preview."""

    quota: int
    existing: tuple[str, ...]  # the ledger's addresses, of every domain and stack
    new: tuple[str, ...]  # declared, not in the ledger: each takes a slot
    over: tuple[str, ...]  # the new ones that would not fit

    @property
    def ok(self) -> bool:
        return not self.over

    def finding(self) -> Finding:
        free = max(self.quota - len(self.existing), 0)
        return Finding(
            SENDER_QUOTA,
            f"sender quota: the account allows {self.quota} sender addresses and has {len(self.existing)}, leaving"
            f" {free}; {', '.join(self.over)} would not fit. {_QUOTA_WAY_OUT}",
        )


_QUOTA_WAY_OUT = (
    f"Raise {setting('ledger.sender_quota')} if your account allows more (Tencent's Terraform docs say 10 per"
    " domain), or delete addresses you no longer use"
)


def sender_quota_plan(declared: Iterable[str], existing: Iterable[str], quota: int) -> SenderQuotaPlan:
    """Declared addresses already in the ledger take no new slot; the others fill the free ones in order."""
    have = tuple(sorted(set(existing)))
    new = tuple(dict.fromkeys(a for a in declared if a not in have))
    free = max(quota - len(have), 0)
    return SenderQuotaPlan(quota, have, new, new[free:])


def sender_quota_error(
    address: str, existing: Sequence[str], quota: int, service_code: str | None = None
) -> SenderQuotaExceeded:
    """The ledger's refusal in the step that would create one address too many; `service_code` when the service
    refused it below our quota (its own limit, docs/tencent.md)."""
    if service_code is not None:
        return SenderQuotaExceeded(
            f"sender quota: Tencent Cloud refused to create {address} ({service_code}): the account has"
            f" {len(existing)} sender addresses, as many as the service allows it. Ask Tencent Cloud for a higher"
            " limit, or delete addresses you no longer use"
        )
    return SenderQuotaExceeded(
        f"sender quota: {address} can't be created: the account already has {len(existing)} of {quota} sender"
        f" addresses. {_QUOTA_WAY_OUT}"
    )


def not_verified(address: str, domain: str) -> DomainNotVerified:
    return DomainNotVerified(
        f"{address} can't be created yet: its sender domain {domain} is not verified (the service makes addresses"
        " only under a verified domain); run `dms wait`, then `pulumi up`"
    )


def has_addresses(domain: str, addresses: Sequence[str]) -> DomainHasAddresses:
    return DomainHasAddresses(
        f"{domain} still has sender addresses ({', '.join(sorted(addresses))}), so it can't be removed; nothing"
        " was removed. Remove its addresses first"
    )
