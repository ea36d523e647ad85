"""The stack program: read `dms:*` config, create one SenderDomain per entry, export statuses."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from dms_component.component import SenderDomain
from dms_component.config import parse_stack_config
from dms_component.errors import ConfigError
from providers.dns.rfc2136 import TsigKey

_KEYS = ("profile", "domains", "dns", "ledger", "verification")


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


def main() -> None:
    try:
        settings = parse_stack_config(stack_config())
        if settings.dns.tsig_key_file:
            TsigKey.from_key_file(settings.dns.tsig_key_file)  # a missing or bad key file fails at preview
    except ConfigError as exc:
        # RunError prints one line, no traceback, and stops before anything is written.
        raise pulumi.RunError(f"invalid stack config: {exc}") from None

    statuses: dict[str, Any] = {}
    for spec in settings.domains:
        sender = SenderDomain(
            spec.domain,  # the normalised name: unique, and what a user looks for
            spec,
            dns=settings.dns,
            ledger=settings.ledger,
            verification=settings.verification,
            profile=settings.profile,
        )
        statuses[spec.domain] = {
            "type": spec.mail_type,
            "status": sender.status,
            "items": sender.items,
        }
    pulumi.export("domains", statuses)
