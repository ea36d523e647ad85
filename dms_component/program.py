"""The stack program: read `dms:*` config, declare one SenderDomain per entry, export statuses.

Stack config is one producer of SenderDomainArgs; the rules themselves live in the component.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from dms_component.account import PROJECT_FOLDER, Program, as_seen_here, read_entries, stack_owner
from dms_component.component import SenderDomain
from dms_component.config import StackSettings, parse_stack_config
from dms_component.core import validate
from dms_component.core.errors import ConfigError
from dms_component.core.naming import STACK, Front

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
            raise ConfigError(
                validate.shown(full_key)[1:-1], f"unknown key; allowed: {', '.join('dms:' + k for k in _KEYS)}"
            )
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


def declare(settings: StackSettings, program: Program) -> dict[str, SenderDomain]:
    """One SenderDomain per entry, retired ones included (they keep their resources until the entry goes)."""
    owner = stack_owner()
    front = Front(STACK, "dms:domains", settings.dns.kind, settings.ledger.kind)
    account = program.account(settings.ledger, lambda ledger: read_entries(ledger, front))
    # Before any resource is declared: a verified domain dropped from dms:domains writes nothing.
    account.check_removals([e.spec.domain for e in settings.entries], owner)
    senders: dict[str, SenderDomain] = {}
    for entry in settings.entries:
        # The normalised name: unique, and what a user looks for.
        domain = entry.spec.domain
        senders[domain] = SenderDomain(domain, entry.args, front=entry.front, owner=owner, program=program)
        if entry.retired:
            pulumi.log.info(f"{domain} is retired: unprotected; its records and ledger row stay when its entry goes")
    return senders


def main() -> None:
    try:
        settings = parse_stack_config(stack_config(), aws_config())
    except ConfigError as exc:
        # RunError prints one line, no traceback, and stops before anything is written.
        raise pulumi.RunError(f"invalid stack config: {exc}") from None
    for warning in settings.warnings:
        pulumi.log.warn(warning)
    senders = declare(settings, Program())  # this run's: every domain's rules and records barrier
    retired = {s.domain for s in settings.retired}
    pulumi.export(
        "domains",
        {
            domain: {
                "type": sender.mail_type,
                "status": sender.status,
                "items": sender.items,
                # The DKIM key to sign with (its private key: the component's secret output) and every key held.
                "dkim_selector": sender.dkim_selector,
                "dkim_keys": sender.dkim_keys,
                # The addresses' SMTP passwords, given or generated: one secret map (address -> password).
                **({"smtp_passwords": sender.smtp_passwords} if sender.addresses else {}),
            }
            for domain, sender in senders.items()
            if domain not in retired
        },
    )


__all__ = ["PROJECT_FOLDER", "as_seen_here", "main", "stack_config"]
