"""Per-sensor bookkeeping: held readings, availability, plausibility, means, food exposure."""

from __future__ import annotations

import math

import pytest

from custom_components.fridge_care.analysis.plausibility import Plausibility
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


def test_a_reading_holds_until_the_next_state() -> None:
    """Home Assistant records a state only when it changes: hours of silence are a steady value."""
    signal = Signal()
    assert signal.update(0.0, 3.0)
    signal.advance(4 * 3600.0)
    assert signal.bucket_means(0.0, 4 * 3600.0) == [3.0] * 24
    assert signal.available()
    assert signal.changed_at == 0.0
    assert signal.gap_end is None  # silence is not a blind spell


def test_only_unavailable_is_a_blind_spell() -> None:
    signal = Signal()
    assert signal.update(10.0, 3.0)
    assert not signal.update(5.0, 3.5)  # older than the last state: ignored
    assert signal.update(20.0, None)
    assert signal.update(30.0, None)
    assert signal.unavailable_since == 20.0
    assert not signal.available()
    assert signal.update(600.0, 3.1)  # ten minutes away: too short to hide a defrost
    assert signal.unavailable_since is None
    assert signal.gap_end is None
    assert signal.update(700.0, None)
    assert signal.update(700.0 + 1800.0, 3.2)
    assert signal.gap_end == 2500.0
    signal.advance(3000.0)
    assert signal.bucket_means(600.0, 3000.0) == [pytest.approx(3.1), 3.2]  # unseen: skipped


def test_a_probe_climbing_to_the_room_in_small_steps_is_set_aside() -> None:
    """A fridge probe lifted out reports every half kelvin on its way up: the climb is caught."""
    probe = Plausibility()
    for minute in range(30):
        assert probe.check(60.0 * minute, 3.0 + 0.1 * (minute % 3), -30.0, 50.0, k_per_min=4.0)
    climb = [(1800.0 + 10 * k, 3.0 + 1.5 * k) for k in range(1, 15)]  # to 24 °C in 140 s
    taken = [probe.check(at, value, -30.0, 50.0, k_per_min=4.0) for at, value in climb]
    assert not any(taken[5:])  # once it climbs faster than a fridge can, nothing more is believed
    for k in range(1, 10):  # back in place: the probe settles and is believed again
        assert probe.check(1950.0 + 60 * k, 3.0, -30.0, 50.0, k_per_min=4.0)
    assert probe.faulty_since(1950.0 + 60 * 20) is None  # it was handling, not a faulty sensor


def test_a_probe_lifted_out_is_set_aside_but_a_broken_one_is_faulty() -> None:
    probe = Plausibility()
    readings = [(0.0, -18.7), (60.0, 8.4), (120.0, 6.0), (180.0, -17.0), (240.0, -18.5)]
    taken = [probe.check(at, value, -50.0, 40.0, k_per_min=6.0) for at, value in readings]
    assert taken == [True, False, False, True, True]
    assert probe.faulty_since(240.0) is None  # two readings of handling, not a stream
    broken = Plausibility()
    for k in range(90):
        broken.check(10.0 * k, -55.0 if k % 2 else 85.0, -50.0, 40.0, k_per_min=6.0)
    assert broken.faulty_since(900.0) == 0.0


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


def test_a_coarse_sensor_is_above_the_limit_only_beyond_half_its_step() -> None:
    """A sensor reporting in 2.5 K steps that reads 5.0 °C may be at 3.8 °C: not yet unsafe."""
    zone = Compartment()
    for minute, value in enumerate([2.5, 5.0, 2.5, 5.0, 5.0]):
        zone.update(600.0 * minute, value, 4.4)
    assert zone.step == 2.5
    assert zone.above_since is None
    zone.update(3600.0, 7.5, 4.4)  # truly warm: at least 6.25 °C
    assert zone.above_since == 3600.0


def test_a_probe_in_a_bottle_settling_back_slowly_is_set_aside_but_not_faulty() -> None:
    """Back in the fridge after three minutes in a 22 °C room, it needs half an hour to settle."""
    probe = Plausibility()
    for minute in range(30):
        assert probe.check(60.0 * minute, 4.0, -30.0, 50.0, k_per_min=4.0)
    t, value = 1800.0, 4.0
    for _ in range(18):  # three minutes in the room
        t, value = t + 10, value + (22.0 - value) * (1 - math.exp(-10 / 80))
        probe.check(t, round(value, 1), -30.0, 50.0, k_per_min=4.0)
    taken = []
    for _ in range(240):  # forty minutes settling back, time constant ten minutes
        t, value = t + 10, value + (4.0 - value) * (1 - math.exp(-10 / 600))
        taken.append(probe.check(t, round(value, 1), -30.0, 50.0, k_per_min=4.0))
        streak = probe.faulty_since(t)
        assert streak is None or t - streak < 1800  # never the half-hour stream of a fault
    assert not taken[0] and taken[-1]  # set aside until it reads the compartment again
