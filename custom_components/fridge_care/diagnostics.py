"""Diagnostics download: what FridgeCare sees and concludes, with serials redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant

from .const import CONF_SERIAL_NUMBER
from .data import FridgeCareConfigEntry

TO_REDACT = {CONF_SERIAL_NUMBER, "unique_id"}  # the unique id embeds the serial


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: FridgeCareConfigEntry
) -> dict[str, Any]:
    """Return the entry, its sources' current states, the last report and the engine state."""
    monitor = entry.runtime_data.monitor
    sources = {}
    for role, entity_id in monitor.sources.items():
        state = hass.states.get(entity_id)
        sources[role.value] = {
            "entity_id": entity_id,
            "state": state.state if state else None,
            "unit": state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) if state else None,
            "unavailable_since": monitor.unavailable_since.get(role),
        }
    return {
        "entry": async_redact_data(entry.as_dict(), TO_REDACT),
        "sources": sources,
        "acknowledged": {code.value: until for code, until in monitor.acknowledged.items()},
        "report": asdict(monitor.data) if monitor.data else None,
        "engine": monitor.engine.to_dict(),
    }
