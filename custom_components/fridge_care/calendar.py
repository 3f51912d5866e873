"""The technicians' visits in Home Assistant's calendar, so calendar cards and triggers see them.

A visit the manufacturer moves moves here too (the ticket is its event's uid); one cancelled (the
ticket closed before it began) leaves the calendar; one that happened stays, as history.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from homeassistant.components.calendar import (
    CalendarEntity,
    CalendarEntityDescription,
    CalendarEvent,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .data import FridgeCareConfigEntry
from .entity import FridgeCareEntity, async_remove_stale_entities
from .tickets.book import Visit
from .tickets.coordinator import TicketCoordinator

PARALLEL_UPDATES = 0  # the calendar only reads the ticket coordinator's data

VISITS = CalendarEntityDescription(key="technician_visits", translation_key="technician_visits")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: FridgeCareConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the visits calendar to a fridge whose tickets go to its manufacturer."""
    tickets = entry.runtime_data.tickets
    calendars = [] if tickets is None else [VisitCalendar(entry, tickets, VISITS)]
    async_remove_stale_entities(hass, entry, Platform.CALENDAR, calendars)
    async_add_entities(calendars)


class VisitCalendar(FridgeCareEntity[TicketCoordinator], CalendarEntity):
    """Booked technician visits for this fridge, worded in the owner's language."""

    _texts: Mapping[str, str] = MappingProxyType({})

    async def async_added_to_hass(self) -> None:
        """Load the words for the events."""
        await super().async_added_to_hass()
        language = self.hass.config.language
        self._texts = {
            **await async_get_translations(self.hass, language, "common", {DOMAIN}),
            **await async_get_translations(self.hass, language, "selector", {DOMAIN}),
        }

    @property
    def event(self) -> CalendarEvent | None:
        """Return the visit going on now, or else the next one."""
        now = dt_util.utcnow()
        coming = [visit for visit in self.coordinator.data.visits if visit.end > now]
        return self._event(coming[0]) if coming else None

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Return the visits that overlap the given window."""
        return [
            self._event(visit)
            for visit in self.coordinator.data.visits
            if visit.start < end_date and visit.end > start_date
        ]

    def _event(self, visit: Visit) -> CalendarEvent:
        """Show a visit as a calendar event: who comes, for what, with which part."""
        prefix = f"component.{DOMAIN}."
        fault = self._texts.get(f"{prefix}selector.fault_code.options.{visit.code}", visit.code)
        summary = self._texts.get(f"{prefix}common.visit_summary", "{fridge}: {technician}")
        description = self._texts.get(f"{prefix}common.visit_description", "{ticket}")
        return CalendarEvent(
            start=visit.start,
            end=visit.end,
            summary=summary.format(
                fridge=self.coordinator.config_entry.title, technician=visit.technician or "—"
            ),
            description=description.format(
                ticket=visit.ticket_id, fault=fault or "—", part=visit.part or "—"
            ),
            uid=visit.ticket_id,
        )
