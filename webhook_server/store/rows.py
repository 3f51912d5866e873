"""Typed rows: each table's columns as one Struct, so the SQL and the values cannot disagree.

An ``INSERT`` names the columns from the Struct's fields (:func:`insert_sql`) and takes its values
in the same order (:func:`values`); a read converts the driver's row mapping by column name
(:func:`read`). Times are UTC epoch seconds, as stored.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import msgspec

from webhook_server.store.base import Row, placeholders


class TicketKey(NamedTuple):
    """A ticket is its appliance's: the same id from two appliances is two tickets."""

    appliance_id: str
    ticket_id: str


class TicketRow(msgspec.Struct, frozen=True, kw_only=True):
    """One row of ``tickets``: the ticket as received, its triage and its first answer."""

    appliance_id: str
    ticket_id: str
    request_hash: str
    status: str
    code: str
    severity: str
    zone: str
    language: str
    serial: str
    contact_key: str | None
    """The contact as searched: lower case, without spaces, dashes, dots or brackets."""
    deadline: int
    payload: str
    triage: str
    response: str
    received_at: int
    updated_at: int

    @property
    def key(self) -> TicketKey:
        """The ticket's key."""
        return TicketKey(self.appliance_id, self.ticket_id)


class AppointmentRow(msgspec.Struct, frozen=True, kw_only=True):
    """One booked visit: one technician, one slot."""

    appliance_id: str
    ticket_id: str
    technician_id: str
    slot_start: int
    slot_end: int

    @property
    def key(self) -> TicketKey:
        """The ticket the visit is for."""
        return TicketKey(self.appliance_id, self.ticket_id)


class BookingRow(msgspec.Struct, frozen=True, kw_only=True):
    """A ticket's visit with its technician's name, as read back."""

    technician_id: str
    technician_name: str
    slot_start: int
    slot_end: int


class CustomerMessageRow(msgspec.Struct, frozen=True, kw_only=True):
    """A message to a customer, as queued for the courier (or stored as delivered)."""

    appliance_id: str
    ticket_id: str
    event: str
    """What it tells: booked, needs_dispatch, human_review, rescheduled, closed…"""
    language: str
    recipient: str | None
    sms: str
    facts: str | None
    """What the message tells, as JSON: the e-mail is written from it when sent or shown (None:
    a message from before e-mails, its SMS alone)."""
    status: str
    channel: str | None
    attempts: int
    next_attempt_at: int
    created_at: int
    sent_at: int | None


class StoredMessage(CustomerMessageRow, frozen=True, kw_only=True):
    """A customer message as read back, with its id and delivery record."""

    message_id: int
    lease_until: int = 0
    last_error: str | None = None


class ApplianceRow(msgspec.Struct, frozen=True, kw_only=True):
    """A registered appliance."""

    appliance_id: str
    manufacturer: str
    model: str
    serial: str
    created_at: int


class TechnicianRow(msgspec.Struct, frozen=True, kw_only=True):
    """A technician's working pattern; zones and skills are rows of their own tables."""

    technician_id: str
    name: str
    timezone: str
    work_start: str
    work_end: str
    working_days: str
    """ISO weekdays counted from 0 (Monday), comma-separated."""


class AgentRow(msgspec.Struct, frozen=True, kw_only=True):
    """A console user: their password hash, role, and sign-in record."""

    username: str
    password_hash: str
    created_at: int
    session_epoch: int
    role: str
    failed_logins: int
    locked_until: int


def columns(kind: type[msgspec.Struct]) -> tuple[str, ...]:
    """Return the table columns a row type holds, in field order."""
    return tuple(field.name for field in msgspec.structs.fields(kind))


def insert_sql(table: str, kind: type[msgspec.Struct], suffix: str = "", *, rows: int = 1) -> str:
    """``INSERT INTO table (fields…) VALUES (?…)`` for ``rows`` rows of ``kind``."""
    names = columns(kind)
    row = f"({placeholders(len(names))})"
    return (
        f"INSERT INTO {table} ({', '.join(names)})"  # noqa: S608  (fixed names, ? placeholders)
        f" VALUES {', '.join([row] * rows)}{suffix}"
    )


def values(row: msgspec.Struct) -> tuple[Any, ...]:
    """Return a row's values in the order of :func:`insert_sql`'s columns."""
    return msgspec.structs.astuple(row)


def read[T: msgspec.Struct](kind: type[T], row: Row) -> T:
    """Return a row mapping from the driver as ``kind`` (columns it does not name are ignored)."""
    return msgspec.convert(row, kind)
