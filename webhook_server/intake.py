"""Ticket intake: idempotent, durable, triaged and booked before the answer goes back.

A delivery is checked against the ticket id (the idempotency key, per the IETF Idempotency-Key
draft): a repeat with the same body gets the stored first answer, a different body is refused,
and a repeat that arrives while the first is still in hand is told to retry (409). New tickets are
triaged, booked and given a customer notice in one group-committed transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
import hashlib
import logging
import time
from typing import Any, Final

import orjson

from webhook_server import notices
from webhook_server.contract import isoformat
from webhook_server.group_commit import GroupCommit
from webhook_server.problems import IN_PROGRESS, KEY_REUSED, UNAVAILABLE, ProblemError
from webhook_server.schedule import Schedule
from webhook_server.security import SecretBox, secret_key_bytes
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
_KEY_CACHE_SECONDS: Final = 10.0


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
        "start": isoformat(datetime.fromtimestamp(row["slot_start"], UTC)),
        "end": isoformat(datetime.fromtimestamp(row["slot_end"], UTC)),
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
    ) -> None:
        """Set ``spread_ties`` when several processes book, so they rarely race for a slot."""
        self._database = database
        self._schedule = Schedule(catalog.booking, spread_ties=spread_ties)
        self._catalog = catalog
        self._secret_box = secret_box
        self._clock = clock
        if database.dialect == "postgresql":
            self._group = GroupCommit(database, lanes=4, max_batch=32, on_commit=on_commit)
        else:
            self._group = GroupCommit(database, on_commit=on_commit)
        self._in_flight: set[str] = set()
        self._keys: dict[tuple[str, str], tuple[float, str, list[bytes]]] = {}

    @property
    def batches(self) -> int:
        """Group commits so far."""
        return self._group.batches

    async def close(self) -> None:
        """Finish queued tickets."""
        await self._group.close()

    async def appliance_keys(self, manufacturer: str, serial: str) -> tuple[str, list[bytes]]:
        """``(appliance_id, HMAC keys)`` of a registered appliance; empty keys if unknown."""
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
        keys = [secret_key_bytes(self._secret_box.open(item)) for item in sealed]
        self._keys[cache_key] = (now, appliance["appliance_id"], keys)
        return appliance["appliance_id"], keys

    def forget_roster(self) -> None:
        """Reload technicians and bookings from the database on the next ticket."""
        self._schedule.forget()

    def forget_keys(self, manufacturer: str, serial: str) -> None:
        """Drop cached keys after a rotation so the new secret works at once."""
        self._keys.pop((manufacturer, serial), None)

    async def submit(
        self, ticket: dict[str, Any], fingerprint: str, appliance_id: str
    ) -> IntakeResult:
        """Store, triage, book and queue the notice for one ticket; answer once committed."""
        ticket_id = ticket["ticket_id"]
        if ticket_id in self._in_flight:
            raise ProblemError(IN_PROGRESS, "retry after the first delivery has been answered")
        self._in_flight.add(ticket_id)
        received_at = datetime.fromtimestamp(self._clock(), UTC)

        async def job(conn: Connection) -> IntakeResult:
            return await self._store(conn, ticket, fingerprint, appliance_id, received_at)

        try:
            result: IntakeResult = await self._group.run(job)
        finally:
            self._in_flight.discard(ticket_id)
        return result

    async def _store(
        self,
        conn: Connection,
        ticket: dict[str, Any],
        fingerprint: str,
        appliance_id: str,
        received_at: datetime,
    ) -> IntakeResult:
        for _ in range(_STORE_ATTEMPTS):
            try:
                async with conn.savepoint():
                    return await self._store_once(
                        conn, ticket, fingerprint, appliance_id, received_at
                    )
            except (UniqueViolationError, RetryableTransactionError):
                continue  # another process took the slot or the id: look again
        raise ProblemError(UNAVAILABLE, "booking contention: retry the delivery")

    async def _store_once(
        self,
        conn: Connection,
        ticket: dict[str, Any],
        fingerprint: str,
        appliance_id: str,
        received_at: datetime,
    ) -> IntakeResult:
        ticket_id = ticket["ticket_id"]
        existing = await repository.ticket_record(conn, ticket_id)
        if existing is not None:
            if existing["request_hash"] != fingerprint:
                raise ProblemError(KEY_REUSED, f"ticket {ticket_id} exists with a different body")
            return IntakeResult(200, existing["response"].encode())
        triage = self._catalog.triage(ticket, received_at)
        slot = None
        if triage.known_fault:
            customer = ticket["customer"]
            slot = await self._schedule.find(
                conn,
                customer["zone"],
                triage.skill,
                earliest=received_at + self._catalog.booking.lead,
                deadline=triage.deadline,
                preferred=[(w["start"], w["end"]) for w in customer["preferred_windows"]],
            )
        if slot is not None:
            # Taken from now on in this process's view: booked below, or lost to another
            # process (the insert then fails and the retry looks further).
            self._schedule.mark_taken(slot.technician.technician_id, int(slot.start.timestamp()))
        status = "booked" if slot else "needs_dispatch" if triage.known_fault else "human_review"
        customer = ticket["customer"]
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
        booking: dict[str, Any] | None = None
        if slot is not None:
            start, end = (
                int(slot.start.timestamp()),
                int(slot.end(self._catalog.booking).timestamp()),
            )
            booking = {
                "technician_id": slot.technician.technician_id,
                "technician_name": slot.technician.name,
                "slot_start": start,
                "slot_end": end,
            }
        triaged = triage_view(triage)
        state = {
            "ticket_id": ticket_id,
            "status": status,
            "received_at": isoformat(received_at),
            "triage": triaged,
            "booking": booking_view(booking, customer["zone"]),
            "notice": message,
        }
        response = orjson.dumps(state).decode()
        await repository.insert_ticket(
            conn,
            {
                "ticket_id": ticket_id,
                "appliance_id": appliance_id,
                "request_hash": fingerprint,
                "status": status,
                "code": ticket["fault"]["code"],
                "severity": ticket["fault"]["severity"],
                "zone": customer["zone"],
                "language": language,
                "payload": orjson.dumps(ticket).decode(),
                "triage": orjson.dumps(triaged).decode(),
                "response": response,
                "received_at": now,
                "updated_at": now,
            },
        )
        if booking is not None:
            try:
                await repository.insert_appointment(
                    conn,
                    ticket_id,
                    booking["technician_id"],
                    booking["slot_start"],
                    booking["slot_end"],
                )
            except UniqueViolationError:
                # Another process booked this technician meanwhile: learn all it booked.
                self._schedule.reload(booking["technician_id"])
                raise
        await repository.insert_notice(
            conn, ticket_id, language, customer.get("contact"), message, now
        )
        return IntakeResult(201, response.encode())
