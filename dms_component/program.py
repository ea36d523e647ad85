"""The stack program: read `dms:*` config, create one SenderDomain per entry, export statuses."""

from __future__ import annotations

import asyncio
import contextvars
import json
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from dms_component.component import SenderDomain
from dms_component.config import StackSettings, parse_stack_config
from dms_component.core.rules import dropped_verified, quota_plan, removal_refused
from dms_component.core.verdicts import VERIFIED
from dms_component.errors import ConfigError
from providers.dns.rfc2136 import TsigKey
from providers.dynamic.retired import RetiredDomains
from providers.ledger import LedgerEntry, open_ledger

_KEYS = ("profile", "domains", "dns", "ledger", "verification", "checks")


def stack_config() -> dict[str, Any]:
    """Every `dms:` key of the stack, parsed; an unknown key (a typo) is an error, not ignored."""
    raw: dict[str, Any] = {}
    everything = {**get_config_env(), **CONFIG.get()}
    for full_key, text in sorted(everything.items()):
        namespace, _, key = full_key.partition(":")
        if namespace != "dms":
            continue
        if key not in _KEYS:
            raise ConfigError(full_key, f"unknown key; allowed: {', '.join('dms:' + k for k in _KEYS)}")
        try:
            raw[key] = json.loads(text)  # maps, lists and numbers arrive as JSON text
        except (TypeError, ValueError):
            raw[key] = text  # a plain string such as `dms:profile: tencent-ses`
    return raw


def aws_config() -> dict[str, str]:
    """`aws:profile` and `aws:region`: the keys an AWS user's stacks already have (for Route53)."""
    config = pulumi.Config("aws")
    found = {"profile": config.get("profile"), "region": config.get("region")}
    return {k: v for k, v in found.items() if v is not None}


def read_ledger(settings: StackSettings) -> list[LedgerEntry]:
    ledger_settings = settings.ledger.with_secret()  # a credential (tencent) is needed to read the list
    path = ledger_settings.get("path")
    if path and not Path(path).is_absolute():
        # As the providers see it: they run in the project folder.
        ledger_settings["path"] = str(Path(pulumi.runtime.get_root_directory() or ".") / path)
    try:
        return open_ledger(ledger_settings).entries()
    except Exception as exc:  # the ledger's own errors carry no secret
        raise pulumi.RunError(f"can't read the ledger to check the quota: {exc}") from None


def check_quota(settings: StackSettings, entries: list[LedgerEntry]) -> None:
    """Fail with one line when the declared domains and the ledger's verified ones exceed the quota."""
    plan = quota_plan(
        [spec.domain for spec in settings.domains],
        [entry.domain for entry in entries if entry.status == VERIFIED],
        settings.ledger.quota,
    )
    if not plan.ok:
        raise pulumi.RunError(plan.message())


# The stack's project folder when the runner (Automation API, inline) knows it better than the engine.
PROJECT_FOLDER: contextvars.ContextVar[str | None] = contextvars.ContextVar("dms_project_folder", default=None)


def stack_owner() -> str:
    """Who registers ledger rows: this stack, as the ledger remembers it.

    Stack names repeat across backends (every clone of this project has a `dms/dev`), so the
    project folder is part of it: a stack run from another folder doesn't count as the owner and
    gets the refusal from the delete itself instead, later but just as safe.
    """
    folder = Path(PROJECT_FOLDER.get() or pulumi.runtime.get_root_directory() or ".").resolve()
    return f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}@{folder}"


def check_removals(settings: StackSettings, entries: list[LedgerEntry], owner: str) -> None:
    """A verified domain of this stack that left dms:domains (removed or renamed) fails before any write."""
    kept = {spec.domain for spec in (*settings.domains, *settings.retired)}
    gone = dropped_verified([(e.domain, e.status == VERIFIED and e.owner == owner) for e in entries], kept)
    if gone:
        raise pulumi.RunError(removal_refused(gone))


def main() -> None:
    try:
        settings = parse_stack_config(stack_config(), aws_config())
        if settings.dns.tsig_key_file:
            TsigKey.from_key_file(settings.dns.tsig_key_file)  # a missing or bad key file fails at preview
    except ConfigError as exc:
        # RunError prints one line, no traceback, and stops before anything is written.
        raise pulumi.RunError(f"invalid stack config: {exc}") from None
    for warning in settings.warnings:
        pulumi.log.warn(warning)
    for spec in settings.retired:
        # Its resources leave the stack; the providers see `retire: true` and delete nothing.
        pulumi.log.info(f"{spec.domain} is retired: not managed by this stack; its records and ledger row stay")
    if settings.retired:
        # Makes the engine hand the current config (with `retire: true`) to the providers in this run.
        RetiredDomains(
            "retired-sender-domains",
            domains=sorted(spec.domain for spec in settings.retired),
            ledger=settings.ledger.settings(),
        )
    entries = read_ledger(settings)
    # Before any resource is declared, so a refusal writes nothing, at preview and at `up`.
    check_removals(settings, entries, stack_owner())
    if pulumi.runtime.is_dry_run():
        # At apply the ledger enforces the quota in one transaction; this only fails a preview early.
        check_quota(settings, entries)

    statuses: dict[str, Any] = {}
    # Every verification waits for every domain's records: all records are written (and start
    # propagating) before any verification holds one of the provider's 4 threads while it polls.
    all_records: asyncio.Future[list[pulumi.Resource]] = asyncio.get_event_loop().create_future()
    senders: list[SenderDomain] = []
    try:
        for spec in settings.domains:
            sender = SenderDomain(
                spec.domain,  # the normalised name: unique, and what a user looks for
                spec,
                dns=settings.dns,
                ledger=settings.ledger,
                verification=settings.verification,
                profile=settings.profile,
                existing_email_dns=settings.checks.existing_email_dns,
                verify_after=all_records,
                owner=stack_owner(),
            )
            senders.append(sender)
            statuses[spec.domain] = {
                "type": spec.mail_type,
                "status": sender.status,
                "items": sender.items,
            }
    finally:
        all_records.set_result([s.dns_records for s in senders])
    pulumi.export("domains", statuses)
