"""Tests for remembering what was learned: Store across restarts, and recorder backfill."""

from __future__ import annotations

from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.fridge_care.analysis.engine import Engine

from .conftest import FridgeDriver, set_up_fridge, simulated


@pytest.fixture
async def learned(hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver) -> None:
    """A fridge that has finished learning."""
    driver.load(simulated(1.1))
    await set_up_fridge(hass, config_entry, driver)
    await driver.play()
    assert hass.states.get("sensor.kitchen_fridge_status").state == "ok"


@pytest.mark.usefixtures("learned")
async def test_learning_survives_a_restart(
    hass: HomeAssistant, config_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """After a restart the fridge is judged at once instead of learning for days again."""
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[f"fridge_care.{config_entry.entry_id}"]
    assert stored["data"]["engine"]["version"] == Engine.STATE_VERSION
    assert hass.states.get("sensor.kitchen_fridge_status").state == "ok"
    assert float(hass.states.get("sensor.kitchen_fridge_learning_progress").state) == 100.0


@pytest.mark.usefixtures("learned")
async def test_learning_is_written_when_home_assistant_stops(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    driver: FridgeDriver,
    hass_storage: dict[str, Any],
) -> None:
    """Stopping Home Assistant writes the engine's memory without waiting for the save delay."""
    key = f"fridge_care.{config_entry.entry_id}"
    hass_storage.pop(key, None)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await driver.tick(driver.now + 1)
    assert hass_storage[key]["data"]["engine"]["version"] == Engine.STATE_VERSION


async def test_unreadable_memory_starts_learning_afresh(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    driver: FridgeDriver,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Memory from an unknown engine version is set aside with a warning, not a crash."""
    hass_storage[f"fridge_care.{config_entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"fridge_care.{config_entry.entry_id}",
        "data": {"engine": {"version": 999}, "acknowledged": {}},
    }
    driver.load(simulated(0.2))
    await set_up_fridge(hass, config_entry, driver)
    await driver.play()
    assert "starting over" in caplog.text
    assert hass.states.get("sensor.kitchen_fridge_status").state == "learning"


async def test_removing_the_fridge_forgets_it(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    driver: FridgeDriver,
    hass_storage: dict[str, Any],
) -> None:
    """Deleting the entry deletes its stored memory."""
    driver.load(simulated(0.1))
    await set_up_fridge(hass, config_entry, driver)
    await driver.play()
    await hass.config_entries.async_unload(config_entry.entry_id)
    assert f"fridge_care.{config_entry.entry_id}" in hass_storage
    await hass.config_entries.async_remove(config_entry.entry_id)
    await hass.async_block_till_done()
    assert f"fridge_care.{config_entry.entry_id}" not in hass_storage
