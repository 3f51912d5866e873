"""Tests for the diagnostics download."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.fridge_care.analysis.engine import Engine
from custom_components.fridge_care.diagnostics import async_get_config_entry_diagnostics


async def test_diagnostics_redact_the_serial(
    hass: HomeAssistant, door_left_open: MockConfigEntry
) -> None:
    """The download explains what FridgeCare sees without giving away the serial number."""
    # Called directly: the HTTP view's token would be "issued in the future" on the frozen clock.
    diagnostics = json.loads(
        json.dumps(await async_get_config_entry_diagnostics(hass, door_left_open), default=str)
    )
    assert diagnostics["entry"]["data"]["serial_number"] == "**REDACTED**"
    assert diagnostics["entry"]["unique_id"] == "**REDACTED**"
    assert "SN-0042" not in json.dumps(diagnostics).upper()
    assert diagnostics["sources"]["compressor_power"]["unit"] == "kW"
    assert diagnostics["sources"]["freezer_temp"]["unit"] == "°F"
    assert [fault["code"] for fault in diagnostics["report"]["active"]] == ["door_left_open"]
    assert diagnostics["engine"]["version"] == Engine.STATE_VERSION
