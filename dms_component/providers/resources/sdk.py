"""Where dms leans on the Pulumi SDK beyond its public API, and the one line it prints when an SDK differs.

Two workarounds, each behind one function: base.py's `flat_provider_pickling` (the SDK's provider
serialization nests pickle's dict writer once more at every dynamic resource) and threads.py's
`widen_dynamic_host` (the dynamic-provider host serves 4 calls at once). Both are only ever faster or safer
with them than without, so on an SDK whose internals are not as we know them each is skipped with one warning
line instead of failing the deployment. `make sdk-range` tests both at each end of the declared range.
"""

from __future__ import annotations

import re
from importlib import metadata

import pulumi

UNKNOWN_SDK = "sdk.unknown"  # the warning's stable code
PACKAGE = "dms-sender-domains"
_PULUMI = re.compile(r"pulumi\s*([<>=!~][^;]*)$")  # a requirement of pulumi itself, without a marker


def sdk_version() -> str:
    try:
        return metadata.version("pulumi")
    except metadata.PackageNotFoundError:
        return "(unknown version)"


def tested_range() -> str:
    """The Pulumi SDK range this package declares (pyproject.toml), e.g. `pulumi>=3.237.0`."""
    try:
        for line in metadata.requires(PACKAGE) or []:
            if found := _PULUMI.match(line.strip()):
                return f"pulumi{found.group(1).replace(' ', '')}"
    except metadata.PackageNotFoundError:  # run from a checkout on PYTHONPATH, not installed
        pass
    return "the pulumi range in its pyproject.toml"


def skipped(missing: str, effect: str) -> str:
    """Warn, in one line, that this SDK lacks `missing` as we know it and a workaround is off; the line."""
    line = (
        f"{UNKNOWN_SDK}: pulumi {sdk_version()} has no {missing} as {PACKAGE} knows it "
        f"(tested with {tested_range()}), so {effect}"
    )
    pulumi.log.warn(line)
    return line
