"""A switch that pauses automatic service requests: faults then wait for the owner's approval."""

from __future__ import annotations

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import FridgeCareConfigEntry
from .entity import FridgeCareEntity, async_remove_stale_entities
from .tickets.coordinator import TicketCoordinator
from .tickets.policy import ServiceRequests

PARALLEL_UPDATES = 0  # switching only changes what the coordinator does next

AUTOMATIC_REQUESTS = SwitchEntityDescription(
    key="automatic_service_requests",
    translation_key="automatic_service_requests",
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: FridgeCareConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switch where the owner chose automatic service requests."""
    tickets = entry.runtime_data.tickets
    switches = (
        [AutomaticRequestsSwitch(entry, tickets, AUTOMATIC_REQUESTS)]
        if tickets is not None and tickets.requests is ServiceRequests.AUTOMATIC
        else []
    )
    async_remove_stale_entities(hass, entry, Platform.SWITCH, switches)
    async_add_entities(switches)


class AutomaticRequestsSwitch(FridgeCareEntity[TicketCoordinator], SwitchEntity):
    """On: confirmed faults go to the manufacturer at once. Off: they wait for the owner."""

    @property
    def is_on(self) -> bool:
        """Return whether requests go automatically."""
        return not self.coordinator.data.paused

    async def async_turn_on(self, **kwargs: object) -> None:
        """Resume automatic requests; what waited for approval goes now."""
        self.coordinator.async_set_paused(False)

    async def async_turn_off(self, **kwargs: object) -> None:
        """Pause automatic requests."""
        self.coordinator.async_set_paused(True)
