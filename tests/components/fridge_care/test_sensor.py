"""Tests for the energy sensors: a day's energy against a healthy day's."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .common import StagedFaults


async def test_energy_against_a_healthy_day(
    hass: HomeAssistant, staged_faults: StagedFaults, init_integration: MockConfigEntry
) -> None:
    """1.3 kWh a day against 1.0 when healthy: 30 % more, 0.3 kWh; no price, no money."""
    await staged_faults.async_report(hass, init_integration)
    assert float(hass.states.get("sensor.kitchen_fridge_energy_per_day").state) == 1.3
    above = float(hass.states.get("sensor.kitchen_fridge_energy_above_healthy").state)
    assert above == pytest.approx(30.0)
    excess = float(hass.states.get("sensor.kitchen_fridge_excess_energy_per_day").state)
    assert excess == pytest.approx(0.3)
    assert hass.states.get("sensor.kitchen_fridge_excess_energy_cost_per_day").state == "unknown"
