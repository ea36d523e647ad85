"""Stack configuration: the `dms:*` keys as SenderDomainArgs, one entry of `dms:domains` at a time.

Stack config is one front end of the component: this module checks only its shape (maps, lists, a key
that belongs to another host or ledger, a typo) and turns each entry into SenderDomainArgs with a Front
that names keys as `dms:` keys. Every value is then checked by the one normaliser (args.normalise), at
preview, before anything is written; so is every rule, by the component (args, account).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from dms_component.args import (
    SPEC_FIELDS,
    ChecksArgs,
    DomainSpec,
    Normalised,
    SenderAddressArgs,
    SenderDomainArgs,
    VerificationArgs,
    front_for,
    normalise,
)
from dms_component.core import validate
from dms_component.core.errors import ConfigError
from dms_component.core.naming import STACK, Front, camel
from dms_component.core.records import PROFILES, Profile, profile_named
from dms_component.core.rules import CHECK_DEFAULTS, ERROR, WARN, declared_twice
from dms_component.providers.adapters.dns import HOSTS, DnsTarget, target_class
from dms_component.providers.adapters.ledger import BACKENDS, LedgerSettings, settings_class
from dms_component.providers.adapters.settings import Settings

_DOMAIN_KEYS = {camel(f): f for f in (*SPEC_FIELDS, "retire", "senders")}
_SENDER_KEYS = {camel(f.name): f.name for f in fields(SenderAddressArgs)}
_CHECK_KEYS = {camel(f): f for f in CHECK_DEFAULTS}
_VERIFICATION_KEYS = {camel(f): f for f in ("nameserver", "nameservers", "timeout")}


@dataclass(frozen=True)
class Entry:
    """One entry of dms:domains: the component's args, how messages name its keys, and its checked values."""

    args: SenderDomainArgs
    front: Front
    spec: DomainSpec

    @property
    def retired(self) -> bool:
        return self.args.retire


@dataclass(frozen=True)
class StackSettings:
    """The stack's sender domains and what they share, checked (also what the `dms` CLI reads from config)."""

    entries: tuple[Entry, ...]  # the managed ones and the retired ones (their records and ledger row stay)
    profile: Profile
    dns: DnsTarget
    ledger: LedgerSettings
    verification: VerificationArgs
    warnings: tuple[str, ...] = field(default=())  # findings of checks set to `warn`, printed at preview

    @property
    def domains(self) -> tuple[DomainSpec, ...]:
        """The managed domains' checked values, in the order of dms:domains."""
        return tuple(e.spec for e in self.entries if not e.retired)

    @property
    def retired(self) -> tuple[DomainSpec, ...]:
        return tuple(e.spec for e in self.entries if e.retired)


def parse_stack_config(raw: Mapping[str, Any], aws: Mapping[str, Any] | None = None) -> StackSettings:
    """`raw` maps the keys under `dms:` (without the prefix) to their parsed YAML values.

    `aws` holds the stack's `aws:profile` and `aws:region`, the keys AWS users already set (for Route53).
    """
    profile = _profile(raw.get("profile", "tencent-ses"))
    dns = _adapter("dms:dns", raw.get("dns"), "provider", HOSTS, target_class, aws, required=True)
    ledger = _adapter("dms:ledger", raw.get("ledger"), "backend", BACKENDS, settings_class, aws, default="sqlite")
    verification = VerificationArgs(**_fields("dms:verification", raw.get("verification"), _VERIFICATION_KEYS))
    checks = ChecksArgs(**_fields("dms:checks", raw.get("checks"), _CHECK_KEYS))
    entries, warnings, first = _entries(raw.get("domains"), dns, ledger, verification, checks, profile.name)
    if first is None:  # no entry to check the shared settings with: check them on their own
        front = Front(STACK, "", dns.kind, ledger.kind)
        dns, ledger = dns.validated(front.namer("dns")), ledger.validated(front.namer("ledger"))
        verification = verification.validated(front.namer("verification"))
        checks.validated(front.namer("checks"))
    else:
        dns, ledger, verification, profile = first.dns, first.ledger, first.verification, first.profile
    return StackSettings(tuple(entries), profile, dns, ledger, verification, tuple(warnings))


def _profile(name: Any) -> Profile:
    return profile_named(validate.text(name, "dms:profile", PROFILES), "dms:profile")


def _fields(key: str, value: Any, keys: Mapping[str, str]) -> dict[str, Any]:
    """A map of config keys as the fields they name."""
    value = validate.mapping(value if value is not None else {}, key, set(keys))
    return {keys[k]: v for k, v in value.items()}


def _adapter(
    key: str,
    value: Any,
    kind_key: str,
    kinds: Sequence[str],
    of: Any,
    aws: Mapping[str, Any] | None,
    *,
    required: bool = False,
    default: str | None = None,
) -> Any:
    """A host's or a ledger's map: its kind, then only that kind's keys (a key of another kind says which)."""
    if value is None and required:
        example = "{provider: rfc2136, server: ns1.example.com:53, zone: example.com}"
        raise ConfigError(key, f"missing: say where records go, e.g. {example}")
    value = value if value is not None else {}
    shapes = {kind: of(kind).config_shape() for kind in kinds}
    if not isinstance(value, Mapping):
        validate.mapping(value, key, set().union(*(shape[""] for shape in shapes.values())))  # raises: not a map
    kind = validate.text(value.get(kind_key, default or "rfc2136"), f"{key}.{kind_key}", kinds)
    for name in sorted(set(value) - shapes[kind][""], key=str):
        owners = [other for other in kinds if name in shapes[other][""]]
        if owners:
            only = f"is only for {kind_key} {', '.join(owners)}"
            raise ConfigError(f"{key}.{name}", f"{only}; {key}.{kind_key} is {kind}")
    validate.mapping(value, key, shapes[kind][""])
    for nested, allowed in shapes[kind].items():
        if nested and value.get(nested) is not None:
            validate.mapping(value[nested], f"{key}.{nested}", allowed)
    cls: type[Settings] = of(kind)
    other = {f"aws:{k}": v for k, v in (aws or {}).items()}
    return cls.from_config(value, other)


def _entries(
    value: Any,
    dns: DnsTarget,
    ledger: LedgerSettings,
    verification: VerificationArgs,
    checks: ChecksArgs,
    profile: str,
) -> tuple[list[Entry], list[str], Normalised | None]:
    """Each entry checked by the one normaliser (its values named as dms: keys), and the first one normalised:
    what every entry shares (host, ledger, verification) is checked there."""
    key = "dms:domains"
    if value is None:
        raise ConfigError(key, "missing: list the sender domains, e.g. [{domain: notify.example.com, type: triggered}]")
    if not isinstance(value, list):
        raise ConfigError(key, "expected a list of {domain, type} entries")
    entries: list[Entry] = []
    warnings: list[str] = []
    seen: dict[str, Entry] = {}
    first_normalised = None
    for i, item in enumerate(value):
        at = f"{key}[{i}]"
        given = _fields(at, item, _DOMAIN_KEYS)
        if "senders" in given:
            given["senders"] = _senders(f"{at}.senders", given["senders"])
        args = SenderDomainArgs(
            **{"type": None, "domain": None, **given},
            dns=dns,
            ledger=ledger,
            verification=verification,
            checks=checks,
            profile=profile,
        )
        front = front_for(STACK, at, args)
        normalised = normalise(args, front)  # every value checked, named as a dms: key
        first_normalised = first_normalised or normalised
        spec = normalised.spec
        assert isinstance(spec, DomainSpec)  # stack config's values are plain: checked now
        entry = Entry(args, front, spec)
        first = seen.get(spec.domain)
        if first is None:
            seen[spec.domain] = entry
            entries.append(entry)
            continue
        found = declared_twice(spec.domain, first.spec.mail_type, spec.mail_type, checks.type_separation)
        if found.code != "rules.type-separation" or entry.retired or first.retired or found.severity == ERROR:
            raise ConfigError(f"{at}.domain", found.line())
        # typeSeparation is warn or off: one domain has one identity and one ledger row, so it is managed
        # once, with the type of its first entry.
        if found.severity == WARN:
            warnings.append(f"{at}.type: {found.message}; managed once, as {first.spec.mail_type} [{found.code}]")
    return entries, warnings, first_normalised


def _senders(key: str, value: Any) -> list[SenderAddressArgs] | None:
    """An entry's `senders`: a list of maps of SenderAddressArgs' keys (each value is checked by the component).
    A password set with `pulumi config set --secret --path` arrives decrypted; the component keeps it a secret."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise ConfigError(key, "expected a list of {address, senderName, ...} entries")
    return [SenderAddressArgs(**{"address": None, "sender_name": None, **_fields(f"{key}[{i}]", item, _SENDER_KEYS)})
            for i, item in enumerate(value)]  # fmt: skip


__all__ = ["Entry", "StackSettings", "parse_stack_config"]
