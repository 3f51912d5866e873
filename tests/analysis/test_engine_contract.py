"""The engine's surface as Home Assistant uses it: robust ingest, causal evaluate, figures."""

from __future__ import annotations

import math

import pytest

from custom_components.fridge_care.analysis.engine import Engine
from custom_components.fridge_care.analysis.model import (
    EngineConfig,
    FaultCode,
    HealthReport,
    Role,
    Status,
)
from fridge_sim import FaultInjection, Scenario, simulate

from .conftest import HOUR, START

FRIDGE = frozenset({Role.FRIDGE_TEMP, Role.DOOR})


def feed(
    engine: Engine, samples: list[tuple[float, Role, float | None]], every: float = 60.0
) -> list[HealthReport]:
    """Ingest samples and evaluate every ``every`` seconds, like the integration's timer."""
    reports = []
    due = samples[0][0] + every
    for at, role, value in samples:
        while at > due:
            reports.append(engine.evaluate(due))
            due += every
        engine.ingest(role, at, value)
    reports.append(engine.evaluate(samples[-1][0]))
    return reports


def door_opened(minutes: float) -> list[tuple[float, Role, float | None]]:
    samples: list[tuple[float, Role, float | None]] = [
        (START + 60 * i, Role.FRIDGE_TEMP, 3.0 + 0.1 * (i % 3)) for i in range(120)
    ]
    samples.append((START + 1800, Role.DOOR, 1.0))
    samples.append((START + 1800 + 60 * minutes, Role.DOOR, 0.0))
    return sorted(samples, key=lambda s: s[0])


def test_door_episode_is_detected_once_and_cleared_once() -> None:
    engine = Engine(EngineConfig(roles=FRIDGE))
    reports = feed(engine, door_opened(12))
    detected = [e for r in reports for e in r.detected]
    cleared = [e for r in reports for e in r.cleared]
    assert [e.code for e in detected] == [FaultCode.DOOR_LEFT_OPEN]
    assert [e.episode_id for e in cleared] == [detected[0].episode_id]
    assert detected[0].onset_at == START + 1800
    assert cleared[0].cleared_at == pytest.approx(START + 1800 + 720, abs=60)
    assert any(r.status is Status.ATTENTION for r in reports)
    assert reports[-1].status is Status.LEARNING
    assert reports[-1].active == ()


def test_short_door_opening_is_not_a_fault() -> None:
    engine = Engine(EngineConfig(roles=FRIDGE))
    reports = feed(engine, door_opened(2))
    assert not [e for r in reports for e in r.detected]


def test_sensitivity_shortens_the_wait() -> None:
    calm = feed(Engine(EngineConfig(roles=FRIDGE)), door_opened(4))
    assert not [e for r in calm for e in r.detected]
    keen = feed(Engine(EngineConfig(roles=FRIDGE, sensitivity=2.0)), door_opened(4))
    assert [e.code for r in keen for e in r.detected] == [FaultCode.DOOR_LEFT_OPEN]


def test_bad_values_and_disorder_never_raise() -> None:
    engine = Engine(EngineConfig(roles=FRIDGE))
    engine.ingest(Role.FRIDGE_TEMP, START, 3.0)
    engine.ingest(Role.FRIDGE_TEMP, START + 30, math.nan)
    engine.ingest(Role.FRIDGE_TEMP, START + 20, 3.1)  # slightly out of order: sorted in
    engine.ingest(Role.FRIDGE_TEMP, START + 20, 3.1)  # duplicate: dropped
    engine.ingest(Role.FRIDGE_TEMP, math.inf, 3.1)  # no usable time: dropped
    engine.ingest(Role.DOOR, START + 40, None)
    report = engine.evaluate(START + 60)
    assert report.status is Status.NO_DATA  # the last fridge reading says unavailable
    engine.ingest(Role.FRIDGE_TEMP, START + 10, 3.3)  # older than what was folded in: dropped
    engine.ingest(Role.FRIDGE_TEMP, START + 70, math.inf)
    engine.ingest(Role.FRIDGE_TEMP, START + 80, 3.2)
    assert engine.evaluate(START + 90).status is Status.LEARNING


def test_evaluate_is_causal() -> None:
    engine = Engine(EngineConfig(roles=FRIDGE))
    engine.ingest(Role.FRIDGE_TEMP, START, 3.0)
    engine.ingest(Role.DOOR, START + 10, 1.0)
    engine.ingest(Role.DOOR, START + 4000, 0.0)  # the future: kept for later
    engine.evaluate(START + 60)
    report = engine.evaluate(START + 900)
    assert [e.code for e in report.detected] == [FaultCode.DOOR_LEFT_OPEN]
    report = engine.evaluate(START + 4100)
    assert [e.code for e in report.cleared] == [FaultCode.DOOR_LEFT_OPEN]


def test_implausible_reading_is_a_sensor_fault_not_a_warm_fridge() -> None:
    engine = Engine(EngineConfig(roles=FRIDGE))
    samples: list[tuple[float, Role, float | None]] = [
        (START + 60 * i, Role.FRIDGE_TEMP, 3.0 if i < 30 else 85.0) for i in range(120)
    ]
    reports = feed(engine, samples)
    codes = {e.code for r in reports for e in r.detected}
    assert codes == {FaultCode.SENSOR_FAULT}
    assert reports[-1].food_exposure_s == 0.0


def test_food_exposure_and_time_to_unsafe() -> None:
    engine = Engine(EngineConfig(roles=frozenset({Role.FRIDGE_TEMP})))
    samples: list[tuple[float, Role, float | None]] = [  # warming 1 K per hour from 2 °C
        (START + 60 * i, Role.FRIDGE_TEMP, round(2.0 + i / 60, 2)) for i in range(6 * 60)
    ]
    reports = feed(engine, samples)
    warming = next(r for r in reports if r.at == START + 2 * HOUR)
    assert warming.time_to_unsafe_s is not None
    assert warming.time_to_unsafe_s == pytest.approx(0.4 * HOUR, rel=0.3)  # 4.0 °C, +1 K/h
    last = reports[-1]
    assert last.time_to_unsafe_s == 0.0
    assert last.food_exposure_s == pytest.approx(3.6 * HOUR, rel=0.05)
    assert last.status is Status.FAULT
    assert {e.code for e in last.active} == {FaultCode.UNSAFE_TEMPERATURE}
    assert last.health_score is not None and last.health_score <= 40


def test_reports_carry_the_fridge_figures_once_learned() -> None:
    scenario = Scenario(seed=5, days=3.5, start=START, faults=())
    engine = Engine(EngineConfig(roles=frozenset(Role), learning_period_h=24.0))
    report = feed(engine, list(simulate(scenario)))[-1]
    assert report.status is Status.OK
    assert report.learning_progress == 1.0
    assert report.health_score is not None and report.health_score > 80
    assert report.duty_cycle is not None and 0.1 < report.duty_cycle < 0.8
    assert report.starts_per_hour is not None and 0.3 < report.starts_per_hour < 4
    assert report.running_power_w is not None and 50 < report.running_power_w < 160
    assert report.last_defrost_at is not None and report.last_defrost_at > START


def test_reset_baseline_restarts_learning_and_clears_drift_faults() -> None:
    scenario = Scenario(
        seed=2,
        days=3.0,
        start=START,
        faults=(FaultInjection(FaultCode.POWER_FLUCTUATION, start_h=30.0),),
    )
    engine = Engine(EngineConfig(roles=frozenset(Role), learning_period_h=24.0))
    report = feed(engine, list(simulate(scenario)))[-1]
    assert FaultCode.POWER_FLUCTUATION in {e.code for e in report.active}
    engine.reset_baseline()
    after = engine.evaluate(report.at + 60)
    assert after.status is Status.LEARNING
    assert after.learning_progress < 0.01
    assert after.active == ()


def test_episode_ids_are_unique() -> None:
    engine = Engine(EngineConfig(roles=FRIDGE))
    samples = door_opened(10)
    later = [(at + 7200, role, value) for at, role, value in door_opened(10)]
    reports = feed(engine, samples + later)
    ids = [e.episode_id for r in reports for e in r.detected]
    assert len(ids) == 2
    assert len(set(ids)) == 2
