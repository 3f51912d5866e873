"""Tests for following source sensors: renames, deletions (with a fix flow) and silence."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import DOMAIN as REPAIRS_DOMAIN, repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, UnknownStep
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.fridge_care.const import DOMAIN
from custom_components.fridge_care.repairs import async_create_fix_flow

from .conftest import (
    AMBIENT_TEMP,
    APPLIANCE,
    DOOR,
    FRIDGE_TEMP,
    SOURCES,
    START,
    FridgeDriver,
    set_up_fridge,
    simulated,
    write_source_states,
)
from .test_tickets import SERVICE_DATA


def _registered_sources(hass: HomeAssistant) -> er.EntityRegistry:
    """Register the fridge's source sensors as a real integration would, then give readings."""
    registry = er.async_get(hass)
    for entity_id in (
        "sensor.kitchen_fridge_temperature",
        "sensor.kitchen_freezer_temperature",
        "sensor.kitchen_temperature",
        "sensor.fridge_plug_power",
        "binary_sensor.fridge_door",
    ):
        domain, object_id = entity_id.split(".")
        registry.async_get_or_create(domain, "zigbee", object_id, suggested_object_id=object_id)
    write_source_states(hass)
    return registry


async def test_renamed_source_is_followed(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """Renaming a source sensor updates the fridge's entry instead of breaking it."""
    registry = _registered_sources(hass)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    registry.async_update_entity(AMBIENT_TEMP, new_entity_id="sensor.kitchen_room_temperature")
    await hass.async_block_till_done()
    assert config_entry.data["ambient_temp"] == "sensor.kitchen_room_temperature"
    assert config_entry.state is ConfigEntryState.LOADED


async def _set_up_then_delete_the_room_sensor(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the fridge up with repairs loaded, then delete its room temperature sensor."""
    registry = _registered_sources(hass)
    assert await async_setup_component(hass, REPAIRS_DOMAIN, {})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    registry.async_remove(AMBIENT_TEMP)
    await hass.async_block_till_done()


async def test_deleted_source_gets_a_fix_flow(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """Deleting a source sensor raises a repair whose fix flow picks a replacement."""
    await _set_up_then_delete_the_room_sensor(hass, config_entry)
    issue_id = f"{config_entry.entry_id}_source_removed_ambient_temp"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None and issue.is_fixable

    hass.states.async_set(
        "sensor.hall_temperature",
        "68.0",
        {"unit_of_measurement": "°F", "device_class": "temperature"},
    )
    manager = repairs_flow_manager(hass)
    assert manager is not None
    flow = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    assert flow["type"] == FlowResultType.FORM
    assert flow["step_id"] == "init"
    # The deleted sensor is named by its entity id, which reads the same in every language.
    assert flow["description_placeholders"]["entity_id"] == AMBIENT_TEMP

    sources = {key: value for key, value in config_entry.data.items() if key not in APPLIANCE}
    sources.pop("ambient_temp")
    result = await manager.async_configure(
        flow["flow_id"], {**sources, "fridge_temp": "sensor.gone"}
    )
    assert result["errors"] == {"fridge_temp": "entity_not_found"}

    result = await manager.async_configure(
        flow["flow_id"], {**sources, "ambient_temp": "sensor.hall_temperature"}
    )
    assert result["type"] == FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert config_entry.data["ambient_temp"] == "sensor.hall_temperature"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert config_entry.state is ConfigEntryState.LOADED


async def test_silent_source_raises_and_withdraws_a_repair(
    hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver
) -> None:
    """A sensor unavailable for over an hour gets a repair issue, gone once it reports again."""
    samples = simulated(0.5)
    driver.load([s for s in samples if s.at < START + 3600])
    await set_up_fridge(hass, config_entry, driver)
    await driver.play()
    issue_id = f"{config_entry.entry_id}_source_unavailable_ambient_temp"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None

    hass.states.async_set(AMBIENT_TEMP, "unavailable")
    await driver.tick(driver.now + 1800)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    await driver.tick(driver.now + 1900)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {"name": "Kitchen fridge", "entity_id": AMBIENT_TEMP}

    driver.load([s for s in samples if s.at > driver.now])
    await driver.play()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_unreadable_sources_count_as_silent(
    hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver
) -> None:
    """Garbage, unconvertible units and vanished states are gaps, reported if they last."""
    write_source_states(hass)
    await set_up_fridge(hass, config_entry, driver)
    hass.states.async_set(FRIDGE_TEMP, "garbage", {"unit_of_measurement": "°C"})
    hass.states.async_set(AMBIENT_TEMP, "21", {"unit_of_measurement": "%"})
    hass.states.async_remove(DOOR)
    await driver.tick(driver.now + 3700)
    await driver.tick(driver.now + 61)
    issues = ir.async_get(hass)
    for role in ("fridge_temp", "ambient_temp", "door"):
        assert issues.async_get_issue(DOMAIN, f"{config_entry.entry_id}_source_unavailable_{role}")
    assert not issues.async_get_issue(
        DOMAIN, f"{config_entry.entry_id}_source_unavailable_freezer_temp"
    )


async def test_fix_flow_for_a_removed_fridge_is_refused(hass: HomeAssistant) -> None:
    """A stale fix flow for a fridge that no longer exists cannot start."""
    with pytest.raises(UnknownStep):
        await async_create_fix_flow(hass, "stale", {"entry_id": "gone", "role": "door"})


async def test_fix_flow_keeps_the_ticket_service(
    hass: HomeAssistant, entry_options: dict[str, Any]
) -> None:
    """Going on without a deleted sensor changes only the sensors: tickets still go out."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=APPLIANCE["name"],
        unique_id="acme:sn-0042",
        data={**APPLIANCE, **SOURCES, **SERVICE_DATA},
        options=entry_options,
    )
    await _set_up_then_delete_the_room_sensor(hass, entry)
    manager = repairs_flow_manager(hass)
    assert manager is not None
    flow = await manager.async_init(
        DOMAIN, data={"issue_id": f"{entry.entry_id}_source_removed_ambient_temp"}
    )
    sources = {key: value for key, value in SOURCES.items() if key != "ambient_temp"}
    result = await manager.async_configure(flow["flow_id"], sources)
    assert result["type"] == FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    assert dict(entry.data) == {**APPLIANCE, **sources, **SERVICE_DATA}
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.tickets is not None
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "unknown"
