"""Dispatcher actions on a ticket: list free slots, book or move the visit, close, re-triage.

The same database constraint that guards the intake guards a booking here: if another process
took the slot meanwhile, the move fails and the ticket keeps its old visit. A slot after the
ticket's deadline is offered marked as late, and taken only when the dispatcher says the
customer agreed. A ticket no catalog entry fits (``human_review``) is not a dead end: the
dispatcher names its fault code or the skill it needs, and books it like any other. Every
booking, move and cancellation is told to the customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from webhook_server import customer_messages, read_model
from webhook_server.booking import Slot, Technician
from webhook_server.contract import encode, utc
from webhook_server.customer_messages import Event, Visit
from webhook_server.message_delivery import queued_message
from webhook_server.store import repository
from webhook_server.store.base import Connection, Database, UniqueViolationError
from webhook_server.store.rows import AppointmentRow, BookingRow, TicketKey, TicketRow
from webhook_server.triage import Catalog
from webhook_server.zones import ServiceZones

HORIZON: Final = timedelta(days=14)
"""How far ahead free slots are offered."""


class DispatchError(Exception):
    """The action cannot be done; ``code`` says why (the console words it for the agent)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class FreeSlot:
    """A slot a technician who fits the ticket has free, and how late it would be."""

    slot: Slot
    late_by: timedelta | None
    """How long after the ticket's deadline the visit would start; None if in time."""

    @property
    def value(self) -> str:
        """The form value that names this slot: ``technician_id|epoch``."""
        return f"{self.slot.technician.technician_id}|{int(self.slot.start.timestamp())}"


@dataclass(frozen=True, slots=True)
class Dispatcher:
    """The dispatcher's actions over one database, catalog and zone table."""

    database: Database
    catalog: Catalog
    zones: ServiceZones
    delivered_by: str | None = None
    """The customer-message channel, if storing a message is its delivery (console)."""

    async def free_slots(self, key: TicketKey, now: float, limit: int = 40) -> list[FreeSlot]:
        """Return the next free slots of technicians who fit the ticket's zone and skill."""
        rules = self.catalog.booking
        async with self.database.read() as conn:
            row = await repository.ticket(conn, key)
            if row is None:
                return []
            skill = read_model.stored_triage(row, UTC).skill
            technicians = [
                Technician.from_row(found)
                for found in await repository.technicians_for(conn, row.zone, skill)
            ]
            earliest = datetime.fromtimestamp(now, UTC) + rules.lead
            horizon = earliest + HORIZON
            taken = await repository.taken_slots(
                conn,
                [technician.technician_id for technician in technicians],
                int(earliest.timestamp()),
                int(horizon.timestamp()),
            )
        deadline = utc(row.deadline)
        slots = [
            Slot(technician, start)
            for technician in technicians
            for start in technician.slots(earliest, horizon, rules)
            if (technician.technician_id, int(start.timestamp())) not in taken
        ]
        slots.sort(key=lambda slot: (slot.start, slot.technician.technician_id))
        return [
            FreeSlot(slot, slot.start - deadline if slot.start > deadline else None)
            for slot in slots[:limit]
        ]

    async def book(
        self, key: TicketKey, technician_id: str, start: int, now: float, *, late_ok: bool
    ) -> None:
        """Book (or move) the ticket's visit to a free slot, and tell the customer."""
        choices = await self.free_slots(key, now, limit=2000)
        chosen = next(
            (
                choice
                for choice in choices
                if choice.slot.technician.technician_id == technician_id
                and int(choice.slot.start.timestamp()) == start
            ),
            None,
        )
        if chosen is None:
            raise DispatchError("slot-not-free")
        if chosen.late_by is not None and not late_ok:
            raise DispatchError("slot-after-deadline")
        slot = chosen.slot
        async with self.database.transaction() as conn:
            before = await repository.booking_of(conn, key)
            row = await _open_ticket(conn, key, "booked", now)
            end = int(slot.end(self.catalog.booking).timestamp())
            appointment = AppointmentRow(
                appliance_id=key.appliance_id,
                ticket_id=key.ticket_id,
                technician_id=technician_id,
                slot_start=start,
                slot_end=end,
            )
            try:
                async with conn.savepoint():
                    await repository.move_appointment(conn, appointment)
            except UniqueViolationError as err:
                raise DispatchError("slot-just-taken") from err
            booking = BookingRow(
                technician_id=technician_id,
                technician_name=slot.technician.name,
                slot_start=start,
                slot_end=end,
            )
            await self._tell(conn, row, "rescheduled" if before else "booked", booking, now)

    async def close(self, key: TicketKey, now: float) -> None:
        """Close the ticket, free its slot and tell the customer."""
        async with self.database.transaction() as conn:
            before = await repository.booking_of(conn, key)
            row = await _open_ticket(conn, key, "closed", now)
            await repository.cancel_appointment(conn, key)
            await self._tell(conn, row, "closed", before, now)

    async def retriage(
        self, key: TicketKey, now: float, *, code: str | None = None, skill: str | None = None
    ) -> None:
        """Give a ticket its fault code, or the skill it needs, so that it can be booked."""
        async with self.database.read() as conn:
            row = await repository.ticket(conn, key)
        if row is None:
            raise DispatchError("no-ticket")
        ticket = read_model.stored_ticket(row)
        timezone = self.zones.timezone(row.zone)
        if code is not None:
            if self.catalog.entry(code) is None:
                raise DispatchError("unknown-code")
            triage = read_model.triage_view(
                self.catalog.retriage(code, ticket, utc(row.deadline)), timezone
            )
        elif skill:
            code = row.code
            triage = read_model.stored_triage(row, timezone)
            triage = read_model.with_skill(triage, skill)
        else:
            raise DispatchError("nothing-to-change")
        status = "booked" if row.status == "booked" else "needs_dispatch"
        async with self.database.transaction() as conn:
            if (
                await repository.retriage(
                    conn, key, code, encode(triage).decode(), status, int(now)
                )
                is None
            ):
                raise DispatchError("ticket-closed")

    async def _tell(
        self,
        conn: Connection,
        row: TicketRow,
        event: Event,
        booking: BookingRow | None,
        now: float,
    ) -> None:
        """Queue the customer's message about what the dispatcher just did."""
        ticket = read_model.stored_ticket(row)
        timezone = self.zones.timezone(row.zone)
        triage = self.catalog.retriage(row.code, ticket, utc(row.deadline))
        visit = None
        if booking is not None:
            visit = Visit(
                booking.technician_name,
                utc(booking.slot_start).astimezone(timezone),
                utc(booking.slot_end).astimezone(timezone),
            )
        situation = customer_messages.describe(
            event, ticket, triage, self.catalog, visit=visit, timezone=timezone, now=utc(int(now))
        )
        contact = ticket.customer.contact if isinstance(ticket.customer.contact, str) else None
        await repository.insert_message(
            conn,
            queued_message(row.key, situation, contact, int(now), delivered_by=self.delivered_by),
        )


async def _open_ticket(conn: Connection, key: TicketKey, status: str, now: float) -> TicketRow:
    """Give an open ticket its new status first and return its row, else raise DispatchError.

    Checking and writing in one conditional ``UPDATE`` (not read, then write) is what stops a
    booking that raced a close from reopening the ticket: the loser finds it closed and its
    transaction rolls back, so it leaves no appointment and no message.
    """
    row = await repository.set_open_ticket_status(conn, key, status, int(now))
    if row is not None:
        return row
    if await repository.ticket(conn, key) is None:
        raise DispatchError("no-ticket")
    raise DispatchError("ticket-closed")
