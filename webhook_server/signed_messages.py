"""The signed-message guard: a signed status read is good once.

A signed read carries no body to make it unique, so anyone who saw one could send it again
within the signature's 5-minute tolerance and read the ticket. Every verified read is remembered
(durably, in the database, so other processes see it too) until its timestamp is past the
tolerance; the same signed read again is refused with 409, never 401 (which a client takes for
a wrong secret). A sender signs each read anew. Tickets need no such guard: the same signed
ticket again is an idempotent repeat and gets the stored answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import time
from typing import Final

from webhook_server.group_commit import GroupCommit
from webhook_server.problems import DUPLICATE_SIGNED_MESSAGE, ProblemError
from webhook_server.protocol import TOLERANCE_SECONDS, SignedMessage
from webhook_server.store import repository
from webhook_server.store.base import Connection, Database

PRUNE_INTERVAL_SECONDS: Final = 30.0
"""How often a process deletes remembered messages whose timestamps are past the tolerance."""
PRUNE_SLACK_SECONDS: Final = 60
"""Kept past the tolerance this much longer, for processes whose clocks differ a little."""
PRUNE_LIMIT: Final = 1000
"""At most this many rows per prune (a few milliseconds of a SQLite batch, which runs in the
event loop); a full prune runs again with the next batch."""
_DETAIL: Final = (
    "the same webhook-id, webhook-timestamp and body were already received: "
    "sign every request anew with a new webhook-timestamp"
)

type _Key = tuple[int, str, str]
"""``(webhook_timestamp, appliance_id, digest)``: the table's key order."""


class SignedMessageGuard:
    """Remembers verified signed reads; refuses one that was received before."""

    def __init__(self, database: Database, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._group = GroupCommit[_Key, bool](database, self._record)
        self._in_flight: set[_Key] = set()
        self._prune_at = 0.0
        self._prune_skip_locked = database.dialect == "postgresql"  # several writers

    async def admit(self, appliance_id: str, message: SignedMessage) -> None:
        """Remember the message, or raise the duplicate problem if it was received before."""
        key = (message.timestamp, appliance_id, message.digest)
        if key in self._in_flight:
            raise ProblemError(DUPLICATE_SIGNED_MESSAGE, _DETAIL)
        self._in_flight.add(key)
        try:
            fresh = await self._group.run(key)
        finally:
            self._in_flight.discard(key)
        if not fresh:
            raise ProblemError(DUPLICATE_SIGNED_MESSAGE, _DETAIL)

    async def close(self) -> None:
        """Finish the reads in hand."""
        await self._group.close()

    async def _record(self, conn: Connection, keys: Sequence[_Key]) -> list[bool | Exception]:
        fresh = await repository.record_signed_messages(conn, keys)
        await self._prune(conn)
        return [key in fresh for key in keys]

    async def _prune(self, conn: Connection) -> None:
        """Forget messages whose timestamps no process would accept any more (now and then)."""
        now = self._clock()
        if now < self._prune_at:
            return
        before = int(now) - TOLERANCE_SECONDS - PRUNE_SLACK_SECONDS
        deleted = await repository.forget_signed_messages(
            conn, before, PRUNE_LIMIT, skip_locked=self._prune_skip_locked
        )
        self._prune_at = now if deleted >= PRUNE_LIMIT else now + PRUNE_INTERVAL_SECONDS
