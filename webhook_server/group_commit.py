"""Group commit: many requests share one transaction, so one fsync acknowledges them all.

A job that fails (a reused ticket id, say) must leave the transaction as it found it, which the
intake does with a savepoint per job; its error goes to its caller and the rest of the batch
still commits. Callers get their result only after
the commit: an acknowledged ticket is a durable ticket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import logging
from typing import Any

from webhook_server.store.base import Connection, Database

_LOGGER = logging.getLogger(__name__)

type Job = Callable[[Connection], Awaitable[Any]]


class GroupCommit:
    """Queues jobs; each of ``lanes`` loops runs whatever has queued up in one transaction.

    One lane suits SQLite (one writer anyway). On PostgreSQL a few lanes with smaller batches keep
    transactions short, so a process that must wait for another's conflicting booking waits
    for a short transaction, not a long batch.
    """

    def __init__(
        self,
        database: Database,
        *,
        lanes: int = 1,
        max_batch: int = 256,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._database = database
        self._lanes = lanes
        self._max_batch = max_batch
        self._on_commit = on_commit
        self._queue: asyncio.Queue[tuple[Job, asyncio.Future[Any]]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self.batches = 0
        """Transactions committed so far (for tests and the benchmark)."""

    async def run[T](self, job: Callable[[Connection], Awaitable[T]]) -> T:
        """Run ``job`` in the next batch and return its result once that batch has committed."""
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._loop(), name=f"fridgecare-group-commit-{lane}")
                for lane in range(self._lanes)
            ]
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((job, future))
        return await future

    async def close(self) -> None:
        """Finish what is queued, then stop."""
        await self._queue.join()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._run_batch(batch)
            for _ in batch:
                self._queue.task_done()

    async def _run_batch(self, batch: list[tuple[Job, asyncio.Future[Any]]]) -> None:
        outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        try:
            async with self._database.transaction() as conn:
                for job, future in batch:
                    try:
                        outcomes.append((future, await job(conn), None))
                    except Exception as err:  # handed to the job's caller
                        outcomes.append((future, None, err))
        except Exception as err:
            _LOGGER.exception("group commit failed", extra={"jobs": len(batch)})
            outcomes = [(future, None, err) for _, future in batch]
        else:
            self.batches += 1
            self._on_commit()
        for future, result, error in outcomes:
            if future.done():
                continue
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
