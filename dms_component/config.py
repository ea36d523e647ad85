"""Stack configuration: validate the `dms:*` keys into plain settings, one clear error per mistake.

This runs in the Pulumi program, so every mistake is reported at preview, before anything is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dms_component.core.encoding import is_base64
from dms_component.core.names import is_subdomain, normalise_domain, normalise_selector
from dms_component.core.nameservers import Nameserver
from dms_component.core.records import DMARC_POLICIES, MAIL_TYPES, PROFILES, Profile, profile_named
from dms_component.core.rules import CHECK_DEFAULTS, ERROR, SEVERITIES, WARN, subdomain_problem, type_separation_problem
from dms_component.errors import ConfigError

DNS_PROVIDERS = ("rfc2136", "route53", "dnspod")
LEDGER_BACKENDS = ("sqlite", "dynamodb", "tencent")
TSIG_ALGORITHMS = ("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1", "hmac-md5")
DKIM_KEY_BITS = (1024, 2048)  # what the service's DKIMOption offers
DEFAULT_TIMEOUT = 600.0  # the service says changes take 1 to 10 minutes

_DOMAIN_KEYS = {"domain", "type", "dmarcPolicy", "dkimSelector", "dkimKeyBits", "adopt", "retire"}
# Per DNS provider: a key of another provider is an error that says so.
_DNS_KEYS = {
    "rfc2136": {"provider", "server", "zone", "ttl", "tsig"},
    "route53": {"provider", "zone", "hostedZoneId", "ttl", "endpoint"},
    "dnspod": {"provider", "zone", "ttl", "secretId", "secretKey", "endpoint"},
}
_TSIG_KEYS = {"name", "algorithm", "secret", "keyFile"}
# Per ledger backend: a key of the other backend is an error that says so.
_LEDGER_KEYS = {
    "sqlite": {"backend", "path", "quota"},
    "dynamodb": {"backend", "table", "region", "account", "profile", "endpoint", "quota"},
    "tencent": {"backend", "region", "secretId", "secretKey", "endpoint", "quota", "verifyTimeout"},
}
_VERIFICATION_KEYS = {"nameserver", "timeout"}


@dataclass(frozen=True)
class DomainSpec:
    domain: str
    mail_type: str
    dmarc_policy: str | None
    dkim_selector: str | None
    dkim_key_bits: int
    adopt: bool = False  # take over email records at our names that this stack did not write


@dataclass(frozen=True)
class DnsTarget:
    """Where records are written. `tsig_secret` is handed on as a Pulumi secret, never logged."""

    provider: str
    server: str | None
    zone: str
    ttl: int
    tsig_name: str | None = None
    tsig_algorithm: str = "hmac-sha256"
    tsig_key_file: str | None = None
    tsig_secret: str | None = field(default=None, repr=False)
    hosted_zone_id: str | None = None  # route53
    endpoint: str | None = None  # route53: a compatible endpoint (tests, local stand-ins)
    aws_profile: str | None = None  # route53: from aws:profile
    aws_region: str | None = None  # route53: from aws:region
    secret_id: str | None = None  # dnspod: its SecretId (the SecretKey travels as tsig_secret, a Pulumi secret)

    def settings(self) -> dict[str, Any]:
        """Everything but the secret: safe to keep in state in plain text."""
        common = {"provider": self.provider, "zone": self.zone, "ttl": self.ttl}
        if self.provider == "dnspod":
            return {**common, "endpoint": self.endpoint, "secret_id": self.secret_id}
        if self.provider == "route53":
            return {
                **common,
                "hosted_zone_id": self.hosted_zone_id,
                "endpoint": self.endpoint,
                "profile": self.aws_profile,
                "region": self.aws_region,
            }
        return {
            **common,
            "server": self.server,
            "tsig_name": self.tsig_name,
            "tsig_algorithm": self.tsig_algorithm,
            "tsig_key_file": self.tsig_key_file,
        }


@dataclass(frozen=True)
class LedgerSettings:
    """Plain data (kept in state, pickled with the providers): names of things, never credentials."""

    backend: str
    path: str | None
    quota: int
    table: str | None = None  # dynamodb: the table, in `region`
    region: str | None = None
    account: str = "default"  # dynamodb: the partition, so several accounts can share one table
    profile: str | None = None  # dynamodb: an AWS profile name; credentials come from boto3's usual chain
    endpoint: str | None = None  # dynamodb: only for DynamoDB Local or tests
    secret_id: str | None = None  # tencent: the SecretId; None means the SDK's environment variables
    verify_timeout: float = 600.0  # tencent: seconds to keep asking the service to verify
    secret_key: str | None = field(default=None, repr=False)  # tencent: handed on only as a Pulumi secret

    @property
    def decides_records(self) -> bool:
        """The service, not this project, makes the DKIM key and says which records to publish."""
        return self.backend == "tencent"

    def with_secret(self) -> dict[str, Any]:
        """settings() plus the credential, for a ledger opened here or handed on as a Pulumi secret."""
        return {**self.settings(), "secret_key": self.secret_key} if self.secret_key else self.settings()

    def settings(self) -> dict[str, Any]:
        if self.backend == "tencent":
            return {
                "backend": self.backend,
                "region": self.region,
                "endpoint": self.endpoint,
                "secret_id": self.secret_id,
                "quota": self.quota,
                "verify_timeout": self.verify_timeout,
            }
        if self.backend == "dynamodb":
            return {
                "backend": self.backend,
                "table": self.table,
                "region": self.region,
                "account": self.account,
                "profile": self.profile,
                "endpoint": self.endpoint,
                "quota": self.quota,
            }
        return {"backend": self.backend, "path": self.path, "quota": self.quota}


@dataclass(frozen=True)
class VerificationSettings:
    nameserver: str | None
    timeout: float


@dataclass(frozen=True)
class Checks:
    """Severity (error | warn | off) of each recommendation from the service's guide (`dms:checks`)."""

    subdomain: str = CHECK_DEFAULTS["subdomain"]
    type_separation: str = CHECK_DEFAULTS["typeSeparation"]
    existing_email_dns: str = CHECK_DEFAULTS["existingEmailDns"]


@dataclass(frozen=True)
class StackSettings:
    profile: Profile
    domains: tuple[DomainSpec, ...]  # the managed ones; entries with `retire: true` are in `retired`
    dns: DnsTarget
    ledger: LedgerSettings
    verification: VerificationSettings
    checks: Checks = Checks()
    retired: tuple[DomainSpec, ...] = ()  # no longer managed: records and ledger row stay, nothing is deleted
    warnings: tuple[str, ...] = ()  # findings of checks set to `warn`, for the program to print at preview


def parse_stack_config(raw: Mapping[str, Any], aws: Mapping[str, Any] | None = None) -> StackSettings:
    """`raw` maps the keys under `dms:` (without the prefix) to their parsed YAML values.

    `aws` holds the stack's `aws:profile` and `aws:region`, the keys AWS users already set.
    """
    profile = profile_named(_str(raw.get("profile", "tencent-ses"), "dms:profile", PROFILES))
    dns = _dns(raw.get("dns"), aws)
    checks = _checks(raw.get("checks"))
    domains, retired, warnings = _domains(raw.get("domains"), dns, checks)
    return StackSettings(
        profile,
        domains,
        dns,
        _ledger(raw.get("ledger")),
        _verification(raw.get("verification")),
        checks,
        retired,
        warnings,
    )


def retired_domains(raw_domains: Any) -> frozenset[str]:
    """The normalised names of `dms:domains` entries with `retire: true`; lenient, for the providers."""
    if isinstance(raw_domains, str):
        try:
            raw_domains = json.loads(raw_domains)
        except ValueError:
            return frozenset()
    names = set()
    for entry in raw_domains if isinstance(raw_domains, list) else []:
        if isinstance(entry, Mapping) and entry.get("retire") is True:
            try:
                names.add(normalise_domain(entry.get("domain"), "dms:domains"))
            except ConfigError:
                continue
    return frozenset(names)


def _checks(value: Any) -> Checks:
    key = "dms:checks"
    value = _mapping(value if value is not None else {}, key, set(CHECK_DEFAULTS))
    level = {
        name: _str(value.get(name, default), f"{key}.{name}", SEVERITIES) for name, default in CHECK_DEFAULTS.items()
    }
    return Checks(level["subdomain"], level["typeSeparation"], level["existingEmailDns"])


def _domains(
    value: Any, dns: DnsTarget, checks: Checks
) -> tuple[tuple[DomainSpec, ...], tuple[DomainSpec, ...], tuple[str, ...]]:
    key = "dms:domains"
    if value is None:
        raise ConfigError(key, "missing: list the sender domains, e.g. [{domain: notify.example.com, type: triggered}]")
    if not isinstance(value, list):
        raise ConfigError(key, "expected a list of {domain, type} entries")
    specs: list[DomainSpec] = []
    retired: list[DomainSpec] = []
    warnings: list[str] = []
    seen: dict[str, tuple[str, bool]] = {}  # domain -> (mail type, retired) of its first entry
    for i, entry in enumerate(value):
        at = f"{key}[{i}]"
        entry = _mapping(entry, at, _DOMAIN_KEYS)
        domain = normalise_domain(entry.get("domain"), f"{at}.domain")
        mail_type = _str(entry.get("type"), f"{at}.type", MAIL_TYPES)
        retire = entry.get("retire", False)
        if not isinstance(retire, bool):
            raise ConfigError(f"{at}.retire", f"{retire!r} is not allowed; allowed: true, false")
        first = seen.get(domain)
        if first is not None and (first[0] == mail_type or retire or first[1] or checks.type_separation == ERROR):
            if first[0] == mail_type or retire or first[1]:
                raise ConfigError(f"{at}.domain", f"{domain} is declared twice; keep one entry per domain")
            raise ConfigError(f"{at}.domain", type_separation_problem(domain, first[0], mail_type))
        seen.setdefault(domain, (mail_type, retire))
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
        adopt = entry.get("adopt", False)
        if not isinstance(adopt, bool):
            raise ConfigError(f"{at}.adopt", f"{adopt!r} is not allowed; allowed: true, false")
        spec = DomainSpec(domain, mail_type, policy, selector, int(bits), adopt=adopt)
        if first is not None:
            # typeSeparation is warn or off: one domain has one identity and one ledger row, so it is
            # managed once, with the type of its first entry.
            if checks.type_separation == WARN:
                problem = type_separation_problem(domain, first[0], mail_type)
                warnings.append(f"{at}.type: {problem}; managed once, as {first[0]}")
            continue
        if retire:
            retired.append(spec)  # not managed any more: no recommendation applies
            continue
        problem = subdomain_problem(domain)
        if problem is not None and checks.subdomain == ERROR:
            raise ConfigError(f"{at}.domain", f"{problem} (dms:checks.subdomain is error)")
        if problem is not None and checks.subdomain == WARN:
            warnings.append(f"{at}.domain: {problem}")
        specs.append(spec)
    return tuple(specs), tuple(retired), tuple(warnings)


def _dns(value: Any, aws: Mapping[str, Any] | None = None) -> DnsTarget:
    key = "dms:dns"
    if value is None:
        raise ConfigError(
            key,
            "missing: say where records go, e.g. {provider: rfc2136, server: ns1.example.com:53, zone: example.com}",
        )
    value = _mapping(value, key, set().union(*_DNS_KEYS.values()))
    provider = _str(value.get("provider", "rfc2136"), f"{key}.provider", DNS_PROVIDERS)
    for other, keys in _DNS_KEYS.items():
        misplaced = sorted((set(value) & keys) - _DNS_KEYS[provider])
        if misplaced:
            raise ConfigError(f"{key}.{misplaced[0]}", f"is only for provider {other}; {key}.provider is {provider}")
    zone = normalise_domain(value.get("zone"), f"{key}.zone")
    ttl = value.get("ttl", 300)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 1 <= ttl <= 86400:
        raise ConfigError(f"{key}.ttl", f"{ttl!r} is not allowed; use whole seconds from 1 to 86400")
    if provider == "route53":
        return _route53(value, key, zone, ttl, aws or {})
    if provider == "dnspod":
        return _dnspod(value, key, zone, ttl)
    server = _str(value.get("server"), f"{key}.server")
    _nameserver(server, f"{key}.server")
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


_HOSTED_ZONE_ID = re.compile(r"^(/hostedzone/)?Z[A-Z0-9]{1,31}$")


def _route53(value: Mapping[str, Any], key: str, zone: str, ttl: int, aws: Mapping[str, Any]) -> DnsTarget:
    zone_id = value.get("hostedZoneId")
    if zone_id is not None and (not isinstance(zone_id, str) or not _HOSTED_ZONE_ID.match(zone_id)):
        raise ConfigError(f"{key}.hostedZoneId", f"{zone_id!r} is not a hosted zone id such as Z0123456789ABCDEFGHIJ")
    endpoint = value.get("endpoint")
    if endpoint is not None and (not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://"))):
        raise ConfigError(f"{key}.endpoint", f"{endpoint!r} is not an http:// or https:// URL")
    profile = aws.get("profile")
    region = aws.get("region")
    for name, given in (("profile", profile), ("region", region)):
        if given is not None and (not isinstance(given, str) or not given.strip()):
            raise ConfigError(f"aws:{name}", f"{given!r} is not a non-empty string")
    return DnsTarget(
        "route53", None, zone, ttl, hosted_zone_id=zone_id, endpoint=endpoint, aws_profile=profile, aws_region=region
    )


def _ledger(value: Any) -> LedgerSettings:
    key = "dms:ledger"
    value = value if value is not None else {}
    if not isinstance(value, Mapping):
        _mapping(value, key, set().union(*_LEDGER_KEYS.values()))  # raises: not a map
    backend = _str(value.get("backend", "sqlite"), f"{key}.backend", LEDGER_BACKENDS)
    for name in sorted(set(value) - _LEDGER_KEYS[backend]):
        owners = [other for other, keys in _LEDGER_KEYS.items() if name in keys]
        if owners:
            raise ConfigError(f"{key}.{name}", f"is only for backend {', '.join(owners)}; {key}.backend is {backend}")
    value = _mapping(value, key, _LEDGER_KEYS[backend])
    quota = value.get("quota", 5)
    if not isinstance(quota, int) or isinstance(quota, bool) or quota < 1:
        raise ConfigError(f"{key}.quota", f"{quota!r} is not allowed; use a whole number of at least 1")
    if backend == "dynamodb":
        return _dynamodb_ledger(value, key, quota)
    if backend == "tencent":
        return _tencent_ledger(value, key, quota)
    path = _str(value.get("path", ".state/ledger.sqlite"), f"{key}.path")
    return LedgerSettings(backend, path, quota)


def _dynamodb_ledger(value: Mapping[str, Any], key: str, quota: int) -> LedgerSettings:
    from urllib.parse import urlsplit

    table = value.get("table")
    if table is None:
        raise ConfigError(f"{key}.table", "missing: name the DynamoDB table every machine shares, e.g. dms-ledger")
    table = _str(table, f"{key}.table")
    if not 3 <= len(table) <= 255 or not all(c.isascii() and (c.isalnum() or c in "_.-") for c in table):
        raise ConfigError(f"{key}.table", f"{table!r} is not a DynamoDB table name; use 3 to 255 of a-z A-Z 0-9 _ - .")
    region = value.get("region")
    if region is None:
        raise ConfigError(
            f"{key}.region",
            "missing: name the table's AWS region (e.g. us-east-1) so every machine uses the same table",
        )
    region = _str(region, f"{key}.region")
    parts = region.split("-")
    if (
        len(parts) < 3
        or not all(p.isascii() and p.isalnum() and p == p.lower() for p in parts)
        or not parts[-1].isdigit()
    ):
        raise ConfigError(
            f"{key}.region", f"{region!r} is not an AWS region; use one such as us-east-1 or eu-central-1"
        )
    account = value.get("account", "default")
    if isinstance(account, int) and not isinstance(account, bool):
        account = str(account)  # an account number written without quotes
    account = _str(account, f"{key}.account")
    if len(account) > 128 or not all(c.isascii() and (c.isalnum() or c in "_.-:@") for c in account):
        raise ConfigError(f"{key}.account", f"{account!r} is not allowed; use up to 128 of a-z A-Z 0-9 _ - . : @")
    profile = value.get("profile")
    if profile is not None:
        profile = _str(profile, f"{key}.profile")
    endpoint = value.get("endpoint")
    if endpoint is not None:
        endpoint = _str(endpoint, f"{key}.endpoint")
        try:
            url = urlsplit(endpoint)
            _ = url.port  # raises on a bad port
        except ValueError:
            url = None
        if url is None or url.scheme not in ("http", "https") or not url.hostname or url.path not in ("", "/"):
            raise ConfigError(
                f"{key}.endpoint", "is not allowed; use http(s)://HOST[:PORT], only for DynamoDB Local or tests"
            )
        if url.username is not None or url.password is not None or url.query or url.fragment:
            # Never echo it: it may hold a password.
            raise ConfigError(f"{key}.endpoint", "must be http(s)://HOST[:PORT] without user, password or query")
    return LedgerSettings("dynamodb", None, quota, table, region, account, profile, endpoint)


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


def _tencent_credentials(value: Mapping[str, Any], key: str) -> tuple[str | None, str | None]:
    """secretId and secretKey, both or neither (then the SDK's environment variables are used)."""
    secret_id, secret_key = value.get("secretId"), value.get("secretKey")
    if (secret_id is None) != (secret_key is None):
        missing = "secretKey" if secret_key is None else "secretId"
        raise ConfigError(
            f"{key}.{missing}",
            "missing: give secretId and secretKey together, or neither and set"
            " TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY",
        )
    if secret_id is not None:
        secret_id = _str(secret_id, f"{key}.secretId")
        if not isinstance(secret_key, str) or not secret_key.strip():
            # Never echo the value: it is the secret.
            raise ConfigError(f"{key}.secretKey", "must be a non-empty string (set it with --secret)")
    return secret_id, secret_key


_ENDPOINT = re.compile(r"^(https?://)?[\w.-]+(:\d+)?/?$")


def _endpoint(value: Mapping[str, Any], key: str) -> str | None:
    endpoint = value.get("endpoint")
    if endpoint is not None and (not isinstance(endpoint, str) or not _ENDPOINT.match(endpoint)):
        raise ConfigError(f"{key}.endpoint", f"{endpoint!r} is not a host[:port] or an http(s):// URL")
    return endpoint


def _dnspod(value: Mapping[str, Any], key: str, zone: str, ttl: int) -> DnsTarget:
    if "ttl" not in value:
        ttl = 600  # DNSPod's free plan refuses a TTL under 600 seconds
    secret_id, secret_key = _tencent_credentials(value, key)
    return DnsTarget(
        "dnspod", None, zone, ttl, tsig_secret=secret_key, endpoint=_endpoint(value, key), secret_id=secret_id
    )


def _tencent_ledger(value: Mapping[str, Any], key: str, quota: int) -> LedgerSettings:
    from providers.tencent.client import REGIONS

    region = _str(value.get("region", "ap-guangzhou"), f"{key}.region", REGIONS)
    secret_id, secret_key = _tencent_credentials(value, key)
    timeout = value.get("verifyTimeout", DEFAULT_TIMEOUT)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 <= timeout <= 7200:
        raise ConfigError(f"{key}.verifyTimeout", f"{timeout!r} is not allowed; use seconds from 0 to 7200")
    return LedgerSettings(
        "tencent",
        None,
        quota,
        region=region,
        endpoint=_endpoint(value, key),
        secret_id=secret_id,
        verify_timeout=float(timeout),
        secret_key=secret_key,
    )
