"""Customer notices: a localised message per ticket, sent through a durable outbox.

The intake writes the message in the same transaction as the ticket, so a notice is never lost
and never sent for a ticket that was not stored. :class:`OutboxWorker` then delivers it through
a :class:`Channel` with retries and backoff. The default channel, ``console``, delivers by
recording: the message is what the agent console shows. ``HttpChannel`` posts to an SMS/e-mail
gateway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from datetime import UTC, datetime
import functools
import logging
import time
from typing import Final, Protocol
from zoneinfo import ZoneInfo

import aiohttp

from webhook_server.store import repository
from webhook_server.store.base import Database, Row

_LOGGER = logging.getLogger(__name__)

_MESSAGES: Final = {
    "booked": {
        "en": (
            "FridgeCare ticket {ticket}: {component} on your {model}. A technician, {technician},"
            " is booked for {when}{part_en}."
        ),
        "es": (
            "FridgeCare incidencia {ticket}: {component} en su {model}. Un técnico, {technician},"
            " tiene cita el {when}{part_es}."
        ),
    },
    "needs_dispatch": {
        "en": (
            "FridgeCare ticket {ticket}: {component} on your {model}. We could not book a visit"
            " in time automatically; our team will call you to arrange one."
        ),
        "es": (
            "FridgeCare incidencia {ticket}: {component} en su {model}. No hemos podido reservar"
            " una visita a tiempo; nuestro equipo le llamará para concertarla."
        ),
    },
    "human_review": {
        "en": (
            "FridgeCare ticket {ticket}: we received a report from your {model}."
            " A specialist is reviewing it and will contact you."
        ),
        "es": (
            "FridgeCare incidencia {ticket}: hemos recibido un aviso de su {model}."
            " Un especialista lo está revisando y se pondrá en contacto con usted."
        ),
    },
    "rescheduled": {
        "en": "FridgeCare ticket {ticket}: your visit with {technician} is now {when}.",
        "es": "FridgeCare incidencia {ticket}: su visita con {technician} es ahora el {when}.",
    },
    "closed": {
        "en": "FridgeCare ticket {ticket} is closed. Thank you.",
        "es": "FridgeCare incidencia {ticket} cerrada. Gracias.",
    },
}


def render(
    event: str,
    language: str,
    *,
    ticket: str,
    model: str = "",
    component: str = "",
    technician: str = "",
    start: datetime | None = None,
    part: str | None = None,
    timezone: ZoneInfo,
) -> str:
    """Return the customer message for a ticket event, in ``language`` (English if unknown)."""
    templates = _MESSAGES[event]
    template = templates.get(language, templates["en"])
    return template.format(
        ticket=ticket,
        model=model,
        component=component,
        technician=technician,
        when="" if start is None else _local_minute(start, timezone),
        part_en=f", bringing part {part}" if part else "",
        part_es=f"; llevará la pieza {part}" if part else "",
    )


def _local_minute(start: datetime, timezone: ZoneInfo) -> str:
    """``start`` as the customer reads it: local date and time to the minute."""
    if start.tzinfo is UTC:  # every booked slot: a few grid times, worth remembering
        return _utc_local_minute(start, timezone)
    return start.astimezone(timezone).strftime("%Y-%m-%d %H:%M")


@functools.lru_cache(maxsize=4096)
def _utc_local_minute(start: datetime, timezone: ZoneInfo) -> str:
    """Remember by UTC instant (a local time in a DST fold would equal another instant)."""
    return start.astimezone(timezone).strftime("%Y-%m-%d %H:%M")


class DeliveryError(Exception):
    """A channel could not deliver a notice; the outbox will retry."""


class Channel(Protocol):
    """Somewhere customer messages go."""

    name: str
    delivered_when_stored: bool
    """True if storing the notice is its delivery: the intake then stores it as sent, in the
    ticket's own transaction, and the outbox has nothing left to do for it."""

    async def send(self, notice: Row) -> None:
        """Deliver one notice or raise :class:`DeliveryError`."""


class ConsoleChannel:
    """The default: the stored message is the delivery, read in the agent console."""

    name = "console"
    delivered_when_stored = True

    async def send(self, notice: Row) -> None:
        """Nothing to transmit: the notice row already holds the message."""


class HttpChannel:
    """POSTs each notice as JSON to an SMS/e-mail gateway.

    Body: ``{"notice_id", "ticket_id", "to", "language", "text"}``; header ``Idempotency-Key:
    notice-<id>`` lets the gateway drop the duplicates that at-least-once delivery may send.
    """

    name = "http"
    delivered_when_stored = False

    def __init__(self, url: str, session: aiohttp.ClientSession, timeout: float = 10) -> None:
        self._url = url
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(self, notice: Row) -> None:
        """POST the notice; any non-2xx answer or network error is a retryable failure."""
        body = {
            "notice_id": notice["notice_id"],
            "ticket_id": notice["ticket_id"],
            "to": notice["recipient"],
            "language": notice["language"],
            "text": notice["body"],
        }
        headers = {"Idempotency-Key": f"notice-{notice['notice_id']}"}
        try:
            async with self._session.post(
                self._url, json=body, headers=headers, timeout=self._timeout
            ) as response:
                if response.status >= 300:
                    raise DeliveryError(f"gateway answered HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as err:
            raise DeliveryError(f"gateway unreachable: {err!r}") from err


class OutboxWorker:
    """Delivers due notices; safe to run in every server process at once (leases)."""

    def __init__(
        self,
        database: Database,
        channel: Channel,
        *,
        poll_interval: float = 1.0,
        max_attempts: int = 8,
        base_backoff: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._database = database
        self._channel = channel
        self._poll_interval = poll_interval
        self._max_attempts = max_attempts
        self._base_backoff = base_backoff
        self._clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        """Start delivering in the background."""
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="fridgecare-outbox")

    async def stop(self) -> None:
        """Stop after the pass in hand (unsent notices stay pending for the next start)."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None

    def wake(self) -> None:
        """Look for due notices now: new ones were just committed."""
        self._wake.set()

    async def _run(self) -> None:
        # At most one pass per poll interval, however often tickets wake us: each pass is
        # two write transactions for any number of notices, which SQLite's single writer
        # shares with the intake.
        while not self._stopping:
            try:
                await self.deliver_due()
            except Exception:
                _LOGGER.exception("outbox pass failed; retrying at next poll")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval)
            if not self._stopping:
                await asyncio.sleep(self._poll_interval / 4)

    async def deliver_due(self, limit: int = 500) -> int:
        """Send the notices due now; return how many were delivered."""
        now = int(self._clock())
        async with self._database.transaction() as conn:
            due = await repository.claim_due_notices(
                conn, now, 60, limit, skip_locked=self._database.dialect == "postgresql"
            )
        if not due:
            return 0
        gate = asyncio.Semaphore(16)
        outcomes = await asyncio.gather(*(self._attempt(notice, gate) for notice in due))
        sent = [n["notice_id"] for n, error in zip(due, outcomes, strict=True) if error is None]
        async with self._database.transaction() as conn:
            await repository.mark_notices_sent(conn, sent, self._channel.name, int(self._clock()))
            for notice, error in zip(due, outcomes, strict=True):
                if error is not None:
                    await repository.mark_notice_failed(
                        conn, notice["notice_id"], error, self._retry_at(notice)
                    )
        return len(sent)

    async def _attempt(self, notice: Row, gate: asyncio.Semaphore) -> str | None:
        try:
            async with gate:
                await self._channel.send(notice)
        except DeliveryError as err:
            _LOGGER.warning(
                "notice delivery failed",
                extra={"notice_id": notice["notice_id"], "error": str(err)},
            )
            return str(err)
        return None

    def _retry_at(self, notice: Row) -> int | None:
        attempts = int(notice["attempts"]) + 1
        if attempts >= self._max_attempts:
            return None
        return int(self._clock() + self._base_backoff * 2 ** (attempts - 1))
