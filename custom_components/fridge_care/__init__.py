"""FridgeCare: predictive maintenance for a home refrigerator, built on sensors it already has."""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.typing import ConfigType

from .const import CONF_SERVICE_URL, CONF_SIGNING_SECRET, DOMAIN
from .data import FridgeCareConfigEntry, FridgeCareData
from .entity import fridge_device_info
from .monitor import FridgeMonitor, async_forget_fridge
from .services import async_setup_services
from .tickets.outbox import ServiceSettings, TicketOutbox

PLATFORMS = [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.EVENT, Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the FridgeCare actions once, whatever fridges are loaded."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> bool:
    """Start watching one fridge: its device, its monitor, then its entities."""
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **fridge_device_info(hass, entry)
    )
    tickets = None
    if url := entry.data.get(CONF_SERVICE_URL):
        service = ServiceSettings(url, entry.data[CONF_SIGNING_SECRET])
        tickets = TicketOutbox(hass, entry, device.id, service)
        await tickets.async_load()
        entry.async_on_unload(tickets.async_shutdown)
    monitor = FridgeMonitor(hass, entry, device.id, tickets)
    await monitor.async_config_entry_first_refresh()
    entry.runtime_data = FridgeCareData(monitor=monitor, tickets=tickets)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> bool:
    """Stop watching one fridge; the monitor saves what it learned as it shuts down."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> None:
    """Forget a removed fridge: its learned memory, notifications and repair issues."""
    await async_forget_fridge(hass, entry)


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
