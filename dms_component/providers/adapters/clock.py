"""The time the DKIM key rotation reads: the wall clock, or, for tests only, DMS_NOW.

DMS_NOW (ISO 8601, e.g. 2027-01-01T00:00:00Z) makes every `pulumi up` and `dms status` of that process believe
it is that moment, so a test walks a rotation's seven-day overlap without sleeping through it. It is read here
and nowhere else; leave it unset outside tests.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from dms_component.core.dkim_rotation import parse_time

NOW_VARIABLE = "DMS_NOW"


def now() -> datetime:
    fixed = os.environ.get(NOW_VARIABLE)
    if fixed:
        moment = parse_time(fixed)
        if moment is not None:
            return moment
    return datetime.now(UTC)
