"""An event entity that fires once per detected fault, its event type being the fault code."""

from __future__ import annotations

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .analysis.model import FaultCode, HealthReport
from .coordinator import FridgeCoordinator
from .data import FridgeCareConfigEntry
from .entity import FridgeCareEntity

PARALLEL_UPDATES = 0  # the entity only reads the coordinator's latest report

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
    async_add_entities([FaultEvent(entry, entry.runtime_data.fridge, FAULT_EVENT)])


class FaultEvent(FridgeCareEntity[FridgeCoordinator], EventEntity):
    """Records each newly detected fault, with its details as event attributes.

    Only a new report's detections fire it: being added (at start-up, after a reload) or a
    failed evaluation re-delivering the last report fires nothing.
    """

    _seen: HealthReport | None = None

    async def async_added_to_hass(self) -> None:
        """Take the report already there as seen: it was news before this entity existed."""
        await super().async_added_to_hass()
        self._seen = self.coordinator.data

    @callback
    def _handle_coordinator_update(self) -> None:
        """Fire for every fault the latest evaluation detected."""
        report = self.coordinator.data
        if report is not self._seen:
            self._seen = report
            for episode in report.detected:
                self._trigger_event(episode.code.value, episode.as_dict())
        self.async_write_ha_state()
