"""FridgeCare: predictive maintenance for a home refrigerator, built on sensors it already has."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import ConfigType

from . import repairs
from .actions import async_setup_actions
from .bus_events import async_announce_faults
from .const import CONF_SERVICE_URL, DOMAIN
from .coordinator import FridgeCoordinator, async_forget as async_forget_memory
from .data import FridgeCareConfigEntry, FridgeCareData
from .entity import fridge_device_info
from .notifications import FaultNotifications, async_withdraw_all
from .tickets.coordinator import TicketCoordinator, async_forget as async_forget_tickets

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CALENDAR,
    Platform.EVENT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the FridgeCare actions once, whatever fridges are loaded."""
    async_setup_actions(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> bool:
    """Start watching one fridge: its device, its coordinators and their listeners, its entities.

    The listeners subscribe before the first evaluation, so a fault found in it is announced.
    """
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **fridge_device_info(hass, entry)
    )
    fridge = FridgeCoordinator(hass, entry, device.id)
    ticketing = TicketCoordinator(hass, entry, fridge) if entry.data.get(CONF_SERVICE_URL) else None
    notifications = FaultNotifications(hass, entry, fridge, ticketing)
    await notifications.async_start()
    entry.async_on_unload(async_announce_faults(hass, fridge))
    entry.async_on_unload(fridge.async_add_listener(fridge.sources.async_check_silence))
    await fridge.async_config_entry_first_refresh()
    if ticketing is not None:
        await ticketing.async_config_entry_first_refresh()
    entry.runtime_data = FridgeCareData(fridge, notifications, ticketing)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> bool:
    """Stop watching one fridge; the coordinators save what they hold as they shut down."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> None:
    """Forget a removed fridge for good: its memory, its tickets, what it showed."""
    async_withdraw_all(hass, entry)
    repairs.async_delete_all(hass, entry)
    await async_forget_memory(hass, entry)
    await async_forget_tickets(hass, entry)
