"""PostgreSQL backend (asyncpg pool): for fleets, with several server processes on one database.

Every process keeps its own pool; the database's unique constraints are what keep processes
honest (no double booking, one ticket per id). Deadlocks and serialization failures surface as
:class:`~webhook_server.store.base.RetryableTransactionError` so the caller can run again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
import functools

import asyncpg

from webhook_server.store.base import (
    RetryableTransactionError,
    Row,
    UniqueViolationError,
    apply_migrations,
    numbered_placeholders,
)

_MIGRATION_LOCK = 0x46524447  # "FRDG": one process migrates at a time.

_STATEMENT_CACHE_SIZE = 1024
"""Prepared statements kept per connection. A batch's multi-row statements differ by their row
count, so every size up to the largest batch gets one; asyncpg's default of 100 made them be
prepared again and again (a round trip and a plan each time)."""

_sql = functools.lru_cache(maxsize=_STATEMENT_CACHE_SIZE)(numbered_placeholders)


_TRANSLATED = (
    asyncpg.UniqueViolationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)
"""asyncpg's errors that the store's callers handle, as their own exceptions."""


def _store_error(err: Exception) -> Exception:
    """Return the store's exception for one of :data:`_TRANSLATED`."""
    if isinstance(err, asyncpg.UniqueViolationError):
        return UniqueViolationError(str(err))
    return RetryableTransactionError(str(err))


async def _translated[T](statement: Awaitable[T]) -> T:
    """Await one statement, its errors translated.

    A ``try``, not an async context manager: it wraps every statement, and entering an
    ``asynccontextmanager`` costs a few microseconds each time.
    """
    try:
        return await statement
    except _TRANSLATED as err:
        raise _store_error(err) from err


@asynccontextmanager
async def _translated_errors() -> AsyncIterator[None]:
    """Translate the errors of a whole transaction, its commit included."""
    try:
        yield
    except _TRANSLATED as err:
        raise _store_error(err) from err


class PostgresConnection:
    """:class:`~webhook_server.store.base.Connection` over one asyncpg connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, *args: object) -> None:
        """Run a statement that returns no rows."""
        await _translated(self._conn.execute(_sql(sql), *args))

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        """Run a query and return every row."""
        rows = await _translated(self._conn.fetch(_sql(sql), *args))
        return [dict(row) for row in rows]

    async def fetchrow(self, sql: str, *args: object) -> Row | None:
        """Run a query and return its first row, if any."""
        row = await _translated(self._conn.fetchrow(_sql(sql), *args))
        return None if row is None else dict(row)

    async def executemany(self, sql: str, args: Sequence[Sequence[object]]) -> None:
        """Run one statement once per parameter tuple."""
        await _translated(self._conn.executemany(_sql(sql), args))

    async def fetch_each(self, queries: Sequence[tuple[str, Sequence[object]]]) -> list[list[Row]]:
        """Run queries in order and return the rows of each."""
        return [await self.fetch(sql, *args) for sql, args in queries]

    async def insert_all_or_none(self, sql: str, rows: Sequence[Sequence[object]]) -> bool:
        """Decline: the caller's multi-row statement is one round trip, this would be one a row."""
        return False

    async def notify(self, channel: str, payload: str) -> None:
        """NOTIFY the channel; PostgreSQL delivers it when the transaction commits."""
        await self.execute("SELECT pg_notify(?, ?)", channel, payload)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Scope whose statements are rolled back together if it raises."""
        async with self._conn.transaction():
            yield


class PostgresDatabase:
    """A connection pool on a migrated PostgreSQL database."""

    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._listener: asyncpg.Connection | None = None
        self._listening: list[tuple[str, Callable[..., None]]] = []

    @classmethod
    async def open(cls, dsn: str, *, max_connections: int = 10) -> PostgresDatabase:
        """Connect and migrate. Query parameters such as ``?search_path=x`` become settings."""
        pool = await asyncpg.create_pool(
            dsn,
            min_size=1,
            max_size=max_connections,
            statement_cache_size=_STATEMENT_CACHE_SIZE,
        )
        database = cls(pool)
        try:
            async with database.transaction() as conn:
                await conn.execute(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
                await apply_migrations(conn, cls.dialect)
        except BaseException:
            await pool.close()
            raise
        return database

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresConnection]:
        """Return a pooled connection in a READ COMMITTED transaction."""
        async with self._pool.acquire() as conn, _translated_errors(), conn.transaction():
            yield PostgresConnection(conn)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[PostgresConnection]:
        """Return a pooled connection for reads."""
        async with self._pool.acquire() as conn:
            yield PostgresConnection(conn)

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """LISTEN on a connection kept for it; notifications arrive as they are committed."""
        if self._listener is None:
            self._listener = await self._pool.acquire()

        def deliver(_conn: object, _pid: int, _channel: str, payload: str) -> None:
            callback(payload)

        await self._listener.add_listener(channel, deliver)
        self._listening.append((channel, deliver))

    async def close(self) -> None:
        """Close the pool, waiting for borrowed connections to come back."""
        if self._listener is not None:
            for channel, deliver in self._listening:
                await self._listener.remove_listener(channel, deliver)
            self._listening.clear()
            await self._pool.release(self._listener)
            self._listener = None
        await self._pool.close()
