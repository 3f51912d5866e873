"""The simulated fridge's door contact."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

from custom_components.fridge_care.analysis.model import Role
from fridge_sim import Sample

from . import ENTITY_IDS, SIGNAL_SAMPLES


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add the door contact."""
    async_add_entities([SimulatedDoor()])


class SimulatedDoor(BinarySensorEntity):
    """A door contact, reporting on every opening and closing."""

    _attr_should_poll = False
    _attr_device_class = BinarySensorDeviceClass.DOOR
    _attr_name = "Simulated fridge door"
    _attr_unique_id = "fridge_sim_dev_door"

    def __init__(self) -> None:
        """Give the contact its fixed entity id."""
        self.entity_id = ENTITY_IDS[Role.DOOR]

    async def async_added_to_hass(self) -> None:
        """Follow the simulation."""
        self.async_on_remove(async_dispatcher_connect(self.hass, SIGNAL_SAMPLES, self._on_samples))

    @callback
    def _on_samples(self, samples: list[Sample]) -> None:
        for sample in samples:
            if sample.role is Role.DOOR:
                self._attr_available = sample.value is not None
                self._attr_is_on = bool(sample.value)
                self.async_write_ha_state()
