"""The power signature is learned from the appliance's own readings, whatever its levels."""

from __future__ import annotations

import pytest

from custom_components.fridge_care.analysis.power import PowerSignature

HOUR = 3600.0


def learned(levels: list[tuple[float, float]], days: float = 1.0) -> PowerSignature:
    """A signature that saw ``levels`` (watts, share of the time) for ``days``."""
    signature = PowerSignature()
    for watts, share in levels:
        signature.book(watts, share * days * 24 * HOUR)
    signature.relearn(days * 24 * HOUR)
    return signature


@pytest.mark.parametrize(
    ("off", "run"),
    [(16.0, 115.0), (0.0, 64.0), (1.6, 168.0), (8.0, 52.0)],
    ids=["standby 16 W", "mechanical thermostat", "freezer", "small fridge"],
)
def test_off_and_running_levels(off: float, run: float) -> None:
    # Besides: the door lamp over standby and over a run, and a pull-down surge fading.
    signature = learned(
        [(off, 0.7), (run, 0.27), (off + 30.0, 0.01), (run + 30.0, 0.01)]
        + [(run * (1.1 + 0.02 * k), 0.001) for k in range(10)]
    )
    assert signature.off_w == pytest.approx(off, abs=max(1.0, 0.05 * off))
    assert signature.run_w == pytest.approx(run, rel=0.05)
    assert signature.off_w < signature.off_below_w < signature.on_w < signature.run_w
    # a failed start rises above the brightest door lamp (10-40 W) over the standby, at most to
    # the locked-rotor level above the run
    assert signature.off_w + 40.0 < signature.attempt_w <= 1.25 * signature.run_w
    assert signature.heater_floor_w >= max(1.6 * signature.run_w, signature.run_w + 60)


def test_an_appliance_that_never_switches_off_has_no_levels() -> None:
    signature = learned([(78.0, 0.5), (79.0, 0.3), (81.0, 0.2)], days=10)
    assert not signature.known


@pytest.mark.parametrize(
    ("off", "rest_share"),
    [(0.0, 0.06), (0.0, 0.03), (12.0, 0.05)],
    ids=["mechanical, rests 6 %", "mechanical, rests 3 %", "standby 12 W, rests 5 %"],
)
def test_a_compressor_that_hardly_stops_in_a_hot_room_is_never_the_standby(
    off: float, rest_share: float
) -> None:
    """A 31 °C room: the compressor runs 80 % of the time and the heater 13 %.

    The run holds the most time and the rests little: still the rests are the appliance off,
    and the run is the compressor, not the heater (whose 300 W would make every rest look like a
    power cut).
    """
    run_share = 0.87 - rest_share
    signature = learned([(off, rest_share), (101.0, run_share), (300.0, 0.13)], days=10)
    assert signature.off_w == pytest.approx(off, abs=1.0)
    assert signature.run_w == pytest.approx(101.0, rel=0.05)


def test_too_little_seen_is_not_enough() -> None:
    signature = PowerSignature()
    signature.book(1.0, 1200.0)
    signature.book(100.0, 600.0)
    signature.relearn(1800.0)
    assert not signature.known


def test_levels_once_found_survive_a_blurred_day_and_follow_a_change() -> None:
    signature = learned([(2.0, 0.7), (100.0, 0.3)])
    signature.book(100.0, 10 * 24 * HOUR)  # days of running without a stop blur the split
    signature.relearn(11 * 24 * HOUR)
    assert signature.run_w == pytest.approx(100.0, rel=0.05)
    for day in range(12, 40):  # a new compressor: within a few weeks it is the running level
        signature.book(2.0, 24 * HOUR * 0.7)
        signature.book(140.0, 24 * HOUR * 0.3)
        signature.relearn(day * 24 * HOUR)
    assert signature.run_w == pytest.approx(140.0, rel=0.05)


@pytest.mark.parametrize("heater_share", [0.09, 0.2], ids=["heater brief", "heater long"])
def test_a_small_compressor_is_not_mistaken_for_standby_beside_a_big_heater(
    heater_share: float,
) -> None:
    """10 W standby, a 58 W compressor, a 338 W heater: the compressor is the running level."""
    compressor = 0.3 - heater_share
    signature = learned([(10.0, 0.7), (68.0, compressor), (348.0, heater_share)])
    assert signature.off_w == pytest.approx(10.0, abs=1.0)
    assert signature.run_w == pytest.approx(68.0, rel=0.05)
    assert signature.heater_floor_w < 348.0


def test_levels_are_placed_for_show_from_the_first_rest_and_run_before_they_settle() -> None:
    """Forty minutes in, a rest at 16 W and a run at 115 W: the owner's figures use them."""
    signature = PowerSignature()
    signature.relearn(600.0)
    assert signature.shown_levels is None  # nothing seen
    signature.book(16.0, 1600.0)
    signature.relearn(1600.0)
    assert signature.shown_levels is None  # a rest alone: no run to tell it from
    signature.book(115.0, 800.0)
    signature.relearn(2400.0)
    assert not signature.known  # nothing is judged on them yet
    assert signature.shown_levels == pytest.approx((16.0, 115.0), rel=0.05)
    signature.book(16.0, 2 * HOUR)
    signature.relearn(3 * HOUR)
    assert signature.known
    assert signature.provisional_levels is None
    assert signature.shown_levels == (signature.off_w, signature.run_w)


@pytest.mark.parametrize(("run", "heater"), [(123.0, 180.0), (60.0, 150.0), (140.0, 400.0)])
def test_a_heater_close_above_the_run_is_told_from_it(run: float, heater: float) -> None:
    """A 180 W heater beside a 123 W compressor: the floor drops below it, never to a lamp."""
    signature = learned([(14.0, 0.7), (run, 0.27), (run + 40.0, 0.01), (heater, 0.02)])
    assert signature.heater_level_w == pytest.approx(heater, rel=0.05)
    assert run + 40.0 < signature.heater_floor_w < heater
