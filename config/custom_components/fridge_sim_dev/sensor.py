"""The simulated fridge's thermometers and smart plug."""

from __future__ import annotations

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.const import UnitOfPower, UnitOfTemperature
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

from custom_components.fridge_care.analysis.model import Role
from fridge_sim import Sample

from . import ENTITY_IDS, SIGNAL_SAMPLES

_KINDS: dict[Role, tuple[str, SensorDeviceClass, str]] = {
    Role.FRIDGE_TEMP: (
        "Simulated fridge temperature",
        SensorDeviceClass.TEMPERATURE,
        UnitOfTemperature.CELSIUS,
    ),
    Role.FREEZER_TEMP: (
        "Simulated freezer temperature",
        SensorDeviceClass.TEMPERATURE,
        UnitOfTemperature.CELSIUS,
    ),
    Role.AMBIENT_TEMP: (
        "Simulated kitchen temperature",
        SensorDeviceClass.TEMPERATURE,
        UnitOfTemperature.CELSIUS,
    ),
    Role.COMPRESSOR_POWER: (
        "Simulated fridge plug power",
        SensorDeviceClass.POWER,
        UnitOfPower.WATT,
    ),
}


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add one sensor per simulated reading."""
    async_add_entities(SimulatedReading(role) for role in _KINDS)


class SimulatedReading(SensorEntity):
    """A reading the simulator reports, as a Zigbee thermometer or a smart plug would."""

    _attr_should_poll = False
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, role: Role) -> None:
        """Describe the sensor for ``role``."""
        name, device_class, unit = _KINDS[role]
        self._role = role
        self._attr_name = name
        self._attr_unique_id = f"fridge_sim_dev_{role.value}"
        self._attr_device_class = device_class
        self._attr_native_unit_of_measurement = unit
        self._attr_suggested_display_precision = 1
        self.entity_id = ENTITY_IDS[role]

    async def async_added_to_hass(self) -> None:
        """Follow the simulation."""
        self.async_on_remove(async_dispatcher_connect(self.hass, SIGNAL_SAMPLES, self._on_samples))

    @callback
    def _on_samples(self, samples: list[Sample]) -> None:
        mine = [sample for sample in samples if sample.role is self._role]
        if not mine:
            return
        value = mine[-1].value
        self._attr_available = value is not None
        self._attr_native_value = value
        self.async_write_ha_state()
