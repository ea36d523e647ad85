"""Email sender domains for Tencent Cloud's email service (DMS/SES), as Pulumi infrastructure.

    from dms_component import SenderDomain, SenderDomainArgs, Rfc2136Dns

is the whole API for a program of your own (see README, "Using the component from your own program").
"""

from __future__ import annotations

import importlib
from typing import Any

from dms_component.errors import ConfigError, DmsError

# Name -> the module that defines it. Loaded lazily: the `dms` CLI and the pure core don't need Pulumi.
_API = {
    "SenderDomain": "dms_component.component",
    "SenderDomainArgs": "dms_component.args",
    "VerificationArgs": "dms_component.args",
    "ChecksArgs": "dms_component.args",
    "Rfc2136Dns": "providers.dns.rfc2136",
    "Route53Dns": "providers.dns.route53",
    "DnspodDns": "providers.dns.dnspod",
    "ExternalDns": "providers.dns.external",
    "SqliteLedgerArgs": "providers.ledger.sqlite",
    "DynamoDbLedgerArgs": "providers.ledger.dynamodb",
    "TencentLedgerArgs": "providers.ledger.tencent",
}

__all__ = ["ConfigError", "DmsError", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(name)
