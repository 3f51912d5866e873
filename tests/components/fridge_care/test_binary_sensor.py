"""Tests for the problem binary sensors: one per fault family, and "needs service"."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.fridge_care.analysis.model import FaultCode

from .common import StagedFaults, episode_of, relay_episode


async def test_needs_service_only_for_a_technicians_fault(
    hass: HomeAssistant, staged_faults: StagedFaults, init_integration: MockConfigEntry
) -> None:
    """A door left open is a problem, not a service call; a confirmed relay failure is."""
    needs_service = "binary_sensor.kitchen_fridge_needs_service"
    await staged_faults.async_report(hass, init_integration, episode_of(FaultCode.DOOR_LEFT_OPEN))
    assert hass.states.get(needs_service).state == "off"
    await staged_faults.async_report(hass, init_integration, relay_episode())
    state = hass.states.get(needs_service)
    assert state.state == "on"
    assert state.attributes["faults"] == ["compressor_start_failure"]
