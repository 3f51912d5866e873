"""The fridge_care actions: acknowledge a fault, reset a learned baseline, request service.

Home Assistant calls these services; in FridgeCare "service" means the manufacturer's.
"""

from __future__ import annotations

from datetime import timedelta

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util.json import JsonValueType
import probatio as vol

from .analysis.model import FaultCode
from .const import (
    ACTION_ACKNOWLEDGE,
    ACTION_REQUEST_SERVICE,
    ACTION_RESET_BASELINE,
    ATTR_CODE,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DURATION,
    DEFAULT_ACKNOWLEDGE,
    DOMAIN,
)
from .data import FridgeCareConfigEntry

ENTRY_SCHEMA = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})
ACKNOWLEDGE_SCHEMA = ENTRY_SCHEMA.extend(
    {
        vol.Optional(ATTR_CODE): vol.In([code.value for code in FaultCode]),
        vol.Optional(ATTR_DURATION, default=DEFAULT_ACKNOWLEDGE): vol.All(
            cv.time_period, cv.positive_timedelta, vol.Range(max=timedelta(days=7))
        ),
    }
)


def _loaded_entry(hass: HomeAssistant, call: ServiceCall) -> FridgeCareConfigEntry:
    """Find the fridge an action is for, or explain why it cannot be used."""
    entry_id = call.data[ATTR_CONFIG_ENTRY_ID]
    entry: FridgeCareConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"config_entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    return entry


async def _async_acknowledge(call: ServiceCall) -> ServiceResponse:
    """Silence one active fault, or all of them, for a while."""
    entry = _loaded_entry(call.hass, call)
    fridge = entry.runtime_data.fridge
    code = FaultCode(call.data[ATTR_CODE]) if ATTR_CODE in call.data else None
    active = {episode.code for episode in fridge.data.active}
    if (code is not None and code not in active) or not active:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="fault_not_active",
            translation_placeholders={"name": entry.title, "code": code or "any"},
        )
    silenced = await fridge.async_acknowledge(code, call.data[ATTR_DURATION])
    entry.runtime_data.notifications.async_reconcile()
    return {"acknowledged": [silenced_code.value for silenced_code in silenced]}


async def _async_reset_baseline(call: ServiceCall) -> None:
    """Forget what was learned about a fridge."""
    entry = _loaded_entry(call.hass, call)
    await entry.runtime_data.fridge.async_reset_baseline()


async def _async_request_service(call: ServiceCall) -> ServiceResponse:
    """Ask the manufacturer for a technician for the fridge's confirmed faults."""
    entry = _loaded_entry(call.hass, call)
    if (tickets := entry.runtime_data.tickets) is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_service_set_up",
            translation_placeholders={"name": entry.title},
        )
    sent: list[JsonValueType] = [*tickets.async_request_service()]
    return {"tickets": sent}


@callback
def async_setup_actions(hass: HomeAssistant) -> None:
    """Register the actions (once per Home Assistant, not per fridge)."""
    hass.services.async_register(
        DOMAIN,
        ACTION_ACKNOWLEDGE,
        _async_acknowledge,
        schema=ACKNOWLEDGE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, ACTION_RESET_BASELINE, _async_reset_baseline, schema=ENTRY_SCHEMA
    )
    hass.services.async_register(
        DOMAIN,
        ACTION_REQUEST_SERVICE,
        _async_request_service,
        schema=ENTRY_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
