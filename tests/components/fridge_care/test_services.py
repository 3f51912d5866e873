"""Tests for the acknowledge and reset_baseline actions, and the reset button."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.fridge_care.const import DOMAIN

from .conftest import DOOR_OPEN_AT, FridgeDriver, set_up_fridge, simulated


def _door_notice_shown(hass: HomeAssistant, entry: MockConfigEntry) -> bool:
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    return f"{DOMAIN}_{entry.entry_id}_door_left_open" in notifications


def _door_issue_shown(hass: HomeAssistant, entry: MockConfigEntry) -> bool:
    return (
        ir.async_get(hass).async_get_issue(DOMAIN, f"{entry.entry_id}_door_left_open") is not None
    )


async def test_acknowledge_silences_then_reminds(
    hass: HomeAssistant, door_left_open: MockConfigEntry, driver: FridgeDriver
) -> None:
    """Acknowledging hides the notice and repair for a while; the fault itself stays visible."""
    entry = door_left_open
    assert _door_notice_shown(hass, entry) and _door_issue_shown(hass, entry)

    response = await hass.services.async_call(
        DOMAIN,
        "acknowledge",
        {"config_entry_id": entry.entry_id, "code": "door_left_open", "duration": {"minutes": 15}},
        blocking=True,
        return_response=True,
    )
    assert response == {"acknowledged": ["door_left_open"]}
    assert not _door_notice_shown(hass, entry)
    assert not _door_issue_shown(hass, entry)
    assert hass.states.get("binary_sensor.kitchen_fridge_door_problem").state == "on"

    await driver.play(until=DOOR_OPEN_AT + 1800 + 600)  # still silenced 10 minutes later
    assert not _door_notice_shown(hass, entry)
    await driver.play(until=DOOR_OPEN_AT + 1800 + 1200)  # 20 minutes later: told again
    assert _door_notice_shown(hass, entry) and _door_issue_shown(hass, entry)


async def test_acknowledge_all_active_faults(
    hass: HomeAssistant, door_left_open: MockConfigEntry
) -> None:
    """Without a code, every active fault is silenced (4 hours by default)."""
    response = await hass.services.async_call(
        DOMAIN,
        "acknowledge",
        {"config_entry_id": door_left_open.entry_id},
        blocking=True,
        return_response=True,
    )
    assert "door_left_open" in response["acknowledged"]
    assert not _door_notice_shown(hass, door_left_open)
    monitor = door_left_open.runtime_data.monitor
    until = monitor.acknowledged[next(iter(monitor.acknowledged))]
    assert until - DOOR_OPEN_AT - 1800 == pytest.approx(timedelta(hours=4).total_seconds())


async def test_acknowledge_errors_are_explained(
    hass: HomeAssistant, door_left_open: MockConfigEntry
) -> None:
    """Unknown fridges, unloaded fridges and inactive faults get a translated error."""
    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN, "acknowledge", {"config_entry_id": "nope"}, blocking=True
        )
    assert error.value.translation_key == "entry_not_found"

    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN,
            "acknowledge",
            {"config_entry_id": door_left_open.entry_id, "code": "power_outage"},
            blocking=True,
        )
    assert error.value.translation_key == "fault_not_active"
    assert str(error.value) == "Kitchen fridge has no active fault power_outage to acknowledge"

    await hass.config_entries.async_unload(door_left_open.entry_id)
    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN, "reset_baseline", {"config_entry_id": door_left_open.entry_id}, blocking=True
        )
    assert error.value.translation_key == "entry_not_loaded"


async def test_reset_baseline_action_and_button(
    hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver
) -> None:
    """Resetting the baseline sends a learned fridge back to learning, by action or button."""
    driver.load(simulated(1.1))
    await set_up_fridge(hass, config_entry, driver)
    await driver.play()
    assert hass.states.get("sensor.kitchen_fridge_status").state == "ok"

    await hass.services.async_call(
        DOMAIN, "reset_baseline", {"config_entry_id": config_entry.entry_id}, blocking=True
    )
    assert hass.states.get("sensor.kitchen_fridge_status").state == "learning"
    assert float(hass.states.get("sensor.kitchen_fridge_learning_progress").state) < 1.0

    driver.load(simulated(2.0)[-2000:])
    await driver.play()
    assert float(hass.states.get("sensor.kitchen_fridge_learning_progress").state) > 0.0
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.kitchen_fridge_reset_learned_baseline"},
        blocking=True,
    )
    assert float(hass.states.get("sensor.kitchen_fridge_learning_progress").state) < 1.0
