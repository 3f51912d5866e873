"""Tests for repair issues: a deleted sensor's fix flow, and what settles its issue.

Faults are not repair issues (see ``test_end_to_end``); a refused ticket is one (``test_tickets``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.repairs import DOMAIN as REPAIRS_DOMAIN, repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, UnknownStep
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.fridge_care.const import DOMAIN
from custom_components.fridge_care.repairs import async_create_fix_flow

from .common import (
    AMBIENT_TEMP,
    APPLIANCE,
    SENDS_TICKETS,
    SERVICE_DATA,
    SOURCES,
    issue,
    settle,
)

ISSUE = "source_removed_ambient_temp"


@pytest.fixture
async def room_sensor_deleted(
    hass: HomeAssistant, registered_sources: er.EntityRegistry, init_integration: MockConfigEntry
) -> MockConfigEntry:
    """The fridge, loaded with repairs, after its room sensor was deleted the way HA does."""
    assert await async_setup_component(hass, REPAIRS_DOMAIN, {})
    registered_sources.async_remove(AMBIENT_TEMP)
    hass.states.async_remove(AMBIENT_TEMP)  # its integration takes the state down with it
    await settle(hass)
    assert issue(hass, init_integration, ISSUE) is not None
    return init_integration


async def test_deleted_source_gets_a_fix_flow(
    hass: HomeAssistant, room_sensor_deleted: MockConfigEntry
) -> None:
    """Deleting a source sensor raises a repair whose fix flow picks a replacement."""
    entry = room_sensor_deleted
    assert issue(hass, entry, ISSUE).is_fixable
    hass.states.async_set(
        "sensor.hall_temperature",
        "68.0",
        {"unit_of_measurement": "°F", "device_class": "temperature"},
    )
    manager = repairs_flow_manager(hass)
    assert manager is not None
    flow = await manager.async_init(DOMAIN, data={"issue_id": f"{entry.entry_id}_{ISSUE}"})
    assert flow["type"] == FlowResultType.FORM
    assert flow["step_id"] == "init"
    # The deleted sensor is named by its entity id, which reads the same in every language.
    assert flow["description_placeholders"]["entity_id"] == AMBIENT_TEMP

    sources = {key: value for key, value in SOURCES.items() if key != "ambient_temp"}
    result = await manager.async_configure(
        flow["flow_id"], {**sources, "fridge_temp": "sensor.gone"}
    )
    assert result["errors"] == {"fridge_temp": "entity_not_found"}

    result = await manager.async_configure(
        flow["flow_id"], {**sources, "ambient_temp": "sensor.hall_temperature"}
    )
    assert result["type"] == FlowResultType.CREATE_ENTRY
    await settle(hass)
    assert entry.data["ambient_temp"] == "sensor.hall_temperature"
    assert issue(hass, entry, ISSUE) is None
    assert entry.state is ConfigEntryState.LOADED


async def test_fix_flow_for_a_removed_fridge_is_refused(hass: HomeAssistant) -> None:
    """A stale fix flow for a fridge that no longer exists cannot start."""
    with pytest.raises(UnknownStep):
        await async_create_fix_flow(hass, "stale", {"entry_id": "gone", "role": "door"})


@SENDS_TICKETS
async def test_fix_flow_keeps_the_ticket_service(
    hass: HomeAssistant, room_sensor_deleted: MockConfigEntry
) -> None:
    """Going on without a deleted sensor changes only the sensors: tickets still go out."""
    entry = room_sensor_deleted
    manager = repairs_flow_manager(hass)
    assert manager is not None
    flow = await manager.async_init(DOMAIN, data={"issue_id": f"{entry.entry_id}_{ISSUE}"})
    sources = {key: value for key, value in SOURCES.items() if key != "ambient_temp"}
    result = await manager.async_configure(flow["flow_id"], sources)
    assert result["type"] == FlowResultType.CREATE_ENTRY
    await settle(hass)

    assert dict(entry.data) == {**APPLIANCE, **sources, **SERVICE_DATA}
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.tickets is not None
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "unknown"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda data: {k: v for k, v in data.items() if k != "ambient_temp"}, id="drop"
        ),
        pytest.param(
            lambda data: {**data, "ambient_temp": "sensor.hall_temperature"}, id="replace"
        ),
    ],
)
async def test_deleted_sensor_issue_goes_when_a_reconfigure_settles_it(
    hass: HomeAssistant,
    room_sensor_deleted: MockConfigEntry,
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    """Reconfiguring without the deleted sensor answers the issue as its fix flow would."""
    entry = room_sensor_deleted
    hass.states.async_set("sensor.hall_temperature", "20.0", {"unit_of_measurement": "°C"})
    hass.config_entries.async_update_entry(entry, data=change(dict(entry.data)))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert issue(hass, entry, ISSUE) is None


async def test_deleted_sensor_issue_stays_until_settled(
    hass: HomeAssistant, room_sensor_deleted: MockConfigEntry
) -> None:
    """A reload that still points at the deleted sensor keeps the issue; the sensor back ends it."""
    entry = room_sensor_deleted
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert issue(hass, entry, ISSUE) is not None

    er.async_get(hass).async_get_or_create(
        "sensor", "zigbee", "kitchen_temperature", suggested_object_id="kitchen_temperature"
    )
    assert await hass.config_entries.async_reload(entry.entry_id)
    await settle(hass)
    assert issue(hass, entry, ISSUE) is None
