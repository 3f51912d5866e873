"""The database seam: what the repository needs from a SQL backend, and nothing more.

Both backends (SQLite through the standard library, PostgreSQL through asyncpg) speak the same small
interface, so every query is written once in :mod:`webhook_server.store.repository` with ``?``
placeholders; a backend translates them if its driver wants something else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from importlib import resources
from typing import Any, Protocol

type Row = dict[str, Any]


class UniqueViolationError(Exception):
    """An insert or update broke a unique constraint (double booking, duplicate ticket …)."""


class RetryableTransactionError(Exception):
    """The database aborted a transaction that is safe to run again (deadlock, serialization)."""


class Connection(Protocol):
    """One connection, inside a transaction when it came from :meth:`Database.transaction`."""

    async def execute(self, sql: str, *args: object) -> None:
        """Run a statement that returns no rows."""

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        """Run a query and return every row."""

    async def fetchrow(self, sql: str, *args: object) -> Row | None:
        """Run a query and return its first row, if any."""

    async def executemany(self, sql: str, args: Sequence[Sequence[object]]) -> None:
        """Run one statement once per parameter tuple."""

    async def fetch_each(self, queries: Sequence[tuple[str, Sequence[object]]]) -> list[list[Row]]:
        """Run queries in order and return the rows of each, in one trip where the driver allows."""

    async def insert_all_or_none(self, sql: str, rows: Sequence[Sequence[object]]) -> bool:
        """Insert every row with ``sql`` (one row's ``INSERT … ON CONFLICT DO NOTHING``).

        Return True if they all went in. Return False, having inserted none, if one of them
        conflicts, or if the backend would rather the caller ran its own multi-row statement
        (PostgreSQL, where that is one round trip either way).
        """

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """Scope whose statements are rolled back together if it raises."""

    async def notify(self, channel: str, payload: str) -> None:
        """Tell the database's listeners ``payload`` once this transaction commits."""


class Database(Protocol):
    """A migrated database: short read connections and serialised write transactions."""

    dialect: str
    """``"sqlite"`` or ``"postgresql"``."""

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """Return a connection in a transaction, committed on success, rolled back on error."""

    def read(self) -> AbstractAsyncContextManager[Connection]:
        """Return a connection for reads that need no transaction."""

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """Call ``callback(payload)`` for every :meth:`Connection.notify` other writers commit.

        A database with one writing process (SQLite) has nobody else to hear from.
        """

    async def close(self) -> None:
        """Close every connection."""


def numbered_placeholders(sql: str) -> str:
    """Rewrite ``?`` placeholders as ``$1, $2 …`` for drivers that number them (asyncpg)."""
    parts = sql.split("?")
    out = [parts[0]]
    for index, part in enumerate(parts[1:], start=1):
        out.append(f"${index}{part}")
    return "".join(out)


def placeholders(count: int) -> str:
    """``?, ?, ?`` for an ``IN (…)`` list of ``count`` values."""
    return ", ".join("?" * count)


async def apply_migrations(conn: Connection, dialect: str) -> list[int]:
    """Bring the schema up to date inside the caller's transaction; return versions applied.

    Migration files are ``migrations/<dialect>/NNNN_name.sql``; statements are separated by
    ``;`` (the files keep semicolons out of comments and literals).
    """
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations"
        " (version INTEGER PRIMARY KEY, applied_at TEXT)"
    )
    done = {row["version"] for row in await conn.fetch("SELECT version FROM schema_migrations")}
    folder = resources.files("webhook_server.store") / "migrations" / dialect
    applied = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        version = int(entry.name.split("_", 1)[0])
        if version in done or not entry.name.endswith(".sql"):
            continue
        for statement in entry.read_text(encoding="utf-8").split(";"):
            if statement.strip():
                await conn.execute(statement)
        await conn.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
            version,
            entry.name,
        )
        applied.append(version)
    return applied
