"""The PostgreSQL backend's errors: what callers retry or answer comes out as the store's own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from webhook_server.store.base import RetryableTransactionError, UniqueViolationError
from webhook_server.store.postgres import PostgresDatabase

pytestmark = pytest.mark.postgres


@pytest.fixture
async def database(postgres_url: str) -> AsyncIterator[PostgresDatabase]:
    database = await PostgresDatabase.open(postgres_url)
    yield database
    await database.close()


def _raising(sqlstate: str) -> str:
    return f"DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '{sqlstate}'; END $$"


@pytest.mark.parametrize("sqlstate", ["40001", "40P01"], ids=["serialization", "deadlock"])
async def test_a_failure_worth_retrying_is_retryable_and_writes_nothing(
    database: PostgresDatabase, sqlstate: str
) -> None:
    """A serialization failure or a deadlock: the intake runs the whole write again."""
    with pytest.raises(RetryableTransactionError):
        async with database.transaction() as conn:
            await conn.execute("INSERT INTO agents VALUES ('a', 'h', 1)")
            await conn.execute(_raising(sqlstate))
    async with database.read() as conn:
        assert await conn.fetch("SELECT username FROM agents") == []


async def test_a_unique_key_broken_at_commit_is_a_unique_violation(
    database: PostgresDatabase,
) -> None:
    """A deferred unique key is checked at commit, outside any one statement."""
    async with database.transaction() as conn:
        await conn.execute(
            "CREATE TABLE deferred_keys (k INT UNIQUE DEFERRABLE INITIALLY DEFERRED)"
        )
    with pytest.raises(UniqueViolationError):
        async with database.transaction() as conn:
            await conn.execute("INSERT INTO deferred_keys VALUES (1)")
            await conn.execute("INSERT INTO deferred_keys VALUES (1)")
    async with database.read() as conn:
        assert await conn.fetch("SELECT k FROM deferred_keys") == []
