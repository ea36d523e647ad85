"""Stack configuration: validate the `dms:*` keys into plain settings, one clear error per mistake.

This runs in the Pulumi program, so every mistake is reported at preview, before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from dms_component.args import (
    DEFAULT_TIMEOUT,
    SPEC_KEYS,
    ChecksArgs,
    DomainSpec,
    SenderDomainArgs,
    VerificationArgs,
    check_spec,
)
from dms_component.core import validate
from dms_component.core.errors import ConfigError
from dms_component.core.records import PROFILES, Profile, profile_named
from dms_component.core.rules import CHECK_DEFAULTS, ERROR, SEVERITIES, WARN, subdomain_problem, type_separation_problem
from dms_component.providers.adapters.dns import HOSTS, DnsTarget, target_class
from dms_component.providers.adapters.ledger import BACKENDS, LedgerSettings, settings_class

DNS_PROVIDERS = HOSTS
LEDGER_BACKENDS = BACKENDS
Checks = ChecksArgs  # the names tests and older programs use
VerificationSettings = VerificationArgs

_DOMAIN_KEYS = {"domain", "type", "dmarcPolicy", "dkimSelector", "dkimKeyBits", "adopt", "retire"}
_VERIFICATION_KEYS = {"nameserver", "nameservers", "timeout"}


@dataclass(frozen=True)
class StackSettings:
    profile: Profile
    domains: tuple[DomainSpec, ...]  # the managed ones; entries with `retire: true` are in `retired`
    dns: DnsTarget
    ledger: LedgerSettings
    verification: VerificationArgs
    checks: ChecksArgs = field(default_factory=ChecksArgs)
    retired: tuple[DomainSpec, ...] = ()  # no longer managed: records and ledger row stay, nothing is deleted
    warnings: tuple[str, ...] = ()  # findings of checks set to `warn`, for the program to print at preview
    indexes: tuple[int, ...] = ()  # each domain's (then each retired one's) index in dms:domains

    def args(self, spec: DomainSpec, retire: bool = False) -> SenderDomainArgs:
        """The component's args for one entry: stack config is one producer of them."""
        return SenderDomainArgs(
            domain=spec.domain,
            type=spec.mail_type,
            dns=self.dns,
            ledger=self.ledger,
            dmarc_policy=spec.dmarc_policy,
            dkim_selector=spec.dkim_selector,
            dkim_key_bits=spec.dkim_key_bits,
            adopt=spec.adopt,
            retire=retire,
            verification=self.verification,
            # The parser applied these two to dms:domains as a whole, naming each entry's keys.
            checks=replace(self.checks, subdomain="off", type_separation="off"),
            profile=self.profile.name,
        )


def parse_stack_config(raw: Mapping[str, Any], aws: Mapping[str, Any] | None = None) -> StackSettings:
    """`raw` maps the keys under `dms:` (without the prefix) to their parsed YAML values.

    `aws` holds the stack's `aws:profile` and `aws:region`, the keys AWS users already set.
    """
    profile = profile_named(validate.text(raw.get("profile", "tencent-ses"), "dms:profile", PROFILES))
    dns = _dns(raw.get("dns"), aws)
    checks = _checks(raw.get("checks"))
    domains, retired, warnings, indexes = _domains(raw.get("domains"), dns, checks)
    return StackSettings(
        profile,
        domains,
        dns,
        _ledger(raw.get("ledger")),
        _verification(raw.get("verification")),
        checks,
        retired,
        warnings,
        indexes,
    )


def _checks(value: Any) -> ChecksArgs:
    key = "dms:checks"
    value = validate.mapping(value if value is not None else {}, key, set(CHECK_DEFAULTS))
    level = {
        name: validate.text(value.get(name, default), f"{key}.{name}", SEVERITIES)
        for name, default in CHECK_DEFAULTS.items()
    }
    return ChecksArgs(level["subdomain"], level["typeSeparation"], level["existingEmailDns"])


def _domains(
    value: Any, dns: DnsTarget, checks: ChecksArgs
) -> tuple[tuple[DomainSpec, ...], tuple[DomainSpec, ...], tuple[str, ...], tuple[int, ...]]:
    key = "dms:domains"
    if value is None:
        raise ConfigError(key, "missing: list the sender domains, e.g. [{domain: notify.example.com, type: triggered}]")
    if not isinstance(value, list):
        raise ConfigError(key, "expected a list of {domain, type} entries")
    specs: list[tuple[int, DomainSpec]] = []
    retired: list[tuple[int, DomainSpec]] = []
    warnings: list[str] = []
    seen: dict[str, tuple[str, bool]] = {}  # domain -> (mail type, retired) of its first entry
    for i, entry in enumerate(value):
        at = f"{key}[{i}]"
        entry = validate.mapping(entry, at, _DOMAIN_KEYS)
        name = validate.config_namer(at, SPEC_KEYS)
        fields = {f: entry.get(k) for f, k in SPEC_KEYS.items() if k in entry}
        spec = check_spec(fields, dns.zone, name, zone_key="dms:dns.zone")
        retire = validate.flag(entry.get("retire", False), name("retire"))
        domain, mail_type = spec.domain, spec.mail_type
        first = seen.get(domain)
        if first is not None and (first[0] == mail_type or retire or first[1] or checks.type_separation == ERROR):
            if first[0] == mail_type or retire or first[1]:
                raise ConfigError(f"{at}.domain", f"{domain} is declared twice; keep one entry per domain")
            raise ConfigError(f"{at}.domain", type_separation_problem(domain, first[0], mail_type))
        seen.setdefault(domain, (mail_type, retire))
        if first is not None:
            # typeSeparation is warn or off: one domain has one identity and one ledger row, so it is
            # managed once, with the type of its first entry.
            if checks.type_separation == WARN:
                problem = type_separation_problem(domain, first[0], mail_type)
                warnings.append(f"{at}.type: {problem}; managed once, as {first[0]}")
            continue
        if retire:
            retired.append((i, spec))  # not managed any more: no recommendation applies
            continue
        problem = subdomain_problem(domain)
        if problem is not None and checks.subdomain == ERROR:
            raise ConfigError(f"{at}.domain", f"{problem} (dms:checks.subdomain is error)")
        if problem is not None and checks.subdomain == WARN:
            warnings.append(f"{at}.domain: {problem}")
        specs.append((i, spec))
    indexes = tuple(i for i, _ in (*specs, *retired))
    return tuple(s for _, s in specs), tuple(s for _, s in retired), tuple(warnings), indexes


def _dns(value: Any, aws: Mapping[str, Any] | None = None) -> DnsTarget:
    key = "dms:dns"
    if value is None:
        raise ConfigError(
            key,
            "missing: say where records go, e.g. {provider: rfc2136, server: ns1.example.com:53, zone: example.com}",
        )
    every = set().union(*(target_class(kind).config_allowed() for kind in HOSTS))
    value = validate.mapping(value, key, every)
    provider = validate.text(value.get("provider", "rfc2136"), f"{key}.provider", HOSTS)
    cls = target_class(provider)
    for name in sorted(set(value) - cls.config_allowed()):
        owners = [kind for kind in HOSTS if name in target_class(kind).config_allowed()]
        raise ConfigError(f"{key}.{name}", f"is only for provider {', '.join(owners)}; {key}.provider is {provider}")
    context = {f"aws:{k}": v for k, v in (aws or {}).items()}
    target = cls.from_dns_config(value, key, context)
    names = validate.config_namer(key, cls.config_keys)
    aws_named = {"profile": "aws:profile", "region": "aws:region"}
    return target.validated(lambda f: aws_named[f] if f in aws_named else names(f))


def _ledger(value: Any) -> LedgerSettings:
    key = "dms:ledger"
    value = value if value is not None else {}
    every = set().union(*(settings_class(b).config_allowed() for b in BACKENDS))
    if not isinstance(value, Mapping):
        validate.mapping(value, key, every)  # raises: not a map
    backend = validate.text(value.get("backend", "sqlite"), f"{key}.backend", BACKENDS)
    cls = settings_class(backend)
    for name in sorted(set(value) - cls.config_allowed(), key=str):
        owners = [other for other in BACKENDS if name in settings_class(other).config_allowed()]
        if owners:
            raise ConfigError(f"{key}.{name}", f"is only for backend {', '.join(owners)}; {key}.backend is {backend}")
    value = validate.mapping(value, key, cls.config_allowed())
    return cls.from_config(value).validated(validate.config_namer(key, cls.config_keys))


def _verification(value: Any) -> VerificationArgs:
    key = "dms:verification"
    value = validate.mapping(value if value is not None else {}, key, _VERIFICATION_KEYS)
    given = VerificationArgs(value.get("nameserver"), value.get("timeout", DEFAULT_TIMEOUT), value.get("nameservers"))
    return given.validated(validate.config_namer(key, {}))
