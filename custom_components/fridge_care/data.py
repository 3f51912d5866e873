"""Typed runtime data hung on each FridgeCare config entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .monitor import FridgeMonitor
    from .tickets.outbox import TicketOutbox


@dataclass
class FridgeCareData:
    """What a loaded fridge entry holds while Home Assistant runs."""

    monitor: FridgeMonitor
    tickets: TicketOutbox | None = None
    """The outbox to the manufacturer's service; None when tickets are not forwarded."""


type FridgeCareConfigEntry = ConfigEntry[FridgeCareData]
