"""SenderDomainArgs: what a program says about one sender domain, as `pulumi.Input`s, and the one normaliser.

The one definition of SenderDomain's inputs: these classes and each host's and ledger's settings class, with a
description under every field (the `dms` package's schema types are generated from them). Every front end
(a Python program, stack config through config.py, the package through package/component.py) sends its args
through `normalise`, with a Front that says how it names the keys (core/naming.py). Values may be Outputs of
other resources: they are checked once known, with the same one-line messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import pulumi

from dms_component.core import validate
from dms_component.core.dmarc import POLICIES as DMARC_POLICIES
from dms_component.core.dmarc import DmarcPolicy
from dms_component.core.domain_names import is_subdomain, normalise_domain, normalise_selector
from dms_component.core.errors import ConfigError
from dms_component.core.naming import Front
from dms_component.core.records import MAIL_TYPES, PROFILES, MailType, Profile, profile_named
from dms_component.core.rules import CHECK_DEFAULTS, SEVERITIES, Severity
from dms_component.outputs import DkimKeyOutput, ItemOutput, RecordOutput
from dms_component.providers.adapters.dns import TARGETS, DnsTarget
from dms_component.providers.adapters.ledger import SETTINGS as LEDGERS
from dms_component.providers.adapters.ledger import LedgerSettings
from dms_component.providers.adapters.ledger.sqlite import SqliteLedgerArgs
from dms_component.providers.adapters.settings import given
from dms_component.providers.resources.context import LedgerContext

DKIM_KEY_BITS = (1024, 2048)  # what the service's DKIMOption offers
DEFAULT_TIMEOUT = 600.0  # the service says changes take 1 to 10 minutes


@dataclass(frozen=True)
class VerificationArgs:
    """How the records are checked once written."""

    nameserver: str | None = None
    """Ask this server, HOST[:PORT], instead of the DNS host's primary (or the zone's authoritative servers)."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds to keep checking before the domain stays pending (default 600, at most 7200)."""
    nameservers: list[str] | None = None
    """Ask these servers, each HOST[:PORT], instead of the DNS host's primary and the zone's public NS set (or, for
    hosts without a primary, the zone's authoritative servers); nameserver is the same for one server."""

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
    """The service guide's recommendations (docs/rules.md)."""

    subdomain: Severity = CHECK_DEFAULTS["subdomain"]
    """Send from a subdomain (notify.example.com), not the organisation's own domain (default warn)."""
    type_separation: Severity = CHECK_DEFAULTS["type_separation"]
    """Triggered and batch mail on different domains (default error)."""
    existing_email_dns: Severity = CHECK_DEFAULTS["existing_email_dns"]
    """Email records at our names that this stack did not write: read and planned at preview (default error)."""

    def validated(self, name: validate.Namer) -> ChecksArgs:
        for check in CHECK_DEFAULTS:
            validate.text(getattr(self, check), name(check), SEVERITIES)
        return self


@dataclass(frozen=True)
class SenderAddressArgs:
    """One sender address of the domain (the service's CreateEmailAddress), made once the domain is verified."""

    address: str
    """The local part (noreply) or the whole address (noreply@notify.example.com), exactly at this sender domain;
    plain: it names the address's resource."""
    sender_name: pulumi.Input[str]
    """The name recipients see (EmailSenderName); the service can't rename, so a new one replaces the address."""
    password: pulumi.Input[str] | None = None
    """The address's SMTP password, a secret: 10 to 20 characters with two different digits, a lower-case and an
    upper-case letter; changing it sets the new one (default: none, unless one is generated)."""
    generate_password: bool = False
    """Make an SMTP password that meets the service's rule, kept as a secret in the SMTP passwords output."""
    unsubscribe: pulumi.Input[str] | None = None
    """Batch mail's one-click unsubscribe link: none, or its language (en, zh-CN, zh-TW, es, fr, de, ja, ko, ar,
    th); default en for a batch domain, none for a triggered one."""


@dataclass(frozen=True)
class SenderDomainArgs:
    """One sender domain: its name and type, where its records go, and the account's ledger.

    Every field may be a `pulumi.Input` but `dns` (the host's settings may be), `ledger` and `retire`,
    which must be plain: the program reads the ledger, and `retire` and the host decide which resources
    are declared.
    """

    domain: pulumi.Input[str]
    """The sender domain, e.g. notify.example.com (normalised: case, trailing dot, IDNA); inside the DNS zone."""
    type: pulumi.Input[MailType]
    """triggered (transactional) or batch (marketing)."""
    dns: DnsTarget
    """Where the records go: one DNS host's settings, or external to publish them through another provider."""
    ledger: LedgerSettings = field(default_factory=SqliteLedgerArgs)
    """The account's ledger (default: SQLite in .state/ledger.sqlite of the project folder)."""
    dmarc_policy: pulumi.Input[DmarcPolicy] | None = None
    """The DMARC policy published at _dmarc.<domain> (default none)."""
    dkim_selector: pulumi.Input[str] | None = None
    """The DKIM selector (default the profile's: qcloud)."""
    dkim_key_bits: pulumi.Input[int] = 2048
    """The DKIM key's size, 2048 (default) or 1024; a new value on a domain that exists rotates its key to it."""
    dkim_rotation: pulumi.Input[str] | None = None
    """Any new value (e.g. 2027-01) starts a DKIM key rotation: a new key at a new selector, active once it verifies;
    the old one stays published for dkim_overlap_days (sqlite and dynamodb ledgers)."""
    dkim_max_key_age_days: pulumi.Input[int] | None = None
    """Rotate the DKIM key at the first `pulumi up` after it is this many days old (default: never; M3AAWG: 180)."""
    dkim_overlap_days: pulumi.Input[int] = 7
    """Days a replaced DKIM key stays published after its successor becomes active (default 7, at least 1)."""
    adopt: pulumi.Input[bool] = False
    """Take over email records at our names that this stack did not write (default false)."""
    retire: bool = False
    """Stop managing the domain: lift its protection and let Pulumi forget it, deleting nothing (default false)."""
    verification: VerificationArgs = field(default_factory=VerificationArgs)
    """How the records are checked."""
    checks: ChecksArgs = field(default_factory=ChecksArgs)
    """The service guide's recommendations, each error, warn or off."""
    profile: str = "tencent-ses"
    """The service profile: tencent-ses (default)."""
    senders: list[SenderAddressArgs] | None = None
    """The domain's sender addresses, made in the `pulumi up` that verifies it; a plain list (default none)."""


@dataclass(frozen=True)
class DomainSpec:
    """A sender domain's own values, checked (the resolved form of SenderDomainArgs' inputs)."""

    domain: str
    mail_type: str
    dmarc_policy: str | None
    dkim_selector: str | None
    dkim_key_bits: int
    adopt: bool = False
    dkim_rotation: str | None = None
    dkim_max_key_age_days: int | None = None
    dkim_overlap_days: int = 7


def check_spec(values: Mapping[str, Any], zone: str, name: validate.Namer) -> DomainSpec:
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
        raise ConfigError(name("domain"), f"{domain} is not inside {name('dns.zone')} {zone}")
    return DomainSpec(domain, mail_type, policy, selector, bits, adopt, *check_rotation(values, name))


ROTATION_INPUT = "dkim.rotation-input"  # the code of a bad DKIM rotation input


def check_rotation(values: Mapping[str, Any], name: validate.Namer) -> tuple[str | None, int | None, int]:
    """The DKIM rotation's inputs: a rotation label, a maximum key age and an overlap, in days."""
    try:
        return _rotation_values(values, name)
    except ConfigError as exc:
        raise ConfigError(exc.key, f"{exc.problem} [{ROTATION_INPUT}]", code=ROTATION_INPUT) from None


def _rotation_values(values: Mapping[str, Any], name: validate.Namer) -> tuple[str | None, int | None, int]:
    rotation = values.get("dkim_rotation")
    if rotation is not None and (not isinstance(rotation, str) or not rotation.strip() or len(rotation) > 64):
        raise ConfigError(name("dkim_rotation"), "use a non-empty label of at most 64 characters, e.g. 2027-01")
    max_age = values.get("dkim_max_key_age_days")
    if max_age is not None:
        max_age = validate.whole(max_age, name("dkim_max_key_age_days"), 1, 3650, " of days")
    overlap = values.get("dkim_overlap_days")
    overlap = 7 if overlap is None else validate.whole(overlap, name("dkim_overlap_days"), 1, 365, " of days")
    return rotation, max_age, overlap


# A DomainSpec's fields, as SenderDomainArgs names them.
SPEC_FIELDS = (
    "domain",
    "type",
    "dmarc_policy",
    "dkim_selector",
    "dkim_key_bits",
    "adopt",
    "dkim_rotation",
    "dkim_max_key_age_days",
    "dkim_overlap_days",
)


def front_for(style: str, where: str, args: SenderDomainArgs) -> Front:
    """How the program that wrote `args` names their settings (core/naming.py)."""
    keys: dict[str, str] = {}
    kinds = []
    for section, settings in (("dns", args.dns), ("ledger", args.ledger)):
        cls = type(settings) if isinstance(settings, DnsTarget | LedgerSettings) else None
        kinds.append(cls.kind if cls else "")
        keys.update({f"{section}.{f}": key for f, key in (cls.config_keys if cls else {}).items()})
    return Front(style, where, kinds[0], kinds[1], keys)


Servers = tuple[list[str], str | None]  # the servers a verification asks, and the zone whose NS set it asks too


@dataclass(frozen=True)
class Normalised:
    """SenderDomainArgs read once: everything a SenderDomain needs, checked. Every value known now is plain and
    valid; `dns`, `spec`, `domain` and `servers` are Outputs when they depend on values known later (checked
    then, with the same messages). Nothing here is an Output unless the program gave one, so stack config and
    the `dms` commands normalise outside a Pulumi run."""

    front: Front  # how the program names its keys, for every message
    profile: Profile
    checks: ChecksArgs
    ledger: LedgerSettings  # plain: the program reads the ledger before declaring anything
    dns: DnsTarget | pulumi.Output[DnsTarget]
    writes_records: bool  # False: another Pulumi provider publishes the records (ExternalDns)
    verification: VerificationArgs
    retire: bool
    spec: DomainSpec | pulumi.Output[DomainSpec]
    domain: str | pulumi.Output[str]  # the spec's domain
    known_domain: str | None  # the domain, normalised, when the program gives it plainly (else None)
    servers: Servers | pulumi.Output[Servers]  # what a verification asks (DnsTarget.verified_at)
    context: LedgerContext  # what every child resource carries: the ledger, its credential, the program's words


def _refuse_rotation_inputs(args: SenderDomainArgs, name: validate.Namer) -> None:
    """The service holds the key (tencent): an input that would start a rotation of ours would do nothing."""
    for key in ("dkim_rotation", "dkim_max_key_age_days"):
        if getattr(args, key) is not None:
            raise ConfigError(
                name(key),
                "with the tencent ledger the service holds the DKIM key and the stack never rotates it: drop it"
                f" (a new {name('dkim_key_bits')} changes the key's length in place) [{ROTATION_INPUT}]",
                code=ROTATION_INPUT,
            )


def normalise(args: SenderDomainArgs, front: Front) -> Normalised:
    """The one way in for every front end (a Python program, stack config, the `dms` package): each mistake is
    one ConfigError naming the key as that front end writes it, before anything is written."""
    name = front.namer()
    profile = profile_named(validate.text(args.profile, name("profile"), PROFILES), name("profile"))
    checks = args.checks.validated(front.namer("checks"))
    verification = args.verification.validated(front.namer("verification"))
    retire = validate.flag(args.retire, name("retire"))
    ledger, dns = _where(args, front)
    if ledger.decides_records:
        _refuse_rotation_inputs(args, name)
    values = {f: getattr(args, f) for f in SPEC_FIELDS}
    if all(is_plain(v) for v in values.values()) and isinstance(dns, DnsTarget):
        plain = check_spec(values, given(dns.zone, "zone"), name)  # checked now: fails at once
        spec: DomainSpec | pulumi.Output[DomainSpec] = plain
        domain: str | pulumi.Output[str] = plain.domain
        known: str | None = plain.domain
        servers: Servers | pulumi.Output[Servers] = dns.verified_at(verification.servers())
    else:
        # The domain may be known now while other values come later: the ledger says now whether it is verified.
        known = normalise_domain(args.domain, name("domain")) if is_plain(args.domain) else None
        late: pulumi.Output[DomainSpec] = pulumi.Output.all(
            pulumi.Output.from_input(dns), pulumi.Output.all(**values)
        ).apply(lambda v: run_checked(lambda: check_spec(v[1], v[0].zone, name), front))
        spec, domain = late, late.apply(lambda s: s.domain)
        servers = pulumi.Output.from_input(dns).apply(lambda t: t.verified_at(verification.servers()))
    context = LedgerContext(ledger.state(), ledger.credential(), front.to_dict())
    writes = type(args.dns).writes_records
    return Normalised(
        front, profile, checks, ledger, dns, writes, verification, retire, spec, domain, known, servers, context
    )


def _where(args: SenderDomainArgs, front: Front) -> tuple[LedgerSettings, DnsTarget | pulumi.Output[DnsTarget]]:
    """The ledger, checked now (the program reads it before declaring anything: quota, protection), and the DNS
    host, a DnsTarget checked now when its values are plain, else an Output of one checked once they are known.
    Each is checked by its own class, its fields named as the program writes them."""
    ledger, target = args.ledger, args.dns
    if not isinstance(ledger, LedgerSettings):
        allowed = ", ".join(c.__name__ for c in LEDGERS.values())
        raise ConfigError(front.name("ledger.backend"), f"expected one of {allowed}")
    if not all(is_plain(v) for v in plain_fields(ledger).values()):
        raise ConfigError(front.name("ledger.backend"), "the ledger settings must be plain values, not Outputs")
    ledger = ledger.validated(front.namer("ledger"))
    if not isinstance(target, DnsTarget):
        hosts = ", ".join(c.__name__ for c in TARGETS.values())
        raise ConfigError(front.name("dns.provider"), f"expected one of {hosts}")
    name, values = front.namer("dns"), plain_fields(target)
    if all(is_plain(v) for v in values.values()):
        return ledger, target.validated(name)
    host = target  # (typed as a DnsTarget inside the lambda)
    return ledger, pulumi.Output.all(**values).apply(
        lambda v: run_checked(lambda: replace(host, **v).validated(name), front)
    )


def is_plain(value: Any) -> bool:
    """Known now: not an Output or another awaitable (the program can decide with it at once)."""
    return not isinstance(value, pulumi.Output) and not hasattr(value, "__await__")


def plain_fields(target: Any) -> dict[str, Any]:
    return {f.name: getattr(target, f.name) for f in fields(target)}


def run_checked(check: Any, front: Front) -> Any:
    """Inside an apply: a user's mistake becomes one line (pulumi.RunError), not a traceback."""
    try:
        return check()
    except ConfigError as exc:
        raise pulumi.RunError(f"invalid sender domain: {front.at(exc.worded(front.name))}") from None


__all__ = [
    "DKIM_KEY_BITS",
    "SPEC_FIELDS",
    "ChecksArgs",
    "DkimKeyOutput",
    "DomainSpec",
    "ItemOutput",
    "Normalised",
    "RecordOutput",
    "SenderAddressArgs",
    "SenderDomainArgs",
    "VerificationArgs",
    "front_for",
    "normalise",
]
