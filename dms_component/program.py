"""The stack program: read `dms:*` config, create one SenderDomain per entry, export statuses."""

from __future__ import annotations

from typing import Any

import pulumi

from dms_component.component import SenderDomain
from dms_component.config import parse_stack_config
from dms_component.errors import ConfigError

_KEYS = ("profile", "domains", "dns", "ledger", "verification")


def main() -> None:
    config = pulumi.Config("dms")
    try:
        raw: dict[str, Any] = {}
        for key in _KEYS:
            try:
                value = config.get_object(key)
            except pulumi.config.ConfigTypeError:
                raise ConfigError(f"dms:{key}", "is not valid YAML/JSON") from None
            if value is not None:
                raw[key] = value
        settings = parse_stack_config(raw)
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
