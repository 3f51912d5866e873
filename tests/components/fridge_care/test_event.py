"""Tests for the fault event entity: one event per detected fault, none at start-up."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.fridge_care.analysis.model import FaultCode

from .common import StagedFaults, episode_of, settle

FAULT_EVENT = "event.kitchen_fridge_fault"


async def test_fires_once_per_detection_and_never_at_start_up(
    hass: HomeAssistant, staged_faults: StagedFaults, init_integration: MockConfigEntry
) -> None:
    """Nothing at start-up (no "Fault detected" in the logbook before any fault) or reload."""
    assert hass.states.get(FAULT_EVENT).state == "unknown"
    await staged_faults.async_report(hass, init_integration)
    assert hass.states.get(FAULT_EVENT).state == "unknown"

    door = episode_of(FaultCode.DOOR_LEFT_OPEN)
    await staged_faults.async_report(hass, init_integration, door)
    fired = hass.states.get(FAULT_EVENT)
    assert fired.attributes["event_type"] == "door_left_open"
    await staged_faults.async_report(hass, init_integration, door)  # still open: not news
    assert hass.states.get(FAULT_EVENT).last_changed == fired.last_changed

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await settle(hass)
    await staged_faults.async_report(hass, init_integration, door)
    assert hass.states.get(FAULT_EVENT).state == fired.state  # restored, not fired again
