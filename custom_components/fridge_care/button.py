"""Buttons: forget the learned baseline, and ask the manufacturer for a technician."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import FridgeCoordinator
from .data import FridgeCareConfigEntry
from .entity import FridgeCareEntity, async_remove_stale_entities
from .tickets.coordinator import TicketCoordinator

PARALLEL_UPDATES = 1

RESET_BASELINE = ButtonEntityDescription(
    key="reset_baseline",
    translation_key="reset_baseline",
    entity_category=EntityCategory.CONFIG,
)
REQUEST_SERVICE = ButtonEntityDescription(key="request_service", translation_key="request_service")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: FridgeCareConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the reset-baseline button, and the request-service one when tickets can be sent."""
    buttons: list[ButtonEntity] = [
        ResetBaselineButton(entry, entry.runtime_data.fridge, RESET_BASELINE)
    ]
    if (tickets := entry.runtime_data.tickets) is not None:
        buttons.append(RequestServiceButton(entry, tickets, REQUEST_SERVICE))
    async_remove_stale_entities(hass, entry, Platform.BUTTON, buttons)
    async_add_entities(buttons)


class ResetBaselineButton(FridgeCareEntity[FridgeCoordinator], ButtonEntity):
    """Start learning this fridge's normal behaviour from scratch (after a repair, a move)."""

    async def async_press(self) -> None:
        """Forget the baseline; the fridge is in learning again."""
        await self.coordinator.async_reset_baseline()


class RequestServiceButton(FridgeCareEntity[TicketCoordinator], ButtonEntity):
    """Send the request that waits for the owner's approval (or one for a confirmed fault)."""

    async def async_press(self) -> None:
        """Ask the manufacturer for a technician; explain when nothing needs one."""
        self.coordinator.async_request_service()
