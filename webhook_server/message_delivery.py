"""Delivering customer messages: a durable queue in the database, drained by a courier.

The intake stores a ticket's message in the ticket's own transaction, so a message is never lost
and never sent for a ticket that was not stored. :class:`MessageCourier` then hands each one to
a :class:`Channel`, with retries and backoff. The default channel, ``console``, delivers by
recording: the message is what the agent console shows. :class:`HttpGateway` posts both forms
(SMS and e-mail) to an SMS/e-mail gateway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import logging
import time
from typing import Protocol

import aiohttp

from webhook_server import customer_messages
from webhook_server.customer_messages import Message, Situation
from webhook_server.store import repository
from webhook_server.store.base import Database
from webhook_server.store.rows import CustomerMessageRow, StoredMessage, TicketKey

_LOGGER = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A channel could not deliver a message; the courier will retry."""


class Channel(Protocol):
    """Somewhere customer messages go."""

    name: str
    delivered_when_stored: bool
    """True if storing the message is its delivery: the intake then stores it as sent, in the
    ticket's own transaction, and the courier has nothing left to do for it."""

    async def send(self, message: StoredMessage) -> None:
        """Deliver one message or raise :class:`DeliveryError`."""


class ConsoleChannel:
    """The default: the stored message is the delivery, read in the agent console."""

    name = "console"
    delivered_when_stored = True

    async def send(self, message: StoredMessage) -> None:
        """Nothing to transmit: the row already holds the message."""


class HttpGateway:
    """POSTs each message as JSON to an SMS/e-mail gateway.

    Body: ``{"message_id", "ticket_id", "to", "language", "text", "sms", "email_subject",
    "email_body"}`` (``text`` is the SMS, as before the e-mail form existed; the e-mail is
    written now, from the message's facts); header
    ``Idempotency-Key: message-<id>`` lets the gateway drop the duplicates that at-least-once
    delivery may send.
    """

    name = "http"
    delivered_when_stored = False

    def __init__(self, url: str, session: aiohttp.ClientSession, timeout: float = 10) -> None:
        self._url = url
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(self, message: StoredMessage) -> None:
        """POST the message; any non-2xx answer or network error is a retryable failure."""
        email = email_of(message)
        body = {
            "message_id": message.message_id,
            "ticket_id": message.ticket_id,
            "to": message.recipient,
            "language": message.language,
            "text": message.sms,
            "sms": message.sms,
            "email_subject": email.email_subject,
            "email_body": email.email_body,
        }
        headers = {"Idempotency-Key": f"message-{message.message_id}"}
        try:
            async with self._session.post(
                self._url, json=body, headers=headers, timeout=self._timeout
            ) as response:
                if response.status >= 300:
                    raise DeliveryError(f"gateway answered HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as err:
            raise DeliveryError(f"gateway unreachable: {err!r}") from err


class MessageCourier:
    """Delivers due messages; safe to run in every server process at once (leases)."""

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
        self._task = asyncio.create_task(self._run(), name="fridgecare-courier")

    async def stop(self) -> None:
        """Stop after the pass in hand (undelivered messages stay pending for the next start)."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None

    def wake(self) -> None:
        """Look for due messages now: new ones were just committed."""
        self._wake.set()

    async def _run(self) -> None:
        # At most one pass per poll interval, however often tickets wake us: each pass is
        # two write transactions for any number of messages, which SQLite's single writer
        # shares with the intake.
        while not self._stopping:
            try:
                await self.deliver_due()
            except Exception:
                _LOGGER.exception("customer message pass failed; retrying at next poll")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval)
            if not self._stopping:
                await asyncio.sleep(self._poll_interval / 4)

    async def deliver_due(self, limit: int = 500) -> int:
        """Send the messages due now; return how many were delivered."""
        now = int(self._clock())
        async with self._database.transaction() as conn:
            due = await repository.claim_due_messages(
                conn, now, 60, limit, skip_locked=self._database.dialect == "postgresql"
            )
        if not due:
            return 0
        gate = asyncio.Semaphore(16)
        outcomes = await asyncio.gather(*(self._attempt(message, gate) for message in due))
        sent = [m.message_id for m, error in zip(due, outcomes, strict=True) if error is None]
        async with self._database.transaction() as conn:
            await repository.mark_messages_sent(conn, sent, self._channel.name, int(self._clock()))
            for message, error in zip(due, outcomes, strict=True):
                if error is not None:
                    await repository.mark_message_failed(
                        conn, message.message_id, error, self._retry_at(message)
                    )
        return len(sent)

    async def _attempt(self, message: StoredMessage, gate: asyncio.Semaphore) -> str | None:
        try:
            async with gate:
                await self._channel.send(message)
        except DeliveryError as err:
            _LOGGER.warning(
                "customer message delivery failed",
                extra={"message_id": message.message_id, "error": str(err)},
            )
            return str(err)
        return None

    def _retry_at(self, message: StoredMessage) -> int | None:
        attempts = message.attempts + 1
        if attempts >= self._max_attempts:
            return None
        return int(self._clock() + self._base_backoff * 2 ** (attempts - 1))


def queued_message(
    key: TicketKey,
    situation: Situation,
    recipient: str | None,
    now: int,
    *,
    delivered_by: str | None = None,
) -> CustomerMessageRow:
    """Return a message row waiting for the courier, or one ``delivered_by`` a storing channel."""
    return CustomerMessageRow(
        appliance_id=key.appliance_id,
        ticket_id=key.ticket_id,
        event=situation.event,
        language=situation.language,
        recipient=recipient,
        sms=customer_messages.sms(situation),
        facts=customer_messages.facts(situation),
        status="pending" if delivered_by is None else "sent",
        channel=delivered_by,
        attempts=0 if delivered_by is None else 1,
        next_attempt_at=now,
        created_at=now,
        sent_at=None if delivered_by is None else now,
    )


def email_of(message: CustomerMessageRow) -> Message:
    """Return a stored message in both forms (one from before e-mails: its SMS, no subject)."""
    if message.facts is None:
        return Message("es" if message.language == "es" else "en", message.sms, "", message.sms)
    return customer_messages.from_facts(message.facts)
