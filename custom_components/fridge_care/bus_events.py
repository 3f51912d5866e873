"""The bus events automations listen to: ``fridge_care_fault`` and ``fridge_care_ticket``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import ATTR_DEVICE_ID, ATTR_NAME
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .analysis.model import FaultEpisode, HealthReport
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_TYPE,
    EVENT_FAULT,
    EVENT_TICKET,
    TYPE_CLEARED,
    TYPE_DETECTED,
)
from .coordinator import FridgeCoordinator
from .data import FridgeCareConfigEntry


def _fridge_of(entry: FridgeCareConfigEntry, device_id: str) -> dict[str, Any]:
    """Which fridge an event is about."""
    return {ATTR_DEVICE_ID: device_id, ATTR_CONFIG_ENTRY_ID: entry.entry_id, ATTR_NAME: entry.title}


def fault_event_data(fridge: FridgeCoordinator, kind: str, episode: FaultEpisode) -> dict[str, Any]:
    """Describe a fault change for automations."""
    return {
        **_fridge_of(fridge.config_entry, fridge.device_id),
        ATTR_TYPE: kind,
        **episode.as_dict(),
    }


@callback
def async_announce_faults(hass: HomeAssistant, fridge: FridgeCoordinator) -> CALLBACK_TYPE:
    """Fire an event per fault change in each new report; return how to stop."""
    announced: list[HealthReport | None] = [None]

    @callback
    def announce() -> None:
        report = fridge.data
        if report is announced[0]:
            return  # listeners are also called when an update fails: no news then
        announced[0] = report
        for kind, episodes in ((TYPE_DETECTED, report.detected), (TYPE_CLEARED, report.cleared)):
            for episode in episodes:
                hass.bus.async_fire(EVENT_FAULT, fault_event_data(fridge, kind, episode))

    return fridge.async_add_listener(announce)


@callback
def async_fire_ticket_event(
    hass: HomeAssistant,
    entry: FridgeCareConfigEntry,
    device_id: str,
    ticket_id: str,
    record: Mapping[str, Any],
) -> None:
    """Tell automations a ticket changed: awaiting approval, answered, moved or closed."""
    booking = record.get("booking")
    booking = booking if isinstance(booking, dict) else {}
    hass.bus.async_fire(
        EVENT_TICKET,
        {
            **_fridge_of(entry, device_id),
            "ticket_id": ticket_id,
            "code": record.get("code"),
            "status": record.get("status"),
            "visit_start": booking.get("start"),
            "visit_end": booking.get("end"),
            "technician": booking.get("technician_name"),
            "part": record.get("part"),
            "notice": record.get("notice"),
        },
    )
