"""SenderDomain as the `dms` package serves it: its typed inputs become the Python API's SenderDomainArgs.

The class is the Python API's SenderDomain (same type token, same rules, same children); only its
arguments differ, and messages name the keys as a YAML or TypeScript program writes them
(`dns.rfc2136.tsigKeyFile`). No `from __future__ import annotations`: the schema analyzer reads
the output annotations below as types.
"""

from collections.abc import Mapping
from enum import Enum
from typing import Any

import pulumi

from dms_component import args as python_api
from dms_component import component
from dms_component.core.errors import ConfigError
from dms_component.core.naming import PACKAGE, Front
from dms_component.outputs import DkimKeyOutput, ItemOutput, RecordOutput
from dms_component.package.types import SenderDomainArgs
from dms_component.providers.adapters.dns import TARGETS
from dms_component.providers.adapters.ledger import SETTINGS
from dms_component.providers.adapters.ledger.sqlite import SqliteLedgerArgs


class SenderDomain(component.SenderDomain):
    """A sender domain of Tencent Cloud's email service, taken to Verified: its ledger entry and DKIM key, its
    SPF, DKIM, DMARC and MX records, and their verification. At most `quota` verified domains per account,
    and a verified domain is never deleted: its verification is protected, and its records and identity can't go
    before it, so `pulumi destroy` stops at preview."""

    domain: pulumi.Output[str]
    """The sender domain, normalised (lower case, no trailing dot, IDNA)."""
    mail_type: pulumi.Output[str]
    """triggered or batch."""
    status: pulumi.Output[str]
    """Verified, or Pending verification (the items say what is missing)."""
    items: pulumi.Output[list[ItemOutput]]
    """Per item the service checks (SPF, DKIM, DMARC, MX): what it expects and what DNS serves."""
    records: pulumi.Output[list[RecordOutput]]
    """The record sets to publish, in the form another DNS provider's record resource takes."""
    dkim_selector: pulumi.Output[str]
    """The active DKIM key's selector: sign with it as s=."""
    dkim_public_key: pulumi.Output[str]
    """The active DKIM public key (base64), as published in the DKIM record."""
    dkim_private_key: pulumi.Output[str]
    """The active DKIM private key (PEM); a Pulumi secret, encrypted in state."""
    dkim_keys: pulumi.Output[list[DkimKeyOutput]]
    """The DKIM keys this stack holds (sqlite, dynamodb ledgers): active, pending and retiring, with since when and,
    for a retiring key, when its record may go."""
    smtp_passwords: pulumi.Output[dict[str, str]]
    """Each sender address's SMTP password, given or generated (address -> password); a Pulumi secret."""

    def __init__(self, name: str, args: SenderDomainArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        try:
            python_args, front = converted(name, args)
        except ConfigError as exc:
            raise pulumi.RunError(f"invalid sender domain: SenderDomain {name}: {exc}") from None
        super().__init__(name, python_args, opts, front=front)


def converted(name: str, args: Mapping[str, Any]) -> tuple[python_api.SenderDomainArgs, Front]:
    """The Python API's args for the package's inputs (Python field names, as the SDK maps them), and the Front
    that names every key as a YAML or TypeScript program writes it (`dns.rfc2136.tsigKeyFile`)."""
    values = {k: _plain(v) for k, v in args.items()}
    dns_kind, dns = _one_of(values.pop("dns", None), tuple(TARGETS), "dns")
    ledger_kind, ledger = _one_of(values.pop("ledger", None), tuple(SETTINGS), "ledger", SqliteLedgerArgs.kind)
    target = TARGETS[dns_kind]
    credential = target.credential_field
    if credential and isinstance(dns.get(credential), pulumi.Output):
        # The component keeps the credential a secret itself (it travels only as Output.secret, as from
        # stack config); a secret-tainted target would make everything derived from it, the domain and
        # the records included, a secret in state and in the outputs.
        dns[credential] = pulumi.Output.unsecret(dns[credential])
    nested: dict[str, Any] = {
        "dns": target(**dns),
        "verification": python_api.VerificationArgs(**values.pop("verification", {})),
        "checks": python_api.ChecksArgs(**values.pop("checks", {})),
        "ledger": SETTINGS[ledger_kind](**ledger),
    }
    if isinstance(values.get("senders"), list):
        values["senders"] = [python_api.SenderAddressArgs(**dict(s)) for s in values["senders"]]
    python_args = python_api.SenderDomainArgs(**values, **nested)
    return python_args, python_api.front_for(PACKAGE, name, python_args)


def _one_of(
    value: Mapping[str, Any] | None, kinds: tuple[str, ...], key: str, default: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The one kind a union object names (`{rfc2136: {...}}`) and its fields; `default` when it names none."""
    given = [k for k in kinds if (value or {}).get(k) is not None]
    if not given and default:
        return default, {}
    if len(given) != 1:
        found = f"; found {', '.join(given)}" if given else ""
        raise ConfigError(key, f"give exactly one of {', '.join(kinds)}{found}")
    return given[0], dict((value or {})[given[0]])


def _plain(value: Any) -> Any:
    """The SDK hands enum inputs over as the Enum, and numbers in objects as floats (2.0): the Python API
    takes the enum's string and whole numbers as ints."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


__all__ = ["SenderDomain", "converted"]
