"""Ticket intake: idempotent, durable, triaged and booked before the answer goes back.

A ticket is its appliance's: ``(appliance, ticket id)`` is the idempotency key (per the IETF
Idempotency-Key draft), so one appliance can neither take nor probe another's ids. A repeat with
the same ticket gets the stored first answer (200), a different ticket under the same id is
refused (422), and a repeat that arrives while the first is still in hand is told to retry (409).
The same signed bytes sent twice are such a repeat: a client's retry after a timeout is
legitimate. New tickets are triaged, booked and given a customer message in one group-committed
transaction. When more tickets wait for their transaction than the service clears in a moment,
new ones are told to come back later (429 with ``Retry-After``) instead of queuing without bound.

A batch is written with one statement per table, slots first: a slot another process holds is
skipped and only the tickets that lost theirs are planned again. If another server stored one of
the same tickets meanwhile (or the database gave up on a deadlock), the batch is rolled back to
a savepoint and looked at again, and in the end its tickets go in one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
import logging
import math
import secrets
import time
from typing import Final

import msgspec

from webhook_server import customer_messages, read_model
from webhook_server.contract import CustomerMessage, Ticket, encode, fingerprint
from webhook_server.customer_messages import Event, Visit
from webhook_server.group_commit import GroupCommit
from webhook_server.message_delivery import queued_message
from webhook_server.problems import (
    BUSY,
    IN_PROGRESS,
    INTERNAL,
    KEY_REUSED,
    UNAVAILABLE,
    ProblemError,
)
from webhook_server.schedule import Schedule
from webhook_server.store import repository
from webhook_server.store.base import (
    Connection,
    Database,
    RetryableTransactionError,
    UniqueViolationError,
)
from webhook_server.store.repository import StoredAnswer, search_key
from webhook_server.store.rows import (
    AppointmentRow,
    BookingRow,
    CustomerMessageRow,
    TicketKey,
    TicketRow,
)
from webhook_server.triage import Catalog
from webhook_server.zones import ServiceZones

_LOGGER = logging.getLogger(__name__)

_STORE_ATTEMPTS: Final = 20
"""Tries to book when other processes keep taking the chosen slot first."""
BOOKINGS_CHANNEL: Final = "fridgecare_bookings"
"""Where processes announce the slots they booked (PostgreSQL LISTEN/NOTIFY)."""
_BATCH_ATTEMPTS: Final = 3
"""Tries to write a whole batch before falling back to one ticket at a time."""
MAX_WAITING: Final = 2048
"""Tickets that may wait for a transaction before new ones are told to come back (429). At a
few thousand tickets a second, that is well under a second of waiting."""
_RETRY_SPREAD_SECONDS: Final = 3
"""``Retry-After`` adds up to this many seconds at random, so shed senders do not all return at
once."""
_RETRY_AFTER_MAX: Final = 60
_ASSUMED_PER_SECOND: Final = 1000.0
"""Tickets a second the service is taken to clear until it has measured it (a burst can come
before the first commit)."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """A verified, validated ticket waiting for its batch."""

    ticket: Ticket
    fingerprint: str
    appliance_id: str
    received_at: datetime
    """Whole seconds: the answers and the stored row say the same time."""

    @property
    def key(self) -> TicketKey:
        """The idempotency key: the appliance and its ticket id."""
        return TicketKey(self.appliance_id, self.ticket.ticket_id)


@dataclass(frozen=True, slots=True)
class Plan:
    """The rows one new ticket will write, and the answer it will get."""

    ticket: TicketRow
    appointment: AppointmentRow | None
    message: CustomerMessageRow
    response: bytes


@dataclass(frozen=True, slots=True)
class IntakeResult:
    """The HTTP answer to a delivery: 201 for a new ticket, 200 for a repeat."""

    status: int
    body: bytes


class Intake:
    """Accepts verified, validated tickets."""

    def __init__(
        self,
        database: Database,
        catalog: Catalog,
        zones: ServiceZones,
        *,
        on_commit: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        spread_ties: bool = False,
        messages_delivered_by: str | None = None,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        """Set ``spread_ties`` when several processes book, so they rarely race for a slot.

        ``messages_delivered_by``: the channel, if storing a message is its delivery (console).
        """
        self._database = database
        self._messages_delivered_by = messages_delivered_by
        self._catalog = catalog
        self._zones = zones
        self._clock = clock
        self._max_waiting = max_waiting
        # Other processes' bookings arrive as they commit (listen_for_bookings) or as a lost
        # race; the periodic read (a minute) picks up freed slots and roster changes.
        self._schedule = Schedule(catalog.booking, spread_ties=spread_ties)
        self._group = GroupCommit[Delivery, IntakeResult](
            database, self._process, on_commit=on_commit
        )
        self._in_flight: set[TicketKey] = set()

    @property
    def batches(self) -> int:
        """Group commits so far."""
        return self._group.batches

    async def close(self) -> None:
        """Finish queued tickets."""
        await self._group.close()

    def forget_roster(self) -> None:
        """Reload technicians, bookings and zones from the database on the next ticket."""
        self._schedule.forget()
        self._zones.forget()

    async def listen_for_bookings(self) -> None:
        """Hear other processes' bookings as they commit, so this process rarely races them."""
        await self._database.listen(BOOKINGS_CHANNEL, self._schedule.learn)

    def admit(self) -> None:
        """Refuse a new ticket while too many wait (429 with ``Retry-After``): shed load early."""
        waiting = self._group.waiting
        if waiting < self._max_waiting:
            return
        wait = waiting / (self._group.items_per_second or _ASSUMED_PER_SECOND)
        retry_after = min(
            _RETRY_AFTER_MAX, math.ceil(wait) + secrets.randbelow(_RETRY_SPREAD_SECONDS + 1)
        )
        raise ProblemError(
            BUSY,
            f"{waiting} tickets are waiting to be stored: retry after {retry_after} s",
            headers={"Retry-After": str(max(1, retry_after))},
        )

    async def submit(self, ticket: Ticket, appliance_id: str) -> IntakeResult:
        """Store, triage, book and word the customer's message; answer once committed."""
        self.admit()
        key = TicketKey(appliance_id, ticket.ticket_id)
        if key in self._in_flight:
            raise ProblemError(IN_PROGRESS, "retry after the first delivery has been answered")
        self._in_flight.add(key)
        received_at = datetime.fromtimestamp(int(self._clock()), UTC)
        try:
            return await self._group.run(
                Delivery(ticket, fingerprint(ticket), appliance_id, received_at)
            )
        finally:
            self._in_flight.discard(key)

    async def _process(
        self, conn: Connection, deliveries: Sequence[Delivery]
    ) -> list[IntakeResult | Exception]:
        """Answer a batch: repeats get the stored answers, new tickets are planned and written."""
        await self._zones.refresh(conn)
        results: list[IntakeResult | Exception] = [_NOT_YET] * len(deliveries)
        pending = list(range(len(deliveries)))  # one delivery per ticket: see _in_flight
        for _ in range(_BATCH_ATTEMPTS):
            if not pending:
                return results
            stored = await repository.stored_tickets(conn, [deliveries[i].key for i in pending])
            new = []
            for index in pending:
                existing = stored.get(deliveries[index].key)
                if existing is None:
                    new.append(index)
                else:
                    results[index] = _repeat(deliveries[index], existing)
            pending = new
            try:
                written = await self._write(conn, [deliveries[index] for index in pending])
            except UniqueViolationError, RetryableTransactionError:
                continue  # another process stored one of these, or a deadlock: look again
            for index, result in zip(pending, written, strict=True):
                results[index] = result
            return results
        # Still losing races: one ticket at a time, in key order (no lock cycles).
        for index in sorted(pending, key=lambda i: deliveries[i].key):
            results[index] = await self._store_alone(conn, deliveries[index])
        return results

    async def _store_alone(self, conn: Connection, delivery: Delivery) -> IntakeResult | Exception:
        """Store one ticket on its own, retrying while other processes store the same one."""
        for _ in range(_STORE_ATTEMPTS):
            try:
                existing = (await repository.stored_tickets(conn, [delivery.key])).get(delivery.key)
                if existing is not None:
                    return _repeat(delivery, existing)
                return (await self._write(conn, [delivery]))[0]
            except UniqueViolationError, RetryableTransactionError:
                continue
        return ProblemError(UNAVAILABLE, "storage contention: retry the delivery")

    async def _write(
        self, conn: Connection, deliveries: Sequence[Delivery]
    ) -> list[IntakeResult | Exception]:
        """Plan, book and store new tickets, all or none; return each one's answer.

        A ticket whose planning fails is left out with its own problem; the others go in.

        Slots are booked first, each insert skipping a slot that another process holds: a ticket
        that lost its slot is planned again (the view now knows that slot is taken) until it
        has one or no slot is left. So two processes racing for the same slots cost a second
        look for the losing tickets, not a failed batch. Then tickets and messages go in (the
        appointments' reference to their ticket is checked at commit). Slots are inserted in
        key order, so overlapping batches wait for each other rather than deadlock.
        """
        async with conn.savepoint():
            plans = [await self._plan_alone(conn, delivery) for delivery in deliveries]
            waiting = [i for i, plan in enumerate(plans) if _appointment(plan) is not None]
            for _ in range(_STORE_ATTEMPTS):
                if not waiting:
                    break
                slots = [_appointment(plans[i]) for i in waiting]
                wanted = sorted((slot for slot in slots if slot is not None), key=_slot_key)
                booked = await repository.book_slots(conn, wanted)
                lost = [i for i in waiting if deliveries[i].key not in booked]
                for i in lost:
                    plans[i] = await self._plan_alone(conn, deliveries[i])
                waiting = [i for i in lost if _appointment(plans[i]) is not None]
            unbooked = set(waiting)  # still contended after every attempt
            stored = [
                plan for i, plan in enumerate(plans) if i not in unbooked and isinstance(plan, Plan)
            ]
            await repository.insert_tickets(
                conn,
                sorted((plan.ticket for plan in stored), key=lambda row: row.key),
                [plan.message for plan in stored],
            )
            booked_slots = [
                [plan.appointment.technician_id, plan.appointment.slot_start]
                for plan in stored
                if plan.appointment is not None
            ]
            if booked_slots:
                await conn.notify(BOOKINGS_CHANNEL, encode(booked_slots).decode())
        contention = ProblemError(UNAVAILABLE, "booking contention: retry the delivery")
        answers: list[IntakeResult | Exception] = []
        for i, plan in enumerate(plans):
            if i in unbooked:
                answers.append(contention)
            elif isinstance(plan, Plan):
                answers.append(IntakeResult(201, plan.response))
            else:
                answers.append(plan)  # its planning failed
        return answers

    async def _plan_alone(self, conn: Connection, delivery: Delivery) -> Plan | ProblemError:
        """Plan one ticket; a bug in its planning fails that ticket, not the whole batch.

        The store's own errors still climb: the batch looks again or goes ticket by ticket.
        """
        try:
            return await self._plan(conn, delivery)
        except UniqueViolationError, RetryableTransactionError:
            raise
        except Exception:
            _LOGGER.exception(
                "ticket planning failed", extra={"ticket_id": delivery.ticket.ticket_id}
            )
            return ProblemError(INTERNAL)

    async def _plan(self, conn: Connection, delivery: Delivery) -> Plan:
        """Triage and book one new ticket (in this process's view) and word its answer."""
        ticket, received_at = delivery.ticket, delivery.received_at
        customer = ticket.customer
        timezone = self._zones.timezone(customer.zone)
        triage = self._catalog.triage(ticket, received_at, timezone)
        slot = None
        if triage.known_fault:
            rules = self._catalog.booking
            find = partial(
                self._schedule.find,
                conn,
                customer.zone,
                triage.skill,
                earliest=received_at + rules.lead,
            )
            slot = await find(
                deadline=triage.deadline,
                preferred=[(w.start, w.end) for w in customer.preferred_windows],
            )
            if slot is None and rules.late_window:
                # Nothing by the deadline: the earliest visit after it, booked now (the message
                # says what to do for the food until then, the console marks it late).
                slot = await find(deadline=triage.deadline + rules.late_window, preferred=[])
        status: Event = (
            "booked" if slot else "needs_dispatch" if triage.known_fault else "human_review"
        )
        now = int(received_at.timestamp())
        appointment = None
        booking = None
        visit = None
        if slot is not None:
            technician = slot.technician
            start, end = (
                int(slot.start.timestamp()),
                int(slot.end(self._catalog.booking).timestamp()),
            )
            # Taken from now on in this process's view: booked below, or lost to another
            # process (the write then fails and the ticket looks again).
            self._schedule.mark_taken(technician.technician_id, start)
            appointment = AppointmentRow(
                appliance_id=delivery.appliance_id,
                ticket_id=ticket.ticket_id,
                technician_id=technician.technician_id,
                slot_start=start,
                slot_end=end,
            )
            booking = BookingRow(
                technician_id=technician.technician_id,
                technician_name=technician.name,
                slot_start=start,
                slot_end=end,
            )
            visit = Visit(
                technician.name,
                slot.start.astimezone(timezone),
                slot.end(self._catalog.booking).astimezone(timezone),
            )
        situation = customer_messages.describe(
            status, ticket, triage, self._catalog, visit=visit, timezone=timezone, now=received_at
        )
        contact = customer.contact if isinstance(customer.contact, str) else None
        queued = queued_message(
            delivery.key, situation, contact, now, delivered_by=self._messages_delivered_by
        )
        triaged = read_model.triage_view(triage, timezone)
        response = encode(
            read_model.ticket_state(
                ticket_id=ticket.ticket_id,
                status=status,
                received_at=now,
                triage=triaged,
                booking=read_model.booking_view(booking, customer.zone, timezone),
                message=CustomerMessage(language=customer.language, sms=queued.sms),
            )
        )
        row = TicketRow(
            appliance_id=delivery.appliance_id,
            ticket_id=ticket.ticket_id,
            request_hash=delivery.fingerprint,
            status=status,
            code=ticket.fault.code,
            severity=ticket.fault.severity,
            zone=customer.zone,
            language=customer.language,
            serial=ticket.appliance.serial,
            contact_key=None if contact is None else search_key(contact),
            deadline=int(triage.deadline.timestamp()),
            payload=encode(ticket).decode(),
            triage=encode(triaged).decode(),
            response=response.decode(),
            received_at=now,
            updated_at=now,
        )
        return Plan(row, appointment, queued, response)


_NOT_YET: Final = ProblemError(UNAVAILABLE, "not processed")


def _appointment(plan: Plan | ProblemError) -> AppointmentRow | None:
    """Return the slot a plan wants booked; none for a ticket whose planning failed."""
    return plan.appointment if isinstance(plan, Plan) else None


def _slot_key(appointment: AppointmentRow) -> tuple[str, int]:
    """Technician and start: the order slots are inserted in by every process."""
    return appointment.technician_id, appointment.slot_start


def _repeat(delivery: Delivery, existing: StoredAnswer) -> IntakeResult | Exception:
    """Return the stored first answer for a repeat, or the problem if the ticket differs.

    The fingerprints differ for the same ticket only if it was stored under an older way of
    taking them: then the stored ticket itself is compared.
    """
    if existing.request_hash != delivery.fingerprint and (
        msgspec.json.decode(existing.payload, type=Ticket) != delivery.ticket
    ):
        return ProblemError(
            KEY_REUSED, f"ticket {delivery.ticket.ticket_id} exists with a different body"
        )
    return IntakeResult(200, existing.response.encode())
