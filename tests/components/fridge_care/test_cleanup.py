"""Tests that nothing a removed fridge showed or stored outlives it."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.fridge_care.analysis.model import FaultCode
from custom_components.fridge_care.const import DOMAIN

from .common import (
    AMBIENT_TEMP,
    SENDS_TICKETS,
    TICKETS_URL,
    FridgeDriver,
    StagedFaults,
    async_silence,
    episode_of,
    fault_notification,
    issue,
    relay_episode,
    settle,
)


@SENDS_TICKETS
async def test_removing_the_fridge_forgets_it_for_good(
    hass: HomeAssistant,
    staged_faults: StagedFaults,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
) -> None:
    """A removed fridge leaves no memory, tickets, notifications or repair issues behind."""
    entry = init_integration
    aioclient_mock.post(
        TICKETS_URL, status=422, json={"type": "about:blank", "title": "Invalid ticket"}
    )
    await staged_faults.async_report(
        hass, entry, relay_episode(), episode_of(FaultCode.DOOR_LEFT_OPEN)
    )
    assert await hass.config_entries.async_unload(entry.entry_id)
    memory, tickets = f"{DOMAIN}.{entry.entry_id}", f"{DOMAIN}.{entry.entry_id}.tickets"
    assert memory in hass_storage
    assert tickets in hass_storage
    assert issue(hass, entry, "ticket_rejected") is not None

    assert await hass.config_entries.async_remove(entry.entry_id)
    await settle(hass)
    assert memory not in hass_storage
    assert tickets not in hass_storage
    assert fault_notification(hass, entry, "door_left_open") is None
    assert not ir.async_get(hass).issues


async def test_unloading_takes_silent_sensor_issues_down(
    hass: HomeAssistant, init_integration: MockConfigEntry, driver: FridgeDriver
) -> None:
    """Silence is only known while the fridge runs: its issue goes with an unload."""
    await async_silence(hass, driver, AMBIENT_TEMP)
    assert issue(hass, init_integration, "source_unavailable_ambient_temp") is not None
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await settle(hass)
    assert issue(hass, init_integration, "source_unavailable_ambient_temp") is None
