"""Diagnostics download: what FridgeCare sees, concludes and sent, with personal data redacted."""

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
    """Return the entry, its sources, the last report, the engine, and the tickets.

    ``tickets.last_sent`` is the last ticket that left the home, as it was sent (serial and
    contact redacted here): exactly what the privacy section of the user guide lists.
    """
    fridge = entry.runtime_data.fridge
    tickets = entry.runtime_data.tickets
    sources = {}
    for role, entity_id in fridge.sources.by_role.items():
        state = hass.states.get(entity_id)
        sources[role.value] = {
            "entity_id": entity_id,
            "state": state.state if state else None,
            "unit": state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) if state else None,
            "unavailable_since": fridge.sources.unavailable_since.get(role),
        }
    return {
        "entry": async_redact_data(entry.as_dict(), TO_REDACT),
        "sources": sources,
        "acknowledged": {code.value: until for code, until in fridge.acknowledged.items()},
        "report": asdict(fridge.data) if fridge.data else None,
        "engine": await fridge.async_engine_state(),
        "tickets": None
        if tickets is None
        else async_redact_data(
            {
                **tickets.book.to_dict(),
                "service_requests": tickets.requests.value,
                "retry_in": tickets.delivery.retry_in,
                "auth_failed": tickets.delivery.auth_failed,
            },
            TO_REDACT,
        ),
    }
