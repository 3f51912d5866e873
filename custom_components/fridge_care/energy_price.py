"""The home's price of a kWh, as the owner set it in Home Assistant's energy dashboard."""

from __future__ import annotations

from homeassistant.components.energy.data import EnergyPreferences
from homeassistant.core import HomeAssistant


def energy_price(hass: HomeAssistant, preferences: EnergyPreferences | None) -> float | None:
    """Return the grid's price per kWh: a fixed one, or a price entity's state; else None."""
    for source in preferences["energy_sources"] if preferences else []:
        if source["type"] != "grid":
            continue
        if isinstance(price := source.get("number_energy_price"), int | float):
            return float(price)
        entity_id = source.get("entity_energy_price")
        if isinstance(entity_id, str) and (state := hass.states.get(entity_id)) is not None:
            try:
                return float(state.state)
            except ValueError:
                return None
    return None
