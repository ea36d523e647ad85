"""What `dms status`, `dms plan` and `dms wait` do with a stack: thin shells over the core and providers.

- status: every sender domain in the stack's ledger (sqlite, dynamodb or tencent), as the console's
  Sender Domain page lists them, with a fresh check of each item against the authoritative servers.
- plan: per domain of the stack, the record-level DNS plan `pulumi up` would apply now.
- wait: poll the stack's domains, with a progress line per domain, until they are verified.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dms_component.config import DomainSpec, StackSettings
from dms_component.core.nameservers import Nameserver
from dms_component.core.plan_view import CONFLICT, plan_dict, plan_lines
from dms_component.core.progress import pending_summary
from dms_component.core.records import required_records
from dms_component.core.service_records import records_from_attributes
from dms_component.core.verdicts import PENDING, VERIFIED, DomainVerdict
from dms_component.errors import ConfigError
from dms_component.providers.adapters.ledger import Ledger, LedgerEntry, open_ledger
from dms_component.providers.adapters.progress import emit, ticking, verdict_progress, wait_served
from dms_component.providers.adapters.resolver import Servers, servers_for
from dms_component.providers.adapters.verifier import verify_until_async
from dms_component.stack_view import StackView

CHECKING = "Pending (the service is checking)"
CHECKS_PASS = "Pending (checks pass: run pulumi up)"


def servers_of(settings: StackSettings) -> Servers:
    """The servers the stack's verifications ask (none given: each zone's authoritative servers)."""
    given, zone = settings.dns.verified_at(settings.verification.servers())
    servers = servers_for([Nameserver.parse(n) for n in given], zone)
    if servers.note:
        _say(servers.note)
    return servers


# -- dms status ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRow:
    entry: LedgerEntry
    verdict: DomainVerdict
    status: str  # the ledger's (the service's) word, or that it is still checking

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.entry.domain,
            "type": self.entry.mail_type or None,
            "status": self.status,
            "ledger_status": self.entry.status,
            "owner": self.entry.owner,
            "items": [i.to_dict() for i in self.verdict.items],
        }

    @property
    def healthy(self) -> bool:
        return self.entry.status == VERIFIED and all(i.ok for i in self.verdict.items)


def _status_records(view: StackView, settings: StackSettings, ledger: Ledger, entry: LedgerEntry):
    """What to check for a ledger's domain: this stack's records when it has them; the service's
    (tencent); else the records that need no key (another stack's DKIM key is not known here)."""
    spec = next((s for s in settings.domains if s.domain == entry.domain), None)
    if settings.ledger.decides_records:
        attributes = ledger.service_attributes(entry.domain)  # type: ignore[attr-defined]
        policy = spec.dmarc_policy if spec else None
        return records_from_attributes(
            entry.domain, attributes, mx_preference=settings.profile.mx_preference, dmarc_policy=policy
        )
    key = view.dkim_public_key(entry.domain)
    selector, policy = (spec.dkim_selector, spec.dmarc_policy) if spec else (None, None)
    records = required_records(entry.domain, key or "", settings.profile, selector, policy)
    return records if key else [r for r in records if r.item != "DKIM"]


def account_status(view: StackView) -> list[AccountRow]:
    settings = view.settings()
    ledger = open_ledger(view.ledger_settings(settings))
    entries = ledger.entries()
    servers = servers_of(settings)

    async def check_all() -> list[DomainVerdict]:
        checks = [verify_until_async(e.domain, _status_records(view, settings, ledger, e), servers, 0) for e in entries]
        return list(await asyncio.gather(*checks))

    verdicts = asyncio.run(check_all()) if entries else []
    rows = []
    for entry, verdict in zip(entries, verdicts, strict=True):
        status = entry.status
        if entry.status == PENDING and verdict.items and all(i.ok for i in verdict.items):
            # DNS is right and only the verdict is missing: the service's check, or the next `pulumi up`.
            status = CHECKING if settings.ledger.decides_records else CHECKS_PASS
        rows.append(AccountRow(entry, verdict, status))
    return rows


# -- dms plan -----------------------------------------------------------------------------------


def stack_plan(view: StackView) -> list[dict[str, Any]]:
    """Per domain of the stack: the plan as data (plan_view.plan_dict), read from DNS now."""
    settings = view.settings()
    provider = settings.dns.provider()
    out = []
    for spec in settings.domains:
        desired = view.desired(spec, settings)
        owned, spf = view.owned(spec.domain)
        plan = provider.plan(owned, desired, spf, spec.adopt)
        out.append(plan_dict(spec.domain, plan_lines(desired, owned, plan)))
    return out


def has_conflicts(plans: Sequence[dict[str, Any]]) -> bool:
    return any(r["action"] == CONFLICT for p in plans for r in p["records"])


# -- dms wait -----------------------------------------------------------------------------------


def specs_named(settings: StackSettings, domains: Sequence[str], stack: str) -> list[DomainSpec]:
    from dms_component.core.names import normalise_domain

    known = {s.domain: s for s in settings.domains}
    specs = []
    for given in domains:
        domain = normalise_domain(given, "DOMAIN")
        if domain not in known:
            allowed = ", ".join(sorted(known)) or "none"
            raise ConfigError("DOMAIN", f"{domain} is not a sender domain of stack {stack}; its domains: {allowed}")
        specs.append(known[domain])
    return specs


def _say(line: str) -> None:
    emit(line, sys.stderr)  # progress on stderr: stdout keeps only the result (--json)


def wait_for_change(view: StackView, settings: StackSettings, domain: str, timeout: float) -> None:
    """Until the DNS host serves the domain's last change on all its servers (Route53's INSYNC; the change
    id is the DnsRecords output `change`), with the line `pulumi up` prints while it waits."""
    change = (view.outputs(domain, "records") or {}).get("change")
    if isinstance(change, str) and change:
        provider = settings.dns.provider()
        wait_served(domain, provider, settings.dns.kind, change, timeout, print_line=_say)


def wait_for(view: StackView, domains: Sequence[str], timeout: float) -> list[tuple[DomainVerdict, str]]:
    """Poll each domain with progress until it passes (and, with the tencent ledger, the service says
    Verified) or `timeout` passes. Returns each domain's last verdict and status."""
    settings = view.settings()
    specs = specs_named(settings, domains, view.name) if domains else list(settings.domains)
    ledger = open_ledger(view.ledger_settings(settings)) if settings.ledger.decides_records else None
    required = {}
    for spec in specs:
        if ledger is not None:  # the service says what to publish, its DKIM key included: no state needed
            entry = ledger.get(spec.domain)
            if entry is None:
                raise ConfigError("DOMAIN", f"{spec.domain} is not a sender domain of the account yet: run `pulumi up`")
            records = _status_records(view, settings, ledger, entry)
        else:
            records = view.desired(spec, settings)
        if not any(r.item == "DKIM" and not r.value.rstrip().endswith("p=") for r in records):
            raise ConfigError(
                "DOMAIN", f"{spec.domain} has no DKIM key in stack {view.name} yet: run `pulumi up` first"
            )
        required[spec.domain] = records
    start = time.monotonic()
    for spec in specs:
        wait_for_change(view, settings, spec.domain, timeout)
    servers = servers_of(settings)
    names = servers.names()

    async def wait_all() -> list[DomainVerdict]:
        checks = [
            verify_until_async(d, records, servers, timeout, progress=verdict_progress(timeout, names, print_line=_say))
            for d, records in required.items()
        ]
        return list(await asyncio.gather(*checks))

    results = []
    for verdict in asyncio.run(wait_all()):
        status = verdict.status
        if status == VERIFIED and ledger is not None:
            # The service verifies only when asked (the console's Verify): ask it, within what is left.
            left = max(timeout - (time.monotonic() - start), 0.0)
            ledger.verify_timeout = left  # type: ignore[attr-defined]
            with ticking(verdict.domain, "DNS checks pass; waiting for the service's own check", left, print_line=_say):
                status = ledger.mark_verified(verdict.domain).status
        waited = time.monotonic() - start
        if status != VERIFIED:
            _say(pending_summary(verdict, waited, names, "run `dms wait {domain}` again, or look at the items"))
        elif ledger is None:
            _say(f"{verdict.domain}: every item passes; run `pulumi up` to mark it verified in the ledger")
        results.append((verdict, status))
    return results
