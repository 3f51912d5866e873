"""SQLite backend (aiosqlite, WAL): the embedded default for one server process.

One write connection carries every transaction, one at a time; a second connection serves
reads, which WAL lets run beside a write. ``synchronous=FULL`` makes a commit durable before the
service acknowledges anything; group commit in the intake keeps that affordable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
import contextlib
from contextlib import asynccontextmanager
import itertools
from pathlib import Path
import sqlite3
from typing import cast

import aiosqlite

from webhook_server.store.base import Row, UniqueViolationError, apply_migrations

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)


@contextlib.contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as err:
        if "UNIQUE" in str(err) or "PRIMARY KEY" in str(err):
            raise UniqueViolationError(str(err)) from err
        raise


async def _in_thread[T](conn: aiosqlite.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run ``work(sqlite3 connection)`` on the connection's aiosqlite thread, in one trip.

    Every trip to that thread and back waits for a turn of the busy event loop, so a group commit
    sends its statements together rather than one at a time. aiosqlite has no public call for
    this: ``_execute`` is the one its own methods use (hence aiosqlite's exact pin).
    """
    run = cast("Callable[..., Awaitable[T]]", conn._execute)  # untyped in aiosqlite
    return await run(work, conn._conn)


class SqliteConnection:
    """:class:`~webhook_server.store.base.Connection` over one aiosqlite connection."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._savepoints = itertools.count()
        self._begin = False
        self._open = False

    def begin_with_next_statement(self) -> None:
        """Open an immediate transaction in the same trip as the next statement."""
        self._begin = True

    async def _run[T](self, work: Callable[[sqlite3.Connection], T]) -> T:
        begin, self._begin = self._begin, False

        def job(db: sqlite3.Connection) -> T:
            try:
                if begin:
                    db.execute("BEGIN IMMEDIATE")
                with _translated_errors():
                    return work(db)
            finally:
                self._open = db.in_transaction

        return await _in_thread(self._conn, job)

    async def finish(self, statement: str) -> None:
        """``COMMIT`` or ``ROLLBACK`` the transaction, if a statement opened one.

        A commit costs no trip if :meth:`execute_batch` already committed (or nothing ran).
        """
        self._begin = False
        if statement == "COMMIT" and not self._open:
            return

        def job(db: sqlite3.Connection) -> None:
            if db.in_transaction:
                db.execute(statement)

        await _in_thread(self._conn, job)

    async def execute(self, sql: str, *args: object) -> None:
        """Run a statement that returns no rows."""
        await self._run(lambda db: db.execute(sql, args))

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        """Run a query and return every row."""
        return await self._run(lambda db: [dict(row) for row in db.execute(sql, args)])

    async def fetch_each(self, queries: Sequence[tuple[str, Sequence[object]]]) -> list[list[Row]]:
        """Run queries in order and return the rows of each, in one trip to the thread."""
        return await self._run(
            lambda db: [[dict(row) for row in db.execute(sql, args)] for sql, args in queries]
        )

    async def fetchrow(self, sql: str, *args: object) -> Row | None:
        """Run a query and return its first row, if any."""
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def executemany(self, sql: str, args: Sequence[Sequence[object]]) -> None:
        """Run one statement once per parameter tuple."""
        await self._run(lambda db: db.executemany(sql, args))

    async def execute_batch(
        self, statements: Sequence[tuple[str, Sequence[Sequence[object]]]], *, commit: bool = False
    ) -> None:
        """Run each statement once per parameter tuple, all or none, in one trip to the thread.

        With ``commit``, the transaction commits (durably) in that same trip.
        """
        name = f"sp{next(self._savepoints)}"

        def work(db: sqlite3.Connection) -> None:
            db.execute(f"SAVEPOINT {name}")
            try:
                for sql, rows in statements:
                    if rows:
                        db.executemany(sql, rows)
            except BaseException:
                db.execute(f"ROLLBACK TO SAVEPOINT {name}")
                db.execute(f"RELEASE SAVEPOINT {name}")
                raise
            db.execute(f"RELEASE SAVEPOINT {name}")
            if commit:
                db.execute("COMMIT")

        await self._run(work)

    async def notify(self, channel: str, payload: str) -> None:
        """Do nothing: one process writes a SQLite file, so nobody else listens."""

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Scope whose statements are rolled back together if it raises."""
        name = f"sp{next(self._savepoints)}"
        await self.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            await self.execute(f"ROLLBACK TO SAVEPOINT {name}")
            await self.execute(f"RELEASE SAVEPOINT {name}")
            raise
        await self.execute(f"RELEASE SAVEPOINT {name}")


class SqliteDatabase:
    """A SQLite file opened for the service, migrated on :meth:`open`."""

    dialect = "sqlite"

    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self._writer = SqliteConnection(writer)
        self._reader = SqliteConnection(reader)
        self._raw = (writer, reader)
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> SqliteDatabase:
        """Open (creating if needed) and migrate the database file at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        connections = []
        for _ in range(2):
            raw = await aiosqlite.connect(path, isolation_level=None)
            raw.row_factory = sqlite3.Row
            for pragma in _PRAGMAS:
                await raw.execute(pragma)
            connections.append(raw)
        database = cls(*connections)
        async with database.transaction() as conn:
            await apply_migrations(conn, cls.dialect)
        return database

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConnection]:
        """Return the write connection in an immediate transaction; writers queue on a lock.

        ``BEGIN IMMEDIATE`` goes with the first statement (one trip fewer); the commit is its
        own trip, and the caller hears back only once it is durable (``synchronous=FULL``).
        """
        async with self._write_lock:
            self._writer.begin_with_next_statement()
            try:
                yield self._writer
            except BaseException:
                # Also when cancelled during a statement: the worker thread still runs it, and
                # the rollback queues behind it on that thread.
                with contextlib.suppress(sqlite3.OperationalError):
                    await asyncio.shield(self._writer.finish("ROLLBACK"))
                raise
            await self._writer.finish("COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqliteConnection]:
        """Return the read connection (autocommit: WAL gives each read a snapshot)."""
        yield self._reader

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """Do nothing: one process writes a SQLite file, so there are no other writers."""

    async def close(self) -> None:
        """Close both connections."""
        for conn in self._raw:
            await conn.close()
