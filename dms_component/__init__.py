"""Email sender domains for Tencent Cloud's email service (DMS/SES), as Pulumi infrastructure.

    from dms_component import SenderDomain, SenderDomainArgs, Rfc2136Dns

is the whole API for a program of your own (see README, "Using the component from your own program").
The layers below it install inside this package: `dms_component.core` (pure) <- `dms_component.providers`
(adapters, then the Pulumi resources) <- this package's modules.
"""

from dms_component.args import ChecksArgs, SenderDomainArgs, VerificationArgs
from dms_component.component import SenderDomain
from dms_component.errors import ConfigError, DmsError
from dms_component.providers.adapters.dns.dnspod import DnspodDns
from dms_component.providers.adapters.dns.external import ExternalDns
from dms_component.providers.adapters.dns.rfc2136 import Rfc2136Dns
from dms_component.providers.adapters.dns.route53 import Route53Dns
from dms_component.providers.adapters.ledger.dynamodb import DynamoDbLedgerArgs
from dms_component.providers.adapters.ledger.sqlite import SqliteLedgerArgs
from dms_component.providers.adapters.ledger.tencent import TencentLedgerArgs

__all__ = [
    "ChecksArgs",
    "ConfigError",
    "DmsError",
    "DnspodDns",
    "DynamoDbLedgerArgs",
    "ExternalDns",
    "Rfc2136Dns",
    "Route53Dns",
    "SenderDomain",
    "SenderDomainArgs",
    "SqliteLedgerArgs",
    "TencentLedgerArgs",
    "VerificationArgs",
]
