"""A process-local view of the roster and booked slots, so that booking costs microseconds.

The database stays the judge: a slot this view believes free may have been taken by another
process, in which case the insert fails on the unique constraint, the view learns the slot is
taken, and the intake tries the next one. The view reloads a technician's bookings after
``refresh_seconds`` to learn about slots freed elsewhere (a reschedule, a closed ticket).

A search works on ints: each technician's grid is a sorted list of epoch seconds
(:class:`~webhook_server.booking.SlotGrid`) and the booked slots a set of them. Per technician
it also keeps a *hint*: "every grid slot from index ``low`` up to ``free`` was taken when last
looked at". Slots only become taken between reloads, so the next search that starts in there
goes on from ``free`` instead of walking the whole calendar again, full up to the deadline or
not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
import hashlib
import secrets
import time
import zlib

import msgspec

from webhook_server.booking import Slot, SlotGrid, Technician
from webhook_server.store import repository
from webhook_server.store.base import Connection
from webhook_server.triage import BookingRules

_FAR_FUTURE = 2**62
_KEEP_PAST_SECONDS = 7 * 86400
"""A grid listed from more than this before a search is listed again from the search on."""
_NO_HINT = -(2**62)
_LOOKAHEAD_SECONDS = 8 * 86400
"""How far past the deadline a walk may go to remember the next free slot (a week has every
working day): a calendar full up to the deadline is then not walked again."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


class _Calendar:
    """One technician's grid and booked slots, as this process last saw them."""

    __slots__ = ("free", "grid", "loaded_at", "rank", "rules", "since", "taken", "technician")

    def __init__(
        self, technician: Technician, rules: BookingRules, rank: bytes, loaded_at: float
    ) -> None:
        self.technician = technician
        self.rules = rules
        self.rank = rank
        """Tie order among technicians free at the same time."""
        self.loaded_at = loaded_at
        self.taken: set[int] = set()
        self.grid = SlotGrid(technician, rules, 0)  # empty: the first search lists it again
        self.since = self.free = _NO_HINT
        """The hint: every grid slot from ``since`` up to the grid slot ``free`` was taken."""

    def relist(self, technician: Technician, since: int) -> None:
        """List the grid again from ``since`` (new working hours, or to drop the past)."""
        self.technician = technician
        self.grid = SlotGrid(technician, self.rules, since)

    def forget_hint(self) -> None:
        """Slots may have been freed (bookings read again): the hint no longer holds."""
        self.since = self.free = _NO_HINT

    def first_free(self, since: int, last: int) -> int | None:
        """Return the first free grid slot (epoch) from ``since`` to ``last``, or None."""
        free = self.free
        if self.since <= since <= free:  # the common case: nothing to walk
            if free > last:
                return None
            if free not in self.taken:
                return free
            return self._walk(self.since, free, last)  # taken meanwhile: walk on from it
        return self._walk(since, since, last)

    def first_free_between(self, first: int, last: int) -> int | None:
        """Return the first free grid slot from ``first`` to ``last`` (a short window), or None."""
        grid = self._grid_from(first)
        index = self._skip_taken(grid.first_index(first), last)
        return (
            grid.starts[index] if index < len(grid.starts) and grid.starts[index] <= last else None
        )

    def _walk(self, since: int, scan_from: int, last: int) -> int | None:
        """Walk the grid from ``scan_from`` to the first free slot, and remember the way."""
        grid = self._grid_from(scan_from)
        index = self._skip_taken(grid.first_index(scan_from), last + _LOOKAHEAD_SECONDS)
        if index == len(grid.starts):  # no slot listed ahead: nothing to remember
            return None
        self.since, self.free = since, grid.starts[index]
        return self.free if self.free <= last else None

    def _grid_from(self, since: int) -> SlotGrid:
        """Return the grid, listed again from ``since`` if it starts after it.

        Also if they start a week or more before it: the past is not searched any more.
        """
        if not 0 <= since - self.grid.covered_from < _KEEP_PAST_SECONDS:
            self.relist(self.technician, since)
        return self.grid

    def _skip_taken(self, index: int, last: int) -> int:
        """Walk to the first free slot, or to the first slot after ``last``, or the list's end."""
        grid, taken = self.grid, self.taken
        starts = grid.starts
        while True:
            if index == len(starts):
                if grid.covered_until > last:
                    return index
                grid.extend()
            elif starts[index] > last or starts[index] not in taken:
                return index
            else:
                index += 1


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
        self._rosters: dict[tuple[str, str | None], tuple[float, list[_Calendar]]] = {}
        """Per zone and skill: when read, and the calendars in tie order."""
        self._calendars: dict[str, _Calendar] = {}

    def forget(self) -> None:
        """Drop everything: the roster changed."""
        self._rosters.clear()
        self._calendars.clear()

    def reload(self, technician_id: str) -> None:
        """Read this technician's bookings again before the next search (lost a race)."""
        calendar = self._calendars.get(technician_id)
        if calendar is not None:
            calendar.loaded_at = -self._refresh

    def learn(self, payload: str) -> None:
        """Take in the slots another process has just booked (``[[technician_id, start], …]``)."""
        for technician_id, start in msgspec.json.decode(payload, type=list[tuple[str, int]]):
            self.mark_taken(technician_id, int(start))

    def mark_taken(self, technician_id: str, start: int) -> None:
        """Record a slot as booked (by us, or by another process that won a race).

        A technician whose bookings were never read has nothing to record: the first search
        that involves them reads all their bookings.
        """
        calendar = self._calendars.get(technician_id)
        if calendar is not None:
            calendar.taken.add(start)

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
        now = self._clock()
        calendars = self._cached_roster(zone, skill, now)
        if calendars is None:
            calendars = await self._read_roster(conn, zone, skill, now)
            now = self._clock()
        if not calendars or earliest > deadline:
            return None
        stale = self._stale(calendars, now)
        if stale:
            await self._load_bookings(conn, stale, earliest, now)
        for low, high in sorted(preferred):
            slot = self._earliest_in_window(calendars, max(low, earliest), min(high, deadline))
            if slot is not None:
                return slot
        since = int(earliest.timestamp())
        last = int(deadline.timestamp())
        best: tuple[int, _Calendar] | None = None
        for calendar in calendars:  # in tie order: only a strictly earlier slot wins
            start = calendar.first_free(since, last)
            if start is not None and (best is None or start < best[0]):
                best = (start, calendar)
        return _slot(best)

    def _earliest_in_window(
        self, calendars: Sequence[_Calendar], low: datetime, high: datetime
    ) -> Slot | None:
        """Return the earliest free slot whose whole visit fits from ``low`` to ``high``."""
        first = -((_EPOCH - low) // _SECOND)  # rounded up: a slot may not start before ``low``
        last = (high - _EPOCH - self._rules.visit) // _SECOND  # timedeltas: no date overflow
        if first > last:
            return None
        best: tuple[int, _Calendar] | None = None
        for calendar in calendars:
            start = calendar.first_free_between(first, last)
            if start is not None and (best is None or start < best[0]):
                best = (start, calendar)
        return _slot(best)

    def _rank(self, technician: Technician) -> bytes:
        """Tie order: by id, or shuffled per process so workers rarely race for one slot."""
        rank = technician.technician_id.encode()
        if self._salt:
            rank = hashlib.blake2b(rank, key=self._salt).digest()
        return rank

    def _cached_roster(self, zone: str, skill: str | None, now: float) -> list[_Calendar] | None:
        """Return the calendars for ``zone`` and ``skill`` in tie order, unless due a read."""
        cached = self._rosters.get((zone, skill))
        if cached is not None and now - cached[0] < self._refresh:
            return cached[1]
        return None

    async def _read_roster(
        self, conn: Connection, zone: str, skill: str | None, now: float
    ) -> list[_Calendar]:
        rows = await repository.technicians_for(conn, zone, skill)
        calendars = [self._calendar(Technician.from_row(row)) for row in rows]
        calendars.sort(key=lambda calendar: calendar.rank)
        self._rosters[(zone, skill)] = (now, calendars)
        return calendars

    def _calendar(self, technician: Technician) -> _Calendar:
        """Return the technician's calendar, listed again if their working hours changed."""
        calendar = self._calendars.get(technician.technician_id)
        if calendar is None:
            calendar = _Calendar(technician, self._rules, self._rank(technician), -self._refresh)
            self._calendars[technician.technician_id] = calendar
        elif calendar.technician != technician:
            calendar.relist(technician, calendar.grid.covered_from)
            calendar.forget_hint()
        return calendar

    def _stale(self, calendars: Sequence[_Calendar], now: float) -> list[_Calendar]:
        """Return the calendars whose bookings are due to be read again."""
        refresh = self._refresh
        for calendar in calendars:
            if now - calendar.loaded_at >= refresh:
                return [c for c in calendars if now - c.loaded_at >= refresh]
        return []

    async def _load_bookings(
        self, conn: Connection, stale: Sequence[_Calendar], earliest: datetime, now: float
    ) -> None:
        since = int((earliest - self._rules.slot).timestamp())
        by_id = {calendar.technician.technician_id: calendar for calendar in stale}
        booked = await repository.taken_slots(conn, list(by_id), since, _FAR_FUTURE)
        for calendar in stale:
            calendar.taken = set()
            # Up to a quarter of the period earlier, by technician: read together at start-up,
            # their next reads spread out instead of all landing in one batch. (By a hash of
            # the id: ids often share their first characters.)
            spread = zlib.crc32(calendar.technician.technician_id.encode()) % 256 / 256
            calendar.loaded_at = now - self._refresh / 4 * spread
            calendar.forget_hint()
        for technician_id, start in booked:
            by_id[technician_id].taken.add(start)


def _slot(best: tuple[int, _Calendar] | None) -> Slot | None:
    """Return the chosen ``(start, calendar)`` as the slot the intake books."""
    if best is None:
        return None
    return Slot(best[1].technician, datetime.fromtimestamp(best[0], UTC))
