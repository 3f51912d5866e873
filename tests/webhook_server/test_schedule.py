"""The booking engine: earliest slot, ties, preferred windows, and learning from other processes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

import pytest

from tests.webhook_server.conftest import book_behind_the_back
from webhook_server.booking import Technician
from webhook_server.roster import load_roster, roster_from
from webhook_server.schedule import Schedule
from webhook_server.store import repository
from webhook_server.store.base import Database
from webhook_server.store.sqlite import SqliteDatabase
from webhook_server.triage import BookingRules

RULES = BookingRules(
    visit=timedelta(minutes=60), travel_buffer=timedelta(minutes=30), lead=timedelta(0)
)
MONDAY_8AM = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
ROSTER = {
    "technicians": [
        {"id": "b-tech", "name": "B", "zones": ["north"], "skills": ["general"], "timezone": "UTC"},
        {"id": "a-tech", "name": "A", "zones": ["north"], "skills": ["general"], "timezone": "UTC"},
        {
            "id": "late",
            "name": "Late",
            "zones": ["north"],
            "skills": ["general"],
            "hours": "12:00-17:00",
        },
    ]
}


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = await SqliteDatabase.open(tmp_path / "schedule.db")
    await load_roster(database, roster_from(ROSTER))
    yield database
    await database.close()


async def _find(
    schedule: Schedule,
    database: Database,
    *,
    earliest: datetime = MONDAY_8AM,
    deadline: datetime = MONDAY_8AM + timedelta(days=2),
    preferred: list[tuple[datetime, datetime]] | None = None,
) -> tuple[str, datetime] | None:
    async with database.read() as conn:
        slot = await schedule.find(
            conn,
            "north",
            "general",
            earliest=earliest,
            deadline=deadline,
            preferred=preferred or [],
        )
    return None if slot is None else (slot.technician.technician_id, slot.start)


async def test_earliest_slot_with_ties_broken_by_id(database: Database) -> None:
    schedule = Schedule(RULES)
    assert await _find(schedule, database) == ("a-tech", MONDAY_8AM)
    schedule.mark_taken("a-tech", int(MONDAY_8AM.timestamp()))
    assert await _find(schedule, database) == ("b-tech", MONDAY_8AM)
    schedule.mark_taken("b-tech", int(MONDAY_8AM.timestamp()))
    assert await _find(schedule, database) == ("a-tech", MONDAY_8AM + RULES.slot)


async def test_spread_ties_still_pick_the_earliest_time(database: Database) -> None:
    found = [await _find(Schedule(RULES, spread_ties=True), database) for _ in range(20)]
    picks = {pick for pick in found if pick is not None}
    assert len(picks) == len(set(found))
    assert {start for _, start in picks} == {MONDAY_8AM}
    assert {technician for technician, _ in picks} <= {"a-tech", "b-tech"}


async def test_preferred_window_first_then_earliest(database: Database) -> None:
    schedule = Schedule(RULES)
    window = (MONDAY_8AM + timedelta(hours=5), MONDAY_8AM + timedelta(hours=7))
    # Inside 13:00-15:00: a-tech's grid (from 08:00) offers 14:00, late's (from 12:00) 13:30.
    assert await _find(schedule, database, preferred=[window]) == (
        "late",
        MONDAY_8AM + timedelta(hours=5, minutes=30),
    )
    too_short = (MONDAY_8AM + timedelta(minutes=10), MONDAY_8AM + timedelta(minutes=80))
    assert await _find(schedule, database, preferred=[too_short]) == ("a-tech", MONDAY_8AM)


async def test_nothing_before_the_deadline(database: Database) -> None:
    schedule = Schedule(RULES)
    assert await _find(schedule, database, deadline=MONDAY_8AM - timedelta(hours=1)) is None
    assert await _find(schedule, database) is not None  # bookings loaded
    for start in (MONDAY_8AM, MONDAY_8AM + RULES.slot):
        for technician in ("a-tech", "b-tech"):
            schedule.mark_taken(technician, int(start.timestamp()))
    deadline = MONDAY_8AM + RULES.slot
    assert await _find(schedule, database, deadline=deadline) is None
    assert await _find(schedule, database) == ("a-tech", MONDAY_8AM + 2 * RULES.slot)
    async with database.read() as conn:
        nobody = await Schedule(RULES).find(
            conn, "south", "general", earliest=MONDAY_8AM, deadline=deadline, preferred=[]
        )
    assert nobody is None


async def test_learns_about_bookings_made_by_another_process(database: Database) -> None:
    schedule = Schedule(RULES)
    assert await _find(schedule, database) == ("a-tech", MONDAY_8AM)
    start = int(MONDAY_8AM.timestamp())
    async with database.transaction() as conn:  # another server process books it
        await book_behind_the_back(conn, "a-tech", start, zone="north")
    assert await _find(schedule, database) == ("a-tech", MONDAY_8AM)  # still believes it free
    schedule.reload("a-tech")
    assert await _find(schedule, database) == ("b-tech", MONDAY_8AM)


async def test_a_calendar_full_to_the_deadline_still_finds_what_opens_after_it(
    database: Database,
) -> None:
    schedule = Schedule(RULES)
    deadline = MONDAY_8AM + timedelta(hours=3)  # 08:00, 09:30 and 11:00 for a-tech and b-tech
    while (found := await _find(schedule, database, deadline=deadline)) is not None:
        schedule.mark_taken(found[0], int(found[1].timestamp()))
    assert await _find(schedule, database, deadline=deadline) is None
    assert await _find(schedule, database, deadline=deadline) is None
    later = deadline + timedelta(hours=2)
    for technician, minutes in [("late", 240), ("a-tech", 270), ("b-tech", 270)]:
        found = await _find(schedule, database, deadline=later)
        assert found == (technician, MONDAY_8AM + timedelta(minutes=minutes))
        schedule.mark_taken(found[0], int(found[1].timestamp()))
    assert await _find(schedule, database, deadline=later) is None  # next: 13:30, 14:00


async def test_a_full_week_to_the_deadline_then_the_next_week(database: Database) -> None:
    """A week of a-tech, b-tech and late all booked: the next search finds the next Monday."""
    schedule = Schedule(RULES)
    deadline = MONDAY_8AM + timedelta(days=7) - timedelta(minutes=1)
    booked = 0
    while (found := await _find(schedule, database, deadline=deadline)) is not None:
        schedule.mark_taken(found[0], int(found[1].timestamp()))
        booked += 1
    assert booked == 5 * (6 + 6 + 3)  # Mon-Fri: 08:00-17:00 by 90 minutes, late from 12:00
    next_monday = MONDAY_8AM + timedelta(days=7)
    assert await _find(schedule, database, deadline=deadline + timedelta(days=7)) == (
        "a-tech",
        next_monday,
    )


async def test_changed_working_hours_are_used_after_the_roster_refresh(
    database: Database,
) -> None:
    now = [0.0]
    schedule = Schedule(RULES, clock=lambda: now[0])
    assert await _find(schedule, database) == ("a-tech", MONDAY_8AM)
    roster = {"technicians": [dict(t, hours="10:00-17:00") for t in ROSTER["technicians"][:2]]}
    await load_roster(database, roster_from(roster))
    assert await _find(schedule, database) == ("a-tech", MONDAY_8AM)  # not read again yet
    now[0] = 61.0
    assert await _find(schedule, database) == ("a-tech", MONDAY_8AM + timedelta(hours=2))


async def test_searches_weeks_apart_and_back_again(database: Database) -> None:
    schedule = Schedule(RULES)
    for weeks in (0, 3, 1, 0):
        earliest = MONDAY_8AM + timedelta(weeks=weeks, minutes=1)
        found = await _find(
            schedule, database, earliest=earliest, deadline=earliest + timedelta(days=1)
        )
        assert found == ("a-tech", MONDAY_8AM + timedelta(weeks=weeks) + RULES.slot)


MADRID_ROSTER = {
    "technicians": [
        {
            "id": f"m-{n}",
            "name": f"M{n}",
            "zones": ["north"],
            "skills": ["general"],
            "timezone": "Europe/Madrid",
            "hours": hours,
            "days": days,
        }
        for n, (hours, days) in enumerate(
            [
                ("08:00-17:00", ["mon", "tue", "wed", "thu", "fri"]),
                ("08:00-17:00", ["mon", "tue", "wed", "thu", "fri"]),
                ("00:00-23:59", ["sat", "sun"]),
                ("09:15-13:00", ["mon", "wed", "sun"]),
            ]
        )
    ]
}


def _reference(
    technicians: list[Technician],
    taken: set[tuple[str, int]],
    earliest: datetime,
    deadline: datetime,
    preferred: list[tuple[datetime, datetime]],
) -> tuple[str, datetime] | None:
    """The plain definition: the first free slot of each technician, earliest then by id."""

    def free(technician: Technician, low: datetime, high: datetime) -> list[datetime]:
        return [
            start
            for start in technician.slots(low, high, RULES)
            if (technician.technician_id, int(start.timestamp())) not in taken
        ]

    for window_start, window_end in sorted(preferred):
        low, high = max(window_start, earliest), min(window_end, deadline)
        fits = [
            (start, technician.technician_id)
            for technician in technicians
            for start in free(technician, low, high)
            if start + RULES.visit <= high
        ]
        if fits:
            start, technician_id = min(fits)
            return technician_id, start
    since = datetime.fromtimestamp(int(earliest.timestamp()), UTC)
    last = datetime.fromtimestamp(int(deadline.timestamp()), UTC)
    firsts = [
        (starts[0], technician.technician_id)
        for technician in technicians
        if (starts := free(technician, since, last))
    ]
    if not firsts:
        return None
    start, technician_id = min(firsts)
    return technician_id, start


async def test_same_slots_as_the_plain_definition_over_dst_changes(tmp_path: Path) -> None:
    """Random tickets and windows over Madrid's DST changes, with bookings learned from other
    processes and bookings freed elsewhere (read on reload): always the plain answer."""
    database = await SqliteDatabase.open(tmp_path / "madrid.db")
    try:
        await load_roster(database, roster_from(MADRID_ROSTER))
        async with database.read() as conn:
            rows = await repository.technicians_for(conn, "north", "general")
        technicians = [Technician.from_row(row) for row in rows]
        random = Random(20260329)
        for season in (datetime(2026, 3, 25, tzinfo=UTC), datetime(2026, 10, 21, tzinfo=UTC)):
            schedule = Schedule(RULES)
            taken: set[tuple[str, int]] = set()
            moment = season
            for _ in range(400):
                moment += timedelta(minutes=random.randrange(0, 90), seconds=random.random())
                deadline = moment + timedelta(hours=random.choice([2, 24, 48, 168]))
                preferred = []
                if random.random() < 0.3:
                    low = moment + timedelta(minutes=random.randrange(0, 3000))
                    preferred.append((low, low + timedelta(minutes=random.randrange(30, 300))))
                found = await _find(
                    schedule, database, earliest=moment, deadline=deadline, preferred=preferred
                )
                assert found == _reference(technicians, taken, moment, deadline, preferred)
                if found is not None:
                    booking = (found[0], int(found[1].timestamp()))
                    taken.add(booking)
                    schedule.mark_taken(*booking)
                if random.random() < 0.1:  # another process books a grid slot of someone
                    technician = random.choice(technicians)
                    later = moment + timedelta(hours=random.randrange(1, 100))
                    for start in technician.slots(later, later + timedelta(days=2), RULES):
                        other = (technician.technician_id, int(start.timestamp()))
                        taken.add(other)
                        schedule.learn(f'[["{other[0]}", {other[1]}]]')
                        break
                if random.random() < 0.05:  # all of someone's bookings freed elsewhere: reload
                    technician_id = random.choice(technicians).technician_id
                    taken = {booking for booking in taken if booking[0] != technician_id}
                    schedule.reload(technician_id)
    finally:
        await database.close()


async def test_forgotten_roster_and_technicians_who_never_work(database: Database) -> None:
    schedule = Schedule(RULES)
    schedule.mark_taken("a-tech", int(MONDAY_8AM.timestamp()))  # not read yet: read on search
    assert await _find(schedule, database) == ("a-tech", MONDAY_8AM)
    never = {"id": "never", "name": "N", "zones": ["east"], "skills": ["general"], "days": []}
    await load_roster(database, roster_from({"technicians": [never]}))
    schedule.forget()
    async with database.read() as conn:
        nobody = await schedule.find(
            conn, "east", "general", earliest=MONDAY_8AM, deadline=MONDAY_8AM, preferred=[]
        )
    assert nobody is None
    assert await _find(schedule, database) == ("a-tech", MONDAY_8AM)
