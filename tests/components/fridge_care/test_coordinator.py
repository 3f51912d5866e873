"""Tests for the fridge coordinator: evaluation off the event loop, and memory across restarts."""

from __future__ import annotations

import threading
from typing import Any
from unittest.mock import patch

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.fridge_care.analysis.engine import Engine
from custom_components.fridge_care.analysis.model import HealthReport

from .common import (
    SIMULATED,
    START,
    FridgeDriver,
    async_setup_integration,
    settle,
    simulated,
)


@SIMULATED
async def test_the_engine_runs_in_the_executor_with_the_readings(
    hass: HomeAssistant, init_integration: MockConfigEntry, driver: FridgeDriver
) -> None:
    """Evaluations never run on the event loop, and the minute's readings go with them.

    The engine is not thread-safe: nothing feeds it from the loop while it evaluates.
    """
    threads: list[tuple[bool, int]] = []
    evaluate, ingest = Engine.evaluate, Engine.ingest

    def evaluate_off_the_loop(engine: Engine, now: float) -> HealthReport:
        threads.append((threading.current_thread() is threading.main_thread(), len(threads)))
        return evaluate(engine, now)

    def ingest_off_the_loop(engine: Engine, *args: Any, **kwargs: Any) -> None:
        assert threading.current_thread() is not threading.main_thread()
        ingest(engine, *args, **kwargs)

    driver.load(simulated(0.05))
    with (
        patch.object(Engine, "evaluate", evaluate_off_the_loop),
        patch.object(Engine, "ingest", ingest_off_the_loop),
    ):
        await driver.play()
    assert threads
    assert not any(on_loop for on_loop, _ in threads)


@SIMULATED
async def test_learning_survives_a_restart(
    hass: HomeAssistant, learned: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """After a restart the fridge is judged at once instead of learning for days again."""
    assert await hass.config_entries.async_reload(learned.entry_id)
    await settle(hass)
    stored = hass_storage[f"fridge_care.{learned.entry_id}"]
    assert stored["data"]["engine"]["version"] == Engine.STATE_VERSION
    assert hass.states.get("sensor.kitchen_fridge_status").state == "ok"
    assert float(hass.states.get("sensor.kitchen_fridge_learning_progress").state) == 100.0


@SIMULATED
async def test_learning_is_written_when_home_assistant_stops(
    hass: HomeAssistant, learned: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """Stopping Home Assistant writes the engine's memory without waiting for the next save."""
    key = f"fridge_care.{learned.entry_id}"
    hass_storage.pop(key, None)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await settle(hass)
    assert hass_storage[key]["data"]["engine"]["version"] == Engine.STATE_VERSION


async def test_unreadable_memory_starts_learning_afresh(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    driver: FridgeDriver,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Memory from an unknown engine version is set aside with a warning, not a crash."""
    await driver.tick(START)
    hass_storage[f"fridge_care.{config_entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"fridge_care.{config_entry.entry_id}",
        "data": {"engine": {"version": 999}, "acknowledged": {}},
    }
    await async_setup_integration(hass, config_entry)
    driver.load(simulated(0.2))
    await driver.play()
    assert "starting over" in caplog.text
    assert hass.states.get("sensor.kitchen_fridge_status").state == "learning"
