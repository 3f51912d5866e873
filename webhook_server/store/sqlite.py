"""SQLite backend: the embedded default for one server process.

Writes run in the event loop's own thread, on a plain ``sqlite3`` connection: SQLite is a
library, and a statement of the intake takes microseconds. Sending statements to a helper
thread instead (aiosqlite) made every statement wait for the busy loop to hand the GIL back,
milliseconds each, which is what limited intake. The one slow step, the ``COMMIT`` that waits
for the disk (``synchronous=FULL``), runs on a helper thread while the loop goes on; the
transaction stays held until it is durable, and only then does anyone hear back.

Reads that may scan (the agent console, status lookups) use a second connection on a thread of
its own (the standard library's one-worker executor); WAL lets them run beside a write.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
import queue
import sqlite3
import threading
import time

from webhook_server.store.base import Row, UniqueViolationError, apply_migrations

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
)
_BUSY_TIMEOUT_S = 5.0
"""How long to wait for another process's write lock (a CLI command run beside the server)."""
_CHECKPOINT_PAGES = 256
"""WAL pages (4 KiB) after which a commit copies the WAL into the database file."""
_CACHED_STATEMENTS = 1024
"""Prepared statements kept per connection. A batch's multi-row statements differ by their row
count, so every size up to the largest batch gets one; the default of 128 made them compile
again and again."""
_BEGIN_RETRY_S = 0.002
"""Pause between tries to begin a write while another process holds the lock."""


def _translated[T](work: Callable[[sqlite3.Connection], T], db: sqlite3.Connection) -> T:
    """Run ``work(db)``; a broken unique key comes out as :class:`UniqueViolationError`.

    A ``try``, not a context manager: it wraps every statement of the intake, and entering a
    generator-based context manager costs more than some of those statements.
    """
    try:
        return work(db)
    except sqlite3.IntegrityError as err:
        if "UNIQUE" in str(err) or "PRIMARY KEY" in str(err):
            raise UniqueViolationError(str(err)) from err
        raise


class _Statements:
    """The :class:`~webhook_server.store.base.Connection` calls, over some way to run SQLite work.

    Subclasses say where ``work(sqlite3 connection)`` runs: in the loop's thread, or on the
    reader's thread.
    """

    def __init__(self) -> None:
        self._savepoint_depth = 0

    async def _run[T](self, work: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    async def execute(self, sql: str, *args: object) -> None:
        """Run a statement that returns no rows."""
        await self._run(lambda db: db.execute(sql, args))

    async def fetch(self, sql: str, *args: object) -> list[Row]:
        """Run a query and return every row."""
        return await self._run(lambda db: [dict(row) for row in db.execute(sql, args)])

    async def fetch_each(self, queries: Sequence[tuple[str, Sequence[object]]]) -> list[list[Row]]:
        """Run queries in order and return the rows of each."""
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

    async def insert_all_or_none(self, sql: str, rows: Sequence[Sequence[object]]) -> bool:
        """Insert the rows one statement each; undo them all if any was skipped.

        SQLite runs a prepared one-row insert per row several times faster than one statement
        with a row of placeholders per row (measured: 1.9 against 6-9 us a row).
        """

        def insert(db: sqlite3.Connection) -> bool:
            db.execute("SAVEPOINT insert_all")
            all_in = False
            try:
                all_in = db.executemany(sql, rows).rowcount == len(rows)
            finally:
                if not all_in:
                    db.execute("ROLLBACK TO insert_all")
                db.execute("RELEASE insert_all")
            return all_in

        return await self._run(insert)

    async def notify(self, channel: str, payload: str) -> None:
        """Do nothing: one process writes a SQLite file, so nobody else listens."""

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Scope whose statements are rolled back together if it raises."""
        # Named by depth, not numbered: a few fixed statements stay in the statement cache.
        name = f"sp{self._savepoint_depth}"
        self._savepoint_depth += 1
        try:
            await self.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                await self.execute(f"ROLLBACK TO SAVEPOINT {name}")
                await self.execute(f"RELEASE SAVEPOINT {name}")
                raise
            await self.execute(f"RELEASE SAVEPOINT {name}")
        finally:
            self._savepoint_depth -= 1


class _CommitThread:
    """One thread that runs ``COMMIT`` and wakes the loop when it is durable.

    Every group commit hands its ``COMMIT`` over once, so the hand-off is on the intake's path:
    this one costs the loop about half the CPU of ``run_in_executor`` with ``asyncio.shield``
    (measured: 55-85 against 95-135 us a commit), which counts most when batches are small.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._jobs: queue.SimpleQueue[asyncio.Future[None] | None] = queue.SimpleQueue()
        self.idle = threading.Event()
        """Clear while a ``COMMIT`` runs, even one whose caller was cancelled."""
        self.idle.set()
        self._thread = threading.Thread(
            target=self._run, name="fridgecare-sqlite-commit", daemon=True
        )
        self._thread.start()

    def commit(self) -> asyncio.Future[None]:
        """Start the ``COMMIT``; the future settles once it is on disk (or failed)."""
        future = asyncio.get_running_loop().create_future()
        self.idle.clear()
        self._jobs.put(future)
        return future

    def _run(self) -> None:
        while (future := self._jobs.get()) is not None:
            error: BaseException | None = None
            try:
                self._db.execute("COMMIT")
            except BaseException as err:  # handed to the waiting caller
                error = err
            self.idle.set()
            future.get_loop().call_soon_threadsafe(_settle, future, error)

    def stop(self) -> None:
        """Finish the ``COMMIT`` in progress, if any, and end the thread."""
        self._jobs.put(None)
        self._thread.join()


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():  # its caller was cancelled; the commit finished all the same
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


class WriteConnection(_Statements):
    """The write connection: statements run in the loop's thread, the commit's wait does not.

    Only :meth:`SqliteDatabase.transaction` hands it out, to one holder at a time.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        super().__init__()
        self._db = db
        self._committer = _CommitThread(db)

    async def _run[T](self, work: Callable[[sqlite3.Connection], T]) -> T:
        return _translated(work, self._db)

    async def begin(self) -> None:
        """Take the write lock (``BEGIN IMMEDIATE``); wait for another process without blocking."""
        deadline = time.monotonic() + _BUSY_TIMEOUT_S
        while True:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(_BEGIN_RETRY_S)
            else:
                # No PRAGMA here: setting one expires every prepared statement (the deferred
                # reference of an appointment to its ticket is in the schema instead).
                return

    async def commit(self) -> None:
        """Commit what is open; return once it is on disk (the loop goes on meanwhile)."""
        if not self._db.in_transaction:
            return
        # A cancelled caller leaves the commit to finish on its thread; rollback() waits.
        await self._committer.commit()

    async def rollback(self) -> None:
        """Roll back what is open, once a commit still on its way (cancelled caller) landed."""
        if not self._committer.idle.is_set():
            await asyncio.to_thread(self._committer.idle.wait)
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def close(self) -> None:
        """Close the connection and its commit thread."""
        self._committer.stop()
        self._db.close()


class ReadConnection(_Statements):
    """The read connection: queries run on a thread of their own, so a long scan never stalls.

    One worker thread owns the connection; every query is handed to it in turn.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        super().__init__()
        self._db = db
        self._thread = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="fridgecare-sqlite-read"
        )

    async def _run[T](self, work: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, _translated, work, self._db)

    def close(self) -> None:
        """Finish the query in hand, then close the connection."""
        self._thread.shutdown(wait=True)
        self._db.close()


class SqliteDatabase:
    """A SQLite file opened for the service, migrated on :meth:`open`."""

    dialect = "sqlite"

    def __init__(self, writer: sqlite3.Connection, reader: sqlite3.Connection) -> None:
        self._writer = WriteConnection(writer)
        self._reader = ReadConnection(reader)
        self._write_lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def open(cls, path: Path) -> SqliteDatabase:
        """Open (creating if needed) and migrate the database file at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        # The commit runs on a helper thread, always while the write lock is held.
        writer = sqlite3.connect(
            path,
            isolation_level=None,
            check_same_thread=False,
            cached_statements=_CACHED_STATEMENTS,
        )
        writer.row_factory = sqlite3.Row
        for pragma in _PRAGMAS:
            writer.execute(pragma)
        writer.execute("PRAGMA busy_timeout=0")  # begin() waits for other processes instead
        # A savepoint keeps the first version of every page it changes in a sub-journal, a
        # temporary file by default: a write per page, which made every insert of a batch (all
        # inside savepoints) three times slower. In memory it is a copy.
        writer.execute("PRAGMA temp_store=MEMORY")
        # The commit that takes the WAL past this many pages copies it into the database file,
        # on the commit thread. A megabyte at a time keeps that commit short; a checkpointer
        # beside the writer was tried and made the disk stall commits for up to half a second.
        writer.execute(f"PRAGMA wal_autocheckpoint={_CHECKPOINT_PAGES}")
        reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        reader.row_factory = sqlite3.Row
        for pragma in (*_PRAGMAS, f"PRAGMA busy_timeout={int(_BUSY_TIMEOUT_S * 1000)}"):
            reader.execute(pragma)
        database = cls(writer, reader)
        async with database.transaction() as conn:
            await apply_migrations(conn, cls.dialect)
        return database

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[WriteConnection]:
        """Return the write connection in an immediate transaction; writers queue on a lock.

        The caller hears back only once the commit is durable (``synchronous=FULL``).
        """
        async with self._write_lock:
            await self._writer.begin()
            try:
                yield self._writer
                await self._writer.commit()
            except BaseException:
                await asyncio.shield(self._writer.rollback())
                raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[ReadConnection]:
        """Return the read connection (autocommit: WAL gives each read a snapshot)."""
        yield self._reader

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """Do nothing: one process writes a SQLite file, so there are no other writers."""

    async def close(self) -> None:
        """Close both connections (closing again does nothing)."""
        if self._closed:
            return
        self._closed = True
        self._writer.close()
        await asyncio.to_thread(self._reader.close)
