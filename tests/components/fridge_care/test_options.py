"""Tests for how the options change what the owner is told."""

from __future__ import annotations

from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.fridge_care.const import DOMAIN


@pytest.fixture
def entry_options(entry_options: dict[str, Any]) -> dict[str, Any]:
    """An owner who only wants to hear about cooling problems."""
    return {**entry_options, "notify": ["cooling"]}


async def test_unwanted_families_are_not_notified(
    hass: HomeAssistant, door_left_open: MockConfigEntry
) -> None:
    """A door fault still shows on the entities, but raises no notification or repair."""
    assert hass.states.get("binary_sensor.kitchen_fridge_door_problem").state == "on"
    assert (
        hass.states.get("event.kitchen_fridge_fault").attributes["event_type"] == "door_left_open"
    )
    assert not persistent_notification._async_get_or_create_notifications(hass)
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, f"{door_left_open.entry_id}_door_left_open")
        is None
    )
