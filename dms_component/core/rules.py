"""The service's rules and the guide's recommendations, as pure functions that return findings.

Each rule has one definition here and one wording: a Finding (a stable code and a line whose settings are
references), or the ledger's error for the step it refuses. Every front end (stack config, a Python program,
the `dms` package, the policy pack, the CLI) names the settings its own way. Nothing here does I/O; the
Public Suffix List is the copy bundled with `publicsuffixlist`, read once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, get_args

from publicsuffixlist import PublicSuffixList

from dms_component.core.errors import QuotaExceeded, VerifiedDomainProtected, setting, worded
from dms_component.core.naming import Namer, plain

# How a recommendation of the service's guide is enforced (`checks`).
Severity = Literal["error", "warn", "off"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
ERROR, WARN, OFF = SEVERITIES
SEVERITY_DOCS = {
    "": "How a recommendation of the service's guide is enforced.",
    "error": "Stop the preview.",
    "warn": "Print a warning and go on.",
    "off": "Don't check.",
}

# Config key -> default severity. Why these defaults:
# - subdomain: the guide recommends a subdomain, but a registrable domain still works: warn.
# - typeSeparation: one domain used for both kinds of mail lets batch mail's reputation hurt
#   triggered mail, and the ledger keeps one type per domain: error.
# - existingEmailDns: writing over MX/SPF/DMARC/DKIM that we did not create breaks someone's mail: error.
CHECK_DEFAULTS: dict[str, Severity] = {"subdomain": WARN, "type_separation": ERROR, "existing_email_dns": ERROR}


@cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()  # the list shipped in the package: offline, pinned with the package


def registrable_domain(domain: str) -> str | None:
    """The registrable domain (public suffix + one label) that holds `domain`; None for a public suffix."""
    return _psl().privatesuffix(domain)


@dataclass(frozen=True)
class Finding:
    """What a rule found: a stable code and one line (settings in it are `setting(...)` references, which the
    front end of the domain names its own way: core/naming.py). `severity` is error or warn."""

    code: str
    message: str
    severity: str = ERROR

    def line(self, name: Namer = plain) -> str:
        """The finding as one line, its settings named by `name` (a front end's namer), with its code."""
        return f"{worded(self.message, name)} [{self.code}]"


def subdomain(domain: str, severity: str) -> Finding | None:
    """The guide recommends a subdomain of a registrable domain: a finding when `domain` isn't one."""
    registrable = registrable_domain(domain)
    if registrable is None:
        return Finding("rules.public-suffix", f"{domain} is a public suffix, not a domain anyone can send from", ERROR)
    if registrable == domain and severity != OFF:
        return Finding(
            "rules.subdomain",
            f"{domain} is a registrable domain; the service's guide recommends a subdomain such as"
            f" notify.{domain}, so the sender domain's records don't mix with the organisation's own mail"
            f" ({setting('checks.subdomain')} is {severity})",
            severity,
        )
    return None


def declared_twice(domain: str, first_type: str, second_type: str, type_separation: str = ERROR) -> Finding:
    """A domain declared a second time: one identity and one ledger row per domain. For both kinds of mail it is
    the guide's type separation (a stack's config may then manage it once, with `type_separation` warn or off)."""
    if first_type == second_type:
        return Finding("rules.declared-twice", f"{domain} is declared twice; keep one entry per domain")
    return Finding(
        "rules.type-separation",
        f"{domain} is declared twice, for {first_type} and for {second_type} mail; the service's guide recommends"
        " separate domains for triggered and batch mail, so batch mail's reputation can't hurt triggered mail"
        " (e.g. notify.<zone> for triggered, news.<zone> for batch)",
        type_separation,
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

    def finding(self) -> Finding:
        """One line: the verified domains and the ones that would not fit."""
        listed = ", ".join(self.verified) or "none"
        free = max(self.quota - len(self.verified), 0)
        fits = f"; {', '.join(self.fits)} would fit" if self.fits else ""
        return Finding(
            QUOTA,
            f"quota: the account allows {self.quota} verified sender domains and {len(self.verified)} are verified"
            f" ({listed}), leaving {free}; {', '.join(self.over)} would not fit{fits}. {_QUOTA_WAY_OUT}"
            " the domains that don't fit",
        )


QUOTA = QuotaExceeded.code  # a quota finding is the same refusal as the ledger's
_QUOTA_WAY_OUT = (
    f"Verified domains can't be deleted: raise {setting('ledger.quota')} if your account allows more, or drop"
)


def quota_plan(declared: Sequence[str], verified: Iterable[str], quota: int) -> QuotaPlan:
    """Declared domains already verified take no new slot; the others fill the free slots in declaration order."""
    verified_set = sorted(set(verified))
    new = tuple(dict.fromkeys(d for d in declared if d not in verified_set))
    free = max(quota - len(verified_set), 0)
    return QuotaPlan(quota, tuple(verified_set), new, new[:free], new[free:])


def quota_error(domain: str, verified: Sequence[str], quota: int) -> QuotaExceeded:
    """The ledger's refusal, in the step that would verify one domain too many."""
    return QuotaExceeded(
        f"quota: {domain} can't be verified: the account already has {len(verified)} of {quota} verified sender"
        f" domains ({', '.join(sorted(verified))}). {_QUOTA_WAY_OUT} this domain"
    )


def protected(domain: str) -> VerifiedDomainProtected:
    """A verified domain is never deleted (the service's guide)."""
    return VerifiedDomainProtected(
        f"{domain} is a verified sender domain and the service never deletes a verified domain; nothing was"
        f" removed. Keep declaring it, or set {setting('retire')} to true and run `pulumi up` to stop managing it"
        " and leave its records and ledger entry in place"
    )


def unchangeable(domain: str, what: str) -> VerifiedDomainProtected:
    """A verified domain's name or type can't change: it is never deleted, so it can't be made again."""
    return VerifiedDomainProtected(
        f"{domain} is a verified sender domain and the service never changes or deletes one, so {what} can't"
        " change; nothing was changed. Keep it as it is, and declare another domain for the new use",
        code="ledger.verified-unchangeable",
    )


def dropped_verified(owned: Sequence[tuple[str, bool]], kept: Collection[str]) -> list[str]:
    """The domains this stack verified (flag True) that are no longer declared or retired."""
    return sorted(domain for domain, verified_here in owned if verified_here and domain not in kept)


def removal_refused(domains: Sequence[str]) -> Finding:
    """Stack config: a verified domain of this stack left dms:domains."""
    names = ", ".join(domains)
    return Finding(
        "ledger.verified-removed",
        f"{names} {'is a verified sender domain' if len(domains) == 1 else 'are verified sender domains'} of this"
        " stack and no longer in dms:domains: the service never deletes a verified domain, so nothing was"
        " changed. Put the entry back (a new name is a new domain: declare it beside the old one), or keep it"
        " with retire: true to stop managing it and leave its records and ledger row in place",
    )
