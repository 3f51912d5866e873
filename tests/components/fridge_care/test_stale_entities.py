"""Tests for entities that no longer apply: removed with the sensor or service they needed."""

from __future__ import annotations

import base64
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.fridge_care.const import DOMAIN

from .conftest import APPLIANCE, SOURCES

SERVICE_DATA = {
    "service_url": "http://service.test",
    "signing_secret": "whsec_" + base64.b64encode(b"fridgecare-test-secret-24b").decode(),
    "service_zone": "madrid-centro",
}
NEEDS_POWER = (
    "sensor.kitchen_fridge_compressor_duty_cycle",
    "sensor.kitchen_fridge_compressor_starts_per_hour",
    "sensor.kitchen_fridge_compressor_running_power",
    "binary_sensor.kitchen_fridge_compressor_problem",
    "binary_sensor.kitchen_fridge_power_problem",
)
TICKET_SENSORS = (
    "sensor.kitchen_fridge_service_ticket",
    "sensor.kitchen_fridge_technician_visit",
)


def _registered(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """The fridge's entities in the registry, disabled ones too."""
    registry = er.async_get(hass)
    return {
        entity.entity_id for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
    }


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, sources: dict[str, str]
) -> None:
    """Reconfigure the fridge with ``sources`` and no ticket service."""
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], sources)
    assert result["step_id"] == "reconfigure_service"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.state is ConfigEntryState.LOADED


async def test_removing_the_power_sensor_removes_the_compressor_entities(
    hass: HomeAssistant, source_states: None, config_entry: MockConfigEntry
) -> None:
    """Without a power sensor the compressor entities go, rather than stay unavailable."""
    await _set_up(hass, config_entry)
    assert set(NEEDS_POWER) <= _registered(hass, config_entry)

    # Reloading with the same sensors keeps everything, the disabled running power too.
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert set(NEEDS_POWER) <= _registered(hass, config_entry)

    await _reconfigure(
        hass,
        config_entry,
        {key: value for key, value in SOURCES.items() if key != "compressor_power"},
    )
    registered = _registered(hass, config_entry)
    assert not set(NEEDS_POWER) & registered
    for entity_id in NEEDS_POWER:
        assert hass.states.get(entity_id) is None
    assert "sensor.kitchen_fridge_health_score" in registered
    assert "binary_sensor.kitchen_fridge_cooling_problem" in registered
    assert hass.states.get("sensor.kitchen_fridge_status").state == "learning"


async def test_turning_tickets_off_removes_the_ticket_sensors(
    hass: HomeAssistant, source_states: None, entry_options: dict[str, Any]
) -> None:
    """Without the manufacturer's service the ticket and visit sensors go."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=APPLIANCE["name"],
        unique_id="acme:sn-0042",
        data={**APPLIANCE, **SOURCES, **SERVICE_DATA},
        options=entry_options,
    )
    await _set_up(hass, entry)
    assert set(TICKET_SENSORS) <= _registered(hass, entry)

    await _reconfigure(hass, entry, SOURCES)
    registered = _registered(hass, entry)
    assert not set(TICKET_SENSORS) & registered
    for entity_id in TICKET_SENSORS:
        assert hass.states.get(entity_id) is None
    assert set(NEEDS_POWER) <= registered
