"""Email sender domains for Tencent Cloud's email service (DMS/SES), as Pulumi infrastructure.

    from dms_component import SenderDomain, SenderDomainArgs, Rfc2136Dns

is the whole API for a program of your own (see README, "Using it from your program"). The layers sit inside
this package, each in the folder its import name says: `dms_component.core` (pure) <- `dms_component.providers`
(adapters, then the Pulumi resources) <- this package's modules.

The names below load on first use: importing a core module (or `dms verify`) doesn't load Pulumi.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dms_component.hosts import HOSTS

if TYPE_CHECKING:
    from dms_component.args import ChecksArgs as ChecksArgs
    from dms_component.args import SenderAddressArgs as SenderAddressArgs
    from dms_component.args import SenderDomainArgs as SenderDomainArgs
    from dms_component.args import VerificationArgs as VerificationArgs
    from dms_component.component import SenderDomain as SenderDomain
    from dms_component.core.errors import ConfigError as ConfigError
    from dms_component.core.errors import DmsError as DmsError
    from dms_component.hosts import *  # noqa: F403

# Each exported name -> the module that defines it.
_WHERE = {
    "ChecksArgs": "dms_component.args",
    "SenderAddressArgs": "dms_component.args",
    "SenderDomainArgs": "dms_component.args",
    "VerificationArgs": "dms_component.args",
    "SenderDomain": "dms_component.component",
    "ConfigError": "dms_component.core.errors",
    "DmsError": "dms_component.core.errors",
    **HOSTS,
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'dms_component' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value  # once found, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


__all__ = sorted(_WHERE)
