"""Every query the service runs, written once for both backends (``?`` placeholders).

Functions take a :class:`~webhook_server.store.base.Connection` so the caller decides the
transaction: the intake runs many of them in one group commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from webhook_server.store.base import Connection, Row, placeholders

# Appliances and their secrets.


async def insert_appliance(
    conn: Connection, appliance_id: str, appliance: dict[str, str], now: int
) -> None:
    """Register an appliance (UniqueViolationError if manufacturer + serial exist)."""
    await conn.execute(
        "INSERT INTO appliances (appliance_id, manufacturer, model, serial, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        appliance_id,
        appliance["manufacturer"],
        appliance["model"],
        appliance["serial"],
        now,
    )


async def appliance_by_id(conn: Connection, appliance_id: str) -> Row | None:
    """One appliance by id."""
    return await conn.fetchrow("SELECT * FROM appliances WHERE appliance_id = ?", appliance_id)


async def appliance_by_serial(conn: Connection, manufacturer: str, serial: str) -> Row | None:
    """One appliance by manufacturer and serial number."""
    return await conn.fetchrow(
        "SELECT * FROM appliances WHERE manufacturer = ? AND serial = ?", manufacturer, serial
    )


async def add_secret(
    conn: Connection, appliance_id: str, ciphertext: str, now: int, previous_expire_at: int
) -> None:
    """Add a signing secret; secrets issued earlier stay valid until ``previous_expire_at``."""
    await conn.execute(
        "UPDATE appliance_secrets SET expires_at = ?"
        " WHERE appliance_id = ? AND (expires_at IS NULL OR expires_at > ?)",
        previous_expire_at,
        appliance_id,
        previous_expire_at,
    )
    await conn.execute(
        "INSERT INTO appliance_secrets (appliance_id, ciphertext, created_at) VALUES (?, ?, ?)",
        appliance_id,
        ciphertext,
        now,
    )


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


# Signed messages already received (the replay guard).


_INSERT_SIGNED_MESSAGE = (
    "INSERT INTO signed_messages (appliance_id, message_hash, webhook_timestamp)"
    " VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
)


def _record_signed_messages(unique: Sequence[tuple[str, str, int]]) -> tuple[str, list[object]]:
    values = ", ".join(["(?, ?, ?)"] * len(unique))
    return (
        "INSERT INTO signed_messages (appliance_id, message_hash, webhook_timestamp)"  # noqa: S608  (only ? placeholders)
        f" VALUES {values} ON CONFLICT DO NOTHING RETURNING appliance_id, message_hash",
        [value for row in unique for value in row],
    )


def _signed_message_key(row: tuple[str, str, int]) -> tuple[int, str, str]:
    """Return the table's key order: timestamp, appliance, hash."""
    appliance_id, message_hash, timestamp = row
    return timestamp, appliance_id, message_hash


def _tickets_by_id(ticket_ids: Sequence[str]) -> tuple[str, list[object]]:
    return (
        "SELECT ticket_id, request_hash, response FROM tickets"  # noqa: S608  (only ? placeholders)
        f" WHERE ticket_id IN ({placeholders(len(ticket_ids))})",
        list(ticket_ids),
    )


async def record_signed_messages(
    conn: Connection, rows: Sequence[tuple[str, str, int]], ticket_ids: Sequence[str]
) -> tuple[set[tuple[str, str]], dict[str, Row]]:
    """Remember ``(appliance_id, message_hash, webhook_timestamp)``; return the new pairs.

    A pair already stored (committed by any process) is not returned: that message is a
    replay. Rows go in the table's key order (timestamp first), so concurrent writers take
    their locks in the same order.
    With it, return the stored tickets among ``ticket_ids`` (see :func:`tickets_by_id`).
    """
    unique = sorted(dict.fromkeys(rows), key=_signed_message_key)
    all_fresh = await conn.insert_all_or_none(_INSERT_SIGNED_MESSAGE, unique)
    queries = [] if all_fresh else [_record_signed_messages(unique)]
    if ticket_ids:
        queries.append(_tickets_by_id(ticket_ids))
    results = await conn.fetch_each(queries)
    if all_fresh:
        fresh = {(appliance_id, message_hash) for appliance_id, message_hash, _ in unique}
    else:
        fresh = {(row["appliance_id"], row["message_hash"]) for row in results.pop(0)}
    return fresh, {row["ticket_id"]: row for rows in results for row in rows}


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


# Technicians and appointments.


async def upsert_technician(
    conn: Connection, row: Sequence[str], zones: Sequence[str], skills: Sequence[str]
) -> None:
    """Create or replace a technician with their zones and skills (appointments are kept)."""
    await conn.execute(
        "INSERT INTO technicians"
        " (technician_id, name, timezone, work_start, work_end, working_days)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (technician_id) DO UPDATE SET name = excluded.name,"
        " timezone = excluded.timezone, work_start = excluded.work_start,"
        " work_end = excluded.work_end, working_days = excluded.working_days",
        *row,
    )
    technician_id = row[0]
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


async def technician_grid(conn: Connection, technician_id: str, now: int) -> Row | None:
    """Return a technician's time zone, day start and number of visits from now on (or None)."""
    return await conn.fetchrow(
        "SELECT t.timezone, t.work_start,"
        " (SELECT COUNT(*) FROM appointments a"
        "  WHERE a.technician_id = t.technician_id AND a.slot_end > ?) AS booked"
        " FROM technicians t WHERE t.technician_id = ?",
        now,
        technician_id,
    )


async def technicians_for(conn: Connection, zone: str, skill: str | None) -> list[Row]:
    """Technicians covering ``zone`` (with ``skill`` unless None), in id order."""
    if skill is None:
        return await conn.fetch(
            "SELECT t.* FROM technicians t JOIN technician_zones z USING (technician_id)"
            " WHERE z.zone = ? ORDER BY t.technician_id",
            zone,
        )
    return await conn.fetch(
        "SELECT t.* FROM technicians t"
        " JOIN technician_zones z USING (technician_id)"
        " JOIN technician_skills s USING (technician_id)"
        " WHERE z.zone = ? AND s.skill = ? ORDER BY t.technician_id",
        zone,
        skill,
    )


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


async def insert_appointment(
    conn: Connection, ticket_id: str, technician_id: str, start: int, end: int
) -> None:
    """Book one slot (UniqueViolationError if the technician already has it)."""
    await conn.execute(_INSERT_APPOINTMENT, ticket_id, technician_id, start, end)


async def move_appointment(
    conn: Connection, ticket_id: str, technician_id: str, start: int, end: int
) -> None:
    """Move a ticket's visit to another slot (UniqueViolationError if that slot is taken)."""
    await conn.execute("DELETE FROM appointments WHERE ticket_id = ?", ticket_id)
    await insert_appointment(conn, ticket_id, technician_id, start, end)


async def cancel_appointment(conn: Connection, ticket_id: str) -> None:
    """Free a ticket's slot."""
    await conn.execute("DELETE FROM appointments WHERE ticket_id = ?", ticket_id)


# Tickets.


async def ticket_record(conn: Connection, ticket_id: str) -> Row | None:
    """Return the stored ticket row (payload, triage and the first response as JSON text)."""
    return await conn.fetchrow("SELECT * FROM tickets WHERE ticket_id = ?", ticket_id)


TICKET_COLUMNS = (
    "ticket_id",
    "appliance_id",
    "request_hash",
    "status",
    "code",
    "severity",
    "zone",
    "language",
    "payload",
    "triage",
    "response",
    "received_at",
    "updated_at",
)
"""Column order of the ticket rows :func:`insert_new_tickets` takes."""


_INSERT_TICKET = (
    f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)})"  # noqa: S608  (fixed names)
    f" VALUES ({placeholders(len(TICKET_COLUMNS))})"
)
_INSERT_APPOINTMENT = (
    "INSERT INTO appointments (ticket_id, technician_id, slot_start, slot_end) VALUES (?, ?, ?, ?)"
)
_INSERT_FREE_SLOT = f"{_INSERT_APPOINTMENT} ON CONFLICT (technician_id, slot_start) DO NOTHING"
_INSERT_NOTICE = (
    "INSERT INTO notices (ticket_id, language, recipient, body, status, channel, attempts,"
    " next_attempt_at, created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _notice_row(
    ticket_id: str,
    language: str,
    recipient: str | None,
    body: str,
    now: int,
    delivered_by: str | None = None,
) -> tuple[object, ...]:
    """Return a notice row waiting for the outbox, or one ``delivered_by`` a storing channel."""
    if delivered_by is None:
        return (ticket_id, language, recipient, body, "pending", None, 0, now, now, None)
    return (ticket_id, language, recipient, body, "sent", delivered_by, 1, now, now, now)


async def book_slots(
    conn: Connection, appointments: Sequence[tuple[str, str, int, int]]
) -> set[str]:
    """Insert ``(ticket_id, technician_id, start, end)`` slots; return the tickets that got theirs.

    A slot already booked (by another process, committed or not yet) is skipped, not an error:
    the caller plans those tickets again. Send them in ``(technician_id, start)`` order.
    """
    if not appointments:
        return set()
    if await conn.insert_all_or_none(_INSERT_FREE_SLOT, appointments):
        return {appointment[0] for appointment in appointments}
    values = ", ".join(["(?, ?, ?, ?)"] * len(appointments))
    rows = await conn.fetch(
        "INSERT INTO appointments (ticket_id, technician_id, slot_start, slot_end)"  # noqa: S608  (only ? placeholders)
        f" VALUES {values} ON CONFLICT (technician_id, slot_start) DO NOTHING RETURNING ticket_id",
        *[value for appointment in appointments for value in appointment],
    )
    return {row["ticket_id"] for row in rows}


async def insert_new_tickets(
    conn: Connection,
    tickets: Sequence[Sequence[object]],
    notices: Sequence[tuple[str, str, str | None, str, int]],
    *,
    delivered_by: str | None = None,
) -> None:
    """Store tickets and their customer notices, inside the caller's transaction or savepoint.

    Notices ``(ticket_id, language, recipient, body, now)`` wait for the outbox, or with
    ``delivered_by`` (a channel whose delivery is the stored row) are stored as sent by it.
    UniqueViolationError if a ticket id exists: the caller rolls back what it began.
    """
    if tickets:
        await conn.executemany(_INSERT_TICKET, tickets)
    if notices:
        await conn.executemany(_INSERT_NOTICE, [_notice_row(*row, delivered_by) for row in notices])


async def tickets_by_id(conn: Connection, ticket_ids: Sequence[str]) -> dict[str, Row]:
    """Return the stored tickets among ``ticket_ids`` (hash and first answer), by id."""
    sql, args = _tickets_by_id(ticket_ids)
    return {row["ticket_id"]: row for row in await conn.fetch(sql, *args)}


async def set_open_ticket_status(
    conn: Connection, ticket_id: str, status: str, now: int
) -> Row | None:
    """Change the status of a ticket that is not closed; return its row, or None if it is.

    The check is in the ``UPDATE`` itself, so on PostgreSQL it runs under the row lock: an
    action racing a close waits for it and then finds the ticket closed, not the status it read.
    """
    return await conn.fetchrow(
        "UPDATE tickets SET status = ?, updated_at = ?"
        " WHERE ticket_id = ? AND status <> 'closed' RETURNING *",
        status,
        now,
        ticket_id,
    )


async def booking_of(conn: Connection, ticket_id: str) -> Row | None:
    """Return the ticket's current appointment with its technician's name."""
    return await conn.fetchrow(
        "SELECT a.technician_id, t.name AS technician_name, a.slot_start, a.slot_end"
        " FROM appointments a JOIN technicians t USING (technician_id) WHERE a.ticket_id = ?",
        ticket_id,
    )


TICKET_FILTERS = ("status", "zone", "severity", "code")


async def list_tickets(conn: Connection, filters: dict[str, str], limit: int = 200) -> list[Row]:
    """Newest tickets first, with their booking, narrowed by exact-match ``filters``."""
    where = [f"k.{name} = ?" for name in TICKET_FILTERS if filters.get(name)]
    args: list[Any] = [filters[name] for name in TICKET_FILTERS if filters.get(name)]
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return await conn.fetch(
        "SELECT k.ticket_id, k.status, k.code, k.severity, k.zone, k.language, k.triage,"  # noqa: S608  (only ? placeholders and fixed names are interpolated)
        " k.payload, k.received_at, a.slot_start, t.name AS technician_name"
        " FROM tickets k LEFT JOIN appointments a USING (ticket_id)"
        " LEFT JOIN technicians t ON t.technician_id = a.technician_id"
        f" {clause} ORDER BY k.received_at DESC, k.ticket_id LIMIT ?",
        *args,
        limit,
    )


# Customer notices (the outbox).


async def insert_notice(
    conn: Connection, ticket_id: str, language: str, recipient: str | None, body: str, now: int
) -> None:
    """Queue one customer message for the outbox worker."""
    await conn.execute(_INSERT_NOTICE, *_notice_row(ticket_id, language, recipient, body, now))


async def claim_due_notices(
    conn: Connection, now: int, lease_seconds: int, limit: int, *, skip_locked: bool
) -> list[Row]:
    """Lease up to ``limit`` due notices so no other worker sends them meanwhile."""
    lock = " FOR UPDATE SKIP LOCKED" if skip_locked else ""
    return await conn.fetch(
        "UPDATE notices SET lease_until = ? WHERE notice_id IN ("  # noqa: S608  (only ? placeholders and fixed names are interpolated)
        " SELECT notice_id FROM notices WHERE status = 'pending' AND next_attempt_at <= ?"
        f" AND lease_until <= ? ORDER BY notice_id LIMIT ?{lock}) RETURNING *",
        now + lease_seconds,
        now,
        now,
        limit,
    )


async def mark_notices_sent(
    conn: Connection, notice_ids: Sequence[int], channel: str, now: int
) -> None:
    """Record delivered notices."""
    await conn.executemany(
        "UPDATE notices SET status = 'sent', channel = ?, sent_at = ?, attempts = attempts + 1,"
        " last_error = NULL WHERE notice_id = ?",
        [(channel, now, notice_id) for notice_id in notice_ids],
    )


async def mark_notice_failed(
    conn: Connection, notice_id: int, error: str, retry_at: int | None
) -> None:
    """Record a failed attempt; ``retry_at`` None gives up (status ``failed``)."""
    await conn.execute(
        "UPDATE notices SET attempts = attempts + 1, last_error = ?, lease_until = 0,"
        " status = ?, next_attempt_at = ? WHERE notice_id = ?",
        error[:500],
        "failed" if retry_at is None else "pending",
        retry_at or 0,
        notice_id,
    )


async def notices_for(conn: Connection, ticket_id: str) -> list[Row]:
    """Return a ticket's notices, oldest first."""
    return await conn.fetch(
        "SELECT * FROM notices WHERE ticket_id = ? ORDER BY notice_id", ticket_id
    )


# Agents of the contact centre.


async def upsert_agent(conn: Connection, username: str, password_hash: str, now: int) -> None:
    """Create an agent or change their password."""
    await conn.execute(
        "INSERT INTO agents (username, password_hash, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash",
        username,
        password_hash,
        now,
    )


async def agent_session_stamp(conn: Connection, username: str) -> str | None:
    """Return what an agent's sessions are bound to (epoch and password hash); None if unknown.

    Signing out raises the epoch and a new password changes the hash: either ends every cookie
    issued before.
    """
    row = await conn.fetchrow(
        "SELECT session_epoch, password_hash FROM agents WHERE username = ?", username
    )
    return None if row is None else f"{row['session_epoch']}|{row['password_hash']}"


async def end_agent_sessions(conn: Connection, username: str) -> None:
    """End every console session of an agent (their cookies no longer match the stamp)."""
    await conn.execute(
        "UPDATE agents SET session_epoch = session_epoch + 1 WHERE username = ?", username
    )


async def agent_password_hash(conn: Connection, username: str) -> str | None:
    """Return an agent's bcrypt hash, or None for an unknown user."""
    row = await conn.fetchrow("SELECT password_hash FROM agents WHERE username = ?", username)
    return None if row is None else str(row["password_hash"])
