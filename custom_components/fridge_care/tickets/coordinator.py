"""The ticket coordinator: from a confirmed fault to the technician's visit, for one fridge.

It listens to the fridge's health reports and judges each active fault once (:mod:`policy`):
send a ticket, ask the owner first, or nothing; it takes the owner's requests (the button, the
switch); it keeps the book (:mod:`book`) in a Store, a ticket saved before it is sent. Each
update hands the book to :mod:`delivery`, which sends what is pending and, every 30 minutes (the
update interval, or at once when the owner updates a ticket sensor), looks open tickets up again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.loader import async_get_integration
from homeassistant.util import dt as dt_util

from ..analysis.model import FaultEpisode, HealthReport
from ..bus_events import async_fire_ticket_event
from ..const import (
    CONF_CONTACT,
    CONF_MANUFACTURER,
    CONF_MODEL,
    CONF_SERIAL_NUMBER,
    CONF_SERVICE_REQUESTS,
    CONF_SERVICE_URL,
    CONF_SERVICE_ZONE,
    CONF_SIGNING_SECRET,
    CONF_VISIT_DAYS,
    CONF_VISIT_FROM,
    CONF_VISIT_UNTIL,
    DEFAULT_SERVICE_REQUESTS,
    DOMAIN,
)
from ..coordinator import FridgeCoordinator
from ..data import FridgeCareConfigEntry
from .book import AWAITING_APPROVAL, Ticket, TicketBook, TicketsView, TicketView
from .client import TicketClient
from .delivery import FOLLOW_UP_INTERVAL, Delivery
from .payload import (
    WEEKDAYS,
    Appliance,
    Customer,
    build_ticket,
    soonest_unsafe_s,
    ticket_id_of,
    visit_windows,
)
from .policy import ServiceRequests, Verdict, verdict

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1


def ticket_store(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> Store[dict[str, Any]]:
    """Return where one fridge's tickets live on disk (private: they name the appliance)."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.tickets", private=True)


class TicketCoordinator(DataUpdateCoordinator[TicketsView]):
    """One fridge's tickets to its manufacturer's service."""

    config_entry: FridgeCareConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: FridgeCareConfigEntry, fridge: FridgeCoordinator
    ) -> None:
        """Send to the entry's service with Home Assistant's shared HTTP session."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{entry.title} tickets",
            update_interval=FOLLOW_UP_INTERVAL,
        )
        data = entry.data
        self.requests = ServiceRequests(
            entry.options.get(CONF_SERVICE_REQUESTS, DEFAULT_SERVICE_REQUESTS)
        )
        self.delivery = Delivery(
            hass,
            entry,
            TicketClient(
                async_get_clientsession(hass), data[CONF_SERVICE_URL], data[CONF_SIGNING_SECRET]
            ),
            fridge.device_id,
            self._refresh_soon,
        )
        self._appliance = Appliance(
            data[CONF_MANUFACTURER], data[CONF_MODEL], data[CONF_SERIAL_NUMBER]
        )
        self._fridge = fridge
        self._store = ticket_store(hass, entry)
        self.book = TicketBook()
        self._judged: set[str] = set()
        """Episodes whose verdict is final: sent, proposed, covered or kept at home."""
        self._lock = asyncio.Lock()
        self._unsaved = False
        self._version = "unknown"

    async def _async_setup(self) -> None:
        """Read the book, judge the faults already active, and follow the fridge from now on."""
        self.book = TicketBook(await self._store.async_load())
        self._version = str((await async_get_integration(self.hass, DOMAIN)).version)
        self.delivery.async_resume(self.book)
        self._unsaved = self._judge(self._fridge.data)
        self.config_entry.async_on_unload(self._fridge.async_add_listener(self._on_report))

    async def async_shutdown(self) -> None:
        """Stop retrying (the entry unloads); what is pending stays on disk."""
        await super().async_shutdown()
        self.delivery.async_stop()

    def verdict(self, episode: FaultEpisode) -> Verdict:
        """Decide what this fault episode becomes: sent, proposed to the owner, covered, nothing."""
        covered = self.book.known(self._ticket_id(episode)) or (
            self.book.open_ticket_for(episode.code.value, dt_util.utcnow()) is not None
        )
        return verdict(episode, self.requests, paused=self.book.paused, covered=covered)

    def ticket_for(self, episode: FaultEpisode) -> TicketView | None:
        """Return the ticket that answers this episode: its own, or the open one for its fault."""
        tickets = self.book.view().tickets
        if (own := tickets.get(self._ticket_id(episode))) is not None:
            return own
        covering = self.book.open_ticket_for(episode.code.value, dt_util.utcnow())
        return None if covering is None else tickets.get(covering)

    @callback
    def _on_report(self) -> None:
        if self._judge(self._fridge.data):
            self._changed()

    def _judge(self, report: HealthReport) -> bool:
        """Apply the verdict to every active episode once; drop proposals whose fault cleared."""
        changed = False
        proposals = set()
        for episode in report.active:
            ticket_id = self._ticket_id(episode)
            if ticket_id in self.book.proposed:
                proposals.add(ticket_id)
                self._judged.add(episode.episode_id)
            if episode.episode_id in self._judged:
                continue
            decided = self.verdict(episode)
            if decided in (Verdict.NO_TICKET, Verdict.CONFIRMING):
                continue  # judged again at the next report: it may be confirmed by then
            self._judged.add(episode.episode_id)
            if decided is Verdict.SEND:
                self.book.queue(self._ticket(episode, report))
                _LOGGER.info("%s: ticket %s queued", self.config_entry.title, ticket_id)
                changed = True
            elif decided is Verdict.ASK_OWNER:
                self.book.propose(self._ticket(episode, report))
                proposals.add(ticket_id)
                async_fire_ticket_event(
                    self.hass,
                    self.config_entry,
                    self._fridge.device_id,
                    ticket_id,
                    {"status": AWAITING_APPROVAL, "code": episode.code.value},
                )
                changed = True
            elif decided is Verdict.COVERED and not self.book.known(ticket_id):
                _LOGGER.info(
                    "%s: %s again; its ticket is still open", self.config_entry.title, episode.code
                )
        return bool(self.book.withdraw_proposals(proposals)) or changed

    @callback
    def async_request_service(self) -> list[str]:
        """Send the proposed tickets, or one for each confirmed fault no open ticket covers."""
        report = self._fridge.data
        sent = []
        for episode in report.active:
            ticket_id = self._ticket_id(episode)
            if episode.wants_ticket and (
                ticket_id in self.book.proposed or self.verdict(episode) is not Verdict.COVERED
            ):
                self.book.queue(self._ticket(episode, report))
                self._judged.add(episode.episode_id)
                sent.append(ticket_id)
        if not sent:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="no_service_needed",
                translation_placeholders={"name": self.config_entry.title},
            )
        self._changed()
        return sent

    @callback
    def async_set_paused(self, paused: bool) -> None:
        """Pause automatic requests (faults then wait for the owner), or resume them."""
        self.book.paused = paused
        if not paused and self.requests is ServiceRequests.AUTOMATIC and self.book.proposed:
            self.async_request_service()  # what waited for the pause to end goes now
            return
        self._changed()

    async def async_look_up_now(self) -> None:
        """Look the open tickets up now (the owner asked): a visit booked since shows at once."""
        self.delivery.async_follow_up_now()
        await self.async_refresh()

    async def _async_update_data(self) -> TicketsView:
        """Send what is pending, then look open tickets up again when it is time."""
        async with self._lock:
            await self._async_save()  # a ticket is on disk before it is sent
            self._unsaved |= await self.delivery.async_sync(self.book)
            await self._async_save()
        return self.book.view()

    @callback
    def _changed(self) -> None:
        """Show the change now; save it and send what it queued in the background."""
        self._unsaved = True
        self.async_set_updated_data(self.book.view())
        self._refresh_soon()

    @callback
    def _refresh_soon(self) -> None:
        self.config_entry.async_create_background_task(
            self.hass, self.async_refresh(), f"{DOMAIN} tickets {self.config_entry.entry_id}"
        )

    async def _async_save(self) -> None:
        if self._unsaved:
            self._unsaved = False
            await self._store.async_save(self.book.to_dict())

    def _ticket_id(self, episode: FaultEpisode) -> str:
        return ticket_id_of(self._appliance, episode.episode_id)

    def _ticket(self, episode: FaultEpisode, report: HealthReport) -> Ticket:
        """Build the ticket an episode becomes, with the food's margin and the owner's hours."""
        data, options = self.config_entry.data, self.config_entry.options
        start, end = options.get(CONF_VISIT_FROM), options.get(CONF_VISIT_UNTIL)
        windows = (
            []
            if start is None or end is None
            else visit_windows(dt_util.now(), start, end, options.get(CONF_VISIT_DAYS, WEEKDAYS))
        )
        return build_ticket(
            episode,
            self._appliance,
            Customer(
                data[CONF_SERVICE_ZONE], self.hass.config.language, data.get(CONF_CONTACT), windows
            ),
            time_to_unsafe_s=soonest_unsafe_s(report),
            version=self._version,
        )


async def async_forget(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> None:
    """Delete a removed fridge's tickets from disk."""
    await ticket_store(hass, entry).async_remove()
