"""The ticket coordinator: from a confirmed fault to the technician's visit, for one fridge.

It listens to the fridge's health reports and judges each active fault once (:mod:`policy`):
send a ticket, ask the owner first, or nothing. A ticket is saved before it is sent and stays
pending until the service answers: a network failure or a busy service means "try again later"
(the service's ``Retry-After`` is honoured, across restarts too), a refused signature asks the
owner for the new secret, a refused ticket becomes a repair issue. Every update sends what is
pending and, every 30 minutes (the update interval), looks open tickets up again, so a visit an
agent moves or cancels shows at home too.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import hashlib
import logging
from typing import Any, Final

from homeassistant.const import ATTR_DEVICE_ID, ATTR_NAME
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.loader import async_get_integration
from homeassistant.util import dt as dt_util

from ..analysis.model import FaultEpisode, HealthReport
from ..const import (
    ATTR_CONFIG_ENTRY_ID,
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
    EVENT_TICKET,
)
from ..coordinator import FridgeCoordinator
from ..data import FridgeCareConfigEntry
from ..repairs import async_report_refused, async_settle_refused
from .book import AWAITING_APPROVAL, Ticket, TicketBook, TicketsView, TicketView
from .client import Answered, Refused, SignatureRefused, TicketClient, TryLater
from .payload import WEEKDAYS, Appliance, Customer, build_ticket, ticket_id_of, visit_windows
from .policy import ServiceRequests, Verdict, verdict

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
FOLLOW_UP_INTERVAL: Final = timedelta(minutes=30)
"""How often open tickets are looked up again: agents reschedule and close visits."""
FIRST_RETRY_S: Final = 30.0
LAST_RETRY_S: Final = 3600.0
"""Without a ``Retry-After``, waits double from half a minute up to an hour."""
SPREAD: Final = 0.1
"""Each wait is stretched by up to 10 %, a fraction fixed by the ticket id: after a regional
power cut, thousands of fridges told to wait the same time do not all come back in one second."""


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
        self._client = TicketClient(
            async_get_clientsession(hass), data[CONF_SERVICE_URL], data[CONF_SIGNING_SECRET]
        )
        self._appliance = Appliance(
            data[CONF_MANUFACTURER], data[CONF_MODEL], data[CONF_SERIAL_NUMBER]
        )
        self._fridge = fridge
        self._store = ticket_store(hass, entry)
        self.book = TicketBook()
        self.auth_failed = False
        self.retry_in: float | None = None
        """The last wait asked for (by the service, or doubling), before its spread; None: none."""
        self._judged: set[str] = set()
        """Episodes whose verdict is final: sent, proposed, covered or kept at home."""
        self._lock = asyncio.Lock()
        self._cancel_retry: CALLBACK_TYPE | None = None
        self._unsaved = False
        self._followed_up_at = 0.0
        self._version = "unknown"

    async def _async_setup(self) -> None:
        """Read the book, judge the faults already active, and follow the fridge from now on."""
        self.book = TicketBook(await self._store.async_load())
        self._version = str((await async_get_integration(self.hass, DOMAIN)).version)
        self._followed_up_at = dt_util.utcnow().timestamp()  # looked up again in 30 minutes
        if self.book.retry_at is not None:
            self._schedule_retry(self.book.retry_at - dt_util.utcnow().timestamp())
        self._unsaved = self._judge(self._fridge.data)
        self.config_entry.async_on_unload(self._fridge.async_add_listener(self._on_report))

    async def async_shutdown(self) -> None:
        """Stop retrying (the entry unloads); what is pending stays on disk."""
        await super().async_shutdown()
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None

    # --- the one decision ------------------------------------------------------------------

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
                self._announce(ticket_id, {"status": AWAITING_APPROVAL}, episode.code.value)
                changed = True
            elif decided is Verdict.COVERED and not self.book.known(ticket_id):
                _LOGGER.info(
                    "%s: %s again; its ticket is still open", self.config_entry.title, episode.code
                )
        return bool(self.book.withdraw_proposals(proposals)) or changed

    # --- the owner's requests --------------------------------------------------------------

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

    # --- talking to the service ------------------------------------------------------------

    async def _async_update_data(self) -> TicketsView:
        """Send what is pending, then look open tickets up again when it is time."""
        async with self._lock:
            await self._async_save()  # a ticket is on disk before it is sent
            if not self.auth_failed and not self._waiting() and await self._async_send_pending():
                await self._async_follow_up()
            await self._async_save()
        return self.book.view()

    def _waiting(self) -> bool:
        """Whether the service asked to be left alone still; if so, the retry is set for then."""
        retry_at = self.book.retry_at
        if retry_at is None or (left := retry_at - dt_util.utcnow().timestamp()) <= 0:
            return False
        if self._cancel_retry is None:  # an update came early (a follow-up): retry when due
            self._schedule_retry(left)
        return True

    async def _async_send_pending(self) -> bool:
        """Send pending tickets oldest first; False when the service has to be left alone."""
        while self.book.pending:
            ticket_id, ticket = next(iter(self.book.pending.items()))
            match await self._client.async_send(ticket):
                case Answered(answer):
                    self._take_answer(ticket_id, answer)
                case TryLater(reason, retry_after):
                    _LOGGER.warning(
                        "%s: ticket %s not sent yet: %s", self.config_entry.title, ticket_id, reason
                    )
                    self._wait(ticket_id, retry_after)
                    return False
                case SignatureRefused():
                    self._signature_refused()
                    return False
                case Refused(status, problem) as refused:
                    _LOGGER.error(
                        "%s: ticket %s refused (%s): %s",
                        self.config_entry.title,
                        ticket_id,
                        status,
                        refused.detail,
                    )
                    self.book.refused(ticket_id, status, problem)
                    self._unsaved = True
                    async_report_refused(
                        self.hass, self.config_entry, ticket_id, status, refused.detail
                    )
        self.retry_in = self.book.retry_at = None
        return True

    async def _async_follow_up(self) -> None:
        """Take in visits moved or tickets closed by the manufacturer; failures wait a turn."""
        now = dt_util.utcnow()
        if now.timestamp() - self._followed_up_at < FOLLOW_UP_INTERVAL.total_seconds() - 60:
            return
        self._followed_up_at = now.timestamp()
        for ticket_id in self.book.open_answers(now):
            match await self._client.async_look_up(ticket_id):
                case Answered(state) if self.book.changed(ticket_id, state):
                    self._take_answer(ticket_id, state)
                case SignatureRefused():
                    self._signature_refused()
                    return
                case TryLater(reason, retry_after):
                    _LOGGER.debug(
                        "%s: %s not looked up: %s", self.config_entry.title, ticket_id, reason
                    )
                    if retry_after is not None:
                        self._wait(ticket_id, retry_after)
                    return

    def _take_answer(self, ticket_id: str, answer: dict[str, Any]) -> None:
        record = self.book.answered(ticket_id, answer, dt_util.utcnow().timestamp())
        self._unsaved = True
        _LOGGER.info("%s: ticket %s %s", self.config_entry.title, ticket_id, record["status"])
        self._announce(ticket_id, record, record["code"])
        async_settle_refused(self.hass, self.config_entry)

    def _wait(self, ticket_id: str, retry_after: float | None) -> None:
        """Leave the service alone for what it asked, or a doubling pause; retry after it."""
        if retry_after is None:
            retry_after = (
                FIRST_RETRY_S if self.retry_in is None else min(self.retry_in * 2.0, LAST_RETRY_S)
            )
        self.retry_in = retry_after
        fraction = int(hashlib.sha256(ticket_id.encode()).hexdigest()[:8], 16) / 2**32
        delay = retry_after * (1.0 + SPREAD * fraction)
        self.book.retry_at = dt_util.utcnow().timestamp() + delay
        self._unsaved = True
        self._schedule_retry(delay)

    def _schedule_retry(self, delay: float) -> None:
        if self._cancel_retry is not None:
            self._cancel_retry()
        self._cancel_retry = async_call_later(self.hass, max(delay, 0.0), self._retry)

    @callback
    def _retry(self, _now: object) -> None:
        self._cancel_retry = None
        self._refresh_soon()

    @callback
    def _signature_refused(self) -> None:
        """Stop sending and ask the owner for the appliance's current secret."""
        _LOGGER.error(
            "%s: the manufacturer's service refused the signature", self.config_entry.title
        )
        self.auth_failed = True
        self.config_entry.async_start_reauth(self.hass)

    # --- bookkeeping -----------------------------------------------------------------------

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

    def _announce(self, ticket_id: str, record: dict[str, Any], code: str | None) -> None:
        """Fire ``fridge_care_ticket`` for automations: proposed, answered, moved or closed."""
        booking = record.get("booking")
        booking = booking if isinstance(booking, dict) else {}
        self.hass.bus.async_fire(
            EVENT_TICKET,
            {
                ATTR_DEVICE_ID: self._fridge.device_id,
                ATTR_CONFIG_ENTRY_ID: self.config_entry.entry_id,
                ATTR_NAME: self.config_entry.title,
                "ticket_id": ticket_id,
                "code": code,
                "status": record.get("status"),
                "visit_start": booking.get("start"),
                "visit_end": booking.get("end"),
                "technician": booking.get("technician_name"),
                "part": record.get("part"),
                "notice": record.get("notice"),
            },
        )

    def _ticket_id(self, episode: FaultEpisode) -> str:
        return ticket_id_of(self._appliance, episode.episode_id)

    def _ticket(self, episode: FaultEpisode, report: HealthReport) -> Ticket:
        """Build the ticket an episode becomes, with the food's margin and the owner's hours."""
        unsafe = [
            seconds
            for seconds in (report.time_to_unsafe_s, report.freezer_time_to_unsafe_s)
            if seconds is not None
        ]
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
            time_to_unsafe_s=min(unsafe, default=None),
            version=self._version,
        )


async def async_forget(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> None:
    """Delete a removed fridge's tickets from disk."""
    await ticket_store(hass, entry).async_remove()
