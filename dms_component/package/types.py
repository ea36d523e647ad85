"""The `dms` package's inputs, as Pulumi's schema analyzer reads them (pulumi.provider.experimental).

The analyzer can't express the Python API's base-class unions (`dns: DnsTarget`), so each union is
an object with one optional field per kind: `dns: {rfc2136: {...}}`, `ledger: {sqlite: {...}}`.
Their fields are those of the settings classes (providers/adapters/dns/*, providers/adapters/ledger/*), which do every
check; tests/unit/test_package_schema.py keeps the two in step. Descriptions are the docstrings under
each field: the analyzer reads them from this source, so this module must not use
`from __future__ import annotations` (it needs the annotations as types, not strings).
"""

from enum import StrEnum
from typing import NotRequired, TypedDict

import pulumi


class MailType(StrEnum):
    """What the domain sends; the service wants the two kinds on different domains."""

    TRIGGERED = "triggered"
    """Transactional mail a user's action triggers (sign-up, password reset, receipts)."""
    BATCH = "batch"
    """Marketing and newsletters, sent in bulk."""


class DmarcPolicy(StrEnum):
    """What receivers do with mail that fails DMARC."""

    NONE = "none"
    """Deliver it and report (the service's recommendation to start with)."""
    QUARANTINE = "quarantine"
    """Treat it as suspicious (spam folder)."""
    REJECT = "reject"
    """Refuse it."""


class Severity(StrEnum):
    """How a recommendation of the service's guide is enforced."""

    ERROR = "error"
    """Stop the preview."""
    WARN = "warn"
    """Print a warning and go on."""
    OFF = "off"
    """Don't check."""


class Rfc2136Dns(TypedDict):
    """A primary server that takes RFC 2136 dynamic updates (BIND, Knot, PowerDNS), signed with a TSIG key:
    either tsigName, tsigAlgorithm and tsigSecret, or a tsigKeyFile."""

    zone: pulumi.Input[str]
    """The zone the sender domain lies in, e.g. example.com."""
    server: pulumi.Input[str]
    """The zone's primary server, HOST[:PORT]; it is also the server verification asks."""
    tsig_name: NotRequired[pulumi.Input[str]]
    """The TSIG key's name (with tsigSecret)."""
    tsig_algorithm: NotRequired[pulumi.Input[str]]
    """The TSIG algorithm: hmac-sha256 (default), hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1, hmac-md5."""
    tsig_secret: NotRequired[pulumi.Input[str]]
    """The TSIG key's secret, base64; a Pulumi secret, never kept in plain text."""
    tsig_key_file: NotRequired[pulumi.Input[str]]
    """A BIND (tsig-keygen) or Knot (keymgr -t) key file on the machine that runs pulumi, instead of the secret."""
    ttl: NotRequired[pulumi.Input[int]]
    """The records' TTL in seconds (default 300)."""


class Route53Dns(TypedDict):
    """An Amazon Route53 hosted zone; credentials come from the AWS SDK's usual chain, never from inputs."""

    zone: pulumi.Input[str]
    """The hosted zone's name, e.g. example.com."""
    hosted_zone_id: NotRequired[pulumi.Input[str]]
    """The hosted zone's id (Z...); checked against its name. Default: looked up by name."""
    region: NotRequired[pulumi.Input[str]]
    """The AWS region for the API calls."""
    profile: NotRequired[pulumi.Input[str]]
    """The AWS profile to use."""
    endpoint: NotRequired[pulumi.Input[str]]
    """A Route53-compatible endpoint URL, for tests and local stand-ins."""
    ttl: NotRequired[pulumi.Input[int]]
    """The records' TTL in seconds (default 300)."""


class DnspodDns(TypedDict):
    """A zone on Tencent Cloud DNSPod. Without secretId and secretKey, TENCENTCLOUD_SECRET_ID and
    TENCENTCLOUD_SECRET_KEY are read from the environment."""

    zone: pulumi.Input[str]
    """The zone, e.g. example.com."""
    secret_id: NotRequired[pulumi.Input[str]]
    """The Tencent Cloud API key id (with secretKey)."""
    secret_key: NotRequired[pulumi.Input[str]]
    """The Tencent Cloud API key; a Pulumi secret, never kept in plain text."""
    endpoint: NotRequired[pulumi.Input[str]]
    """The DNSPod API endpoint (default dnspod.tencentcloudapi.com), for tests."""
    ttl: NotRequired[pulumi.Input[int]]
    """The records' TTL in seconds (default 600, DNSPod's free plan minimum)."""


class ExternalDns(TypedDict):
    """Write no records: publish the `records` output through any other DNS provider. Verification starts at
    once, so a domain whose records come later stays pending until the next `pulumi up`."""

    zone: pulumi.Input[str]
    """The zone the records go in; their names in `records` are relative to it."""
    ttl: NotRequired[pulumi.Input[int]]
    """The TTL the `records` output carries (default 300)."""


class DnsTarget(TypedDict):
    """Where the records go: give exactly one of rfc2136, route53, dnspod or external."""

    rfc2136: NotRequired[Rfc2136Dns]
    """A primary server that takes RFC 2136 dynamic updates with TSIG."""
    route53: NotRequired[Route53Dns]
    """An Amazon Route53 hosted zone."""
    dnspod: NotRequired[DnspodDns]
    """A Tencent Cloud DNSPod zone."""
    external: NotRequired[ExternalDns]
    """No DNS host: the records are an output for another provider."""


class SqliteLedger(TypedDict):
    """One SQLite file on the machine that runs pulumi (a laptop, a demo, tests)."""

    path: NotRequired[str]
    """The file; a relative path is taken from the Pulumi project folder (default .state/ledger.sqlite)."""
    quota: NotRequired[int]
    """Verified sender domains the account allows (default 5)."""


class DynamoDbLedger(TypedDict):
    """One DynamoDB table every machine of a team shares; credentials from the AWS SDK's usual chain."""

    table: str
    """The table's name, e.g. dms-ledger (see docs/ledger.md for its keys)."""
    region: str
    """The table's AWS region."""
    account: NotRequired[str]
    """A partition of the table, so several accounts can share it (default: default)."""
    profile: NotRequired[str]
    """The AWS profile to use."""
    endpoint: NotRequired[str]
    """A DynamoDB-compatible endpoint URL (DynamoDB Local, tests)."""
    quota: NotRequired[int]
    """Verified sender domains the account allows (default 5)."""


class TencentLedger(TypedDict):
    """The service itself (Tencent Cloud SES) keeps the list; credentials come from TENCENTCLOUD_SECRET_ID and
    TENCENTCLOUD_SECRET_KEY in the environment of pulumi (the ledger is read before anything is declared, so
    its settings can't be secrets)."""

    region: NotRequired[str]
    """ap-guangzhou (default), ap-hongkong or ap-singapore."""
    endpoint: NotRequired[str]
    """The SES API endpoint, for tests."""
    verify_timeout: NotRequired[float]
    """Seconds to keep asking the service to verify (default 600)."""
    quota: NotRequired[int]
    """Verified sender domains the account allows (default 5)."""


class Ledger(TypedDict):
    """The account's ledger of sender domains: give at most one of sqlite, dynamodb or tencent (default sqlite).
    Its values must be plain: it is read at preview for the quota and the no-delete rule."""

    sqlite: NotRequired[SqliteLedger]
    """The embedded default: one SQLite file."""
    dynamodb: NotRequired[DynamoDbLedger]
    """A DynamoDB table shared by every machine."""
    tencent: NotRequired[TencentLedger]
    """The service's own list of sender domains."""


class Verification(TypedDict):
    """How the records are checked once written."""

    nameserver: NotRequired[str]
    """Ask this server, HOST[:PORT], instead of the DNS host's primary (or the zone's authoritative servers)."""
    nameservers: NotRequired[list[str]]
    """Ask these servers, HOST[:PORT] each, instead of the primary and the zone's public NS set."""
    timeout: NotRequired[float]
    """Seconds to keep checking before the domain stays pending (default 600, at most 7200)."""


class Checks(TypedDict):
    """The service guide's recommendations (docs/rules.md)."""

    subdomain: NotRequired[Severity]
    """Send from a subdomain (notify.example.com), not the organisation's own domain (default warn)."""
    type_separation: NotRequired[Severity]
    """Triggered and batch mail on different domains (default error)."""
    existing_email_dns: NotRequired[Severity]
    """Email records at our names that this stack did not write: read and planned at preview (default error)."""


class SenderDomainArgs(TypedDict):
    """One sender domain."""

    domain: pulumi.Input[str]
    """The sender domain, e.g. notify.example.com (normalised: case, trailing dot, IDNA); inside the DNS zone."""
    type: pulumi.Input[MailType]
    """triggered (transactional) or batch (marketing)."""
    dns: DnsTarget
    """Where the records go: exactly one of rfc2136, route53, dnspod, external."""
    ledger: NotRequired[Ledger]
    """The account's ledger (default: SQLite in .state/ledger.sqlite of the project folder)."""
    dmarc_policy: NotRequired[pulumi.Input[DmarcPolicy]]
    """The DMARC policy published at _dmarc.<domain> (default none)."""
    dkim_selector: NotRequired[pulumi.Input[str]]
    """The DKIM selector (default the profile's: qcloud)."""
    dkim_key_bits: NotRequired[pulumi.Input[int]]
    """The DKIM key's size, 2048 (default) or 1024; the key is made once and kept."""
    adopt: NotRequired[pulumi.Input[bool]]
    """Take over email records at our names that this stack did not write (default false)."""
    retire: NotRequired[bool]
    """Stop managing the domain: lift its protection and let Pulumi forget it, deleting nothing (default false)."""
    verification: NotRequired[Verification]
    """How the records are checked."""
    checks: NotRequired[Checks]
    """The service guide's recommendations, each error, warn or off."""
    profile: NotRequired[str]
    """The service profile: tencent-ses (default)."""


__all__ = [
    "Checks",
    "DmarcPolicy",
    "DnsTarget",
    "DnspodDns",
    "DynamoDbLedger",
    "ExternalDns",
    "Ledger",
    "MailType",
    "Rfc2136Dns",
    "Route53Dns",
    "SenderDomainArgs",
    "Severity",
    "SqliteLedger",
    "TencentLedger",
    "Verification",
]
