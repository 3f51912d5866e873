"""Problem binary sensors: one per fault family, and one "needs service" for dashboards."""

from __future__ import annotations

from collections.abc import Callable
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

from .analysis.catalog import CATALOG
from .analysis.model import FaultEpisode, FaultFamily
from .coordinator import FridgeCoordinator
from .data import FridgeCareConfigEntry
from .entity import FridgeCareEntity, async_remove_stale_entities

PARALLEL_UPDATES = 0  # entities only read the coordinator's latest report


@dataclass(frozen=True, kw_only=True)
class ProblemDescription(BinarySensorEntityDescription):
    """A problem sensor, on while an active fault matches ``matches``."""

    matches: Callable[[FaultEpisode], bool]
    family: FaultFamily | None = None
    """Created only when the fridge's sensors can see a fault of this family."""


def _of_family(family: FaultFamily) -> Callable[[FaultEpisode], bool]:
    return lambda episode: episode.family is family


PROBLEMS = (
    *(
        ProblemDescription(
            key=f"{family.value}_problem",
            translation_key=f"{family.value}_problem",
            device_class=BinarySensorDeviceClass.PROBLEM,
            family=family,
            matches=_of_family(family),
        )
        for family in FaultFamily
    ),
    ProblemDescription(
        key="needs_service",
        translation_key="needs_service",
        device_class=BinarySensorDeviceClass.PROBLEM,
        # A confirmed fault that takes a technician, whether or not tickets are sent.
        matches=lambda episode: episode.wants_ticket,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: FridgeCareConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the problem sensors this fridge's sensors can reveal; drop the rest."""
    fridge = entry.runtime_data.fridge
    roles = fridge.sources.roles
    visible = {spec.family for spec in CATALOG.values() if spec.observable(roles)}
    entities = [
        Problem(entry, fridge, description)
        for description in PROBLEMS
        if description.family is None or description.family in visible
    ]
    async_remove_stale_entities(hass, entry, Platform.BINARY_SENSOR, entities)
    async_add_entities(entities)


class Problem(FridgeCareEntity[FridgeCoordinator], BinarySensorEntity):
    """On while a matching fault is active."""

    entity_description: ProblemDescription

    def _faults(self) -> list[str]:
        matches = self.entity_description.matches
        return [episode.code.value for episode in self.coordinator.data.active if matches(episode)]

    @property
    def is_on(self) -> bool:
        """Return whether a matching fault is active."""
        return bool(self._faults())

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """List the matching active faults, for cards and templates."""
        return {"faults": self._faults()}
