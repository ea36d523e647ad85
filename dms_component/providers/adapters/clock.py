"""The time the DKIM key rotation reads: the wall clock, or, for tests only, DMS_NOW.

DMS_NOW (ISO 8601, e.g. 2027-01-01T00:00:00Z) makes every `pulumi up` and `dms status` of that process believe
it is that moment, so a test walks a rotation's seven-day overlap without sleeping through it. It is read here
and nowhere else; leave it unset outside tests.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from dms_component.core.dkim_rotation import parse_time
from dms_component.core.errors import ConfigError

NOW_VARIABLE = "DMS_NOW"


def now() -> datetime:
    fixed = os.environ.get(NOW_VARIABLE)
    if not fixed:
        return datetime.now(UTC)
    try:
        moment = parse_time(fixed)
    except ValueError:
        moment = None
    if moment is None:
        # One line rather than a traceback; a wrong clock would move a rotation's steps.
        raise ConfigError(
            NOW_VARIABLE, f"{fixed!r} is not an ISO 8601 time (tests only: unset it)", code="config.clock"
        )
    return moment
