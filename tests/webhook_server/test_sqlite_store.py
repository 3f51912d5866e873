"""The SQLite backend's trips: lazy BEGIN, batched writes, commit in the batch's own trip."""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib
from pathlib import Path
import sqlite3

import pytest

from webhook_server.store.base import UniqueViolationError
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


async def test_a_batch_that_commits_is_durable_before_the_transaction_ends(
    database: SqliteDatabase, tmp_path: Path
) -> None:
    async with database.transaction() as conn:
        await conn.execute_batch([(_INSERT, [("a", "h", 1), ("b", "h", 1)])], commit=True)
        assert _usernames(tmp_path / "store.db") == ["a", "b"]
    assert _usernames(tmp_path / "store.db") == ["a", "b"]


async def test_a_failed_batch_writes_nothing_and_the_transaction_goes_on(
    database: SqliteDatabase, tmp_path: Path
) -> None:
    async with database.transaction() as conn:
        await conn.execute(_INSERT, "a", "h", 1)
        with pytest.raises(UniqueViolationError):
            await conn.execute_batch([(_INSERT, [("b", "h", 1), ("a", "h", 1)])], commit=True)
        assert _usernames(tmp_path / "store.db") == []  # neither committed nor half-written
        await conn.execute_batch([(_INSERT, [("c", "h", 1)]), (_INSERT, [])])
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
