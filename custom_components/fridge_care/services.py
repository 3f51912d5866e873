"""The fridge_care actions: acknowledge a fault for a while, and reset a learned baseline."""

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
import probatio as vol

from .analysis.model import FaultCode
from .const import (
    ATTR_CODE,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DURATION,
    DEFAULT_ACKNOWLEDGE,
    DOMAIN,
    SERVICE_ACKNOWLEDGE,
    SERVICE_RESET_BASELINE,
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
    monitor = entry.runtime_data.monitor
    code = FaultCode(call.data[ATTR_CODE]) if ATTR_CODE in call.data else None
    active = {episode.code for episode in monitor.data.active}
    if (code is not None and code not in active) or not active:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="fault_not_active",
            translation_placeholders={"name": entry.title, "code": code or "any"},
        )
    silenced = monitor.async_acknowledge(code, call.data[ATTR_DURATION])
    return {"acknowledged": [silenced_code.value for silenced_code in silenced]}


async def _async_reset_baseline(call: ServiceCall) -> None:
    """Forget what was learned about a fridge."""
    entry = _loaded_entry(call.hass, call)
    await entry.runtime_data.monitor.async_reset_baseline()


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once per Home Assistant, not per fridge)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_ACKNOWLEDGE,
        _async_acknowledge,
        schema=ACKNOWLEDGE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_RESET_BASELINE, _async_reset_baseline, schema=ENTRY_SCHEMA
    )
