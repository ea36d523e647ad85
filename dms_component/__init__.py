"""Email sender domains for Tencent Cloud's email service (DMS/SES), as Pulumi infrastructure.

    from dms_component import SenderDomain, SenderDomainArgs, Rfc2136Dns

is the whole API for a program of your own (see README, "Using the component from your own program").
The layers below it install inside this package: `dms_component.core` (pure) <- `dms_component.providers`
(adapters, then the Pulumi resources) <- this package's modules.
"""

from dms_component import hosts
from dms_component.args import ChecksArgs, SenderDomainArgs, VerificationArgs
from dms_component.component import SenderDomain
from dms_component.errors import ConfigError, DmsError
from dms_component.hosts import *  # noqa: F403  (every DNS host's and ledger's settings class)

__all__ = [
    "ChecksArgs",
    "ConfigError",
    "DmsError",
    "SenderDomain",
    "SenderDomainArgs",
    "VerificationArgs",
    *hosts.__all__,
]
