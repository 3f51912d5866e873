"""Tests for learning from the recorder's history on first setup."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.components.recorder import Recorder
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.fridge_care import backfill

from .common import FridgeDriver, async_setup_integration, simulated


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant loads custom integrations."""


@pytest.fixture
async def recorded_half_day(hass: HomeAssistant, driver: FridgeDriver) -> None:
    """Twelve hours of the fridge's sensors in the recorder, before FridgeCare is added."""
    driver.load(simulated(0.5))
    await driver.play()
    await async_wait_recording_done(hass)


@pytest.mark.usefixtures("recorded_half_day")
async def test_first_setup_learns_from_recorder_history(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """Someone with recorded history gets a head start instead of learning from zero."""
    await async_setup_integration(hass, config_entry)
    progress = float(hass.states.get("sensor.kitchen_fridge_learning_progress").state)
    assert progress == pytest.approx(50.0, abs=5.0)  # 12 of the 24 learning hours
    assert hass.states.get("sensor.kitchen_fridge_status").state == "learning"


@pytest.mark.usefixtures("recorded_half_day")
async def test_retry_after_a_failed_setup_still_learns_from_history(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """The recorder failing once leaves nothing behind that stops the retry's backfill."""
    history = backfill.get_significant_states
    calls = 0

    def busy_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise TimeoutError("recorder busy")
        return history(*args, **kwargs)

    with patch.object(backfill, "get_significant_states", busy_once):
        config_entry.add_to_hass(hass)
        await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
        assert config_entry.state is ConfigEntryState.SETUP_RETRY

        assert await hass.config_entries.async_reload(config_entry.entry_id)
        await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    progress = float(hass.states.get("sensor.kitchen_fridge_learning_progress").state)
    assert progress == pytest.approx(50.0, abs=5.0)  # 12 of the 24 learning hours
