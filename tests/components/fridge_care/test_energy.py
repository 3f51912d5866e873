"""Tests for the money the excess energy costs, at the price the home set for energy."""

from __future__ import annotations

from homeassistant.components.energy.data import async_get_manager
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .common import StagedFaults, async_setup_integration

COST = "sensor.kitchen_fridge_excess_energy_cost_per_day"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The energy dashboard needs the recorder, started before custom integrations load."""


def _grid(**price: object) -> dict[str, object]:
    """A grid connection as the energy dashboard saves it, with the import price given."""
    return {
        "type": "grid",
        "stat_energy_from": "sensor.grid_energy",
        "cost_adjustment_day": 0.0,
        **price,
    }


@pytest.mark.parametrize(
    ("price", "cost"),
    [
        ({"number_energy_price": 0.25}, "0.075"),
        ({"entity_energy_price": "sensor.electricity_price"}, "0.06"),
        ({"entity_energy_price": "sensor.missing_price"}, "unknown"),
        ({}, "unknown"),
    ],
    ids=["fixed", "entity", "missing-entity", "none"],
)
async def test_excess_energy_costs_money_at_the_homes_price(
    hass: HomeAssistant,
    staged_faults: StagedFaults,
    config_entry: MockConfigEntry,
    price: dict[str, object],
    cost: str,
) -> None:
    """0.3 kWh a day too many, at 0.25 €/kWh fixed or 0.20 €/kWh from a price sensor."""
    assert await async_setup_component(hass, "energy", {})
    hass.states.async_set("sensor.electricity_price", "0.20", {"unit_of_measurement": "EUR/kWh"})
    manager = await async_get_manager(hass)
    await manager.async_update({"energy_sources": [_grid(**price)]})  # type: ignore[typeddict-item]
    await async_setup_integration(hass, config_entry)
    await staged_faults.async_report(hass, config_entry)
    state = hass.states.get(COST)
    if cost == "unknown":
        assert state.state == "unknown"
    else:
        assert float(state.state) == pytest.approx(float(cost))
    assert state.attributes["unit_of_measurement"] == hass.config.currency
