"""Tests for learning from the recorder's history on first setup."""

from __future__ import annotations

from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from .conftest import START, FridgeDriver, simulated


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant loads custom integrations."""


async def test_first_setup_learns_from_recorder_history(
    hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver
) -> None:
    """Someone with recorded history gets a head start instead of learning from zero."""
    driver.load(simulated(0.5))
    await driver.start_at(START)
    await driver.play()
    await async_wait_recording_done(hass)

    config_entry.add_to_hass(hass)  # twelve hours later, the owner adds the fridge
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    progress = float(hass.states.get("sensor.kitchen_fridge_learning_progress").state)
    assert progress == pytest.approx(50.0, abs=5.0)  # 12 of the 24 learning hours
    assert hass.states.get("sensor.kitchen_fridge_status").state == "learning"
