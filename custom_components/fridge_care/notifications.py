"""Telling the owner about a fault: one persistent notification per fault, kept up to date.

What is shown follows what is active: after every evaluation and every ticket change, the faults
the owner should hear about (active, in a family they chose, not acknowledged) are reconciled with
what is on screen. A fault's notification says what was seen, what it means for the food and what
happens next; once a technician is asked for or booked, "what happens next" is the visit, in the
home's time zone ("a technician comes today at 16:00"), instead of "call a technician". A fault
that clears, or that the owner silences, disappears.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final

from homeassistant.components import persistent_notification
from homeassistant.const import UnitOfTemperature
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import TemperatureConverter

from .analysis.model import FaultCode, FaultEpisode, FaultFamily
from .const import (
    CONF_FRIDGE_LIMIT,
    CONF_MANUFACTURER,
    CONF_NOTIFY,
    DEFAULT_FRIDGE_LIMIT_C,
    DEFAULT_NOTIFY,
    DOMAIN,
)
from .coordinator import FridgeCoordinator
from .data import FridgeCareConfigEntry
from .tickets.book import TicketView
from .tickets.coordinator import TicketCoordinator
from .tickets.payload import WEEKDAYS
from .tickets.policy import Verdict

COMMON: Final = f"component.{DOMAIN}.common."
"""Where the notification texts are, among the integration's translations."""
WEEKDAY: Final = f"component.{DOMAIN}.selector.weekday.options."
FOOD_TIME_STEP: Final = timedelta(minutes=5)
"""The food's time is said to five minutes: the notice does not change with every evaluation."""


def notification_id(entry: FridgeCareConfigEntry, code: FaultCode) -> str:
    """One notification per fault kind per fridge."""
    return f"{DOMAIN}_{entry.entry_id}_{code.value}"


@callback
def async_withdraw_all(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> None:
    """Dismiss every fault notification of a fridge, whichever load of it showed them."""
    for code in FaultCode:
        persistent_notification.async_dismiss(hass, notification_id(entry, code))


class FaultNotifications:
    """Keep one fridge's fault notifications in step with its faults and its tickets."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: FridgeCareConfigEntry,
        fridge: FridgeCoordinator,
        tickets: TicketCoordinator | None,
    ) -> None:
        """Tell about faults of the families the owner chose."""
        self._hass = hass
        self._entry = entry
        self._fridge = fridge
        self._tickets = tickets
        self._families = frozenset(
            FaultFamily(family) for family in entry.options.get(CONF_NOTIFY, DEFAULT_NOTIFY)
        )
        self._shown: dict[FaultCode, tuple[str, str]] = {}
        self._texts: Mapping[str, str] = {}

    async def async_start(self) -> None:
        """Load the texts in the owner's language and follow the fridge and its tickets.

        The language is read once: changing it takes a reload, like every entry option.
        """
        language = self._hass.config.language
        self._texts = {
            **await async_get_translations(self._hass, language, "common", {DOMAIN}),
            **await async_get_translations(self._hass, language, "selector", {DOMAIN}),
        }
        entry = self._entry
        entry.async_on_unload(self._fridge.async_add_listener(self.async_reconcile))
        if self._tickets is not None:
            entry.async_on_unload(self._tickets.async_add_listener(self.async_reconcile))
        # Whatever this load did not show (an earlier load's, a cleared fault's) goes with it.
        entry.async_on_unload(lambda: async_withdraw_all(self._hass, entry))

    @callback
    def async_reconcile(self) -> None:
        """Show the faults the owner should hear about now, as they stand; withdraw the rest."""
        report = self._fridge.data
        now = dt_util.utcnow().timestamp()
        acknowledged = self._fridge.acknowledged
        wanted = {
            episode.code: episode
            for episode in report.active
            if episode.family in self._families and acknowledged.get(episode.code, 0.0) <= now
        }
        for code in self._shown.keys() - wanted.keys():
            persistent_notification.async_dismiss(self._hass, notification_id(self._entry, code))
            del self._shown[code]
        for code, episode in wanted.items():
            text = self._compose(episode)
            if self._shown.get(code) != text:
                title, message = text
                persistent_notification.async_create(
                    self._hass, message, title, notification_id(self._entry, code)
                )
                self._shown[code] = text

    def _compose(self, episode: FaultEpisode) -> tuple[str, str]:
        """Return the title and message for one fault, with what happens next as it stands."""
        code = episode.code.value
        title = self._text(f"{code}_title", name=self._entry.title) or code
        seen = self._text(f"{code}_description", name=self._entry.title) or episode.summary
        food = self._food_now()
        return title, f"{seen}{food}\n\n{self._next(episode)}"

    def _food_now(self) -> str:
        """Say when the fridge's food passes its limit, from the latest estimate; or nothing.

        The same figure as the *Time until fridge unsafe* sensor and the ticket's, in the
        home's time and temperature unit.
        """
        report = self._fridge.data
        if report.time_to_unsafe_s is None:
            return ""
        limit_c = float(self._entry.options.get(CONF_FRIDGE_LIMIT, DEFAULT_FRIDGE_LIMIT_C))
        unit = self._hass.config.units.temperature_unit
        limit = TemperatureConverter.convert(limit_c, UnitOfTemperature.CELSIUS, unit)
        shown = f"{limit:.1f} {unit}"
        if report.time_to_unsafe_s <= 0:
            return " " + self._text("food_unsafe_now", limit=shown)
        at = dt_util.as_local(dt_util.utc_from_timestamp(report.at + report.time_to_unsafe_s))
        step = FOOD_TIME_STEP.total_seconds()
        at = dt_util.as_local(dt_util.utc_from_timestamp(round(at.timestamp() / step) * step))
        return " " + self._text("food_unsafe_at", limit=shown, time=at.strftime("%H:%M"))

    def _next(self, episode: FaultEpisode) -> str:
        """Say what happens next: the ticket's story where there is one, else what to do."""
        own = self._text(f"{episode.code.value}_next", name=self._entry.title)
        if self._tickets is None or not episode.ticket_worthy:
            return own
        ticket = self._tickets.ticket_for(episode)
        if ticket is None:
            confirming = self._tickets.verdict(episode) is Verdict.CONFIRMING
            return self._text("next_confirming") if confirming else own
        return self._ticket_story(ticket)

    def _ticket_story(self, ticket: TicketView) -> str:
        placeholders = {
            "manufacturer": str(self._entry.data[CONF_MANUFACTURER]),
            "ticket": ticket.ticket_id,
            "technician": ticket.technician or "",
        }
        if ticket.state != "booked":
            return self._text(f"next_{ticket.state}", **placeholders)
        if ticket.visit is None:  # a booking without a usable time
            return self._text("next_booked_sometime", **placeholders)
        story = self._text("next_booked", when=self._when(ticket.visit.start), **placeholders)
        if ticket.part:
            story += " " + self._text("bringing", part=ticket.part)
        return story

    def _when(self, start: datetime) -> str:
        """Say when, in the home's time zone: today at 16:00, tomorrow at 9:30, on a day."""
        local = dt_util.as_local(start)
        clock = local.strftime("%H:%M")
        days = (local.date() - dt_util.now().date()).days
        if days == 0:
            return self._text("today_at", time=clock)
        if days == 1:
            return self._text("tomorrow_at", time=clock)
        weekday = self._texts.get(WEEKDAY + WEEKDAYS[local.weekday()], "")
        return self._text("on_day_at", weekday=weekday, date=local.date().isoformat(), time=clock)

    def _text(self, key: str, **placeholders: str) -> str:
        return self._texts.get(COMMON + key, "").format(**placeholders)
