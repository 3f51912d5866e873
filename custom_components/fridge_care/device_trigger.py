"""Device triggers: automate on a fridge's faults and visits without writing event data by hand."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.const import (
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_EVENT_DATA,
    CONF_PLATFORM,
    CONF_TYPE,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import probatio as vol

from .analysis.model import FaultCode, Severity
from .const import (
    ATTR_TYPE,
    CONF_SERVICE_URL,
    DOMAIN,
    EVENT_FAULT,
    EVENT_TICKET,
    TYPE_CLEARED,
    TYPE_DETECTED,
)
from .tickets.book import AWAITING_APPROVAL

# Trigger type -> the fridge_care_fault event data it matches (besides the device).
TRIGGERS: Final[dict[str, dict[str, str]]] = {
    "fault_detected": {ATTR_TYPE: TYPE_DETECTED},
    "fault_cleared": {ATTR_TYPE: TYPE_CLEARED},
    "critical_fault_detected": {ATTR_TYPE: TYPE_DETECTED, "severity": Severity.CRITICAL.value},
    "door_left_open": {ATTR_TYPE: TYPE_DETECTED, "code": FaultCode.DOOR_LEFT_OPEN.value},
    "unsafe_temperature": {ATTR_TYPE: TYPE_DETECTED, "code": FaultCode.UNSAFE_TEMPERATURE.value},
    "power_outage": {ATTR_TYPE: TYPE_DETECTED, "code": FaultCode.POWER_OUTAGE.value},
}
# Trigger type -> the fridge_care_ticket event data it matches; offered by fridges whose
# tickets go to a manufacturer's service.
TICKET_TRIGGERS: Final[dict[str, dict[str, str]]] = {
    "technician_booked": {"status": "booked"},
    "approval_needed": {"status": AWAITING_APPROVAL},
}

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {vol.Required(CONF_TYPE): vol.In([*TRIGGERS, *TICKET_TRIGGERS])}
)


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """List the triggers every fridge offers, and the ticket ones where tickets are sent."""
    kinds = list(TRIGGERS)
    if _sends_tickets(hass, device_id):
        kinds += TICKET_TRIGGERS
    return [
        {CONF_PLATFORM: "device", CONF_DEVICE_ID: device_id, CONF_DOMAIN: DOMAIN, CONF_TYPE: kind}
        for kind in kinds
    ]


def _sends_tickets(hass: HomeAssistant, device_id: str) -> bool:
    """Whether the fridge's entry forwards tickets to a manufacturer's service."""
    device = dr.async_get(hass).async_get(device_id, include_child_devices=False)
    if device is None:
        return False
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    return entry is not None and entry.domain == DOMAIN and bool(entry.data.get(CONF_SERVICE_URL))


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Listen for this fridge's fault or ticket events of the chosen kind."""
    kind = config[CONF_TYPE]
    event_type, data = (
        (EVENT_TICKET, TICKET_TRIGGERS[kind])
        if kind in TICKET_TRIGGERS
        else (EVENT_FAULT, TRIGGERS[kind])
    )
    event_config = event_trigger.TRIGGER_SCHEMA(
        {
            CONF_PLATFORM: "event",
            event_trigger.CONF_EVENT_TYPE: event_type,
            CONF_EVENT_DATA: {CONF_DEVICE_ID: config[CONF_DEVICE_ID], **data},
        }
    )
    return await event_trigger.async_attach_trigger(
        hass, event_config, action, trigger_info, platform_type="device"
    )
