"""A fridge watched by its smart plug alone, as most homes watch one: what power can tell."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from custom_components.fridge_care.analysis.model import EngineConfig, FaultCode, Role
from custom_components.fridge_care.analysis.replay import replay

START = 1_700_000_000.0
HOUR = 3600.0
STANDBY_W = 16.0
RUN_W = 115.0
PLUG = frozenset({Role.COMPRESSOR_POWER})


def push_on_change(
    hours: float, *, start: float = START
) -> Iterator[tuple[float, Role, float | None]]:
    """What Home Assistant records of a plug that reports on change only, no heartbeat.

    An electronic fridge: 16 W of standby, 20-minute runs at 115 W every hour; one state at each
    change, and nothing in between.
    """
    for hour in range(int(hours)):
        at = start + hour * HOUR
        yield at, Role.COMPRESSOR_POWER, STANDBY_W
        yield at + 2400, Role.COMPRESSOR_POWER, RUN_W + (hour % 3)
        yield at + 3599, Role.COMPRESSOR_POWER, STANDBY_W + 0.5 * (hour % 2)


def episodes(readings: list[tuple[float, Role, float | None]]) -> dict[FaultCode, list[float]]:
    found: dict[FaultCode, list[float]] = {}
    for episode in replay(readings, EngineConfig(roles=PLUG, learning_period_h=72.0)):
        found.setdefault(episode.code, []).append((episode.detected_at - START) / HOUR)
    return found


def test_hours_without_a_new_state_are_not_a_fault() -> None:
    assert episodes(list(push_on_change(10 * 24))) == {}


def test_a_plug_that_goes_unavailable_is_an_outage_not_a_sensor_fault() -> None:
    readings = list(push_on_change(100))
    cut = START + 100 * HOUR
    readings += [(cut, Role.COMPRESSOR_POWER, None)]
    readings += list(push_on_change(24, start=cut + 3 * HOUR))
    found = episodes(readings)
    assert 100.3 <= found[FaultCode.POWER_OUTAGE][0] <= 100.5  # within half an hour
    # With the plug alone a power cut and a dead plug look the same: after two hours the owner
    # is also told to check the plug.
    assert found[FaultCode.SENSOR_FAULT] == [pytest.approx(102.0, abs=0.05)]
    assert set(found) == {FaultCode.POWER_OUTAGE, FaultCode.SENSOR_FAULT}


def test_zero_watts_under_live_standby_is_an_outage_within_minutes() -> None:
    readings = list(push_on_change(100))
    cut = START + 100 * HOUR
    readings += [(cut, Role.COMPRESSOR_POWER, 0.0), (cut + 2 * HOUR, Role.COMPRESSOR_POWER, 16.0)]
    found = episodes(readings)
    assert set(found) == {FaultCode.POWER_OUTAGE}
    assert found[FaultCode.POWER_OUTAGE][0] - 100 <= 0.15


def test_a_compressor_that_never_runs_again_is_a_start_failure() -> None:
    """Standby alive (so the mains is there) and no run for hours: the compressor cannot start."""
    readings = list(push_on_change(100))
    readings += [(START + 100 * HOUR + 1, Role.COMPRESSOR_POWER, 16.5)]
    readings += [(START + 110 * HOUR, Role.COMPRESSOR_POWER, 16.0)]
    episodes_ = replay(readings, EngineConfig(roles=PLUG, learning_period_h=72.0))
    (failure,) = [e for e in episodes_ if e.code is FaultCode.COMPRESSOR_START_FAILURE]
    assert (failure.detected_at - START) / HOUR <= 102.5
    assert failure.confirmed
    assert failure.evidence["hours_without_run"] >= 2
