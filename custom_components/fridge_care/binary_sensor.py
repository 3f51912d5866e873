"""Problem binary sensors: one per fault family, on while any fault of the family is active."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import async_remove_stale_entities
from .analysis.catalog import CATALOG
from .analysis.model import FaultFamily
from .data import FridgeCareConfigEntry
from .entity import FridgeCareEntity

PARALLEL_UPDATES = 0  # entities only read the monitor's latest report


@dataclass(frozen=True, kw_only=True)
class FamilyProblemDescription(BinarySensorEntityDescription):
    """A problem sensor for one fault family."""

    family: FaultFamily


PROBLEMS = tuple(
    FamilyProblemDescription(
        key=f"{family.value}_problem",
        translation_key=f"{family.value}_problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        family=family,
    )
    for family in FaultFamily
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: FridgeCareConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a problem sensor per fault family this fridge's sensors can reveal; drop the rest."""
    monitor = entry.runtime_data.monitor
    roles = frozenset(monitor.sources)
    visible = {spec.family for spec in CATALOG.values() if spec.observable(roles)}
    entities = [
        FamilyProblem(monitor, description)
        for description in PROBLEMS
        if description.family in visible
    ]
    async_remove_stale_entities(hass, entry, Platform.BINARY_SENSOR, entities)
    async_add_entities(entities)


class FamilyProblem(FridgeCareEntity, BinarySensorEntity):
    """On while a fault of this family is active."""

    entity_description: FamilyProblemDescription

    @property
    def is_on(self) -> bool:
        """Return whether any fault of the family is active."""
        family = self.entity_description.family
        return any(episode.family is family for episode in self.coordinator.data.active)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """List the active faults of the family, for cards and templates."""
        family = self.entity_description.family
        return {
            "faults": [
                episode.code.value
                for episode in self.coordinator.data.active
                if episode.family is family
            ]
        }
