"""The rotation's clock: the wall clock, or DMS_NOW for tests; a DMS_NOW that isn't a time is one line naming it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dms_component.core.errors import ConfigError
from dms_component.providers.adapters import clock


def test_dms_now_fixes_the_clock_and_unset_is_the_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMS_NOW", "2027-01-05T00:00:00Z")
    assert clock.now() == datetime(2027, 1, 5, tzinfo=UTC)
    monkeypatch.delenv("DMS_NOW")
    before = datetime.now(UTC)
    assert before <= clock.now() <= datetime.now(UTC)


def test_a_dms_now_that_is_not_a_time_names_it_with_its_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMS_NOW", "tomorrow")
    with pytest.raises(ConfigError) as raised:
        clock.now()
    assert raised.value.code == "config.clock"
    assert str(raised.value).startswith("DMS_NOW: ") and "\n" not in str(raised.value)
