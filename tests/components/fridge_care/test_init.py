"""Tests for setting up, unloading and reloading a fridge, and which entities it gets."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.fridge_care.const import DOMAIN

from .common import (
    APPLIANCE,
    FRIDGE_TEMP,
    POWER,
    async_setup_integration,
    fridge_device,
    write_source_states,
)


def _entity_ids(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    registry = er.async_get(hass)
    return {
        entity.entity_id for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
    }


async def test_setup_creates_fridge_device_and_entities(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A fridge with every sensor gets its device and the full set of entities."""
    assert init_integration.state is ConfigEntryState.LOADED
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
        "binary_sensor.kitchen_fridge_needs_service",
        "binary_sensor.kitchen_fridge_power_problem",
        "binary_sensor.kitchen_fridge_sensors_problem",
        "button.kitchen_fridge_reset_learned_baseline",
        "event.kitchen_fridge_fault",
        "sensor.kitchen_fridge_compressor_duty_cycle",
        "sensor.kitchen_fridge_compressor_running_power",
        "sensor.kitchen_fridge_compressor_starts_per_hour",
        "sensor.kitchen_fridge_defrost_rhythm",
        "sensor.kitchen_fridge_energy_above_healthy",
        "sensor.kitchen_fridge_energy_per_day",
        "sensor.kitchen_fridge_excess_energy_cost_per_day",
        "sensor.kitchen_fridge_excess_energy_per_day",
        "sensor.kitchen_fridge_food_safety_exposure",
        "sensor.kitchen_fridge_health_score",
        "sensor.kitchen_fridge_last_defrost",
        "sensor.kitchen_fridge_learning_progress",
        "sensor.kitchen_fridge_status",
        "sensor.kitchen_fridge_time_until_freezer_unsafe",
        "sensor.kitchen_fridge_time_until_fridge_unsafe",
    ]
    assert hass.states.get("sensor.kitchen_fridge_status").state == "learning"


@pytest.mark.parametrize("entry_data", [{**APPLIANCE, "fridge_temp": FRIDGE_TEMP}])
async def test_fridge_without_power_sensor_has_no_compressor_entities(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Entities that need a power sensor are not created without one."""
    entity_ids = _entity_ids(hass, init_integration)
    assert "sensor.kitchen_fridge_health_score" in entity_ids
    assert "binary_sensor.kitchen_fridge_cooling_problem" in entity_ids
    for needs_power in (
        "sensor.kitchen_fridge_compressor_duty_cycle",
        "sensor.kitchen_fridge_compressor_starts_per_hour",
        "sensor.kitchen_fridge_energy_per_day",
        "binary_sensor.kitchen_fridge_compressor_problem",
        "binary_sensor.kitchen_fridge_power_problem",
        "sensor.kitchen_fridge_time_until_freezer_unsafe",
        "sensor.kitchen_fridge_last_defrost",  # no defrost is seen without power or a freezer
    ):
        assert needs_power not in entity_ids


@pytest.mark.parametrize("entry_data", [{**APPLIANCE, "compressor_power": POWER}])
async def test_a_fridge_watched_by_its_plug_alone(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The smart plug alone is enough: compressor, energy and outage entities, no food safety.

    The status says which faults these sensors cannot see.
    """
    entity_ids = _entity_ids(hass, init_integration)
    for from_power in (
        "sensor.kitchen_fridge_compressor_duty_cycle",
        "sensor.kitchen_fridge_energy_per_day",
        "sensor.kitchen_fridge_last_defrost",
        "binary_sensor.kitchen_fridge_compressor_problem",
        "binary_sensor.kitchen_fridge_power_problem",
        "binary_sensor.kitchen_fridge_defrost_problem",
    ):
        assert from_power in entity_ids
    for needs_a_thermometer in (
        "sensor.kitchen_fridge_time_until_fridge_unsafe",
        "sensor.kitchen_fridge_food_safety_exposure",
        "binary_sensor.kitchen_fridge_door_problem",
    ):
        assert needs_a_thermometer not in entity_ids
    status = hass.states.get("sensor.kitchen_fridge_status")
    assert status.attributes["cannot_detect"] == [
        "door_seal_leak",
        "door_left_open",
        "unsafe_temperature",
    ]


async def test_unload_and_reload(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Unloading stops the fridge's entities; reloading brings them back."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get("sensor.kitchen_fridge_status").state == "unavailable"

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
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


async def test_two_fridges_are_two_devices(
    hass: HomeAssistant, init_integration: MockConfigEntry, garage_fridge: MockConfigEntry
) -> None:
    """Several fridges are several entries, each with its own device."""
    await async_setup_integration(hass, garage_fridge)
    assert garage_fridge.state is ConfigEntryState.LOADED
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), garage_fridge.entry_id)
    assert [device.name for device in devices] == ["Garage fridge"]
    assert hass.states.get("sensor.garage_fridge_status") is not None
    assert hass.states.get("sensor.kitchen_fridge_status") is not None


@pytest.mark.parametrize(
    ("entry_data", "object_id"),
    [
        (
            {**APPLIANCE, "fridge_temp": FRIDGE_TEMP, "compressor_power": POWER},
            "kitchen_fridge_temperature",
        ),
        ({**APPLIANCE, "compressor_power": POWER}, "fridge_plug_power"),
    ],
    ids=["thermometer", "plug"],
)
async def test_fridge_device_is_linked_via_its_sensor_device(
    hass: HomeAssistant, config_entry: MockConfigEntry, object_id: str
) -> None:
    """The fridge shows as connected via its thermometer's device, or its plug's."""
    zigbee = MockConfigEntry(domain="zha")
    zigbee.add_to_hass(hass)
    probe = dr.async_get(hass).async_get_or_create(
        config_entry_id=zigbee.entry_id, identifiers={("zha", "00:11:22")}, name="Fridge probe"
    )
    domain = "sensor"
    er.async_get(hass).async_get_or_create(
        domain, "zha", object_id, suggested_object_id=object_id, device_id=probe.id
    )
    write_source_states(hass)
    await async_setup_integration(hass, config_entry)
    assert fridge_device(hass).via_device_id == probe.id
