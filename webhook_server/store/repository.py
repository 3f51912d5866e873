"""Every query the service runs, written once for both backends (``?`` placeholders).

Functions take a :class:`~webhook_server.store.base.Connection` so the caller decides the
transaction: the intake runs many of them in one group commit. Rows go in and come out as the
typed rows of :mod:`webhook_server.store.rows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from webhook_server.store.base import Connection, placeholders
from webhook_server.store.rows import (
    AgentRow,
    ApplianceRow,
    AppointmentRow,
    BookingRow,
    CustomerMessageRow,
    StoredMessage,
    TechnicianRow,
    TicketKey,
    TicketRow,
    insert_sql,
    read,
    values,
)

# Appliances and their secrets.


async def insert_appliance(conn: Connection, appliance: ApplianceRow) -> None:
    """Register an appliance (UniqueViolationError if manufacturer + serial exist)."""
    await conn.execute(insert_sql("appliances", ApplianceRow), *values(appliance))


async def appliance_by_id(conn: Connection, appliance_id: str) -> ApplianceRow | None:
    """One appliance by id."""
    row = await conn.fetchrow("SELECT * FROM appliances WHERE appliance_id = ?", appliance_id)
    return None if row is None else read(ApplianceRow, row)


async def appliance_by_serial(
    conn: Connection, manufacturer: str, serial: str
) -> ApplianceRow | None:
    """One appliance by manufacturer and serial number."""
    row = await conn.fetchrow(
        "SELECT * FROM appliances WHERE manufacturer = ? AND serial = ?", manufacturer, serial
    )
    return None if row is None else read(ApplianceRow, row)


async def add_secret(
    conn: Connection, appliance_id: str, ciphertext: str, now: int, previous_expire_at: int
) -> None:
    """Add a signing secret; secrets issued earlier stay valid until ``previous_expire_at``."""
    await expire_secrets(conn, appliance_id, previous_expire_at)
    await conn.execute(
        "INSERT INTO appliance_secrets (appliance_id, ciphertext, created_at) VALUES (?, ?, ?)",
        appliance_id,
        ciphertext,
        now,
    )


async def expire_secrets(conn: Connection, appliance_id: str, at: int) -> int:
    """Make every secret of the appliance still valid at ``at`` expire then; return how many."""
    expired = await conn.fetch(
        "UPDATE appliance_secrets SET expires_at = ?"
        " WHERE appliance_id = ? AND (expires_at IS NULL OR expires_at > ?) RETURNING secret_id",
        at,
        appliance_id,
        at,
    )
    return len(expired)


async def live_secrets(conn: Connection, appliance_id: str, now: int) -> list[str]:
    """Ciphertexts of the appliance's secrets that have not expired, newest first."""
    rows = await conn.fetch(
        "SELECT ciphertext FROM appliance_secrets"
        " WHERE appliance_id = ? AND (expires_at IS NULL OR expires_at > ?)"
        " ORDER BY secret_id DESC",
        appliance_id,
        now,
    )
    return [row["ciphertext"] for row in rows]


# Signed messages already received (the signed-message guard).


_INSERT_SIGNED_MESSAGE: Final = (
    "INSERT INTO signed_messages (webhook_timestamp, appliance_id, message_hash)"
    " VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
)


async def record_signed_messages(
    conn: Connection, rows: Sequence[tuple[int, str, str]]
) -> set[tuple[int, str, str]]:
    """Remember ``(webhook_timestamp, appliance_id, message_hash)``; return those that are new.

    One already stored (committed by any process) is not returned. Rows go in the table's key
    order, so concurrent writers take their locks in the same order.
    """
    unique = sorted(set(rows))
    if not unique or await conn.insert_all_or_none(_INSERT_SIGNED_MESSAGE, unique):
        return set(unique)
    values_sql = ", ".join(["(?, ?, ?)"] * len(unique))
    inserted = await conn.fetch(
        "INSERT INTO signed_messages (webhook_timestamp, appliance_id, message_hash)"  # noqa: S608  (only ? placeholders)
        f" VALUES {values_sql} ON CONFLICT DO NOTHING"
        " RETURNING webhook_timestamp, appliance_id, message_hash",
        *[value for row in unique for value in row],
    )
    return {
        (row["webhook_timestamp"], row["appliance_id"], row["message_hash"]) for row in inserted
    }


async def forget_signed_messages(
    conn: Connection, before: int, limit: int, *, skip_locked: bool
) -> int:
    """Delete up to ``limit`` messages stamped before ``before``; return how many went."""
    lock = " FOR UPDATE SKIP LOCKED" if skip_locked else ""
    deleted = await conn.fetch(
        "DELETE FROM signed_messages"  # noqa: S608  (only ? placeholders and fixed names are interpolated)
        " WHERE (webhook_timestamp, appliance_id, message_hash) IN ("
        " SELECT webhook_timestamp, appliance_id, message_hash FROM signed_messages"
        " WHERE webhook_timestamp < ?"
        f" LIMIT ?{lock}) RETURNING webhook_timestamp",
        before,
        limit,
    )
    return len(deleted)


# Service zones, technicians and appointments.


async def upsert_zones(conn: Connection, zones: Iterable[tuple[str, str]]) -> None:
    """Set the time zone of each ``(zone, timezone)``."""
    await conn.executemany(
        "INSERT INTO service_zones (zone, timezone) VALUES (?, ?)"
        " ON CONFLICT (zone) DO UPDATE SET timezone = excluded.timezone",
        list(zones),
    )


async def zone_timezones(conn: Connection) -> dict[str, str]:
    """Every service zone's time zone name."""
    rows = await conn.fetch("SELECT zone, timezone FROM service_zones")
    return {row["zone"]: row["timezone"] for row in rows}


async def upsert_technician(
    conn: Connection, technician: TechnicianRow, zones: Sequence[str], skills: Sequence[str]
) -> None:
    """Create or replace a technician with their zones and skills (appointments are kept)."""
    await conn.execute(
        insert_sql(
            "technicians",
            TechnicianRow,
            " ON CONFLICT (technician_id) DO UPDATE SET name = excluded.name,"
            " timezone = excluded.timezone, work_start = excluded.work_start,"
            " work_end = excluded.work_end, working_days = excluded.working_days",
        ),
        *values(technician),
    )
    technician_id = technician.technician_id
    await conn.execute("DELETE FROM technician_zones WHERE technician_id = ?", technician_id)
    await conn.execute("DELETE FROM technician_skills WHERE technician_id = ?", technician_id)
    await conn.executemany(
        "INSERT INTO technician_zones (technician_id, zone) VALUES (?, ?)",
        [(technician_id, zone) for zone in dict.fromkeys(zones)],
    )
    await conn.executemany(
        "INSERT INTO technician_skills (technician_id, skill) VALUES (?, ?)",
        [(technician_id, skill) for skill in dict.fromkeys(skills)],
    )


@dataclass(frozen=True, slots=True)
class TechnicianGrid:
    """What fixes a technician's slot grid, and how many visits they have from now on."""

    timezone: str
    work_start: str
    booked: int


async def technician_grid(conn: Connection, technician_id: str, now: int) -> TechnicianGrid | None:
    """Return a technician's time zone, day start and number of visits from now on (or None)."""
    row = await conn.fetchrow(
        "SELECT t.timezone, t.work_start,"
        " (SELECT COUNT(*) FROM appointments a"
        "  WHERE a.technician_id = t.technician_id AND a.slot_end > ?) AS booked"
        " FROM technicians t WHERE t.technician_id = ?",
        now,
        technician_id,
    )
    if row is None:
        return None
    return TechnicianGrid(row["timezone"], row["work_start"], int(row["booked"]))


async def technicians_for(conn: Connection, zone: str, skill: str | None) -> list[TechnicianRow]:
    """Technicians covering ``zone`` (with ``skill`` unless None), in id order."""
    if skill is None:
        rows = await conn.fetch(
            "SELECT t.* FROM technicians t JOIN technician_zones z USING (technician_id)"
            " WHERE z.zone = ? ORDER BY t.technician_id",
            zone,
        )
    else:
        rows = await conn.fetch(
            "SELECT t.* FROM technicians t"
            " JOIN technician_zones z USING (technician_id)"
            " JOIN technician_skills s USING (technician_id)"
            " WHERE z.zone = ? AND s.skill = ? ORDER BY t.technician_id",
            zone,
            skill,
        )
    return [read(TechnicianRow, row) for row in rows]


async def skills(conn: Connection) -> list[str]:
    """Every skill some technician has."""
    rows = await conn.fetch("SELECT DISTINCT skill FROM technician_skills ORDER BY skill")
    return [row["skill"] for row in rows]


async def taken_slots(
    conn: Connection, technician_ids: Sequence[str], start: int, end: int
) -> set[tuple[str, int]]:
    """``(technician_id, slot_start)`` pairs booked between ``start`` and ``end``."""
    if not technician_ids:
        return set()
    rows = await conn.fetch(
        "SELECT technician_id, slot_start FROM appointments"  # noqa: S608  (only ? placeholders and fixed names are interpolated)
        f" WHERE technician_id IN ({placeholders(len(technician_ids))})"
        " AND slot_start >= ? AND slot_start <= ?",
        *technician_ids,
        start,
        end,
    )
    return {(row["technician_id"], int(row["slot_start"])) for row in rows}


_INSERT_APPOINTMENT: Final = insert_sql("appointments", AppointmentRow)
_FREE_SLOT_ONLY: Final = " ON CONFLICT (technician_id, slot_start) DO NOTHING"
_INSERT_FREE_SLOT: Final = insert_sql("appointments", AppointmentRow, _FREE_SLOT_ONLY)


async def book_slots(conn: Connection, appointments: Sequence[AppointmentRow]) -> set[TicketKey]:
    """Insert slots; return the tickets that got theirs.

    A slot already booked (by another process, committed or not yet) is skipped, not an error:
    the caller plans those tickets again. Send them in ``(technician_id, slot_start)`` order.
    """
    if not appointments:
        return set()
    rows = [values(appointment) for appointment in appointments]
    if await conn.insert_all_or_none(_INSERT_FREE_SLOT, rows):
        return {appointment.key for appointment in appointments}
    booked = await conn.fetch(
        insert_sql(
            "appointments",
            AppointmentRow,
            f"{_FREE_SLOT_ONLY} RETURNING appliance_id, ticket_id",
            rows=len(rows),
        ),
        *[value for row in rows for value in row],
    )
    return {TicketKey(row["appliance_id"], row["ticket_id"]) for row in booked}


async def move_appointment(conn: Connection, appointment: AppointmentRow) -> None:
    """Move a ticket's visit to another slot (UniqueViolationError if that slot is taken)."""
    await cancel_appointment(conn, appointment.key)
    await conn.execute(_INSERT_APPOINTMENT, *values(appointment))


async def cancel_appointment(conn: Connection, key: TicketKey) -> None:
    """Free a ticket's slot."""
    await conn.execute("DELETE FROM appointments WHERE appliance_id = ? AND ticket_id = ?", *key)


async def booking_of(conn: Connection, key: TicketKey) -> BookingRow | None:
    """Return the ticket's current appointment with its technician's name."""
    row = await conn.fetchrow(
        "SELECT a.technician_id, t.name AS technician_name, a.slot_start, a.slot_end"
        " FROM appointments a JOIN technicians t USING (technician_id)"
        " WHERE a.appliance_id = ? AND a.ticket_id = ?",
        *key,
    )
    return None if row is None else read(BookingRow, row)


# Tickets.

_INSERT_TICKET: Final = insert_sql("tickets", TicketRow)


async def ticket(conn: Connection, key: TicketKey) -> TicketRow | None:
    """Return the stored ticket (payload, triage and the first answer as JSON text)."""
    row = await conn.fetchrow(
        "SELECT * FROM tickets WHERE appliance_id = ? AND ticket_id = ?", *key
    )
    return None if row is None else read(TicketRow, row)


async def tickets_with_id(conn: Connection, ticket_id: str) -> list[TicketRow]:
    """Every appliance's ticket with this id (nearly always one, or none)."""
    rows = await conn.fetch(
        "SELECT * FROM tickets WHERE ticket_id = ? ORDER BY received_at DESC, appliance_id",
        ticket_id,
    )
    return [read(TicketRow, row) for row in rows]


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """What a repeat of a stored ticket is checked against and answered with."""

    request_hash: str
    payload: str
    response: str


async def stored_tickets(
    conn: Connection, keys: Sequence[TicketKey]
) -> dict[TicketKey, StoredAnswer]:
    """Return the stored tickets among ``keys``: their fingerprint, payload and first answer."""
    if not keys:
        return {}
    ticket_ids = sorted({key.ticket_id for key in keys})
    rows = await conn.fetch(
        "SELECT appliance_id, ticket_id, request_hash, payload, response FROM tickets"  # noqa: S608  (only ? placeholders)
        f" WHERE ticket_id IN ({placeholders(len(ticket_ids))})",
        *ticket_ids,
    )
    wanted = set(keys)
    found = ((TicketKey(row["appliance_id"], row["ticket_id"]), row) for row in rows)
    return {
        key: StoredAnswer(row["request_hash"], row["payload"], row["response"])
        for key, row in found
        if key in wanted
    }


async def insert_tickets(
    conn: Connection, tickets: Sequence[TicketRow], messages: Sequence[CustomerMessageRow]
) -> None:
    """Store tickets and their customer messages, inside the caller's transaction or savepoint.

    UniqueViolationError if a ticket exists: the caller rolls back what it began.
    """
    if tickets:
        await conn.executemany(_INSERT_TICKET, [values(row) for row in tickets])
    if messages:
        await conn.executemany(_INSERT_MESSAGE, [values(row) for row in messages])


async def set_open_ticket_status(
    conn: Connection, key: TicketKey, status: str, now: int
) -> TicketRow | None:
    """Change the status of a ticket that is not closed; return its row, or None if it is.

    The check is in the ``UPDATE`` itself, so on PostgreSQL it runs under the row lock: an
    action racing a close waits for it and then finds the ticket closed, not the status it read.
    """
    row = await conn.fetchrow(
        "UPDATE tickets SET status = ?, updated_at = ?"
        " WHERE appliance_id = ? AND ticket_id = ? AND status <> 'closed' RETURNING *",
        status,
        now,
        *key,
    )
    return None if row is None else read(TicketRow, row)


async def retriage(
    conn: Connection, key: TicketKey, code: str, triage: str, status: str, now: int
) -> TicketRow | None:
    """Give a ticket that is not closed a new fault code and triage; None if it is closed."""
    row = await conn.fetchrow(
        "UPDATE tickets SET code = ?, triage = ?, status = ?, updated_at = ?"
        " WHERE appliance_id = ? AND ticket_id = ? AND status <> 'closed' RETURNING *",
        code,
        triage,
        status,
        now,
        *key,
    )
    return None if row is None else read(TicketRow, row)


@dataclass(frozen=True, slots=True)
class TicketQuery:
    """What the console's ticket list asks for: filters, a search, the zones seen, a page."""

    status: str = ""
    zone: str = ""
    severity: str = ""
    code: str = ""
    search: str = ""
    """A ticket id, a serial number, or a phone number or e-mail (any part of its end)."""
    zones: tuple[str, ...] | None = None
    """The zones the agent may see; None for every zone."""
    offset: int = 0
    limit: int = 50


TICKET_FILTERS: Final = ("status", "zone", "severity", "code")

_URGENCY: Final = (
    "CASE WHEN k.status IN ('needs_dispatch', 'human_review') AND k.deadline < ? THEN 0"
    " WHEN k.status = 'needs_dispatch' THEN 1 WHEN k.status = 'human_review' THEN 2"
    " WHEN k.status = 'booked' AND a.slot_start > k.deadline THEN 3"
    " WHEN k.status = 'booked' THEN 4 ELSE 5 END"
)
"""Overdue tickets first, then those waiting for a dispatcher, then bookings that miss their
deadline, then the rest; closed ones last."""
_WITHIN_URGENCY: Final = "CASE WHEN k.status = 'closed' THEN -k.updated_at ELSE k.deadline END"
"""Within a rank, the nearest deadline first (the latest closed first)."""


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A ticket as the console's list shows it."""

    ticket: TicketRow
    booking: BookingRow | None


def search_key(text: str) -> str:
    """Return a contact as searched: lower case, without the separators people type."""
    for separator in " -().":
        text = text.replace(separator, "")
    return text.lower()


def _query_where(query: TicketQuery) -> tuple[str, list[object]]:
    where = [f"k.{name} = ?" for name in TICKET_FILTERS if getattr(query, name)]
    args: list[object] = [getattr(query, name) for name in TICKET_FILTERS if getattr(query, name)]
    if query.zones is not None:
        where.append(f"k.zone IN ({placeholders(len(query.zones))})" if query.zones else "0 = 1")
        args += query.zones
    if query.search:
        key = search_key(query.search)
        where.append(
            "(k.ticket_id = ? OR k.serial = ? OR (length(?) >= 4 AND k.contact_key LIKE ?))"
        )
        args += [query.search, query.search, key, "%" + key.replace("%", "").replace("_", "")]
    return (f"WHERE {' AND '.join(where)}" if where else ""), args


async def ticket_queue(
    conn: Connection, query: TicketQuery, now: int
) -> tuple[int, list[QueueRow]]:
    """Return how many tickets match, and one page of them, most urgent first."""
    where, args = _query_where(query)
    joins = (
        " FROM tickets k LEFT JOIN appointments a"
        " ON a.appliance_id = k.appliance_id AND a.ticket_id = k.ticket_id"
        " LEFT JOIN technicians t ON t.technician_id = a.technician_id"
    )
    counted = await conn.fetchrow(f"SELECT COUNT(*) AS n{joins} {where}", *args)
    rows = await conn.fetch(
        "SELECT k.*, a.technician_id AS booked_technician, t.name AS technician_name,"
        f" a.slot_start, a.slot_end{joins} {where}"
        f" ORDER BY {_URGENCY}, {_WITHIN_URGENCY}, k.received_at DESC, k.appliance_id, k.ticket_id"
        " LIMIT ? OFFSET ?",
        *args,
        now,
        query.limit,
        query.offset,
    )
    queue = []
    for row in rows:
        booking = None
        if row["booked_technician"] is not None:
            booking = BookingRow(
                technician_id=row["booked_technician"],
                technician_name=row["technician_name"],
                slot_start=row["slot_start"],
                slot_end=row["slot_end"],
            )
        queue.append(QueueRow(read(TicketRow, row), booking))
    return int(counted["n"] if counted else 0), queue


# Customer messages (the courier's queue).

_INSERT_MESSAGE: Final = insert_sql("customer_messages", CustomerMessageRow)


async def insert_message(conn: Connection, message: CustomerMessageRow) -> None:
    """Queue one customer message for the courier."""
    await conn.execute(_INSERT_MESSAGE, *values(message))


async def claim_due_messages(
    conn: Connection, now: int, lease_seconds: int, limit: int, *, skip_locked: bool
) -> list[StoredMessage]:
    """Lease up to ``limit`` due messages so no other courier sends them meanwhile."""
    lock = " FOR UPDATE SKIP LOCKED" if skip_locked else ""
    rows = await conn.fetch(
        "UPDATE customer_messages SET lease_until = ? WHERE message_id IN ("  # noqa: S608  (only ? placeholders and fixed names are interpolated)
        " SELECT message_id FROM customer_messages WHERE status = 'pending'"
        f" AND next_attempt_at <= ? AND lease_until <= ? ORDER BY message_id LIMIT ?{lock})"
        " RETURNING *",
        now + lease_seconds,
        now,
        now,
        limit,
    )
    return sorted((read(StoredMessage, row) for row in rows), key=lambda m: m.message_id)


async def mark_messages_sent(
    conn: Connection, message_ids: Sequence[int], channel: str, now: int
) -> None:
    """Record delivered messages."""
    await conn.executemany(
        "UPDATE customer_messages SET status = 'sent', channel = ?, sent_at = ?,"
        " attempts = attempts + 1, last_error = NULL WHERE message_id = ?",
        [(channel, now, message_id) for message_id in message_ids],
    )


async def mark_message_failed(
    conn: Connection, message_id: int, error: str, retry_at: int | None
) -> None:
    """Record a failed attempt; ``retry_at`` None gives up (status ``failed``)."""
    await conn.execute(
        "UPDATE customer_messages SET attempts = attempts + 1, last_error = ?, lease_until = 0,"
        " status = ?, next_attempt_at = ? WHERE message_id = ?",
        error[:500],
        "failed" if retry_at is None else "pending",
        retry_at or 0,
        message_id,
    )


async def messages_for(conn: Connection, key: TicketKey) -> list[StoredMessage]:
    """Return a ticket's customer messages, oldest first."""
    rows = await conn.fetch(
        "SELECT * FROM customer_messages WHERE appliance_id = ? AND ticket_id = ?"
        " ORDER BY message_id",
        *key,
    )
    return [read(StoredMessage, row) for row in rows]


# Agents of the contact centre.


async def upsert_agent(
    conn: Connection,
    username: str,
    password_hash: str,
    now: int,
    *,
    role: str,
    zones: Sequence[str],
) -> None:
    """Create an agent or change their password, role and zones (a lock is lifted)."""
    await conn.execute(
        "INSERT INTO agents (username, password_hash, created_at, role) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash,"
        " role = excluded.role, failed_logins = 0, locked_until = 0",
        username,
        password_hash,
        now,
        role,
    )
    await conn.execute("DELETE FROM agent_zones WHERE username = ?", username)
    await conn.executemany(
        "INSERT INTO agent_zones (username, zone) VALUES (?, ?)",
        [(username, zone) for zone in dict.fromkeys(zones)],
    )


async def agent(conn: Connection, username: str) -> AgentRow | None:
    """Return a console user, or None for an unknown name."""
    row = await conn.fetchrow("SELECT * FROM agents WHERE username = ?", username)
    return None if row is None else read(AgentRow, row)


async def agent_zones(conn: Connection, username: str) -> tuple[str, ...]:
    """Return the zones an agent works on."""
    rows = await conn.fetch(
        "SELECT zone FROM agent_zones WHERE username = ? ORDER BY zone", username
    )
    return tuple(row["zone"] for row in rows)


async def end_agent_sessions(conn: Connection, username: str) -> None:
    """End every console session of an agent (their cookies no longer match the stamp)."""
    await conn.execute(
        "UPDATE agents SET session_epoch = session_epoch + 1 WHERE username = ?", username
    )


async def record_failed_login(
    conn: Connection, username: str, now: int, *, limit: int, lock_seconds: int
) -> int:
    """Count a wrong password; at ``limit`` in a row, lock the account. Return ``locked_until``."""
    row = await conn.fetchrow(
        "UPDATE agents SET"
        " locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END,"
        " failed_logins = CASE WHEN failed_logins + 1 >= ? THEN 0 ELSE failed_logins + 1 END"
        " WHERE username = ? RETURNING locked_until",
        limit,
        now + lock_seconds,
        limit,
        username,
    )
    return 0 if row is None else int(row["locked_until"])


async def clear_failed_logins(conn: Connection, username: str) -> None:
    """Forget an agent's wrong passwords (they signed in)."""
    await conn.execute(
        "UPDATE agents SET failed_logins = 0, locked_until = 0 WHERE username = ?", username
    )
