"""What `dms status`, `dms plan` and `dms wait` do with a stack: thin shells over the core and providers.

They work on the stack of any program that declares SenderDomains (stack_view.py reads its domains from the
state, or, before the first `pulumi up` of this project's program, from its `dms:` config):

- status: every sender domain in the stack's ledgers (sqlite, dynamodb or tencent), as the console's Sender
  Domain page lists them, with a fresh check of each item against the servers the stack's verifications ask.
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

from dms_component.core import dkim_rotation as rot
from dms_component.core.address_plan import address_plan, address_rows
from dms_component.core.domain_names import normalise_domain
from dms_component.core.errors import ConfigError, DmsError, worded
from dms_component.core.naming import Front
from dms_component.core.plan_view import CONFLICT, plan_dict, plan_lines
from dms_component.core.progress import pending_summary
from dms_component.core.records import PROFILES, RequiredRecord, required_records
from dms_component.core.service_records import dkim_key_of, records_from_attributes
from dms_component.core.verdicts import PENDING, VERIFIED, DomainVerdict
from dms_component.providers.adapters import clock
from dms_component.providers.adapters.dns import dns_host
from dms_component.providers.adapters.ledger import LedgerBackend, LedgerEntry, ledger_settings
from dms_component.providers.adapters.progress import emit, ticking, verdict_progress, wait_served
from dms_component.providers.adapters.resolver import Servers, servers_to_ask
from dms_component.providers.adapters.verifier import verify_until_async
from dms_component.stack_view import DomainView, StackView

CHECKING = "Pending (the service is checking)"
CHECKS_PASS = "Pending (checks pass: run pulumi up)"
# The checks pass, but `pulumi up` would refuse to mark it: the account's verified domains fill the quota.
OVER_QUOTA = "Pending (checks pass, but the quota of {quota} is full: raise the quota or drop the domain)"


def servers_of(view: DomainView) -> Servers:
    """The servers a domain's verification asks, as it does: its nameservers (the primary written to, or those
    the program named) and, with a primary, the zone's public NS set. A set that can't be found is said once."""
    return servers_to_ask(view.nameservers, view.public_zone, sys.stderr)


def in_words(error: DmsError, view: DomainView | None) -> DmsError:
    """The error with its settings named as the domain's program writes them (its Front)."""
    front = view.front if view is not None else None
    if front is None or isinstance(error, ConfigError):
        return error
    return DmsError(error.worded(front.name), code=error.code)


# -- dms status ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRow:
    entry: LedgerEntry
    verdict: DomainVerdict
    status: str  # the ledger's (the service's) word, or that it is still checking
    addresses: tuple[dict[str, Any], ...] = ()  # core/address_plan.address_rows: no password, only whether set
    sending: Any = None  # the service's console list (tencent ledger): a ledger DomainView, else None
    dkim: dict[str, Any] | None = None  # our active DKIM key's selector and age (key_age), if the stack holds it

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.entry.domain,
            "type": self.entry.mail_type or None,
            "status": self.status,
            "ledger_status": self.entry.status,
            "owner": self.entry.owner,
            "items": [i.to_dict() for i in self.verdict.items],
            "addresses": list(self.addresses),
            **({"sending": _sending(self.sending)} if self.sending is not None else {}),
            "dkim_key": self.dkim,
        }

    @property
    def healthy(self) -> bool:
        return self.entry.status == VERIFIED and all(i.ok for i in self.verdict.items)


def _checked(entry: LedgerEntry, ledger: LedgerBackend, ours: DomainView | None) -> list[RequiredRecord]:
    """What to check for a ledger's domain: the stack's records when it is the stack's and they are known; the
    service's (tencent); else the records that need no key (another stack's DKIM key is not known here)."""
    if ours is not None and dkim_key_of(ours.records) is not None:
        return list(ours.records)
    if ledger.decides_records:
        profile = PROFILES["tencent-ses"]
        return records_from_attributes(
            entry.domain, ledger.service_attributes(entry.domain) or [], mx_preference=profile.mx_preference
        )
    records = required_records(entry.domain, "", PROFILES["tencent-ses"])
    return [r for r in (ours.records if ours else records) if r.item != "DKIM"]


def account_status(stack: StackView) -> list[AccountRow]:
    """Every domain of every ledger the stack's domains use, checked now."""
    views = stack.domains()
    ledgers: dict[str, tuple[DomainView, LedgerBackend]] = {}
    for view in views:
        account = ledger_settings(view.ledger).ledger_id()
        if account not in ledgers:
            try:
                ledgers[account] = (view, stack.ledger(view))
            except DmsError as exc:
                raise in_words(exc, view) from None
    ours = {v.domain: v for v in views}
    checks, rows, full = [], [], set()
    sending: dict[str, Any] = {}  # domain -> what the service's console lists (tencent)
    for first, ledger in ledgers.values():
        try:
            entries = ledger.entries()
            console = ledger.account_view()
        except DmsError as exc:
            raise in_words(exc, first) from None
        if sum(e.status == VERIFIED for e in entries) >= ledger.quota:
            full.add(id(ledger))
        sending.update({d.domain: d for d in console.domains} if console is not None else {})
        for entry in entries:
            mine = ours.get(entry.domain)
            checks.append((entry, ledger, _checked(entry, ledger, mine), servers_of(mine or first)))

    async def check_all() -> list[DomainVerdict]:
        return list(await asyncio.gather(*(verify_until_async(e.domain, r, s, 0) for e, _, r, s in checks)))

    verdicts = asyncio.run(check_all()) if checks else []
    for (entry, ledger, _, _), verdict in zip(checks, verdicts, strict=True):
        status = entry.status
        if entry.status == PENDING and verdict.items and all(i.ok for i in verdict.items):
            # DNS is right and only the verdict is missing: the service's check, or the next `pulumi up`.
            status = CHECKING if ledger.decides_records else CHECKS_PASS
            if id(ledger) in full:
                status = OVER_QUOTA.format(quota=ledger.quota)
        mine = ours.get(entry.domain)
        shown = tuple(_addresses(ledger, entry.domain, mine, address_rows))
        rows.append(AccountRow(entry, verdict, status, shown, sending.get(entry.domain), key_age(mine)))
    return sorted(rows, key=lambda r: r.entry.domain)


def key_age(view: DomainView | None) -> dict[str, Any] | None:
    """A domain's active DKIM key, as `dms status` shows it: selector, age in days (None: made before rotation
    existed), the maximum age, and a warning line with its code when it is older (core/dkim_rotation.py)."""
    if view is None or view.dkim_keys is None:
        return None
    moment = clock.now()
    keys = rot.KeySet.from_dict(dict(view.dkim_keys))
    # As the outputs show it: a pending key the last verification found verifying is the active one.
    active = rot.as_shown(keys, view.dkim_verified, moment, view.dkim_overlap_days or rot.DEFAULT_OVERLAP_DAYS).active
    age = rot.age_days(active, moment)
    warning = rot.age_warning(view.domain, active, moment, view.dkim_max_key_age_days)
    return {
        "selector": active.selector,
        "since": active.since,
        "age_days": None if age is None else int(age),
        "max_age_days": view.dkim_max_key_age_days,
        "warning": None if warning is None else worded(warning, (view.front or Front("python", "")).name),
        "code": rot.KEY_AGE if warning else None,
    }


def _sending(view: Any) -> dict[str, Any]:
    """ListEmailIdentities' word on a domain: whether it may send, its reputation level and daily quota."""
    return {
        "sending_enabled": bool(view.sending_enabled),
        "reputation_level": int(view.reputation_level),
        "daily_quota": int(view.daily_quota),
    }


def _addresses(ledger: LedgerBackend, domain: str, view: DomainView | None, shown: Any) -> list[dict[str, Any]]:
    """A domain's addresses as `shown` (address_rows or address_plan) words them: the stack's declared ones beside
    the ledger's (the service's) now."""
    try:
        existing = ledger.addresses(domain)
    except NotImplementedError:
        return []  # a ledger that keeps no addresses (yet)
    except DmsError as exc:
        raise in_words(exc, view) from None
    return shown(list(view.addresses) if view else [], existing)


# -- dms plan -----------------------------------------------------------------------------------


def stack_plan(stack: StackView) -> list[dict[str, Any]]:
    """Per domain of the stack whose records it writes: the plan as data (plan_view.plan_dict), read from DNS now."""
    out = []
    for view in stack.domains():
        if view.dns is None or view.retired:
            continue  # published by another provider, or not managed any more
        try:
            provider = dns_host(view.dns, stack.dns_credential(view))
            wanted = list(view.published or view.records)  # every published DKIM key's record, when rotating
            plan = provider.plan(list(view.owned), wanted, view.spf, view.adopt)
        except DmsError as exc:
            raise in_words(exc, view) from None
        planned = plan_dict(view.domain, plan_lines(wanted, list(view.owned), plan))
        if view.addresses:  # beside the DNS plan: what `pulumi up` would make, replace or change in the service
            planned["addresses"] = _addresses(stack.ledger(view), view.domain, view, address_plan)
        out.append(planned)
    return out


def has_conflicts(plans: Sequence[dict[str, Any]]) -> bool:
    return any(r["action"] == CONFLICT for p in plans for r in p["records"])


# -- dms wait -----------------------------------------------------------------------------------


def named(stack: StackView, domains: Sequence[str]) -> list[DomainView]:
    """The stack's domains named on the command line (all of them, but the retired, when none is)."""
    known = {v.domain: v for v in stack.domains() if not v.retired}
    if not domains:
        return list(known.values())
    views = []
    for given in domains:
        domain = normalise_domain(given, "DOMAIN")
        if domain not in known:
            allowed = ", ".join(sorted(known)) or "none"
            raise ConfigError(
                "DOMAIN", f"{domain} is not a sender domain of stack {stack.name}; its domains: {allowed}"
            )
        views.append(known[domain])
    return views


def _say(line: str) -> None:
    emit(line, sys.stderr)  # progress on stderr: stdout keeps only the result (--json)


def _to_check(stack: StackView, view: DomainView) -> tuple[list[RequiredRecord], LedgerBackend | None]:
    """A domain's records, with its ledger when the service decides them (and verifies the domain itself)."""
    ledger = stack.ledger(view)
    if not ledger.decides_records:
        records = list(view.records)
        if dkim_key_of(records) is None:
            raise ConfigError(
                "DOMAIN", f"{view.domain} has no DKIM key in stack {stack.name} yet: run `pulumi up` first"
            )
        return records, None
    entry = ledger.get(view.domain)
    if entry is None:
        raise ConfigError("DOMAIN", f"{view.domain} is not a sender domain of the account yet: run `pulumi up`")
    return _checked(entry, ledger, view), ledger


def wait_for_change(stack: StackView, view: DomainView, timeout: float) -> None:
    """Until the DNS host serves the domain's last change on all its servers (Route53's INSYNC; its id is the
    DnsRecords output `change`), with the line `pulumi up` prints while it waits."""
    if view.change and view.dns is not None:
        host = dns_host(view.dns, stack.dns_credential(view))
        wait_served(view.domain, host, view.change, timeout, print_line=_say)


def wait_for(stack: StackView, domains: Sequence[str], timeout: float | None) -> list[tuple[DomainVerdict, str]]:
    """Poll each domain with progress until it passes (and, with the tencent ledger, the service says
    Verified) or its timeout passes (`timeout`, else its verification's). Returns each domain's last verdict
    and status."""
    views = named(stack, domains)
    todo = []
    for view in views:
        try:
            todo.append((view, *_to_check(stack, view), view.timeout if timeout is None else timeout))
        except DmsError as exc:
            raise in_words(exc, view) from None
    start = time.monotonic()
    for view, _, _, limit in todo:
        wait_for_change(stack, view, limit)
    asked = [servers_of(view) for view, _, _, _ in todo]

    async def wait_all() -> list[DomainVerdict]:
        checks = []
        for (view, records, _, limit), servers in zip(todo, asked, strict=True):
            progress = verdict_progress(limit, servers.names(), print_line=_say)
            checks.append(verify_until_async(view.domain, records, servers, limit, progress=progress))
        return list(await asyncio.gather(*checks))

    results = []
    for (_, _, ledger, limit), servers, verdict in zip(todo, asked, asyncio.run(wait_all()), strict=True):
        status = verdict.status
        if status == VERIFIED and ledger is not None:
            # The service verifies only when asked (the console's Verify): ask it, within what is left.
            left = max(limit - (time.monotonic() - start), 0.0)
            ledger.verify_timeout = left
            with ticking(verdict.domain, "DNS checks pass; waiting for the service's own check", left, print_line=_say):
                status = ledger.mark_verified(verdict.domain).status
        waited = time.monotonic() - start
        if status != VERIFIED:
            _say(
                pending_summary(verdict, waited, servers.names(), "run `dms wait {domain}` again, or look at the items")
            )
        elif ledger is None:
            _say(f"{verdict.domain}: every item passes; run `pulumi up` to mark it verified in the ledger")
        results.append((verdict, status))
    return results
