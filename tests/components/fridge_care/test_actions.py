"""Tests for the fridge_care actions and the reset button: what they do and how they refuse."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.fridge_care.analysis.model import FaultCode
from custom_components.fridge_care.const import DOMAIN

from .common import (
    SIMULATED,
    FridgeDriver,
    StagedFaults,
    episode_of,
    simulated,
)


async def test_acknowledge_errors_are_explained(
    hass: HomeAssistant, staged_faults: StagedFaults, init_integration: MockConfigEntry
) -> None:
    """Unknown fridges, unloaded fridges and inactive faults get a translated error."""
    await staged_faults.async_report(hass, init_integration, episode_of(FaultCode.DOOR_LEFT_OPEN))
    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN, "acknowledge", {"config_entry_id": "nope"}, blocking=True
        )
    assert error.value.translation_key == "entry_not_found"

    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN,
            "acknowledge",
            {"config_entry_id": init_integration.entry_id, "code": "power_outage"},
            blocking=True,
        )
    assert error.value.translation_key == "fault_not_active"
    assert str(error.value) == "Kitchen fridge has no active fault power_outage to acknowledge"

    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN, "reset_baseline", {"config_entry_id": init_integration.entry_id}, blocking=True
        )
    assert error.value.translation_key == "entry_not_loaded"


async def test_request_service_needs_a_service(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A fridge without the manufacturer's service cannot send a request: it is said why."""
    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN, "request_service", {"config_entry_id": init_integration.entry_id}, blocking=True
        )
    assert error.value.translation_key == "no_service_set_up"
    assert "Reconfigure" in str(error.value)


@SIMULATED
async def test_reset_baseline_action_and_button(
    hass: HomeAssistant, learned: MockConfigEntry, driver: FridgeDriver
) -> None:
    """Resetting the baseline sends a learned fridge back to learning, by action or button."""
    await hass.services.async_call(
        DOMAIN, "reset_baseline", {"config_entry_id": learned.entry_id}, blocking=True
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
