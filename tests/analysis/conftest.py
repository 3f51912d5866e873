"""Shared helpers for the engine tests: simulated fridges replayed the way Home Assistant would."""

from __future__ import annotations

from typing import Any

from custom_components.fridge_care.analysis.model import EngineConfig, FaultCode, FaultEpisode, Role
from custom_components.fridge_care.analysis.replay import replay
from fridge_sim import FaultInjection, Sample, Scenario, simulate

START = 1_700_000_000.0
HOUR = 3600.0


def run_scenario(
    code: FaultCode | None,
    *,
    seed: int = 1,
    days: float,
    start_h: float = 96.0,
    roles: frozenset[Role] = frozenset(Role),
    learning_h: float = 72.0,
    ramp_h: float | None = None,
    duration_h: float | None = None,
    **world: Any,
) -> tuple[list[Sample], list[FaultEpisode]]:
    """Simulate a fridge (optionally with one fault) and replay it through a fresh engine.

    ``ramp_h``, ``duration_h``: the fault's own (None: the simulator's default for its kind);
    ``world``: further :class:`Scenario` fields (the sensors' reporting, say).
    """
    faults = (
        (FaultInjection(code, start_h=start_h, ramp_h=ramp_h, duration_h=duration_h),)
        if code is not None
        else ()
    )
    scenario = Scenario(seed=seed, days=days, start=START, roles=roles, faults=faults, **world)
    samples = simulate(scenario)
    episodes = replay(samples, EngineConfig(roles=roles, learning_period_h=learning_h))
    return samples, episodes


def mechanical_plug(
    hours: int, start: float = START, run_w: float = 115.0
) -> list[tuple[float, Role, float | None]]:
    """What a plug on a mechanical thermostat records: each hour a 40-minute rest at 0 W, then a
    20-minute run."""
    readings: list[tuple[float, Role, float | None]] = []
    for hour in range(hours):
        at = start + hour * HOUR
        readings += [(at, Role.COMPRESSOR_POWER, 0.0), (at + 2400, Role.COMPRESSOR_POWER, run_w)]
    return readings


def first(episodes: list[FaultEpisode], code: FaultCode) -> FaultEpisode:
    """The first episode of ``code``; fails the test if there is none."""
    found = [e for e in episodes if e.code is code]
    assert found, f"no {code} among {[e.code.value for e in episodes]}"
    return found[0]


def hours_after(episode: FaultEpisode, start_h: float) -> float:
    """Detection time in hours after a fault injected at ``start_h``."""
    return (episode.detected_at - START) / HOUR - start_h
