"""Typed runtime data hung on each FridgeCare config entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .coordinator import FridgeCoordinator
    from .notifications import FaultNotifications
    from .tickets.coordinator import TicketCoordinator


@dataclass
class FridgeCareData:
    """What a loaded fridge entry holds while Home Assistant runs."""

    fridge: FridgeCoordinator
    notifications: FaultNotifications
    tickets: TicketCoordinator | None = None
    """Tickets to the manufacturer's service; None when the owner set no service up."""


type FridgeCareConfigEntry = ConfigEntry[FridgeCareData]
