"""The SQLite backend: statements in the loop's thread, durable commits, savepoints."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from pathlib import Path
import sqlite3
import threading
import time

import msgspec
import pytest

from webhook_server.message_delivery import email_of
from webhook_server.store import repository
from webhook_server.store.base import UniqueViolationError
from webhook_server.store.rows import AppointmentRow, TicketKey
from webhook_server.store.sqlite import SqliteDatabase

_INSERT = "INSERT INTO agents (username, password_hash, created_at) VALUES (?, ?, ?)"


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = await SqliteDatabase.open(tmp_path / "store.db")
    yield database
    await database.close()


def _usernames(path: Path) -> list[str]:
    """What another connection sees: only committed rows."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("SELECT username FROM agents ORDER BY username")]


async def test_a_transaction_is_durable_only_once_it_committed(
    database: SqliteDatabase, tmp_path: Path
) -> None:
    async with database.transaction() as conn:
        await conn.executemany(_INSERT, [("a", "h", 1), ("b", "h", 1)])
        assert _usernames(tmp_path / "store.db") == []  # another connection sees nothing yet
    assert _usernames(tmp_path / "store.db") == ["a", "b"]


async def test_a_failed_savepoint_writes_nothing_and_the_transaction_goes_on(
    database: SqliteDatabase, tmp_path: Path
) -> None:
    async with database.transaction() as conn:
        await conn.execute(_INSERT, "a", "h", 1)
        with pytest.raises(UniqueViolationError):
            async with conn.savepoint():
                await conn.executemany(_INSERT, [("b", "h", 1), ("a", "h", 1)])
        await conn.executemany(_INSERT, [("c", "h", 1)])
    assert _usernames(tmp_path / "store.db") == ["a", "c"]


async def test_an_error_rolls_back_and_an_empty_transaction_is_fine(
    database: SqliteDatabase, tmp_path: Path
) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as conn:
            await conn.execute(_INSERT, "a", "h", 1)
            raise RuntimeError
    with pytest.raises(RuntimeError):
        async with database.transaction():
            raise RuntimeError  # before any statement: nothing was begun
    async with database.transaction():
        pass
    async with database.transaction() as conn:
        rows = await conn.fetch_each([("SELECT 1 AS one", []), ("SELECT 2 AS two", [])])
    assert rows == [[{"one": 1}], [{"two": 2}]]
    assert _usernames(tmp_path / "store.db") == []


async def test_a_write_waits_for_another_process_lock_without_blocking_the_loop(
    database: SqliteDatabase, tmp_path: Path
) -> None:
    """A CLI command holding the write lock delays the service's write; the loop keeps going."""
    other = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute(_INSERT, ("cli", "h", 1))
    ticks = 0

    async def write() -> None:
        async with database.transaction() as conn:
            await conn.execute(_INSERT, "service", "h", 1)

    writing = asyncio.create_task(write())
    while ticks < 5:  # the loop runs while the write waits for the lock
        await asyncio.sleep(0.005)
        ticks += 1
    assert not writing.done()
    other.execute("COMMIT")
    other.close()
    await writing
    assert _usernames(tmp_path / "store.db") == ["cli", "service"]


async def test_a_lock_held_too_long_is_an_error(
    database: SqliteDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("webhook_server.store.sqlite._BUSY_TIMEOUT_S", 0.02)
    other = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            async with database.transaction():
                pass
    finally:
        other.execute("ROLLBACK")
        other.close()
    async with database.transaction() as conn:  # usable again
        await conn.execute(_INSERT, "after", "h", 1)
    assert _usernames(tmp_path / "store.db") == ["after"]


async def test_references_are_checked_at_commit_and_a_broken_one_writes_nothing(
    database: SqliteDatabase, tmp_path: Path
) -> None:
    """Slots may be booked before their tickets are written, but never without them."""
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        async with database.transaction() as conn:
            await conn.execute(
                "INSERT INTO appointments (appliance_id, ticket_id, technician_id, slot_start,"
                " slot_end) VALUES (?, ?, ?, ?, ?)",
                "no-such-appliance",
                "no-such-ticket",
                "no-such-technician",
                1,
                2,
            )
            await conn.execute(_INSERT, "a", "h", 1)
    assert _usernames(tmp_path / "store.db") == []
    async with database.transaction() as conn:  # usable again
        await conn.execute(_INSERT, "b", "h", 1)
    assert _usernames(tmp_path / "store.db") == ["b"]


async def test_a_cancelled_writer_leaves_its_commit_to_land_before_the_next_write(
    database: SqliteDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request cancelled while its batch commits (client gone, shutdown) loses nothing."""
    committer = database._writer._committer
    connection = committer._db
    committing = threading.Event()

    class SlowDisk:
        def execute(self, sql: str) -> sqlite3.Cursor:
            committing.set()
            time.sleep(0.2)
            return connection.execute(sql)

    monkeypatch.setattr(committer, "_db", SlowDisk())

    async def write() -> None:
        async with database.transaction() as conn:
            await conn.execute(_INSERT, "a", "h", 1)

    task = asyncio.create_task(write())
    await asyncio.to_thread(committing.wait)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _usernames(tmp_path / "store.db") == ["a"]  # the commit landed all the same
    monkeypatch.setattr(committer, "_db", connection)
    async with database.transaction() as conn:  # and the writer is free again
        await conn.execute(_INSERT, "b", "h", 1)
    assert _usernames(tmp_path / "store.db") == ["a", "b"]


async def test_insert_all_or_none_inserts_nothing_when_one_row_is_taken(
    database: SqliteDatabase, tmp_path: Path
) -> None:
    insert = f"{_INSERT} ON CONFLICT DO NOTHING"
    async with database.transaction() as conn:
        assert await conn.insert_all_or_none(insert, [("a", "h", 1), ("b", "h", 1)])
        assert not await conn.insert_all_or_none(insert, [("c", "h", 1), ("a", "h", 2)])
        assert await conn.insert_all_or_none(insert, [("d", "h", 1)])  # the transaction goes on
    assert _usernames(tmp_path / "store.db") == ["a", "b", "d"]


def _database_before(path: Path, version: int, *statements: str) -> None:
    """Write a database migrated up to ``version`` (excluded), holding ``statements``' rows."""
    folder = Path(repository.__file__).parent / "migrations" / "sqlite"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at)")
        for entry in sorted(folder.glob("*.sql")):
            if int(entry.name[:4]) >= version:
                break
            conn.executescript(entry.read_text())
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", (int(entry.name[:4]), ""))
        for statement in statements:
            conn.execute(statement)
        conn.commit()


async def test_remembered_messages_survive_the_move_to_a_time_keyed_table(tmp_path: Path) -> None:
    """A database from before migration 4 keeps refusing the messages it had remembered."""
    path = tmp_path / "old.db"
    _database_before(path, 4, "INSERT INTO signed_messages VALUES ('apl_1', 'abc', 1700000000)")

    database = await SqliteDatabase.open(path)
    try:
        async with database.transaction() as conn:
            rows = [(1700000000, "apl_1", "abc"), (1700000001, "apl_1", "def")]
            fresh = await repository.record_signed_messages(conn, rows)
    finally:
        await database.close()
    assert fresh == {(1700000001, "apl_1", "def")}  # the remembered one is still refused


OLD_TICKET = (
    "INSERT INTO tickets VALUES ('t-1', 'apl_1', 'h', 'booked', 'c', 'info', 'z', 'es',"
    """ '{"appliance": {"serial": "S1"}, "customer": {"contact": "+34 600-11 22 33"}}',"""
    """ '{"deadline": "2026-06-02T10:00:00Z"}', '{}', 1, 1)"""
)


async def test_tickets_move_under_their_appliance_with_bookings_and_messages(
    tmp_path: Path,
) -> None:
    """A database from before migration 7 keeps every ticket, booking and message."""
    path = tmp_path / "old.db"
    _database_before(
        path,
        7,
        "INSERT INTO appliances VALUES ('apl_1', 'Acme', 'FC-1', 'S1', 1)",
        "INSERT INTO technicians VALUES ('tech-1', 'Ana', 'UTC', '08:00', '17:00', 'mon')",
        OLD_TICKET,
        "INSERT INTO appointments (ticket_id, technician_id, slot_start, slot_end)"
        " VALUES ('t-1', 'tech-1', 3600, 7200)",
        "INSERT INTO notices (ticket_id, language, recipient, body, status, next_attempt_at,"
        " created_at) VALUES ('t-1', 'es', '+34 600-11 22 33', 'Hola', 'pending', 1, 1)",
        "INSERT INTO agents (username, password_hash, created_at) VALUES ('old', 'h', 1)",
    )
    database = await SqliteDatabase.open(path)
    key = TicketKey("apl_1", "t-1")
    try:
        async with database.transaction() as conn:
            row = await repository.ticket(conn, key)
            assert row is not None
            assert (row.serial, row.contact_key) == ("S1", "+34600112233")
            assert row.deadline == 1780394400  # 2026-06-02T10:00:00Z
            booking = await repository.booking_of(conn, key)
            assert booking is not None and booking.slot_start == 3600
            (message,) = await repository.messages_for(conn, key)
            assert (message.sms, message.facts, message.status) == ("Hola", None, "pending")
            assert email_of(message).email_body == "Hola"  # no facts: its SMS
            agent = await repository.agent(conn, "old")
            assert agent is not None and agent.role == "supervisor"  # saw every zone before
            # The slot is still the technician's alone; a new one books before its ticket exists.
            booked = await repository.book_slots(
                conn,
                [
                    AppointmentRow(
                        appliance_id="apl_1",
                        ticket_id=ticket_id,
                        technician_id="tech-1",
                        slot_start=start,
                        slot_end=start + 3600,
                    )
                    for ticket_id, start in (("t-2", 3600), ("t-3", 9000))
                ],
            )
            assert booked == {TicketKey("apl_1", "t-3")}
            await repository.insert_tickets(
                conn, [msgspec.structs.replace(row, ticket_id="t-3")], []
            )
    finally:
        await database.close()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT ticket_id, slot_start FROM appointments ORDER BY 1").fetchall()
    assert rows == [("t-1", 3600), ("t-3", 9000)]
