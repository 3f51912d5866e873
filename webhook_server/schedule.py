"""A process-local view of the roster and booked slots, so that booking costs microseconds.

The database stays the judge: a slot this view believes free may have been taken by another
process, in which case the insert fails on the unique constraint, the view learns the slot is
taken, and the intake tries the next one. The view reloads a technician's bookings after
``refresh_seconds`` to learn about slots freed elsewhere (a reschedule, a closed ticket).

Per technician it keeps a *hint*: "every grid slot from ``since`` up to ``free`` was taken when
last looked at". Slots only become taken between reloads, so the next search starts at ``free``
instead of walking the whole calendar again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
import hashlib
import secrets
import time

import orjson

from webhook_server.booking import Slot, Technician
from webhook_server.store import repository
from webhook_server.store.base import Connection
from webhook_server.triage import BookingRules

_FAR_FUTURE = 2**62
_HINT_HORIZON = timedelta(days=8)
"""How far past a full calendar to look for the next grid slot (a week covers every workday)."""


class Schedule:
    """Roster and booked slots as this process last saw them."""

    def __init__(
        self,
        rules: BookingRules,
        *,
        refresh_seconds: float = 60.0,
        spread_ties: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rules = rules
        self._refresh = refresh_seconds
        self._clock = clock
        self._salt = secrets.token_bytes(8) if spread_ties else b""
        self._roster: dict[tuple[str, str | None], tuple[float, list[Technician]]] = {}
        self._taken: dict[str, set[int]] = {}
        self._loaded_at: dict[str, float] = {}
        self._hints: dict[str, tuple[int, int]] = {}
        self._ranks: dict[str, bytes] = {}

    def forget(self) -> None:
        """Drop everything: the roster changed."""
        self._roster.clear()
        self._taken.clear()
        self._loaded_at.clear()
        self._hints.clear()

    def reload(self, technician_id: str) -> None:
        """Read this technician's bookings again before the next search (lost a race)."""
        self._loaded_at.pop(technician_id, None)

    def learn(self, payload: str) -> None:
        """Take in the slots another process has just booked (``[[technician_id, start], …]``)."""
        for technician_id, start in orjson.loads(payload):
            self.mark_taken(technician_id, int(start))

    def mark_taken(self, technician_id: str, start: int) -> None:
        """Record a slot as booked (by us, or by another process that won a race)."""
        self._taken.setdefault(technician_id, set()).add(start)

    async def find(
        self,
        conn: Connection,
        zone: str,
        skill: str | None,
        *,
        earliest: datetime,
        deadline: datetime,
        preferred: Sequence[tuple[datetime, datetime]],
    ) -> Slot | None:
        """Return the earliest free slot by the deadline, in a preferred window if possible."""
        technicians = await self._technicians(conn, zone, skill)
        if not technicians or earliest > deadline:
            return None
        await self._load_bookings(conn, technicians, earliest)
        for low, high in sorted(preferred):
            slot = self._earliest_in_window(technicians, max(low, earliest), min(high, deadline))
            if slot is not None:
                return slot
        last = int(deadline.timestamp())
        since = int(earliest.timestamp())
        best: tuple[int, bytes, Technician] | None = None
        for technician in technicians:
            start = self._first_free(technician, since, last)
            if start is not None:
                candidate = (start, self._rank(technician), technician)
                if best is None or candidate[:2] < best[:2]:
                    best = candidate
        if best is None:
            return None
        return Slot(best[2], datetime.fromtimestamp(best[0], UTC))

    def _before(self, start: datetime, technician: Technician, best: Slot) -> bool:
        """Tell whether ``start`` with ``technician`` beats ``best`` (earlier, then rank)."""
        if start != best.start:
            return start < best.start
        return self._rank(technician) < self._rank(best.technician)

    def _rank(self, technician: Technician) -> bytes:
        """Tie order: by id, or shuffled per process so workers rarely race for one slot."""
        rank = self._ranks.get(technician.technician_id)
        if rank is None:
            rank = technician.technician_id.encode()
            if self._salt:
                rank = hashlib.blake2b(rank, key=self._salt).digest()
            self._ranks[technician.technician_id] = rank
        return rank

    def _first_free(self, technician: Technician, since: int, last: int) -> int | None:
        """Return the first free grid slot (epoch) from ``since`` to ``last``, or None."""
        key = technician.technician_id
        taken = self._taken.get(key, set())
        scan_from = since
        hint = self._hints.get(key)
        if hint is not None and hint[0] <= since <= hint[1]:
            if hint[1] not in taken:  # the common case: nothing to walk
                return hint[1] if hint[1] <= last else None
            since, scan_from = hint
        for start in technician.slots(
            datetime.fromtimestamp(scan_from, UTC), datetime.fromtimestamp(last, UTC), self._rules
        ):
            epoch = int(start.timestamp())
            if epoch not in taken:
                self._hints[key] = (since, epoch)
                return epoch
        # Booked up to the deadline: remember it too (hint at the next grid slot after it), or
        # every later ticket would walk the whole full calendar again to learn the same.
        after = datetime.fromtimestamp(last + 1, UTC)
        following = next(technician.slots(after, after + _HINT_HORIZON, self._rules), None)
        if following is not None:
            self._hints[key] = (since, int(following.timestamp()))
        return None

    def _earliest_in_window(
        self, technicians: Sequence[Technician], low: datetime, high: datetime
    ) -> Slot | None:
        best: Slot | None = None
        for technician in technicians:
            taken = self._taken.get(technician.technician_id, set())
            for start in technician.slots(low, high, self._rules):
                if start + self._rules.visit > high:
                    break
                if int(start.timestamp()) not in taken:
                    if best is None or self._before(start, technician, best):
                        best = Slot(technician, start)
                    break
        return best

    async def _technicians(
        self, conn: Connection, zone: str, skill: str | None
    ) -> list[Technician]:
        now = self._clock()
        cached = self._roster.get((zone, skill))
        if cached is not None and now - cached[0] < self._refresh:
            return cached[1]
        rows = await repository.technicians_for(conn, zone, skill)
        technicians = [Technician.from_row(row) for row in rows]
        self._roster[(zone, skill)] = (now, technicians)
        return technicians

    async def _load_bookings(
        self, conn: Connection, technicians: Sequence[Technician], earliest: datetime
    ) -> None:
        now = self._clock()
        stale = [
            technician.technician_id
            for technician in technicians
            if now - self._loaded_at.get(technician.technician_id, -self._refresh) >= self._refresh
        ]
        if not stale:
            return
        since = int((earliest - self._rules.slot).timestamp())
        booked = await repository.taken_slots(conn, stale, since, _FAR_FUTURE)
        for technician_id in stale:
            self._taken[technician_id] = set()
            self._hints.pop(technician_id, None)
            self._loaded_at[technician_id] = now
        for technician_id, start in booked:
            self._taken[technician_id].add(start)
