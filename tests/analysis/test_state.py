"""The engine's state survives a Home Assistant restart exactly, and bad state is refused."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from custom_components.fridge_care.analysis.engine import Engine, StateVersionError
from custom_components.fridge_care.analysis.model import EngineConfig, FaultCode, HealthReport, Role
from fridge_sim import FaultInjection, FridgeSimulator, Scenario

from .conftest import START

CONFIG = EngineConfig(roles=frozenset(Role), learning_period_h=24.0)


def drive(engine: Engine, sim: FridgeSimulator, until: float) -> list[HealthReport]:
    reports = []
    while sim.t + 60 <= until:
        for at, role, value in sim.advance(sim.t + 60):
            engine.ingest(role, at, value)
        reports.append(engine.evaluate(sim.t))
    return reports


def saved(engine: Engine) -> dict[str, Any]:
    """What Home Assistant's Store would write and read back."""
    state: dict[str, Any] = json.loads(json.dumps(engine.to_dict(), allow_nan=False))
    return state


@pytest.fixture(scope="module")
def halfway() -> tuple[Engine, dict[str, Any], float]:
    """An engine that has learned its fridge, mid-way through a short-cycling fault."""
    scenario = Scenario(
        seed=4,
        days=3.0,
        start=START,
        faults=(FaultInjection(FaultCode.SHORT_CYCLING, start_h=30.0),),
    )
    sim = FridgeSimulator(scenario)
    engine = Engine(CONFIG)
    reports = drive(engine, sim, START + 36 * 3600)
    assert any(r.active for r in reports)
    assert engine.to_dict()["baseline"]["duty_profile"]  # learned figures are saved too
    return engine, saved(engine), sim.t


def test_round_trip_continues_identically() -> None:
    scenario = Scenario(
        seed=4,
        days=3.0,
        start=START,
        faults=(FaultInjection(FaultCode.SHORT_CYCLING, start_h=30.0),),
    )
    sim_a, sim_b = FridgeSimulator(scenario), FridgeSimulator(scenario)
    original = Engine(CONFIG)
    drive(original, sim_a, START + 36 * 3600)
    drive(Engine(CONFIG), sim_b, START + 36 * 3600)  # keep the twin simulator in step
    assert original.to_dict()["baseline"]["duty_profile"] is not None
    restored = Engine.from_dict(saved(original), CONFIG)
    assert saved(restored) == saved(original)
    assert drive(restored, sim_b, START + 48 * 3600) == drive(original, sim_a, START + 48 * 3600)


def test_episode_ids_survive_a_restart(halfway: tuple[Engine, dict[str, Any], float]) -> None:
    engine, state, at = halfway
    before = {e.episode_id for e in engine.evaluate(at).active}
    after = {
        e.episode_id for e in Engine.from_dict(copy.deepcopy(state), CONFIG).evaluate(at).active
    }
    assert before and after == before


def test_state_is_bounded_json(halfway: tuple[Engine, dict[str, Any], float]) -> None:
    _, state, _ = halfway
    assert state["version"] == Engine.STATE_VERSION
    assert len(json.dumps(state)) < 400_000


@pytest.mark.parametrize(
    "damage",
    [
        lambda s: s.update(version=999),
        lambda s: s.pop("tracker"),
        lambda s: s["tracker"].pop("cycles"),
        lambda s: s["tracker"].update(cycles="many"),
        lambda s: s["tracker"].update(cycles=[[1, 2]]),
        lambda s: s["signals"]["fridge_temp"].update(value="warm"),
        lambda s: s["episodes"].update(active=[{"code": "melting"}]),
        lambda s: s["pending"].append(["x", "fridge_temp", 1.0]),
        lambda s: s.update(features={"bogus": 1}),
    ],
)
def test_damaged_state_is_refused(
    halfway: tuple[Engine, dict[str, Any], float], damage: Any
) -> None:
    state = copy.deepcopy(halfway[1])
    damage(state)
    with pytest.raises(StateVersionError):
        Engine.from_dict(state, CONFIG)


def test_not_a_state_at_all() -> None:
    with pytest.raises(StateVersionError):
        Engine.from_dict([1, 2, 3], CONFIG)
    with pytest.raises(ValueError, match="version"):
        Engine.from_dict({"version": 0}, CONFIG)
