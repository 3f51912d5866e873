"""Tests for setting up, unloading, reloading and removing a fridge."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.fridge_care import device_condition
from custom_components.fridge_care.const import DOMAIN

from .conftest import APPLIANCE, FRIDGE_TEMP, fridge_device, write_source_states


async def test_setup_creates_fridge_device_and_entities(
    hass: HomeAssistant, source_states: None, config_entry: MockConfigEntry
) -> None:
    """A fridge with every sensor gets its device and the full set of entities."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED

    device = fridge_device(hass)
    assert (device.name, device.manufacturer, device.model, device.serial_number) == (
        "Kitchen fridge",
        "Acme",
        "CoolMaster 3000",
        "SN-0042",
    )
    entities = er.async_entries_for_device(
        er.async_get(hass), device.id, include_disabled_entities=True
    )
    assert sorted(entity.entity_id for entity in entities) == [
        "binary_sensor.kitchen_fridge_compressor_problem",
        "binary_sensor.kitchen_fridge_cooling_problem",
        "binary_sensor.kitchen_fridge_defrost_problem",
        "binary_sensor.kitchen_fridge_door_problem",
        "binary_sensor.kitchen_fridge_power_problem",
        "binary_sensor.kitchen_fridge_sensors_problem",
        "button.kitchen_fridge_reset_learned_baseline",
        "event.kitchen_fridge_fault",
        "sensor.kitchen_fridge_compressor_duty_cycle",
        "sensor.kitchen_fridge_compressor_running_power",
        "sensor.kitchen_fridge_compressor_starts_per_hour",
        "sensor.kitchen_fridge_food_safety_exposure",
        "sensor.kitchen_fridge_health_score",
        "sensor.kitchen_fridge_last_defrost",
        "sensor.kitchen_fridge_learning_progress",
        "sensor.kitchen_fridge_status",
        "sensor.kitchen_fridge_time_until_freezer_unsafe",
        "sensor.kitchen_fridge_time_until_fridge_unsafe",
    ]
    assert hass.states.get("sensor.kitchen_fridge_status").state == "learning"


@pytest.fixture
def garage_fridge(entry_options: dict[str, Any]) -> MockConfigEntry:
    """A second, simpler fridge: only a fridge thermometer."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Garage fridge",
        unique_id="acme:sn-0043",
        data={**APPLIANCE, "name": "Garage fridge", "fridge_temp": FRIDGE_TEMP},
        options=entry_options,
    )


async def test_fridge_without_power_sensor_has_no_compressor_entities(
    hass: HomeAssistant, source_states: None, garage_fridge: MockConfigEntry
) -> None:
    """Entities that need a power sensor are not created without one."""
    entry = garage_fridge
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    registry = er.async_get(hass)
    entity_ids = {
        entity.entity_id for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
    }
    assert "sensor.garage_fridge_health_score" in entity_ids
    assert "binary_sensor.garage_fridge_cooling_problem" in entity_ids
    for needs_power in (
        "sensor.garage_fridge_compressor_duty_cycle",
        "sensor.garage_fridge_compressor_starts_per_hour",
        "binary_sensor.garage_fridge_compressor_problem",
        "binary_sensor.garage_fridge_power_problem",
        "sensor.garage_fridge_time_until_freezer_unsafe",
    ):
        assert needs_power not in entity_ids


async def test_unload_and_reload(
    hass: HomeAssistant, source_states: None, config_entry: MockConfigEntry
) -> None:
    """Unloading stops the fridge's entities; reloading brings them back."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("sensor.kitchen_fridge_status").state == "unavailable"

    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.kitchen_fridge_status").state == "learning"


async def test_two_fridges_are_two_devices(
    hass: HomeAssistant,
    source_states: None,
    config_entry: MockConfigEntry,
    garage_fridge: MockConfigEntry,
) -> None:
    """Several fridges are several entries, each with its own device."""
    other = garage_fridge
    config_entry.add_to_hass(hass)
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)  # sets up both
    await hass.async_block_till_done()
    assert other.state is ConfigEntryState.LOADED
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), other.entry_id)
    assert [device.name for device in devices] == ["Garage fridge"]
    assert hass.states.get("sensor.garage_fridge_status") is not None
    assert hass.states.get("sensor.kitchen_fridge_status") is not None


async def test_fridge_device_is_linked_via_its_sensor_device(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """When the fridge thermometer is a device of its own, the fridge shows as connected via it."""
    zigbee = MockConfigEntry(domain="zha")
    zigbee.add_to_hass(hass)
    thermometer = dr.async_get(hass).async_get_or_create(
        config_entry_id=zigbee.entry_id, identifiers={("zha", "00:11:22")}, name="Fridge probe"
    )
    er.async_get(hass).async_get_or_create(
        "sensor",
        "zha",
        "probe",
        suggested_object_id="kitchen_fridge_temperature",
        device_id=thermometer.id,
    )
    write_source_states(hass)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    fridge = fridge_device(hass)
    assert fridge.via_device_id == thermometer.id


async def test_condition_without_status_sensor_explains(
    hass: HomeAssistant, source_states: None, config_entry: MockConfigEntry
) -> None:
    """A device condition on a fridge whose status sensor was deleted raises a clear error."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    fridge = fridge_device(hass)
    er.async_get(hass).async_remove("sensor.kitchen_fridge_status")
    check = device_condition.async_condition_from_config(
        hass, {"condition": "device", "domain": DOMAIN, "device_id": fridge.id, "type": "is_ok"}
    )
    with pytest.raises(HomeAssistantError) as error:
        check(hass, {})
    assert error.value.translation_key == "status_sensor_missing"
