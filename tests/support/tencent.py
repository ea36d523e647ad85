"""The Tencent Cloud shells pointed at the fake, with time the test owns: nothing here sleeps for real.

`Clock` is one clock for both sides: the fake's (limits, propagation, lag) and the shells' (retry and poll
waits), so a wait the code under test makes moves the fake's time by as much.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dms_component.providers.adapters.dns.dnspod import DnspodHost
from dms_component.providers.adapters.ledger.tencent import TencentLedger
from tests.fakes.tencent_cloud import FakeTencentCloud

ZONE = "example.test"


@dataclass
class Clock:
    now: float = 1_000_000.0
    waits: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def clocked(cloud: FakeTencentCloud) -> Clock:
    """Give the fake a clock of the test's (before it holds any record made on another clock)."""
    clock = Clock()
    cloud.clock = clock
    return clock


def _reaching(cloud: FakeTencentCloud, clock: Clock) -> dict[str, Any]:
    """What a client needs to reach the fake: its endpoint and key, and the test's time."""
    return {
        "endpoint": cloud.endpoint,
        "secret_id": cloud.secret_id,
        "secret_key": cloud.secret_key,
        "clock": clock,
        "sleep": clock.sleep,
    }


def ledger(cloud: FakeTencentCloud, clock: Clock | None = None, **kw: Any) -> TencentLedger:
    options = _reaching(cloud, clock or Clock())
    return TencentLedger(kw.pop("region", "ap-guangzhou"), **{**options, **kw})


def dnspod(cloud: FakeTencentCloud, clock: Clock | None = None, **kw: Any) -> DnspodHost:
    options = {**_reaching(cloud, clock or Clock()), "site": cloud.site}
    return DnspodHost(ZONE, **{**options, **kw})


def ledger_state(cloud: FakeTencentCloud, region: str = "ap-guangzhou") -> dict[str, Any]:
    """The ledger settings as a resource holds them (with the key, as a Pulumi secret hands it on)."""
    return {
        "backend": "tencent",
        "region": region,
        "endpoint": cloud.endpoint,
        "secret_id": cloud.secret_id,
        "secret_key": cloud.secret_key,
        "quota": 5,
        "verify_timeout": 0,
    }
