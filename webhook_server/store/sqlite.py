"""SQLite backend (aiosqlite, WAL): the embedded default for one server process.

One write connection carries every transaction, one at a time; a second connection serves
reads, which WAL lets run beside a write. ``synchronous=FULL`` makes a commit durable before the
service acknowledges anything; group commit in the intake keeps that affordable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
import contextlib
from contextlib import asynccontextmanager
import itertools
from pathlib import Path
import sqlite3

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


class SqliteConnection:
    """:class:`~webhook_server.store.base.Connection` over one aiosqlite connection."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._savepoints = itertools.count()

    async def execute(self, sql: str, *args: object) -> None:
        """Run a statement that returns no rows."""
        with _translated_errors():
            await self._conn.execute(sql, args)

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        """Run a query and return every row."""
        rows = await self._conn.execute_fetchall(sql, args)
        return [dict(row) for row in rows]

    async def fetchrow(self, sql: str, *args: object) -> Row | None:
        """Run a query and return its first row, if any."""
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def executemany(self, sql: str, args: Sequence[Sequence[object]]) -> None:
        """Run one statement once per parameter tuple."""
        with _translated_errors():
            await self._conn.executemany(sql, args)

    async def notify(self, channel: str, payload: str) -> None:
        """Do nothing: one process writes a SQLite file, so nobody else listens."""

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Scope whose statements are rolled back together if it raises."""
        name = f"sp{next(self._savepoints)}"
        await self._conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            await self._conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            await self._conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        await self._conn.execute(f"RELEASE SAVEPOINT {name}")


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
        """Return the write connection in an immediate transaction; writers queue on a lock."""
        async with self._write_lock:
            raw = self._raw[0]
            try:
                await raw.execute("BEGIN IMMEDIATE")
                yield self._writer
            except BaseException:
                # Also when cancelled during BEGIN: the worker thread still runs it.
                with contextlib.suppress(sqlite3.OperationalError):
                    await asyncio.shield(raw.execute("ROLLBACK"))
                raise
            await raw.execute("COMMIT")

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
