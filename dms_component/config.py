"""Stack configuration: validate the `dms:*` keys into plain settings, one clear error per mistake.

This runs in the Pulumi program, so every mistake is reported at preview, before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dms_component.core.encoding import is_base64
from dms_component.core.names import is_subdomain, normalise_domain, normalise_selector
from dms_component.core.nameservers import Nameserver
from dms_component.core.records import DMARC_POLICIES, MAIL_TYPES, PROFILES, Profile, profile_named
from dms_component.errors import ConfigError

DNS_PROVIDERS = ("rfc2136",)
LEDGER_BACKENDS = ("sqlite",)
TSIG_ALGORITHMS = ("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1", "hmac-md5")
DKIM_KEY_BITS = (1024, 2048)  # what the service's DKIMOption offers
DEFAULT_TIMEOUT = 600.0  # the service says changes take 1 to 10 minutes

_DOMAIN_KEYS = {"domain", "type", "dmarcPolicy", "dkimSelector", "dkimKeyBits"}
_DNS_KEYS = {"provider", "server", "zone", "ttl", "tsig"}
_TSIG_KEYS = {"name", "algorithm", "secret", "keyFile"}
_LEDGER_KEYS = {"backend", "path", "quota"}
_VERIFICATION_KEYS = {"nameserver", "timeout"}


@dataclass(frozen=True)
class DomainSpec:
    domain: str
    mail_type: str
    dmarc_policy: str | None
    dkim_selector: str | None
    dkim_key_bits: int


@dataclass(frozen=True)
class DnsTarget:
    """Where records are written. `tsig_secret` is handed on as a Pulumi secret, never logged."""

    provider: str
    server: str
    zone: str
    ttl: int
    tsig_name: str | None
    tsig_algorithm: str
    tsig_key_file: str | None
    tsig_secret: str | None = field(default=None, repr=False)

    def settings(self) -> dict[str, Any]:
        """Everything but the secret: safe to keep in state in plain text."""
        return {
            "provider": self.provider,
            "server": self.server,
            "zone": self.zone,
            "ttl": self.ttl,
            "tsig_name": self.tsig_name,
            "tsig_algorithm": self.tsig_algorithm,
            "tsig_key_file": self.tsig_key_file,
        }


@dataclass(frozen=True)
class LedgerSettings:
    backend: str
    path: str
    quota: int

    def settings(self) -> dict[str, Any]:
        return {"backend": self.backend, "path": self.path, "quota": self.quota}


@dataclass(frozen=True)
class VerificationSettings:
    nameserver: str | None
    timeout: float


@dataclass(frozen=True)
class StackSettings:
    profile: Profile
    domains: tuple[DomainSpec, ...]
    dns: DnsTarget
    ledger: LedgerSettings
    verification: VerificationSettings


def parse_stack_config(raw: Mapping[str, Any]) -> StackSettings:
    """`raw` maps the keys under `dms:` (without the prefix) to their parsed YAML values."""
    profile = profile_named(_str(raw.get("profile", "tencent-ses"), "dms:profile", PROFILES))
    dns = _dns(raw.get("dns"))
    domains = _domains(raw.get("domains"), dns)
    return StackSettings(profile, domains, dns, _ledger(raw.get("ledger")), _verification(raw.get("verification")))


def _domains(value: Any, dns: DnsTarget) -> tuple[DomainSpec, ...]:
    key = "dms:domains"
    if value is None:
        raise ConfigError(key, "missing: list the sender domains, e.g. [{domain: notify.example.com, type: triggered}]")
    if not isinstance(value, list):
        raise ConfigError(key, "expected a list of {domain, type} entries")
    specs: list[DomainSpec] = []
    seen: dict[str, str] = {}
    for i, entry in enumerate(value):
        at = f"{key}[{i}]"
        entry = _mapping(entry, at, _DOMAIN_KEYS)
        domain = normalise_domain(entry.get("domain"), f"{at}.domain")
        mail_type = _str(entry.get("type"), f"{at}.type", MAIL_TYPES)
        if domain in seen:
            raise ConfigError(
                f"{at}.domain",
                f"{domain} is declared twice (also as {seen[domain]}); use one domain per mail type",
            )
        seen[domain] = mail_type
        if not is_subdomain(domain, dns.zone):
            raise ConfigError(f"{at}.domain", f"{domain} is not inside dms:dns.zone {dns.zone}")
        policy = entry.get("dmarcPolicy")
        if policy is not None:
            policy = _str(policy, f"{at}.dmarcPolicy", DMARC_POLICIES)
        selector = entry.get("dkimSelector")
        if selector is not None:
            selector = normalise_selector(selector, f"{at}.dkimSelector")
        bits = entry.get("dkimKeyBits", 2048)
        if not isinstance(bits, int) or isinstance(bits, bool) or bits not in DKIM_KEY_BITS:
            raise ConfigError(f"{at}.dkimKeyBits", f"{bits!r} is not allowed; allowed: 1024, 2048")
        specs.append(DomainSpec(domain, mail_type, policy, selector, int(bits)))
    return tuple(specs)


def _dns(value: Any) -> DnsTarget:
    key = "dms:dns"
    if value is None:
        raise ConfigError(
            key,
            "missing: say where records go, e.g. {provider: rfc2136, server: ns1.example.com:53, zone: example.com}",
        )
    value = _mapping(value, key, _DNS_KEYS)
    provider = _str(value.get("provider", "rfc2136"), f"{key}.provider", DNS_PROVIDERS)
    server = _str(value.get("server"), f"{key}.server")
    _nameserver(server, f"{key}.server")
    zone = normalise_domain(value.get("zone"), f"{key}.zone")
    ttl = value.get("ttl", 300)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 1 <= ttl <= 86400:
        raise ConfigError(f"{key}.ttl", f"{ttl!r} is not allowed; use whole seconds from 1 to 86400")
    tsig = value.get("tsig")
    name = algorithm = key_file = secret = None
    if tsig is not None:
        tsig = _mapping(tsig, f"{key}.tsig", _TSIG_KEYS)
        key_file = tsig.get("keyFile")
        secret = tsig.get("secret")
        if (key_file is None) == (secret is None):
            raise ConfigError(f"{key}.tsig", "give exactly one of secret (a Pulumi secret) or keyFile")
        if key_file is not None:
            key_file = _str(key_file, f"{key}.tsig.keyFile")
            extra = sorted({"name", "algorithm"} & set(tsig))
            if extra:
                raise ConfigError(f"{key}.tsig.{extra[0]}", "comes from the keyFile; give it only with secret")
        else:
            name = _str(tsig.get("name"), f"{key}.tsig.name")
            if not isinstance(secret, str) or not secret.strip():
                # Never echo the value: it is the secret.
                raise ConfigError(f"{key}.tsig.secret", "must be a non-empty string (set it with --secret)")
            if not is_base64(secret):
                raise ConfigError(f"{key}.tsig.secret", "is not base64 (TSIG secrets are base64)")
            algorithm = _str(tsig.get("algorithm", "hmac-sha256"), f"{key}.tsig.algorithm", TSIG_ALGORITHMS)
    return DnsTarget(provider, server, zone, ttl, name, algorithm or "hmac-sha256", key_file, secret)


def _ledger(value: Any) -> LedgerSettings:
    key = "dms:ledger"
    value = _mapping(value if value is not None else {}, key, _LEDGER_KEYS)
    backend = _str(value.get("backend", "sqlite"), f"{key}.backend", LEDGER_BACKENDS)
    path = _str(value.get("path", ".state/ledger.sqlite"), f"{key}.path")
    quota = value.get("quota", 5)
    if not isinstance(quota, int) or isinstance(quota, bool) or quota < 1:
        raise ConfigError(f"{key}.quota", f"{quota!r} is not allowed; use a whole number of at least 1")
    return LedgerSettings(backend, path, quota)


def _verification(value: Any) -> VerificationSettings:
    key = "dms:verification"
    value = _mapping(value if value is not None else {}, key, _VERIFICATION_KEYS)
    nameserver = value.get("nameserver")
    if nameserver is not None:
        nameserver = _nameserver(_str(nameserver, f"{key}.nameserver"), f"{key}.nameserver")
    timeout = value.get("timeout", DEFAULT_TIMEOUT)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 <= timeout <= 7200:
        raise ConfigError(f"{key}.timeout", f"{timeout!r} is not allowed; use seconds from 0 to 7200")
    return VerificationSettings(nameserver, float(timeout))


def _mapping(value: Any, key: str, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"expected a map with keys {', '.join(sorted(allowed))}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ConfigError(f"{key}.{unknown[0]}", f"unknown key; allowed: {', '.join(sorted(allowed))}")
    return value


def _str(value: Any, key: str, allowed: Any = None) -> str:
    if not isinstance(value, str) or not value.strip():
        hint = f"; allowed: {', '.join(allowed)}" if allowed else ""
        raise ConfigError(key, f"{'missing' if value is None else repr(value) + ' is not a string'}{hint}")
    if allowed is not None and value not in allowed:
        raise ConfigError(key, f"{value!r} is not allowed; allowed: {', '.join(allowed)}")
    return value


def _nameserver(text: str, key: str) -> str:
    try:
        Nameserver.parse(text)
    except ValueError as exc:
        raise ConfigError(key, f"{text!r} is not HOST or HOST:PORT: {exc}") from None
    return text
