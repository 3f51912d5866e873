"""Dispatcher actions on a booked ticket: list free slots, reschedule, close.

The same database constraint that guards the intake guards a reschedule: if another process took
the slot meanwhile, the move fails and the ticket keeps its old visit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from webhook_server import notices
from webhook_server.booking import Slot, Technician
from webhook_server.store import repository
from webhook_server.store.base import Connection, Database, UniqueViolationError
from webhook_server.triage import Catalog


class DispatchError(Exception):
    """The action cannot be done; the message says why, for the agent."""


async def free_slots(
    database: Database, catalog: Catalog, ticket_id: str, now: float, limit: int = 20
) -> list[Slot]:
    """Return the next free slots of technicians who fit the ticket's zone and skill."""
    rules = catalog.booking
    async with database.read() as conn:
        record = await repository.ticket_record(conn, ticket_id)
        if record is None:
            return []
        skill = orjson.loads(record["triage"])["skill"]
        rows = await repository.technicians_for(conn, record["zone"], skill)
        technicians = [Technician.from_row(row) for row in rows]
        earliest = datetime.fromtimestamp(now, UTC) + rules.lead
        horizon = earliest + 14 * rules.slot * 8
        taken = await repository.taken_slots(
            conn,
            [technician.technician_id for technician in technicians],
            int(earliest.timestamp()),
            int(horizon.timestamp()),
        )
    slots = [
        Slot(technician, start)
        for technician in technicians
        for start in technician.slots(earliest, horizon, rules)
        if (technician.technician_id, int(start.timestamp())) not in taken
    ]
    slots.sort(key=lambda slot: (slot.start, slot.technician.technician_id))
    return slots[:limit]


async def reschedule(
    database: Database, catalog: Catalog, ticket_id: str, technician_id: str, start: int, now: float
) -> None:
    """Move (or make) the ticket's visit to a free slot, and tell the customer."""
    choices = await free_slots(database, catalog, ticket_id, now, limit=1000)
    slot = next(
        (
            choice
            for choice in choices
            if choice.technician.technician_id == technician_id
            and int(choice.start.timestamp()) == start
        ),
        None,
    )
    if slot is None:
        raise DispatchError("that slot is not free for this ticket any more; pick another")
    async with database.transaction() as conn:
        record = await _open_record(conn, ticket_id, "booked", now)
        end = int(slot.end(catalog.booking).timestamp())
        try:
            async with conn.savepoint():
                await repository.move_appointment(conn, ticket_id, technician_id, start, end)
        except UniqueViolationError as err:
            raise DispatchError("someone booked that slot a moment ago; pick another") from err
        message = notices.render(
            "rescheduled",
            record["language"],
            ticket=ticket_id,
            technician=slot.technician.name,
            start=slot.start,
            timezone=catalog.timezone,
        )
        await _notify(conn, record, message, now)


async def close_ticket(database: Database, catalog: Catalog, ticket_id: str, now: float) -> None:
    """Close the ticket, free its slot and tell the customer."""
    async with database.transaction() as conn:
        record = await _open_record(conn, ticket_id, "closed", now)
        await repository.cancel_appointment(conn, ticket_id)
        message = notices.render(
            "closed", record["language"], ticket=ticket_id, timezone=catalog.timezone
        )
        await _notify(conn, record, message, now)


async def _open_record(conn: Connection, ticket_id: str, status: str, now: float) -> dict[str, Any]:
    """Give an open ticket its new status first and return its row, else raise DispatchError.

    Checking and writing in one conditional ``UPDATE`` (not read, then write) is what stops a
    reschedule that raced a close from reopening the ticket: the loser finds it closed and its
    transaction rolls back, so it leaves no appointment and no notice.
    """
    record = await repository.set_open_ticket_status(conn, ticket_id, status, int(now))
    if record is not None:
        return record
    if await repository.ticket_record(conn, ticket_id) is None:
        raise DispatchError(f"no ticket {ticket_id}")
    raise DispatchError(f"ticket {ticket_id} is closed")


async def _notify(conn: Connection, record: dict[str, Any], message: str, now: float) -> None:
    contact = orjson.loads(record["payload"])["customer"].get("contact")
    await repository.insert_notice(
        conn, record["ticket_id"], record["language"], contact, message, int(now)
    )
