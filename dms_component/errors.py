"""The errors a user can cause or fix; they live in the core, which owns them (see core/errors.py)."""

from dms_component.core.errors import (
    ChangeRefused,
    ConfigError,
    DmsError,
    DnsUpdateError,
    DomainHasAddresses,
    DomainNotVerified,
    PlanRefused,
    QuotaExceeded,
    SenderQuotaExceeded,
    ServiceError,
    VerifiedDomainProtected,
)

__all__ = [
    "ChangeRefused",
    "ConfigError",
    "DmsError",
    "DnsUpdateError",
    "DomainHasAddresses",
    "DomainNotVerified",
    "PlanRefused",
    "QuotaExceeded",
    "SenderQuotaExceeded",
    "ServiceError",
    "VerifiedDomainProtected",
]
