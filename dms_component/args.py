"""SenderDomainArgs: what a program says about one sender domain, as `pulumi.Input`s.

Stack config (`dms:*`, see config.py) is one producer of these args; a user's own program is another.
Values may be Outputs of other resources (a zone made in the same program, a name from elsewhere):
they are checked once known, with the same one-line messages as stack config, naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import pulumi

from dms_component.core import validate
from dms_component.core.errors import ConfigError
from dms_component.core.names import is_subdomain, normalise_domain, normalise_selector
from dms_component.core.records import DMARC_POLICIES, MAIL_TYPES, PROFILES, Profile, profile_named
from dms_component.core.rules import CHECK_DEFAULTS, SEVERITIES
from dms_component.outputs import ItemOutput, RecordOutput
from dms_component.providers.adapters.dns.base import DnsTarget
from dms_component.providers.adapters.ledger.base import LedgerSettings
from dms_component.providers.adapters.ledger.sqlite import SqliteLedgerArgs

DKIM_KEY_BITS = (1024, 2048)  # what the service's DKIMOption offers
DEFAULT_TIMEOUT = 600.0  # the service says changes take 1 to 10 minutes


@dataclass(frozen=True)
class VerificationArgs:
    """How the records are checked. `nameservers`: ask these servers instead of the DNS host's primary
    and the zone's public NS set (or, for hosts without a primary, the zone's authoritative servers);
    `nameserver`: the same for one server. `timeout`: seconds to keep checking."""

    nameserver: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    nameservers: list[str] | None = None

    def validated(self, name: validate.Namer) -> VerificationArgs:
        nameserver = None if self.nameserver is None else validate.nameserver(self.nameserver, name("nameserver"))
        nameservers = None
        if self.nameservers is not None:
            if nameserver is not None:
                raise ConfigError(name("nameservers"), f"give either it or {name('nameserver')}, not both")
            if not isinstance(self.nameservers, list | tuple) or not self.nameservers:
                raise ConfigError(name("nameservers"), "must be a non-empty list of HOST[:PORT]")
            nameservers = [
                validate.nameserver(s, f"{name('nameservers')}[{i}]") for i, s in enumerate(self.nameservers)
            ]
        return VerificationArgs(nameserver, validate.seconds(self.timeout, name("timeout"), 7200), nameservers)

    def servers(self) -> list[str]:
        """The servers the user named (validated), in place of the default ones; empty: none named."""
        return list(self.nameservers or ([self.nameserver] if self.nameserver else []))


@dataclass(frozen=True)
class ChecksArgs:
    """The service guide's recommendations, each error | warn | off (see docs/rules.md)."""

    subdomain: str = CHECK_DEFAULTS["subdomain"]
    type_separation: str = CHECK_DEFAULTS["typeSeparation"]
    existing_email_dns: str = CHECK_DEFAULTS["existingEmailDns"]

    def validated(self, name: validate.Namer) -> ChecksArgs:
        for check in ("subdomain", "type_separation", "existing_email_dns"):
            validate.text(getattr(self, check), name(check), SEVERITIES)
        return self


@dataclass(frozen=True)
class SenderDomainArgs:
    """One sender domain.

    - `domain`: the sender domain, e.g. notify.example.com (normalised: case, trailing dot, IDNA).
    - `type`: triggered | batch.
    - `dns`: where the records go: Rfc2136Dns, Route53Dns, DnspodDns, or ExternalDns to publish them
      through any other Pulumi DNS provider.
    - `ledger`: the account's ledger (default: SQLite in .state/ledger.sqlite); its values must be plain,
      because the program reads it to apply the quota and the no-delete rule at preview.
    - `dmarc_policy`: none (default) | quarantine | reject.  `dkim_selector`: default the profile's (qcloud).
    - `dkim_key_bits`: 2048 (default) | 1024; the key is made once and kept.
    - `adopt`: take over email records at our names that this stack did not write.
    - `retire`: stop managing the domain: lift its protection and let Pulumi forget its resources once
      it leaves the program, deleting nothing (records and ledger row stay). Must be a plain bool.
    """

    domain: pulumi.Input[str]
    type: pulumi.Input[str]
    dns: DnsTarget
    ledger: LedgerSettings = field(default_factory=SqliteLedgerArgs)
    dmarc_policy: pulumi.Input[str] | None = None
    dkim_selector: pulumi.Input[str] | None = None
    dkim_key_bits: pulumi.Input[int] = 2048
    adopt: pulumi.Input[bool] = False
    retire: bool = False
    verification: VerificationArgs = field(default_factory=VerificationArgs)
    checks: ChecksArgs = field(default_factory=ChecksArgs)
    profile: str = "tencent-ses"


@dataclass(frozen=True)
class DomainSpec:
    """A sender domain's own values, checked (the resolved form of SenderDomainArgs' inputs)."""

    domain: str
    mail_type: str
    dmarc_policy: str | None
    dkim_selector: str | None
    dkim_key_bits: int
    adopt: bool = False


# Field -> stack config key under dms:domains[i], for messages about values that came from config.
SPEC_KEYS = {"type": "type", "dmarc_policy": "dmarcPolicy", "dkim_selector": "dkimSelector"}
SPEC_KEYS.update({"dkim_key_bits": "dkimKeyBits", "adopt": "adopt", "retire": "retire", "domain": "domain"})


def check_spec(
    values: Mapping[str, Any], zone: str, name: validate.Namer, zone_key: str = "the DNS zone"
) -> DomainSpec:
    """The domain's values (plain by now), checked; the domain must lie inside the DNS target's zone."""
    domain = normalise_domain(values.get("domain"), name("domain"))
    mail_type = validate.text(values.get("type"), name("type"), MAIL_TYPES)
    policy = values.get("dmarc_policy")
    if policy is not None:
        policy = validate.text(policy, name("dmarc_policy"), DMARC_POLICIES)
    selector = values.get("dkim_selector")
    if selector is not None:
        selector = normalise_selector(selector, name("dkim_selector"))
    bits = values.get("dkim_key_bits", 2048)
    if not isinstance(bits, int) or isinstance(bits, bool) or bits not in DKIM_KEY_BITS:
        raise ConfigError(name("dkim_key_bits"), f"{validate.shown(bits)} is not allowed; allowed: 1024, 2048")
    adopt = validate.flag(values.get("adopt", False), name("adopt"))
    if not is_subdomain(domain, zone):
        raise ConfigError(name("domain"), f"{domain} is not inside {zone_key} {zone}")
    return DomainSpec(domain, mail_type, policy, selector, bits, adopt)


def check_profile(value: Any, name: validate.Namer) -> Profile:
    return profile_named(validate.text(value, name("profile"), PROFILES), name("profile"))


def is_plain(value: Any) -> bool:
    """Known now: not an Output or another awaitable (the program can decide with it at once)."""
    return not isinstance(value, pulumi.Output) and not hasattr(value, "__await__")


def plain_fields(target: Any) -> dict[str, Any]:
    return {f.name: getattr(target, f.name) for f in fields(target)}


def resolved(target: Any, name: validate.Namer) -> Any:
    """A settings dataclass whose fields may be Inputs: checked now when all are plain, else once known."""
    values = plain_fields(target)
    if all(is_plain(v) for v in values.values()):
        return target.validated(name)
    return pulumi.Output.all(**values).apply(lambda v: run_checked(lambda: replace(target, **v).validated(name)))


def run_checked(check: Any) -> Any:
    """Inside an apply: a user's mistake becomes one line (pulumi.RunError), not a traceback."""
    try:
        return check()
    except ConfigError as exc:
        raise pulumi.RunError(f"invalid sender domain: {exc}") from None


__all__ = [
    "DKIM_KEY_BITS",
    "ChecksArgs",
    "DomainSpec",
    "ItemOutput",
    "RecordOutput",
    "SenderDomainArgs",
    "VerificationArgs",
]
