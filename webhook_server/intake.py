"""Ticket intake: idempotent, durable, triaged and booked before the answer goes back.

A delivery is checked against the ticket id (the idempotency key, per the IETF Idempotency-Key
draft): a repeat with the same body gets the stored first answer, a different body is refused,
and a repeat that arrives while the first is still in hand is told to retry (409). New tickets are
triaged, booked and given a customer notice in one group-committed transaction.

Every signed request (a ticket, or a signed status read) is also remembered in that transaction,
keyed by its appliance and the digest of its signed content: the exact same signed request sent
again, to this process or another, is a replay and is refused (401). A sender's retry is
re-signed with a new timestamp, so it is a new message and gets the idempotent answer above. The
remembered messages are pruned once their timestamps are past the tolerance, in batches that
commit anyway (no transaction of its own).

A batch is written with one statement per table, slots first: a slot another process holds is
skipped and only the tickets that lost theirs are planned again. If another server stored one of
the same ticket ids meanwhile (or the database gave up on a deadlock), the batch is rolled back to
a savepoint and looked at again, and in the end its tickets go in one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
import hashlib
import hmac
import logging
import time
from typing import Any, Final

import orjson

from webhook_server import notices
from webhook_server.contract import epoch_isoformat, isoformat
from webhook_server.group_commit import GroupCommit
from webhook_server.problems import (
    IN_PROGRESS,
    INTERNAL,
    KEY_REUSED,
    REPLAYED,
    UNAVAILABLE,
    ProblemError,
)
from webhook_server.protocol import TOLERANCE_SECONDS, SignedMessage, signing_key
from webhook_server.schedule import Schedule
from webhook_server.security import SecretBox
from webhook_server.store import repository
from webhook_server.store.base import (
    Connection,
    Database,
    RetryableTransactionError,
    Row,
    UniqueViolationError,
)
from webhook_server.triage import Catalog, Triage

_LOGGER = logging.getLogger(__name__)

_STORE_ATTEMPTS: Final = 20
"""Tries to book when other processes keep taking the chosen slot first."""
BOOKINGS_CHANNEL: Final = "fridgecare_bookings"
"""Where processes announce the slots they booked (PostgreSQL LISTEN/NOTIFY)."""
_BATCH_ATTEMPTS: Final = 3
"""Tries to write a whole batch before falling back to one ticket at a time."""
_KEY_CACHE_SECONDS: Final = 10.0
PRUNE_INTERVAL_SECONDS: Final = 30.0
"""How often a process deletes remembered messages whose timestamps are past the tolerance."""
PRUNE_SLACK_SECONDS: Final = 60
"""Kept past the tolerance this much longer, for processes whose clocks differ a little."""
PRUNE_LIMIT: Final = 1000
"""At most this many rows per prune (a few milliseconds of a SQLite batch, which runs in the
event loop); a full prune runs again with the next batch."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """A verified signed request of an appliance, remembered to refuse it if it comes again."""

    appliance_id: str
    message: SignedMessage

    @property
    def key(self) -> tuple[str, str]:
        """What makes the message unique: its appliance and the digest of its signed content."""
        return (self.appliance_id, self.message.digest)

    @property
    def row(self) -> tuple[str, str, int]:
        """``(appliance_id, message_hash, webhook_timestamp)`` for the replay table."""
        return (self.appliance_id, self.message.digest, self.message.timestamp)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A verified, validated ticket waiting for its batch."""

    ticket: dict[str, Any]
    fingerprint: str
    receipt: Receipt
    received_at: datetime

    @property
    def appliance_id(self) -> str:
        """The appliance that signed the ticket."""
        return self.receipt.appliance_id

    @property
    def ticket_id(self) -> str:
        """The idempotency key."""
        return str(self.ticket["ticket_id"])


@dataclass(frozen=True, slots=True)
class Plan:
    """The rows one new ticket will write, and the answer it will get."""

    ticket_row: tuple[object, ...]
    appointment: tuple[str, str, int, int] | None
    notice: tuple[str, str, str | None, str, int]
    response: bytes


@dataclass(frozen=True, slots=True)
class IntakeResult:
    """The HTTP answer to a delivery: 201 for a new ticket, 200 for a repeat."""

    status: int
    body: bytes


def request_hash(raw: object) -> str:
    """Fingerprint of a delivery's JSON, independent of key order and whitespace."""
    return hashlib.sha256(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)).hexdigest()


def booking_view(row: Row | None, zone: str) -> dict[str, str] | None:
    """Return the ``booking`` object of the contract from an appointment row."""
    if row is None:
        return None
    return {
        "technician_id": row["technician_id"],
        "technician_name": row["technician_name"],
        "start": epoch_isoformat(row["slot_start"]),
        "end": epoch_isoformat(row["slot_end"]),
        "zone": zone,
    }


def triage_view(triage: Triage) -> dict[str, Any]:
    """Return the ``triage`` object of the contract (component named in English)."""
    return {
        "known_fault": triage.known_fault,
        "component": None if triage.component is None else triage.component["en"],
        "part": triage.part,
        "skill": triage.skill,
        "deadline": isoformat(triage.deadline),
    }


class Intake:
    """Accepts verified, validated tickets."""

    def __init__(
        self,
        database: Database,
        catalog: Catalog,
        secret_box: SecretBox,
        *,
        on_commit: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        spread_ties: bool = False,
        notices_delivered_by: str | None = None,
    ) -> None:
        """Set ``spread_ties`` when several processes book, so they rarely race for a slot.

        ``notices_delivered_by``: the channel, if storing a notice is its delivery (console).
        """
        self._database = database
        self._notices_delivered_by = notices_delivered_by
        self._catalog = catalog
        self._secret_box = secret_box
        self._clock = clock
        # Other processes' bookings arrive as they commit (listen_for_bookings) or as a lost
        # race; the periodic read (a minute) picks up freed slots and roster changes.
        self._schedule = Schedule(catalog.booking, spread_ties=spread_ties)
        self._group = GroupCommit[Delivery | Receipt, IntakeResult](
            database, self._process, on_commit=on_commit
        )
        self._in_flight: set[str] = set()
        self._receipts_in_flight: set[tuple[str, str]] = set()
        """Keys of the signed messages in hand (hashing the strings beats hashing the dataclass)."""
        self._prune_at = 0.0
        self._prune_skip_locked = database.dialect == "postgresql"  # several writers
        self._keys: dict[tuple[str, str], tuple[float, str, list[hmac.HMAC]]] = {}

    @property
    def batches(self) -> int:
        """Group commits so far."""
        return self._group.batches

    async def close(self) -> None:
        """Finish queued tickets."""
        await self._group.close()

    async def appliance_keys(self, manufacturer: str, serial: str) -> tuple[str, list[hmac.HMAC]]:
        """Return ``(appliance_id, keyed HMACs)`` of an appliance; no keys if unknown."""
        cache_key = (manufacturer, serial)
        now = time.monotonic()
        cached = self._keys.get(cache_key)
        if cached is not None and now - cached[0] < _KEY_CACHE_SECONDS:
            return cached[1], cached[2]
        async with self._database.read() as conn:
            appliance = await repository.appliance_by_serial(conn, manufacturer, serial)
            if appliance is None:
                return "", []
            sealed = await repository.live_secrets(
                conn, appliance["appliance_id"], int(self._clock())
            )
        keys = [signing_key(self._secret_box.open(item)) for item in sealed]
        self._keys[cache_key] = (now, appliance["appliance_id"], keys)
        return appliance["appliance_id"], keys

    def forget_roster(self) -> None:
        """Reload technicians and bookings from the database on the next ticket."""
        self._schedule.forget()

    def forget_keys(self, manufacturer: str, serial: str) -> None:
        """Drop cached keys after a rotation so the new secret works at once."""
        self._keys.pop((manufacturer, serial), None)

    async def submit(
        self, ticket: dict[str, Any], fingerprint: str, receipt: Receipt
    ) -> IntakeResult:
        """Store, triage, book and queue the notice for one ticket; answer once committed.

        Raises the replay problem if this very signed request was received before.
        """
        ticket_id = ticket["ticket_id"]
        key = receipt.key
        self._refuse_replay_in_flight(key)
        if ticket_id in self._in_flight:
            raise ProblemError(IN_PROGRESS, "retry after the first delivery has been answered")
        self._in_flight.add(ticket_id)
        self._receipts_in_flight.add(key)
        received_at = datetime.fromtimestamp(self._clock(), UTC)
        try:
            return await self._group.run(Delivery(ticket, fingerprint, receipt, received_at))
        finally:
            self._in_flight.discard(ticket_id)
            self._receipts_in_flight.discard(key)

    async def remember(self, receipt: Receipt) -> None:
        """Record a signed request that stores nothing else (a status read), durably.

        Raises the replay problem if this very signed request was received before.
        """
        key = receipt.key
        self._refuse_replay_in_flight(key)
        self._receipts_in_flight.add(key)
        try:
            await self._group.run(receipt)
        finally:
            self._receipts_in_flight.discard(key)

    def _refuse_replay_in_flight(self, key: tuple[str, str]) -> None:
        if key in self._receipts_in_flight:
            raise ProblemError(REPLAYED, _REPLAY_DETAIL)

    async def _process(
        self, conn: Connection, items: Sequence[Delivery | Receipt]
    ) -> list[IntakeResult | Exception]:
        """Answer a batch: replays refused, repeats answered, new tickets written, reads noted.

        Every signed message is recorded first, in this transaction: one already stored (by any
        process) is a replay. Repeats get the stored answers; new tickets are planned and written.
        """
        results: list[IntakeResult | Exception] = [_NOT_YET] * len(items)
        receipts = [item.receipt if isinstance(item, Delivery) else item for item in items]
        ticket_ids = [item.ticket_id for item in items if isinstance(item, Delivery)]
        fresh, stored = await repository.record_signed_messages(
            conn, [r.row for r in receipts], ticket_ids
        )
        await self._prune(conn)
        batch: dict[int, Delivery] = {}
        for index, (item, receipt) in enumerate(zip(items, receipts, strict=True)):
            key = receipt.key
            if key not in fresh:  # stored before, or earlier in this batch: a replay
                results[index] = ProblemError(REPLAYED, _REPLAY_DETAIL)
                continue
            fresh.discard(key)
            if isinstance(item, Delivery):
                batch[index] = item
            else:
                results[index] = _REMEMBERED
        pending = list(batch)
        for attempt in range(_BATCH_ATTEMPTS):
            if not pending:
                return results
            if attempt:  # a lost race: another process may have stored some of them since
                stored = await repository.tickets_by_id(conn, [batch[i].ticket_id for i in pending])
            new = []
            for index in pending:
                existing = stored.get(batch[index].ticket_id)
                if existing is None:
                    new.append(index)
                else:
                    results[index] = _repeat(batch[index], existing)
            pending = new
            try:
                written = await self._write(conn, [batch[index] for index in pending])
            except UniqueViolationError, RetryableTransactionError:
                continue  # another process stored one of these ids, or a deadlock: look again
            for index, result in zip(pending, written, strict=True):
                results[index] = result
            return results
        # Still losing races: one ticket at a time, in key order (no lock cycles).
        for index in sorted(pending, key=lambda i: batch[i].ticket_id):
            results[index] = await self._store_alone(conn, batch[index])
        return results

    async def _prune(self, conn: Connection) -> None:
        """Forget messages whose timestamps no process would accept any more (now and then)."""
        now = self._clock()
        if now < self._prune_at:
            return
        before = int(now) - TOLERANCE_SECONDS - PRUNE_SLACK_SECONDS
        deleted = await repository.forget_signed_messages(
            conn, before, PRUNE_LIMIT, skip_locked=self._prune_skip_locked
        )
        self._prune_at = now if deleted >= PRUNE_LIMIT else now + PRUNE_INTERVAL_SECONDS

    async def _store_alone(self, conn: Connection, delivery: Delivery) -> IntakeResult | Exception:
        """Store one ticket on its own, retrying while other processes store the same id."""
        for _ in range(_STORE_ATTEMPTS):
            try:
                existing = await repository.ticket_record(conn, delivery.ticket_id)
                if existing is not None:
                    return _repeat(delivery, existing)
                return (await self._write(conn, [delivery]))[0]
            except UniqueViolationError, RetryableTransactionError:
                continue
        return ProblemError(UNAVAILABLE, "storage contention: retry the delivery")

    async def listen_for_bookings(self) -> None:
        """Hear other processes' bookings as they commit, so this process rarely races them."""
        await self._database.listen(BOOKINGS_CHANNEL, self._schedule.learn)

    async def _write(
        self, conn: Connection, deliveries: Sequence[Delivery]
    ) -> list[IntakeResult | Exception]:
        """Plan, book and store new tickets, all or none; return each one's answer.

        A ticket whose planning fails is left out with its own problem; the others go in.

        Slots are booked first, each insert skipping a slot that another process holds: a ticket
        that lost its slot is planned again (the view now knows that slot is taken) until it
        has one or no slot is left. So two processes racing for the same slots cost a second
        look for the losing tickets, not a failed batch. Then tickets and notices go in (the
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
                lost = [i for i in waiting if deliveries[i].ticket_id not in booked]
                for i in lost:
                    plans[i] = await self._plan_alone(conn, deliveries[i])
                waiting = [i for i in lost if _appointment(plans[i]) is not None]
            unbooked = set(waiting)  # still contended after every attempt
            stored = [
                plan for i, plan in enumerate(plans) if i not in unbooked and isinstance(plan, Plan)
            ]
            await repository.insert_new_tickets(
                conn,
                sorted(plan.ticket_row for plan in stored),
                [plan.notice for plan in stored],
                delivered_by=self._notices_delivered_by,
            )
            appointments = [plan.appointment for plan in stored]
            booked_slots = [[slot[1], slot[2]] for slot in appointments if slot is not None]
            if booked_slots:
                await conn.notify(BOOKINGS_CHANNEL, orjson.dumps(booked_slots).decode())
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
            _LOGGER.exception("ticket planning failed", extra={"ticket_id": delivery.ticket_id})
            return ProblemError(INTERNAL)

    async def _plan(self, conn: Connection, delivery: Delivery) -> Plan:
        """Triage and book one new ticket (in this process's view) and word its answer."""
        ticket, received_at = delivery.ticket, delivery.received_at
        ticket_id = delivery.ticket_id
        customer = ticket["customer"]
        triage = self._catalog.triage(ticket, received_at)
        slot = None
        if triage.known_fault:
            slot = await self._schedule.find(
                conn,
                customer["zone"],
                triage.skill,
                earliest=received_at + self._catalog.booking.lead,
                deadline=triage.deadline,
                preferred=[(w["start"], w["end"]) for w in customer["preferred_windows"]],
            )
        status = "booked" if slot else "needs_dispatch" if triage.known_fault else "human_review"
        language = customer["language"]
        message = notices.render(
            status,
            language,
            ticket=ticket_id,
            model=ticket["appliance"]["model"],
            component=triage.component_in(language, ticket["fault"].get("component")),
            technician=slot.technician.name if slot else "",
            start=slot.start if slot else None,
            part=triage.part,
            timezone=self._catalog.timezone,
        )
        now = int(received_at.timestamp())
        appointment = None
        booking = None
        if slot is not None:
            start = int(slot.start.timestamp())
            end = int(slot.end(self._catalog.booking).timestamp())
            technician = slot.technician
            # Taken from now on in this process's view: booked below, or lost to another
            # process (the write then fails and the ticket looks again).
            self._schedule.mark_taken(technician.technician_id, start)
            appointment = (ticket_id, technician.technician_id, start, end)
            booking = {
                "technician_id": technician.technician_id,
                "technician_name": technician.name,
                "slot_start": start,
                "slot_end": end,
            }
        triaged = triage_view(triage)
        response = orjson.dumps(
            {
                "ticket_id": ticket_id,
                "status": status,
                "received_at": isoformat(received_at),
                "triage": triaged,
                "booking": booking_view(booking, customer["zone"]),
                "notice": message,
            }
        )
        ticket_row = (
            ticket_id,
            delivery.appliance_id,
            delivery.fingerprint,
            status,
            ticket["fault"]["code"],
            ticket["fault"]["severity"],
            customer["zone"],
            language,
            orjson.dumps(ticket).decode(),
            orjson.dumps(triaged).decode(),
            response.decode(),
            now,
            now,
        )
        notice = (ticket_id, language, customer.get("contact"), message, now)
        return Plan(ticket_row, appointment, notice, response)


_NOT_YET: Final = ProblemError(UNAVAILABLE, "not processed")
_REMEMBERED: Final = IntakeResult(200, b"")
_REPLAY_DETAIL: Final = (
    "the same webhook-id, webhook-timestamp and body were already received: "
    "a retry must be signed again with a new webhook-timestamp"
)


def _appointment(plan: Plan | ProblemError) -> tuple[str, str, int, int] | None:
    """Return the slot a plan wants booked; none for a ticket whose planning failed."""
    return plan.appointment if isinstance(plan, Plan) else None


def _slot_key(appointment: tuple[str, str, int, int]) -> tuple[str, int]:
    """Technician and start: the order slots are inserted in by every process."""
    return appointment[1], appointment[2]


def _repeat(delivery: Delivery, existing: Row) -> IntakeResult | Exception:
    """Return the stored first answer for a repeat, or the problem if the body differs."""
    if existing["request_hash"] != delivery.fingerprint:
        return ProblemError(KEY_REUSED, f"ticket {delivery.ticket_id} exists with a different body")
    return IntakeResult(200, str(existing["response"]).encode())
