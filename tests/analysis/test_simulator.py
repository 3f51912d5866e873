"""The simulator behaves like a fridge seen through Home Assistant, reproducibly."""

from __future__ import annotations

from itertools import pairwise

from custom_components.fridge_care.analysis.model import FaultCode, Role
from fridge_sim import FaultInjection, FridgeSimulator, Scenario, simulate

from .conftest import HOUR, START


def test_same_seed_same_fridge_and_time_order() -> None:
    scenario = Scenario(seed=11, days=0.5, start=START)
    first, second = simulate(scenario), simulate(scenario)
    assert first == second
    assert all(a.at <= b.at for a, b in pairwise(first))
    assert {s.role for s in first} == set(Role)
    assert first[0].at == START


def test_stepping_live_gives_the_same_samples() -> None:
    scenario = Scenario(seed=12, days=0.25, start=START)
    sim = FridgeSimulator(scenario)
    stepped = []
    while sim.t < START + 6 * HOUR:
        stepped.extend(sim.advance(sim.t + 45))
    assert stepped == simulate(scenario)


def test_only_the_houses_sensors_report() -> None:
    roles = frozenset({Role.FRIDGE_TEMP, Role.COMPRESSOR_POWER})
    samples = simulate(Scenario(seed=1, days=0.2, start=START, roles=roles))
    assert {s.role for s in samples} == roles


def test_healthy_fridge_keeps_food_cold_and_cycles() -> None:
    samples = simulate(Scenario(seed=3, days=2.0, start=START))
    fridge = [s.value for s in samples if s.role is Role.FRIDGE_TEMP and s.value is not None]
    freezer = [s.value for s in samples if s.role is Role.FREEZER_TEMP and s.value is not None]
    power = [s.value for s in samples if s.role is Role.COMPRESSOR_POWER and s.value is not None]
    assert 1.5 < sum(fridge) / len(fridge) < 4.0
    assert -22 < sum(freezer) / len(freezer) < -15
    assert min(power) < 5 and max(power) > 200  # idle, running, inrush and defrost heater


def test_outage_makes_the_plug_unavailable_and_the_fridge_warm() -> None:
    scenario = Scenario(
        seed=1,
        days=0.5,
        start=START,
        faults=(FaultInjection(FaultCode.POWER_OUTAGE, start_h=2.0, duration_h=4.0),),
    )
    samples = simulate(scenario)
    power = [s for s in samples if s.role is Role.COMPRESSOR_POWER]
    during = [s for s in power if START + 2 * HOUR < s.at < START + 6 * HOUR]
    assert [s.value for s in during] == [None]  # one state change: unavailable
    assert during[0].at < START + 2.1 * HOUR
    after = [s for s in power if s.at > START + 6 * HOUR]
    assert after and after[0].value is not None
    fridge = [s for s in samples if s.role is Role.FRIDGE_TEMP and s.value is not None]
    at_loss = next(s.value for s in fridge if s.at >= START + 2 * HOUR)
    before_return = [s.value for s in fridge if s.at < START + 6 * HOUR][-1]
    assert before_return is not None and at_loss is not None
    assert before_return > at_loss + 1.0


def test_random_gaps_and_outages_are_drawn() -> None:
    scenario = Scenario(seed=9, days=4.0, start=START, sensor_gaps_per_day=2.0, outages_per_day=1.0)
    samples = simulate(scenario)
    unavailable = {s.role for s in samples if s.value is None}
    assert Role.COMPRESSOR_POWER in unavailable
    assert len(unavailable) >= 3
