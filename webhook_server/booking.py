"""Booking: the earliest free slot of a technician with the right zone and skill.

Slots sit on a fixed grid per technician (working-day start + k x (visit + travel buffer)), so
"this technician, this slot" is a single key, and the database's unique constraint on it is what
makes double booking impossible, whichever process gets there first.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from webhook_server.store.rows import TechnicianRow
from webhook_server.triage import BookingRules

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Technician:
    """A technician as the booking engine sees them."""

    technician_id: str
    name: str
    timezone: ZoneInfo
    work_start: time
    work_end: time
    working_days: frozenset[int]
    """ISO weekdays counted from 0 (Monday)."""

    @classmethod
    def from_row(cls, row: TechnicianRow) -> Technician:
        """Build from a ``technicians`` table row."""
        return cls(
            technician_id=row.technician_id,
            name=row.name,
            timezone=ZoneInfo(row.timezone),
            work_start=time.fromisoformat(row.work_start),
            work_end=time.fromisoformat(row.work_end),
            working_days=frozenset(int(day) for day in row.working_days.split(",") if day),
        )

    def slots(self, start: datetime, end: datetime, rules: BookingRules) -> Iterator[datetime]:
        """Grid slot starts (UTC) from ``start`` to ``end`` inclusive, in order."""
        day = start.astimezone(self.timezone).date()
        last_day = end.astimezone(self.timezone).date()
        while day <= last_day:
            for slot in self.day_slots(day, rules):
                if slot > end:
                    break
                if slot >= start:
                    yield slot.astimezone(UTC)
            day += timedelta(days=1)

    def day_slots(self, day: date, rules: BookingRules) -> Iterator[datetime]:
        """Yield one day's grid slot starts (local time): none on a day off."""
        if day.weekday() not in self.working_days:
            return
        slot = datetime.combine(day, self.work_start, self.timezone)
        closing = datetime.combine(day, self.work_end, self.timezone)
        while slot + rules.visit <= closing:
            yield slot
            slot += rules.slot

    def day_slot_epochs(self, day: date, rules: BookingRules) -> list[int]:
        """:meth:`day_slots` as epoch seconds, by arithmetic on days without a clock change.

        On such a day wall-clock steps are real steps, so two time zone lookups (opening and
        closing) replace one per slot; a day with a DST change takes the wall-clock walk.
        """
        if day.weekday() not in self.working_days:
            return []
        opening = datetime.combine(day, self.work_start, self.timezone)
        closing = datetime.combine(day, self.work_end, self.timezone)
        if opening.utcoffset() != closing.utcoffset():
            return [int(slot.timestamp()) for slot in self.day_slots(day, rules)]
        last_start = int(closing.timestamp()) - int(rules.visit.total_seconds())
        return list(
            range(int(opening.timestamp()), last_start + 1, int(rules.slot.total_seconds()))
        )


class SlotGrid:
    """A technician's grid slot starts as sorted epoch seconds, listed a week at a time.

    Booking searches these ints (bisect, set lookups) instead of building datetimes per
    candidate; they come from :meth:`Technician.day_slots`, the days :meth:`Technician.slots`
    walks, so time zones and DST changes stay exactly right. Every slot from ``covered_from``
    up to (not including) ``covered_until`` is listed; :meth:`extend` lists the next week.
    """

    __slots__ = ("_next_day", "_rules", "_technician", "covered_from", "covered_until", "starts")

    def __init__(self, technician: Technician, rules: BookingRules, since: int) -> None:
        """Start with nothing listed, from the local day holding ``since``."""
        self._technician = technician
        self._rules = rules
        self._next_day = datetime.fromtimestamp(since, technician.timezone).date()
        self.starts: list[int] = []
        self.covered_from = self.covered_until = self._midnight(self._next_day)

    def first_index(self, since: int) -> int:
        """Return the index of the first slot at or after ``since`` (listed up to it first)."""
        while self.covered_until <= since:
            self.extend()
        return bisect_left(self.starts, since)

    def extend(self) -> None:
        """List one more week of slots."""
        days = [self._next_day + timedelta(days=offset) for offset in range(7)]
        technician, rules = self._technician, self._rules
        # Sorted and unique even where a spring-forward gap folds two wall times onto one instant.
        week = {epoch for day in days for epoch in technician.day_slot_epochs(day, rules)}
        self.starts.extend(sorted(week))
        self._next_day += timedelta(days=7)
        self.covered_until = self._midnight(self._next_day)

    def _midnight(self, day: date) -> int:
        return int(datetime.combine(day, time(0), self._technician.timezone).timestamp())


@dataclass(frozen=True, slots=True)
class Slot:
    """A proposed visit."""

    technician: Technician
    start: datetime

    def end(self, rules: BookingRules) -> datetime:
        """When the visit itself ends (the travel buffer follows)."""
        return self.start + rules.visit
