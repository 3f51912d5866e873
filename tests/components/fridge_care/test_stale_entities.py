"""Tests for entities that no longer apply: removed with the sensor or service they needed."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .common import (
    OPTIONS,
    SENDS_TICKETS,
    SOURCES,
    settle,
)

NEEDS_POWER = (
    "sensor.kitchen_fridge_compressor_duty_cycle",
    "sensor.kitchen_fridge_compressor_starts_per_hour",
    "sensor.kitchen_fridge_compressor_running_power",
    "sensor.kitchen_fridge_energy_per_day",
    "binary_sensor.kitchen_fridge_compressor_problem",
    "binary_sensor.kitchen_fridge_power_problem",
)
NEEDS_SERVICE = (
    "sensor.kitchen_fridge_service_ticket",
    "sensor.kitchen_fridge_technician_visit",
    "calendar.kitchen_fridge_technician_visits",
    "button.kitchen_fridge_request_service",
    "switch.kitchen_fridge_automatic_service_requests",
)


def _registered(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """The fridge's entities in the registry, disabled ones too."""
    registry = er.async_get(hass)
    return {
        entity.entity_id for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
    }


async def _reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, sources: dict[str, str]
) -> None:
    """Reconfigure the fridge with ``sources`` and no ticket service."""
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], sources)
    assert result["step_id"] == "reconfigure_service"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await settle(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.state is ConfigEntryState.LOADED


async def test_removing_the_power_sensor_removes_the_compressor_entities(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Without a power sensor the compressor entities go, rather than stay unavailable."""
    assert set(NEEDS_POWER) <= _registered(hass, init_integration)

    # Reloading with the same sensors keeps everything, the disabled running power too.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await settle(hass)
    assert set(NEEDS_POWER) <= _registered(hass, init_integration)

    await _reconfigure(
        hass,
        init_integration,
        {key: value for key, value in SOURCES.items() if key != "compressor_power"},
    )
    registered = _registered(hass, init_integration)
    assert not set(NEEDS_POWER) & registered
    for entity_id in NEEDS_POWER:
        assert hass.states.get(entity_id) is None
    assert "sensor.kitchen_fridge_health_score" in registered
    assert "binary_sensor.kitchen_fridge_cooling_problem" in registered
    assert hass.states.get("sensor.kitchen_fridge_status").state == "learning"


@SENDS_TICKETS
async def test_turning_tickets_off_removes_the_ticket_entities(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Without the manufacturer's service the ticket entities go."""
    assert set(NEEDS_SERVICE) <= _registered(hass, init_integration)

    await _reconfigure(hass, init_integration, SOURCES)
    registered = _registered(hass, init_integration)
    assert not set(NEEDS_SERVICE) & registered
    for entity_id in NEEDS_SERVICE:
        assert hass.states.get(entity_id) is None
    assert set(NEEDS_POWER) <= registered


@SENDS_TICKETS
async def test_asking_first_removes_the_automatic_requests_switch(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The pause switch only makes sense while requests go automatically."""
    switch = "switch.kitchen_fridge_automatic_service_requests"
    assert switch in _registered(hass, init_integration)
    hass.config_entries.async_update_entry(
        init_integration, options={**OPTIONS, "service_requests": "ask"}
    )
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await settle(hass)
    assert switch not in _registered(hass, init_integration)
