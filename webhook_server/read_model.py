"""The ticket read model: a ticket as its appliance, the admin and the console see it.

One function words the contract's ticket state (:func:`ticket_state`), for the first answer the
intake gives and for every later read, so both agree to the second (``received_at`` is whole
seconds in both) and both give the zone's local times beside UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import msgspec

from webhook_server.contract import (
    Booking,
    CustomerMessage,
    Ticket,
    TicketState,
    Triage,
    utc,
)
from webhook_server.store import repository
from webhook_server.store.base import Connection
from webhook_server.store.rows import BookingRow, StoredMessage, TicketKey, TicketRow
from webhook_server.triage import Triage as CatalogTriage
from webhook_server.zones import ServiceZones

_TRIAGE = msgspec.json.Decoder(Triage)
_TICKET = msgspec.json.Decoder(Ticket)


def triage_view(triage: CatalogTriage, timezone: ZoneInfo) -> Triage:
    """Return the contract's ``triage`` object (component and part named in English)."""
    return Triage(
        known_fault=triage.known_fault,
        component=triage.component,
        part=triage.part_text,
        skill=triage.skill,
        deadline=triage.deadline.astimezone(UTC),
        local_deadline=triage.deadline.astimezone(timezone),
    )


def booking_view(booking: BookingRow | None, zone: str, timezone: ZoneInfo) -> Booking | None:
    """Return the contract's ``booking`` object, in UTC and in the zone's local time."""
    if booking is None:
        return None
    start, end = utc(booking.slot_start), utc(booking.slot_end)
    return Booking(
        technician_id=booking.technician_id,
        technician_name=booking.technician_name,
        start=start,
        end=end,
        zone=zone,
        timezone=timezone.key,
        local_start=start.astimezone(timezone),
        local_end=end.astimezone(timezone),
    )


def ticket_state(
    *,
    ticket_id: str,
    status: str,
    received_at: int,
    triage: Triage,
    booking: Booking | None,
    message: CustomerMessage | None,
) -> TicketState:
    """Return the contract's ticket state."""
    return TicketState(
        ticket_id=ticket_id,
        status=status,  # type: ignore[arg-type]  # a stored status is one of the contract's
        received_at=utc(received_at),
        triage=triage,
        booking=booking,
        notice="" if message is None else message.sms,
        message=msgspec.UNSET if message is None else message,
    )


def message_view(message: StoredMessage) -> CustomerMessage:
    """Return a stored customer message as the contract gives it."""
    return CustomerMessage(language="es" if message.language == "es" else "en", sms=message.sms)


def stored_ticket(row: TicketRow) -> Ticket:
    """Return the ticket as its appliance sent it (checked then)."""
    return _TICKET.decode(row.payload)


def stored_triage(row: TicketRow, timezone: tzinfo) -> Triage:
    """Return the ticket's triage, with its deadline in the zone's local time too."""
    triage = _TRIAGE.decode(row.triage)
    return msgspec.structs.replace(triage, local_deadline=triage.deadline.astimezone(timezone))


@dataclass(frozen=True, slots=True)
class TicketDetail:
    """Everything known about one ticket: as sent, as triaged, its visit and its messages."""

    row: TicketRow
    ticket: Ticket
    triage: Triage
    booking: BookingRow | None
    messages: list[StoredMessage]
    timezone: ZoneInfo

    @property
    def state(self) -> TicketState:
        """The contract's ticket state now."""
        return ticket_state(
            ticket_id=self.row.ticket_id,
            status=self.row.status,
            received_at=self.row.received_at,
            triage=self.triage,
            booking=booking_view(self.booking, self.row.zone, self.timezone),
            message=message_view(self.messages[-1]) if self.messages else None,
        )

    def local(self, seconds: float) -> datetime:
        """Epoch seconds in the ticket's zone."""
        return utc(int(seconds)).astimezone(self.timezone)


async def detail(conn: Connection, key: TicketKey, zones: ServiceZones) -> TicketDetail | None:
    """Read one ticket whole, or None if there is none."""
    row = await repository.ticket(conn, key)
    if row is None:
        return None
    await zones.refresh(conn)
    timezone = zones.timezone(row.zone)
    return TicketDetail(
        row=row,
        ticket=stored_ticket(row),
        triage=stored_triage(row, timezone),
        booking=await repository.booking_of(conn, key),
        messages=await repository.messages_for(conn, key),
        timezone=timezone,
    )


def with_skill(triage: Triage, skill: str) -> Triage:
    """Return the triage with the skill a dispatcher chose (the fault code stays what it was)."""
    return msgspec.structs.replace(triage, skill=skill)
