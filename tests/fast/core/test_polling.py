"""The polling schedule (core/polling.py): short at first, proportional, capped."""

from __future__ import annotations

import bisect
import itertools

import pytest

from dms_component.core.polling import DEFAULT, Schedule


def test_interval_grows_from_first_to_cap() -> None:
    s = Schedule(first=0.2, fraction=0.025, cap=10)  # not the default: the arithmetic is the point
    assert s.interval(0) == 0.2
    assert s.interval(4) == 0.2
    assert s.interval(30) == pytest.approx(0.75)
    assert s.interval(10_000) == 10


def poll_times(schedule: Schedule, horizon: float) -> list[float]:
    """When polls start, from 0 up to `horizon`, if each poll took no time (as the verifier's loop waits)."""
    times, t = [0.0], 0.0
    while (t := t + schedule.interval(t)) <= horizon:
        times.append(t)
    return times


def extra_after(schedule: Schedule, served_at: float) -> float:
    """How long after `served_at` the next poll comes (polls taking no time)."""
    times = poll_times(schedule, served_at * 2 + 30)
    return times[bisect.bisect_left(times, served_at)] - served_at


@pytest.mark.parametrize("delay", [5.0, 30.0])
def test_time_added_to_a_propagation_delay_is_well_under_a_second(delay: float) -> None:
    # Over delays spread around `delay` (the phase of the polls varies), the median extra wait.
    extras = sorted(extra_after(DEFAULT, delay + k / 100) for k in range(-100, 100))
    median = extras[len(extras) // 2]
    assert median < 0.5
    assert max(extras) <= DEFAULT.interval(delay + 1) + 1e-9


def test_polls_in_ten_minutes_stay_few() -> None:
    assert len(poll_times(DEFAULT, 600)) < 300


def test_poll_times_start_at_zero_and_increase() -> None:
    times = poll_times(DEFAULT, 60)
    assert times[0] == 0
    assert all(b > a for a, b in itertools.pairwise(times))
    assert times[-1] <= 60
