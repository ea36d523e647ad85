"""The service guide's recommendations and the quota arithmetic, as pure functions.

Nothing here does I/O; the Public Suffix List is the copy bundled with `publicsuffixlist`, read once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from publicsuffixlist import PublicSuffixList

# A check's severity in stack config (`dms:checks`).
ERROR, WARN, OFF = "error", "warn", "off"
SEVERITIES = (ERROR, WARN, OFF)

# Config key -> default severity. Why these defaults:
# - subdomain: the guide recommends a subdomain, but a registrable domain still works: warn.
# - typeSeparation: one domain used for both kinds of mail lets batch mail's reputation hurt
#   triggered mail, and the ledger keeps one type per domain: error.
# - existingEmailDns: writing over MX/SPF/DMARC/DKIM that we did not create breaks someone's mail: error.
CHECK_DEFAULTS = {"subdomain": WARN, "typeSeparation": ERROR, "existingEmailDns": ERROR}


@cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()  # the list shipped in the package: offline, pinned with the package


def registrable_domain(domain: str) -> str | None:
    """The registrable domain (public suffix + one label) that holds `domain`; None for a public suffix."""
    return _psl().privatesuffix(domain)


def subdomain_problem(domain: str) -> str | None:
    """Why `domain` is not a subdomain of a registrable domain, or None when it is one."""
    registrable = registrable_domain(domain)
    if registrable is None:
        return f"{domain} is a public suffix, not a domain anyone can send from"
    if registrable == domain:
        return (
            f"{domain} is a registrable domain; the service's guide recommends a subdomain such as"
            f" notify.{domain}, so the sender domain's records don't mix with the organisation's own mail"
        )
    return None


def type_separation_problem(domain: str, first_type: str, second_type: str) -> str:
    """The message for one domain declared for both triggered and batch mail."""
    return (
        f"{domain} is declared twice, for {first_type} and for {second_type} mail; the service's guide recommends"
        " separate domains for triggered and batch mail, so batch mail's reputation can't hurt triggered mail"
        f" (e.g. notify.<zone> for triggered, news.<zone> for batch)"
    )


@dataclass(frozen=True)
class QuotaPlan:
    """How the domains a stack declares fit the account's quota of verified sender domains."""

    quota: int
    verified: tuple[str, ...]  # verified in the ledger, by any stack (retired ones too)
    new: tuple[str, ...]  # declared here, not yet verified: each would take a slot when verified
    fits: tuple[str, ...]
    over: tuple[str, ...]  # the new domains that would not fit

    @property
    def ok(self) -> bool:
        return not self.over

    def message(self) -> str:
        """One line: the verified domains and the ones that would not fit."""
        listed = ", ".join(self.verified) or "none"
        free = max(self.quota - len(self.verified), 0)
        fits = f"; {', '.join(self.fits)} would fit" if self.fits else ""
        return (
            f"quota: the account allows {self.quota} verified sender domains and {len(self.verified)} are verified"
            f" ({listed}), leaving {free}; {', '.join(self.over)} would not fit{fits}. Verified domains can't be"
            " deleted: raise dms:ledger.quota if your account allows more, or drop the domains that don't fit"
        )


def quota_plan(declared: Sequence[str], verified: Iterable[str], quota: int) -> QuotaPlan:
    """Declared domains already verified take no new slot; the others fill the free slots in declaration order."""
    verified_set = sorted(set(verified))
    new = tuple(dict.fromkeys(d for d in declared if d not in verified_set))
    free = max(quota - len(verified_set), 0)
    return QuotaPlan(quota, tuple(verified_set), new, new[:free], new[free:])


__all__ = [
    "CHECK_DEFAULTS",
    "ERROR",
    "OFF",
    "SEVERITIES",
    "WARN",
    "QuotaPlan",
    "quota_plan",
    "registrable_domain",
    "subdomain_problem",
    "type_separation_problem",
]


def dropped_verified(owned: Sequence[tuple[str, bool]], kept: Collection[str]) -> list[str]:
    """The domains this stack verified (flag True) that are no longer declared or retired."""
    return sorted(domain for domain, verified_here in owned if verified_here and domain not in kept)


def removal_refused(domains: Sequence[str]) -> str:
    names = ", ".join(domains)
    return (
        f"{names} {'is a verified sender domain' if len(domains) == 1 else 'are verified sender domains'} of this"
        " stack and no longer in dms:domains: the service never deletes a verified domain, so nothing was"
        " changed. Put the entry back (a new name is a new domain: declare it beside the old one), or keep it"
        " with retire: true to stop managing it and leave its records and ledger row in place"
    )
