"""The base every FridgeCare entity shares: one device per fridge, fed by its monitor."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .analysis.model import COMPARTMENT_ROLES
from .const import CONF_MANUFACTURER, CONF_MODEL, CONF_SERIAL_NUMBER, DOMAIN
from .data import FridgeCareConfigEntry
from .monitor import FridgeMonitor, sources_of


def fridge_identifier(entry: FridgeCareConfigEntry) -> tuple[str, str]:
    """Identify the fridge's device by its maker and serial (the entry's unique id)."""
    return (DOMAIN, entry.unique_id or entry.entry_id)


def fridge_device_info(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> DeviceInfo:
    """Describe the fridge, linked to the device of its compartment sensor when it has one."""
    info = DeviceInfo(
        identifiers={fridge_identifier(entry)},
        name=entry.title,
        manufacturer=entry.data[CONF_MANUFACTURER],
        model=entry.data[CONF_MODEL],
        serial_number=entry.data[CONF_SERIAL_NUMBER],
    )
    sources = sources_of(entry)
    for role in sorted(COMPARTMENT_ROLES & sources.keys()):
        source = er.async_get(hass).async_get(sources[role])
        if (
            source
            and source.device_id
            and (device := dr.async_get(hass).async_get(source.device_id))
        ):
            info["via_device_id"] = device.id
            break
    return info


class FridgeCareEntity(CoordinatorEntity[FridgeMonitor]):
    """An entity of the fridge's device, refreshed after every evaluation."""

    _attr_has_entity_name = True

    def __init__(self, monitor: FridgeMonitor, description: EntityDescription) -> None:
        """Name the entity by its description's translation key and tie it to the fridge."""
        super().__init__(monitor)
        self.entity_description = description
        entry = monitor.config_entry
        self._attr_unique_id = f"{entry.unique_id or entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={fridge_identifier(entry)})
