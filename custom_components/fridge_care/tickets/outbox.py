"""The outbox: tickets kept on disk until the manufacturer's service has answered them.

A ticket is saved before it is sent, and leaves the outbox only with the service's answer: a
network failure, a timeout or a busy service (409, 429, 5xx) means "try again later", with a
growing pause. A refused signature (401) asks the owner for a new secret (re-authentication) and
keeps the tickets; a ticket the service refuses outright (another 4xx) is kept aside with the
service's problem and shown as a repair issue, never silently dropped. Once answered, the latest
ticket is looked up again now and then, so a visit an agent moves or closes shows at home too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
import time
from typing import Any, Final

import aiohttp
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.storage import Store
from homeassistant.helpers.translation import async_get_translations
from homeassistant.loader import async_get_integration
from homeassistant.util import dt as dt_util

from ..analysis.model import FaultEpisode, HealthReport
from ..const import (
    CONF_CONTACT,
    CONF_MANUFACTURER,
    CONF_MODEL,
    CONF_SERIAL_NUMBER,
    CONF_SERVICE_ZONE,
    CONF_VISIT_DAYS,
    CONF_VISIT_FROM,
    CONF_VISIT_UNTIL,
    DOMAIN,
)
from ..data import FridgeCareConfigEntry
from . import payload
from .announce import async_announce_answer, async_report_refused
from .payload import WEEKDAYS, Appliance, Customer, build_ticket, visit_windows
from .protocol import signature_headers

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
TICKETS_PATH: Final = "/api/v1/tickets"
REQUEST_TIMEOUT: Final = aiohttp.ClientTimeout(total=30)
FIRST_RETRY_S: Final = 30.0
LAST_RETRY_S: Final = 3600.0
"""Retries wait twice as long each time, from half a minute up to an hour."""
FOLLOW_UP_INTERVAL: Final = timedelta(minutes=30)
"""How often the latest ticket is looked up again: agents reschedule and close visits."""
OPEN_WITHOUT_VISIT: Final = timedelta(days=7)
"""How long an answered ticket with no visit booked still counts as open for its fault."""
KEPT_TICKETS: Final = 50
"""Answered tickets kept on disk (and, apart, refused ones): the newest, for diagnostics."""


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """Where the tickets go and how they are signed."""

    url: str
    secret: str


def booking_time(value: object) -> datetime | None:
    """Return a booking's start or end as an aware datetime; None when missing or unusable.

    A time without an offset could be in any zone: it can neither be shown as a timestamp nor
    compared with now, so it counts as no time at all.
    """
    if not isinstance(value, str):
        return None
    try:
        at = dt_util.parse_datetime(value)
    except ValueError:  # well formed but impossible, such as month 13
        return None
    if at is None or at.utcoffset() is None:
        return None
    return at


def outbox_store(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> Store[dict[str, Any]]:
    """Return where one fridge's tickets live on disk (private: they name the appliance)."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.tickets", private=True)


class TicketOutbox:
    """One fridge's tickets: waiting to be sent, answered, or refused."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: FridgeCareConfigEntry,
        device_id: str,
        service: ServiceSettings,
    ) -> None:
        """Send to ``service`` with Home Assistant's shared HTTP session."""
        self._hass = hass
        self._entry = entry
        self._device_id = device_id
        self._service = service
        self._session = async_get_clientsession(hass)
        self._store = outbox_store(hass, entry)
        self.pending: dict[str, dict[str, Any]] = {}
        """Tickets not yet answered, by id, in the order they were raised."""
        self.answers: dict[str, dict[str, Any]] = {}
        """The service's answer (``status``, ``booking``, ``notice``, …) by ticket id."""
        self.rejected: dict[str, dict[str, Any]] = {}
        """Refused tickets by id: the ticket and the service's problem document."""
        self.latest: str | None = None
        """The ticket raised last: what the entities show."""
        self.retry_in: float | None = None
        """Seconds until the next try while the service cannot be reached, else None."""
        self.auth_failed = False
        self._listeners: list[CALLBACK_TYPE] = []
        self._cancel_retry: CALLBACK_TYPE | None = None
        self._cancel_follow_up: CALLBACK_TYPE | None = None
        self._sending = False
        self._texts: dict[str, str] = {}
        self._version = "unknown"
        self._unsaved = False
        """Set when a ticket is queued, answered or refused; cleared by each write."""
        self._judged: set[str] = set()
        """Episodes already turned into a ticket, or found covered by an open one."""

    async def async_load(self) -> None:
        """Read what was left from before a restart, and send what is still waiting."""
        stored = await self._store.async_load() or {}
        self.pending = stored.get("pending", {})
        self.answers = stored.get("answers", {})
        self.rejected = stored.get("rejected", {})
        self.latest = stored.get("latest")
        self._version = str((await async_get_integration(self._hass, DOMAIN)).version)
        self._texts = await async_get_translations(
            self._hass, self._hass.config.language, "issues", {DOMAIN}
        )
        if self.pending:
            self._start_delivery()
        self._cancel_follow_up = async_track_time_interval(
            self._hass, self._follow_up, FOLLOW_UP_INTERVAL
        )

    @callback
    def async_shutdown(self) -> None:
        """Stop retrying and following up (the entry unloads); what waits stays on disk."""
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None
        if self._cancel_follow_up is not None:
            self._cancel_follow_up()
            self._cancel_follow_up = None

    @callback
    def async_add_listener(self, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call ``update`` whenever a ticket's state changes; return the way to stop."""
        self._listeners.append(update)
        return lambda: self._listeners.remove(update)

    @property
    def latest_answer(self) -> dict[str, Any] | None:
        """The answer to the latest ticket, if it has one."""
        return None if self.latest is None else self.answers.get(self.latest)

    @callback
    def async_raise(self, episode: FaultEpisode, report: HealthReport) -> None:
        """Turn an active fault episode into a ticket and queue it, once per episode.

        Not while a ticket for the same fault is still open: a fault that clears and comes back
        before the technician's visit is the same repair, not a second booking.
        """
        if episode.episode_id in self._judged:
            return
        self._judged.add(episode.episode_id)
        data = self._entry.data
        appliance = Appliance(data[CONF_MANUFACTURER], data[CONF_MODEL], data[CONF_SERIAL_NUMBER])
        if self._known(payload.ticket_id(appliance, episode.episode_id)):
            return
        if (open_ticket := self._open_ticket_for(episode.code.value)) is not None:
            _LOGGER.info(
                "%s: %s again; ticket %s is still open",
                self._entry.title,
                episode.code.value,
                open_ticket,
            )
            return
        unsafe = [
            seconds
            for seconds in (report.time_to_unsafe_s, report.freezer_time_to_unsafe_s)
            if seconds is not None
        ]
        self.async_submit(
            build_ticket(
                episode,
                appliance,
                Customer(
                    data[CONF_SERVICE_ZONE],
                    self._hass.config.language,
                    data.get(CONF_CONTACT),
                    self._preferred_windows(),
                ),
                time_to_unsafe_s=min(unsafe, default=None),
                version=self._version,
            )
        )

    def _known(self, ticket_id: str) -> bool:
        """Whether this ticket is waiting, answered or refused already."""
        return ticket_id in self.pending or ticket_id in self.answers or ticket_id in self.rejected

    def _open_ticket_for(self, code: str) -> str | None:
        """Return the id of a ticket for ``code`` that is waiting, or answered and not done.

        Answered tickets stay open until their visit ends, or for a week without a visit
        (``needs_dispatch``, ``human_review``); a closed ticket is done.
        """
        for ticket_id, ticket in self.pending.items():
            if ticket["fault"]["code"] == code:
                return ticket_id
        now = dt_util.utcnow()
        for ticket_id, answer in self.answers.items():
            if answer.get("code") != code or answer.get("status") == "closed":
                continue
            booking = answer.get("booking") or {}
            end = booking_time(booking.get("end"))
            if end is None:
                end = dt_util.utc_from_timestamp(answer["answered_at"]) + OPEN_WITHOUT_VISIT
            if end > now:
                return ticket_id
        return None

    def _preferred_windows(self) -> list[tuple[datetime, datetime]]:
        """Return the owner's preferred visit hours over the coming week, if they gave any."""
        options = self._entry.options
        start, end = options.get(CONF_VISIT_FROM), options.get(CONF_VISIT_UNTIL)
        if start is None or end is None:
            return []
        return visit_windows(dt_util.now(), start, end, options.get(CONF_VISIT_DAYS, WEEKDAYS))

    @callback
    def async_submit(self, ticket: dict[str, Any]) -> None:
        """Queue a ticket (once: an id seen before is ignored), save it, then send it."""
        ticket_id = ticket["ticket_id"]
        if self._known(ticket_id):
            return
        self.pending[ticket_id] = ticket
        self.latest = ticket_id
        self._unsaved = True
        _LOGGER.info("%s: ticket %s queued for the manufacturer", self._entry.title, ticket_id)
        self._changed()
        self._start_delivery()

    @callback
    def _start_delivery(self) -> None:
        self._entry.async_create_background_task(
            self._hass, self.async_deliver(), f"{DOMAIN} deliver tickets {self._entry.entry_id}"
        )

    async def async_deliver(self) -> None:
        """Save what changed, then send every waiting ticket in order until one has to wait."""
        await self._async_save()
        if self._sending or self.auth_failed:
            return
        self._sending = True
        try:
            # Oldest first; a ticket leaves ``pending`` once answered or refused, and one
            # queued while this runs is sent in the same pass.
            while self.pending and not self.auth_failed:
                ticket_id, ticket = next(iter(self.pending.items()))
                if not await self._async_send(ticket_id, ticket):
                    break
            else:
                self._retry_after(None)
        finally:
            self._sending = False
            await self._async_save()
            self._changed()

    async def _async_send(self, ticket_id: str, ticket: dict[str, Any]) -> bool:
        """Send one ticket; return whether the next one may go (False: wait and retry)."""
        try:
            status, answer = await self._async_call("POST", TICKETS_PATH, ticket_id, ticket)
        except (aiohttp.ClientError, TimeoutError) as err:
            _LOGGER.warning("%s: ticket %s not sent yet: %s", self._entry.title, ticket_id, err)
            self._retry_after(self._next_pause())
            return False
        if status in (200, 201) and answer is not None:
            self._answered(ticket_id, answer)
            return True
        if status == 401:
            self._signature_refused()
            return False
        if status in (408, 409, 425, 429) or status >= 500:
            _LOGGER.warning(
                "%s: ticket %s: service busy (%s)", self._entry.title, ticket_id, status
            )
            self._retry_after(self._next_pause())
            return False
        self._refused(ticket_id, status, answer)
        return True

    @callback
    def _follow_up(self, _now: object = None) -> None:
        """Look up the latest ticket again, unless it is closed or still being sent."""
        answer = self.latest_answer
        if self.latest is None or answer is None or answer.get("status") == "closed":
            return
        self._entry.async_create_background_task(
            self._hass,
            self._async_follow_up(self.latest),
            f"{DOMAIN} follow up ticket {self._entry.entry_id}",
        )

    async def _async_follow_up(self, ticket_id: str) -> None:
        """Take in a changed visit (rescheduled, closed) from the service; ignore failures."""
        try:
            status, state = await self._async_call("GET", f"{TICKETS_PATH}/{ticket_id}", ticket_id)
        except (aiohttp.ClientError, TimeoutError) as err:
            _LOGGER.debug("%s: ticket %s not looked up: %s", self._entry.title, ticket_id, err)
            return
        if status == 401:
            self._signature_refused()
            return
        known = self.answers.get(ticket_id, {})
        if (
            status != 200
            or state is None
            or all(state.get(key) == known.get(key) for key in ("status", "booking"))
        ):
            return
        self._answered(ticket_id, state)
        await self._async_save()
        self._changed()

    async def _async_call(
        self, method: str, path: str, message_id: str, payload: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any] | None]:
        """Make one signed request; return its status and JSON object (None if it has none)."""
        body = b"" if payload is None else json_bytes(payload)
        headers = signature_headers(self._service.secret, message_id, int(time.time()), body)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        async with self._session.request(
            method,
            self._service.url.rstrip("/") + path,
            data=body or None,
            headers=headers,
            timeout=REQUEST_TIMEOUT,
        ) as response:
            return response.status, await _json_or_none(response)

    @callback
    def _signature_refused(self) -> None:
        """Stop sending and ask the owner for the appliance's current secret."""
        _LOGGER.error("%s: the manufacturer's service refused the signature", self._entry.title)
        self.auth_failed = True
        self._entry.async_start_reauth(self._hass)

    def _answered(self, ticket_id: str, answer: dict[str, Any]) -> None:
        """Keep the service's answer and tell the owner what happens next."""
        self._unsaved = True
        sent = self.pending.pop(ticket_id, None)
        code = sent["fault"]["code"] if sent else self.answers.get(ticket_id, {}).get("code")
        self.answers[ticket_id] = {
            "code": code,
            "status": answer.get("status"),
            "booking": answer.get("booking"),
            "notice": answer.get("notice"),
            "part": (answer.get("triage") or {}).get("part"),
            "answered_at": time.time(),
        }
        _keep_latest(self.answers)
        _LOGGER.info("%s: ticket %s %s", self._entry.title, ticket_id, answer.get("status"))
        async_announce_answer(
            self._hass,
            self._entry,
            self._device_id,
            ticket_id,
            self.answers[ticket_id],
            self._texts,
        )

    def _refused(self, ticket_id: str, status: int, problem: dict[str, Any] | None) -> None:
        """Set a refused ticket aside, with the service's reason, and show a repair issue."""
        self._unsaved = True
        ticket = self.pending.pop(ticket_id)
        detail = str((problem or {}).get("detail") or (problem or {}).get("title") or status)
        self.rejected[ticket_id] = {"ticket": ticket, "status": status, "problem": problem}
        _keep_latest(self.rejected)
        _LOGGER.error(
            "%s: ticket %s refused (%s): %s", self._entry.title, ticket_id, status, detail
        )
        async_report_refused(self._hass, self._entry, ticket_id, status, detail)

    def _next_pause(self) -> float:
        return FIRST_RETRY_S if self.retry_in is None else min(self.retry_in * 2.0, LAST_RETRY_S)

    @callback
    def _retry_after(self, pause: float | None) -> None:
        """Try again in ``pause`` seconds (None: stop waiting, nothing to retry)."""
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None
        self.retry_in = pause
        if pause is not None:
            self._cancel_retry = async_call_later(self._hass, pause, self._retry)

    @callback
    def _retry(self, _now: object) -> None:
        self._cancel_retry = None
        self._start_delivery()

    async def _async_save(self) -> None:
        """Write the outbox if a ticket was queued, answered or refused since the last write."""
        if not self._unsaved:
            return
        self._unsaved = False
        await self._store.async_save(
            {
                "pending": self.pending,
                "answers": self.answers,
                "rejected": self.rejected,
                "latest": self.latest,
            }
        )

    @callback
    def _changed(self) -> None:
        for update in list(self._listeners):
            update()


def _keep_latest(tickets: dict[str, dict[str, Any]]) -> None:
    """Forget the oldest answered or refused tickets beyond the last :data:`KEPT_TICKETS`."""
    for ticket_id in list(tickets)[:-KEPT_TICKETS]:
        del tickets[ticket_id]


async def _json_or_none(response: aiohttp.ClientResponse) -> dict[str, Any] | None:
    """Return the answer's JSON object, or None when it has none (a proxy's error page)."""
    try:
        answer = await response.json(content_type=None)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None
