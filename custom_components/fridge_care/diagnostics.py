"""Diagnostics download: what FridgeCare sees and concludes, with serials redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant

from .const import CONF_CONTACT, CONF_SERIAL_NUMBER, CONF_SIGNING_SECRET
from .data import FridgeCareConfigEntry

# The unique id embeds the serial; tickets repeat the serial ("serial") and contact.
TO_REDACT = {CONF_SERIAL_NUMBER, "serial", "unique_id", CONF_SIGNING_SECRET, CONF_CONTACT}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: FridgeCareConfigEntry
) -> dict[str, Any]:
    """Return the entry, its sources' states, the last report, the engine and the tickets."""
    monitor = entry.runtime_data.monitor
    tickets = entry.runtime_data.tickets
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
        "tickets": None
        if tickets is None
        else async_redact_data(
            {
                "pending": tickets.pending,
                "answers": tickets.answers,
                "rejected": tickets.rejected,
                "latest": tickets.latest,
                "retry_in": tickets.retry_in,
            },
            TO_REDACT,
        ),
    }
