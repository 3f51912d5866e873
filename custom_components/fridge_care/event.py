"""An event entity that fires once per detected fault, its event type being the fault code."""

from __future__ import annotations

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .analysis.model import FaultCode
from .data import FridgeCareConfigEntry
from .entity import FridgeCareEntity

PARALLEL_UPDATES = 0  # entities only read the monitor's latest report

FAULT_EVENT = EventEntityDescription(
    key="fault",
    translation_key="fault",
    event_types=[code.value for code in FaultCode],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: FridgeCareConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the fault event entity."""
    async_add_entities([FaultEvent(entry.runtime_data.monitor, FAULT_EVENT)])


class FaultEvent(FridgeCareEntity, EventEntity):
    """Records each newly detected fault, with its details as event attributes."""

    @callback
    def _handle_coordinator_update(self) -> None:
        """Fire for every fault the latest evaluation detected."""
        for episode in self.coordinator.data.detected:
            self._trigger_event(episode.code.value, episode.as_dict())
            self.async_write_ha_state()
        if not self.coordinator.data.detected:
            super()._handle_coordinator_update()
