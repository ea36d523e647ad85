"""DMARC policy records (RFC 7489 6.3-6.4, np= from RFC 9091): parse and validate (pure).

A record starts with `v=DMARC1` (the version in capitals), then `p=`; other tags may follow in any
order. Tag names are case-insensitive, unknown tags are ignored, and every known tag must have a
valid value. TXT values at `_dmarc` that don't start with `v=DMARC1` are not DMARC records.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from dms_component.core.tags import TagListError, parse_tag_list

VERSION = "DMARC1"
DmarcPolicy = Literal["none", "quarantine", "reject"]
POLICIES: tuple[str, ...] = get_args(DmarcPolicy)
# What each policy means, for the `dms` package's schema (its enum DmarcPolicy).
POLICY_DOCS = {
    "": "What receivers do with mail that fails DMARC.",
    "none": "Deliver it and report (the service's recommendation to start with).",
    "quarantine": "Treat it as suspicious (spam folder).",
    "reject": "Refuse it.",
}
_VERSION_HEAD = re.compile(r"[ \t]*v[ \t]*=[ \t]*DMARC1[ \t]*(;|$)", re.IGNORECASE)
_URI = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):([^\s!,]+)(?:!([0-9]+)([kmgtKMGT]?))?")
_MAILTO = re.compile(r"[^@\s]+@[A-Za-z0-9.\-]+\.[A-Za-z0-9\-]+")
_FORMAT = re.compile(r"[A-Za-z][A-Za-z0-9\-]*")


class DmarcRecordError(ValueError):
    """A DMARC record a receiver would not apply as written.

    The message continues "the DMARC record at HOST ..." and says what to fix.
    """


class PolicyError(DmarcRecordError):
    """No valid p= as the second tag."""


@dataclass(frozen=True)
class DmarcRecord:
    policy: str
    tags: tuple[tuple[str, str], ...]  # lower-case names, in order

    def get(self, name: str, default: str | None = None) -> str | None:
        return next((v for n, v in self.tags if n == name), default)


def is_dmarc(txt: str) -> bool:
    """RFC 7489 6.6.3: a DMARC record starts with `v=DMARC1` (tag name any case, version in capitals)."""
    head = _VERSION_HEAD.match(txt)
    return head is not None and "DMARC1" in head.group(0)


def near_miss(txt: str) -> str | None:
    """Why a TXT value that looks meant as DMARC is not one (v= not first, lower-case version), or None."""
    head = _VERSION_HEAD.match(txt)
    if head is not None and "DMARC1" not in head.group(0):
        return "the version must be written v=DMARC1, in capitals"
    if re.search(r"(^|;)[ \t]*v[ \t]*=[ \t]*DMARC1[ \t]*(;|$)", txt, re.IGNORECASE):
        return "v=DMARC1 must be the first tag"
    return None


def parse(txt: str) -> DmarcRecord:
    """The record's policy and tags; DmarcRecordError (PolicyError for p=) when something is invalid."""
    if not is_dmarc(txt):
        raise DmarcRecordError(f"is not one: {near_miss(txt) or 'it must start with v=DMARC1'}")
    try:
        tags = parse_tag_list(txt, fold_names=True)
    except TagListError as exc:
        raise DmarcRecordError(f"is not a valid tag list ({exc}): fix it") from None
    names = list(tags)
    if len(names) < 2 or names[1] != "p":
        raise PolicyError("needs p= right after v=DMARC1")
    policy = tags["p"].lower()
    if policy not in POLICIES:
        raise PolicyError(f"has p={tags['p']}: use none, quarantine or reject")
    for name, value in tags.items():
        problem = _CHECKS[name](value) if name in _CHECKS else None
        if problem:
            raise DmarcRecordError(f"has an invalid {name}={value}: {problem}")
    return DmarcRecord(policy, tuple(tags.items()))


def policy(txt: str) -> str | None:
    """The `p=` policy of a valid DMARC record, or None."""
    try:
        return parse(txt).policy
    except DmarcRecordError:
        return None


def _one_of(*allowed: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if value.lower() in allowed else f"use {' or '.join(allowed)}"

    return check


def _pct(value: str) -> str | None:
    return None if value.isdigit() and int(value) <= 100 else "use a whole number from 0 to 100"


def _ri(value: str) -> str | None:
    return None if value.isdigit() and int(value) < 2**32 else "use a whole number of seconds"


def _fo(value: str) -> str | None:
    parts = [p.strip() for p in value.split(":")]
    return None if all(p in ("0", "1", "d", "s") for p in parts) else "use 0, 1, d or s, separated by ':'"


def _rf(value: str) -> str | None:
    parts = [p.strip() for p in value.split(":")]
    return None if all(_FORMAT.fullmatch(p) for p in parts) else "use report formats such as afrf, separated by ':'"


def _uris(value: str) -> str | None:
    for uri in (u.strip() for u in value.split(",")):
        match = _URI.fullmatch(uri)
        if not match:
            return f"{uri!r} is not a URI such as mailto:dmarc@example.com"
        if match.group(1).lower() == "mailto" and not _MAILTO.fullmatch(match.group(2)):
            return f"{uri!r} is not a mail address"
    return None


_CHECKS = {
    "sp": _one_of(*POLICIES),
    "np": _one_of(*POLICIES),
    "adkim": _one_of("r", "s"),
    "aspf": _one_of("r", "s"),
    "pct": _pct,
    "ri": _ri,
    "fo": _fo,
    "rf": _rf,
    "rua": _uris,
    "ruf": _uris,
}
