"""Tests for following the source sensors: units, renames and silence."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .common import (
    AMBIENT_TEMP,
    DOOR,
    FRIDGE_TEMP,
    START,
    FridgeDriver,
    async_silence,
    issue,
    settle,
    simulated,
)


async def test_renamed_source_is_followed(
    hass: HomeAssistant, registered_sources: er.EntityRegistry, init_integration: MockConfigEntry
) -> None:
    """Renaming a source sensor updates the fridge's entry instead of breaking it."""
    registered_sources.async_update_entity(
        AMBIENT_TEMP, new_entity_id="sensor.kitchen_room_temperature"
    )
    await settle(hass)
    assert init_integration.data["ambient_temp"] == "sensor.kitchen_room_temperature"
    assert init_integration.state is ConfigEntryState.LOADED


@pytest.mark.parametrize("initial_readings", [{}])
async def test_silent_source_raises_and_withdraws_a_repair(
    hass: HomeAssistant, init_integration: MockConfigEntry, driver: FridgeDriver
) -> None:
    """A sensor unavailable for over an hour gets a repair issue, gone once it reports again."""
    samples = simulated(0.5)
    driver.load([s for s in samples if s.at < START + 3600])
    await driver.play()
    assert issue(hass, init_integration, "source_unavailable_ambient_temp") is None

    hass.states.async_set(AMBIENT_TEMP, "unavailable")
    await driver.tick(driver.now + 1800)
    assert issue(hass, init_integration, "source_unavailable_ambient_temp") is None
    await driver.tick(driver.now + 1900)
    silent = issue(hass, init_integration, "source_unavailable_ambient_temp")
    assert silent is not None
    assert silent.translation_placeholders == {"name": "Kitchen fridge", "entity_id": AMBIENT_TEMP}

    driver.load([s for s in samples if s.at > driver.now])
    await driver.play()
    assert issue(hass, init_integration, "source_unavailable_ambient_temp") is None


async def test_unreadable_sources_count_as_silent(
    hass: HomeAssistant, init_integration: MockConfigEntry, driver: FridgeDriver
) -> None:
    """Garbage, unconvertible units and vanished states are gaps, reported if they last."""
    hass.states.async_set(FRIDGE_TEMP, "garbage", {"unit_of_measurement": "°C"})
    hass.states.async_set(AMBIENT_TEMP, "21", {"unit_of_measurement": "%"})
    hass.states.async_remove(DOOR)
    await driver.tick(driver.now + 3700)
    await driver.tick(driver.now + 61)
    for role in ("fridge_temp", "ambient_temp", "door"):
        assert issue(hass, init_integration, f"source_unavailable_{role}")
    assert not issue(hass, init_integration, "source_unavailable_freezer_temp")


async def test_silent_sensor_issue_goes_when_the_sensor_is_replaced(
    hass: HomeAssistant, init_integration: MockConfigEntry, driver: FridgeDriver
) -> None:
    """Swapping a silent sensor for a working one must not leave "gone silent" behind."""
    await async_silence(hass, driver, AMBIENT_TEMP)
    assert issue(hass, init_integration, "source_unavailable_ambient_temp") is not None

    hass.states.async_set("sensor.hall_temperature", "20.0", {"unit_of_measurement": "°C"})
    hass.config_entries.async_update_entry(
        init_integration,
        data={**init_integration.data, "ambient_temp": "sensor.hall_temperature"},
    )
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await settle(hass)
    await driver.tick(driver.now + 3700)
    assert issue(hass, init_integration, "source_unavailable_ambient_temp") is None
