"""The base every FridgeCare entity shares: one device per fridge, fed by one coordinator."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator

from .analysis.model import Role
from .const import CONF_MANUFACTURER, CONF_MODEL, CONF_SERIAL_NUMBER, DOMAIN
from .data import FridgeCareConfigEntry
from .sources import sources_of

VIA_ROLES = (Role.FRIDGE_TEMP, Role.FREEZER_TEMP, Role.COMPRESSOR_POWER)
"""Whose device the fridge is shown as connected via, first found first."""


def fridge_identifier(entry: FridgeCareConfigEntry) -> tuple[str, str]:
    """Identify the fridge's device by its maker and serial (the entry's unique id)."""
    return (DOMAIN, entry.unique_id or entry.entry_id)


def fridge_device_info(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> DeviceInfo:
    """Describe the fridge, linked to the device of its thermometer or plug when it has one."""
    info = DeviceInfo(
        identifiers={fridge_identifier(entry)},
        name=entry.title,
        manufacturer=entry.data[CONF_MANUFACTURER],
        model=entry.data[CONF_MODEL],
        serial_number=entry.data[CONF_SERIAL_NUMBER],
    )
    sources = sources_of(entry)
    for role in VIA_ROLES:
        if (
            role in sources
            and (source := er.async_get(hass).async_get(sources[role]))
            and source.device_id
            and (device := dr.async_get(hass).async_get(source.device_id))
        ):
            info["via_device_id"] = device.id
            break
    return info


class FridgeCareEntity[CoordinatorT: DataUpdateCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """An entity of the fridge's device, refreshed whenever its coordinator has news."""

    _attr_has_entity_name = True

    def __init__(
        self,
        entry: FridgeCareConfigEntry,
        coordinator: CoordinatorT,
        description: EntityDescription,
    ) -> None:
        """Name the entity by its description's translation key and tie it to the fridge."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{entry.unique_id or entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={fridge_identifier(entry)})


@callback
def async_remove_stale_entities(
    hass: HomeAssistant, entry: FridgeCareConfigEntry, domain: Platform, kept: Iterable[Entity]
) -> None:
    """Forget this fridge's ``domain`` entities it no longer creates.

    A source sensor or the ticket service that was removed would otherwise leave its entities
    in the registry for good, unavailable.
    """
    registry = er.async_get(hass)
    kept_ids = {entity.unique_id for entity in kept}
    for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
        if registered.domain == domain and registered.unique_id not in kept_ids:
            registry.async_remove(registered.entity_id)
