"""The ``fridge_care_fault`` bus event: each fault detected or cleared, for automations."""

from __future__ import annotations

from typing import Any

from homeassistant.const import ATTR_DEVICE_ID, ATTR_NAME
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .analysis.model import FaultEpisode, HealthReport
from .const import ATTR_CONFIG_ENTRY_ID, ATTR_TYPE, EVENT_FAULT, TYPE_CLEARED, TYPE_DETECTED
from .coordinator import FridgeCoordinator


def fault_event_data(fridge: FridgeCoordinator, kind: str, episode: FaultEpisode) -> dict[str, Any]:
    """Describe a fault change for automations."""
    return {
        ATTR_DEVICE_ID: fridge.device_id,
        ATTR_CONFIG_ENTRY_ID: fridge.config_entry.entry_id,
        ATTR_NAME: fridge.config_entry.title,
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
