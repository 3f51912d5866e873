"""Per-sensor bookkeeping: availability, stuck values, time-weighted means, food exposure."""

from __future__ import annotations

from custom_components.fridge_care.analysis.signals import Compartment, Door, Signal


def test_signal_means_are_time_weighted() -> None:
    signal = Signal()
    signal.update(0.0, 2.0)
    signal.update(540.0, 8.0)  # 2 °C for 9 minutes, then 8 °C for 1
    signal.update(600.0, 8.0)  # same value again: only the time moves on
    signal.update(1200.0, 2.0)
    assert signal.mean(0.0, 599.0) is not None
    assert abs((signal.mean(0.0, 599.0) or 0) - 2.6) < 1e-9
    assert signal.bucket_means(0.0, 1200.0) == [2.6, 8.0]
    assert signal.changed_at == 1200.0
    assert signal.mean(10_000.0, 20_000.0) is None


def unavailable_since(signal: Signal) -> float | None:
    return signal.unavailable_since


def test_signal_availability_and_stale_samples() -> None:
    signal = Signal()
    assert signal.update(10.0, 3.0)
    assert not signal.update(5.0, 3.5)
    assert signal.update(20.0, None)
    assert signal.update(30.0, None)
    assert unavailable_since(signal) == 20.0
    assert signal.fresh(40.0, 60.0) is None
    assert signal.update(50.0, 3.1)
    assert unavailable_since(signal) is None
    assert signal.fresh(60.0, 60.0) == 3.1
    assert signal.fresh(500.0, 60.0) is None


def test_compartment_exposure_counts_one_excursion() -> None:
    zone = Compartment()
    for minute, value in [(0, 3.0), (10, 5.0), (40, 6.0), (70, 4.0), (80, 3.0), (130, 3.0)]:
        zone.update(60.0 * minute, value, 4.4)
    assert zone.above_since is None
    assert zone.excursion_exposure_s == 0.0  # back in range for over half an hour
    zone.update(200 * 60.0, 5.0, 4.4)
    zone.update(230 * 60.0, 5.5, 4.4)
    assert zone.excursion_exposure_s == 1800.0
    assert zone.peak_c == 5.5
    zone.update(240 * 60.0, None, 4.4)
    zone.update(300 * 60.0, 5.0, 4.4)
    assert zone.excursion_exposure_s == 1800.0  # an unavailable sensor is not counted


def test_door_counts_openings() -> None:
    door = Door()
    door.update(0.0, 1.0)
    door.update(5.0, 1.0)
    door.update(20.0, 0.0)
    door.update(30.0, 1.0)
    assert door.openings == 2
    assert door.open_since == 30.0
    door.update(40.0, None)
    assert door.open_since is None
