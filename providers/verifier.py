"""Verification: ask the zone's authoritative servers and judge each item, polling until a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from dms_component.core.nameservers import Nameserver
from dms_component.core.records import RequiredRecord
from dms_component.core.verdicts import DomainVerdict, judge
from providers.resolver import ask_all

FIRST_INTERVAL = 0.5
MAX_INTERVAL = 10.0


def verify_once(domain: str, required: Sequence[RequiredRecord], servers: Sequence[Nameserver]) -> DomainVerdict:
    answers = ask_all(servers, [(r.host, r.rtype) for r in required])
    return judge(domain, required, answers)


def verify_until(
    domain: str,
    required: Sequence[RequiredRecord],
    servers: Sequence[Nameserver],
    timeout: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> DomainVerdict:
    """Poll with a growing interval until every item passes or `timeout` seconds have passed."""
    deadline = clock() + timeout
    interval = FIRST_INTERVAL
    while True:
        verdict = verify_once(domain, required, servers)
        remaining = deadline - clock()
        if all(i.ok for i in verdict.items) or remaining <= 0:
            return verdict
        sleep(min(interval, remaining))
        interval = min(interval * 2, MAX_INTERVAL)
