"""Getting pending tickets to the manufacturer's service, and its answers home.

Tickets go oldest first. The service's answer is recorded and announced; "try later" leaves the
service alone for what it asked (``Retry-After``) or for a doubling pause, stretched by a spread
fixed by the ticket id, and then tries again; a refused signature stops sending and asks the owner
for the current secret; a refused ticket is set aside as a repair issue. Open tickets are looked
up again every half hour, so a visit moved or cancelled by an agent reaches home.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
import hashlib
import logging
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from ..bus_events import async_fire_ticket_event
from ..data import FridgeCareConfigEntry
from ..repairs import async_report_refused, async_settle_refused
from .book import TicketBook
from .client import Answered, Refused, SignatureRefused, TicketClient, TryLater

_LOGGER = logging.getLogger(__name__)

FOLLOW_UP_INTERVAL: Final = timedelta(minutes=30)
"""How often open tickets are looked up again: agents reschedule and close visits."""
FIRST_RETRY_S: Final = 30.0
LAST_RETRY_S: Final = 3600.0
"""Without a ``Retry-After``, waits double from half a minute up to an hour."""
SPREAD: Final = 0.1
"""Each wait is stretched by up to 10 %, a fraction fixed by the ticket id: after a regional
power cut, thousands of fridges told to wait the same time do not all come back in one second."""


def spread_wait(ticket_id: str, wait: float) -> float:
    """Return ``wait`` stretched by this ticket's own fraction of :data:`SPREAD`."""
    fraction = int(hashlib.sha256(ticket_id.encode()).hexdigest()[:8], 16) / 2**32
    return wait * (1.0 + SPREAD * fraction)


class Delivery:
    """One fridge's traffic with its manufacturer's service."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: FridgeCareConfigEntry,
        client: TicketClient,
        device_id: str,
        retry: Callable[[], None],
    ) -> None:
        """Talk through ``client``; call ``retry`` when a wait is over."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._device_id = device_id
        self._retry = retry
        self.auth_failed = False
        self.retry_in: float | None = None
        """The last wait asked for (by the service, or doubling), before its spread."""
        self._cancel_retry: CALLBACK_TYPE | None = None
        self._followed_up_at = dt_util.utcnow().timestamp()  # the first look-up in 30 minutes

    @callback
    def async_resume(self, book: TicketBook) -> None:
        """After a restart, wait out what the service asked before it."""
        if book.retry_at is not None:
            self._schedule_retry(book.retry_at - dt_util.utcnow().timestamp())

    @callback
    def async_stop(self) -> None:
        """Stop retrying: the entry unloads (what is pending stays on disk)."""
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None

    @callback
    def async_follow_up_now(self) -> None:
        """Look open tickets up at the next sync, without waiting for the 30 minutes."""
        self._followed_up_at = 0.0

    async def async_sync(self, book: TicketBook) -> bool:
        """Send what is pending, then look open tickets up when due; return whether book changed."""
        if self.auth_failed or self._waiting(book):
            return False
        changed, go_on = await self._async_send_pending(book)
        if go_on:
            changed = await self._async_follow_up(book) or changed
        return changed

    def _waiting(self, book: TicketBook) -> bool:
        """Whether the service asked to be left alone still; if so, the retry is set for then."""
        retry_at = book.retry_at
        if retry_at is None or (left := retry_at - dt_util.utcnow().timestamp()) <= 0:
            return False
        if self._cancel_retry is None:  # an update came early (a follow-up): retry when due
            self._schedule_retry(left)
        return True

    async def _async_send_pending(self, book: TicketBook) -> tuple[bool, bool]:
        """Send pending tickets oldest first; return (book changed, the service may go on)."""
        changed = False
        while book.pending:
            ticket_id, ticket = next(iter(book.pending.items()))
            match await self._client.async_send(ticket):
                case Answered(answer):
                    self._take_answer(book, ticket_id, answer)
                case TryLater(reason, retry_after):
                    _LOGGER.warning(
                        "%s: ticket %s not sent yet: %s", self._entry.title, ticket_id, reason
                    )
                    self._wait(book, ticket_id, retry_after)
                    return True, False
                case SignatureRefused():
                    self._signature_refused()
                    return changed, False
                case Refused(status, problem) as refused:
                    _LOGGER.error(
                        "%s: ticket %s refused (%s): %s",
                        self._entry.title,
                        ticket_id,
                        status,
                        refused.detail,
                    )
                    book.refused(ticket_id, status, problem)
                    async_report_refused(self._hass, self._entry, ticket_id, status, refused.detail)
            changed = True
        if book.retry_at is not None:
            changed = True
        self.retry_in = book.retry_at = None
        return changed, True

    async def _async_follow_up(self, book: TicketBook) -> bool:
        """Take in visits moved or tickets closed by the manufacturer; failures wait a turn."""
        now = dt_util.utcnow()
        if now.timestamp() - self._followed_up_at < FOLLOW_UP_INTERVAL.total_seconds() - 60:
            return False
        self._followed_up_at = now.timestamp()
        changed = False
        for ticket_id in book.open_answers(now):
            match await self._client.async_look_up(ticket_id):
                case Answered(state) if book.changed(ticket_id, state):
                    self._take_answer(book, ticket_id, state)
                    changed = True
                case SignatureRefused():
                    self._signature_refused()
                    break
                case TryLater(reason, retry_after):
                    _LOGGER.debug("%s: %s not looked up: %s", self._entry.title, ticket_id, reason)
                    if retry_after is not None:
                        self._wait(book, ticket_id, retry_after)
                        changed = True
                    break
        return changed

    def _take_answer(self, book: TicketBook, ticket_id: str, answer: dict[str, Any]) -> None:
        record = book.answered(ticket_id, answer, dt_util.utcnow().timestamp())
        _LOGGER.info("%s: ticket %s %s", self._entry.title, ticket_id, record["status"])
        async_fire_ticket_event(self._hass, self._entry, self._device_id, ticket_id, record)
        async_settle_refused(self._hass, self._entry)

    def _wait(self, book: TicketBook, ticket_id: str, retry_after: float | None) -> None:
        """Leave the service alone for what it asked, or a doubling pause; retry after it."""
        if retry_after is None:
            retry_after = (
                FIRST_RETRY_S if self.retry_in is None else min(self.retry_in * 2.0, LAST_RETRY_S)
            )
        self.retry_in = retry_after
        delay = spread_wait(ticket_id, retry_after)
        book.retry_at = dt_util.utcnow().timestamp() + delay
        self._schedule_retry(delay)

    def _schedule_retry(self, delay: float) -> None:
        self.async_stop()
        self._cancel_retry = async_call_later(self._hass, max(delay, 0.0), self._retry_now)

    @callback
    def _retry_now(self, _now: object) -> None:
        self._cancel_retry = None
        self._retry()

    @callback
    def _signature_refused(self) -> None:
        """Stop sending and ask the owner for the appliance's current secret."""
        _LOGGER.error("%s: the manufacturer's service refused the signature", self._entry.title)
        self.auth_failed = True
        self._entry.async_start_reauth(self._hass)
