"""The booking engine: earliest slot, ties, preferred windows, and learning from other processes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from webhook_server.roster import load_roster
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
    await load_roster(database, ROSTER)
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
        appliance = {"manufacturer": "M", "model": "X", "serial": "1"}
        await repository.insert_appliance(conn, "apl", appliance, start)
        row = ("t-1", "apl", "h", "booked", "sensor_fault", "info", "north", "en", "{}", "{}")
        await repository.insert_new_tickets(conn, [(*row, "{}", start, start)], [], [])
        await repository.insert_appointment(conn, "t-1", "a-tech", start, start + 3600)
    assert await _find(schedule, database) == ("a-tech", MONDAY_8AM)  # still believes it free
    schedule.reload("a-tech")
    assert await _find(schedule, database) == ("b-tech", MONDAY_8AM)


async def test_a_calendar_full_to_the_deadline_is_remembered(database: Database) -> None:
    """Once every slot up to the deadline is taken, the next grid slot after it is remembered,
    so later searches do not walk the full calendar again, and still find what opens after it."""
    schedule = Schedule(RULES)
    deadline = MONDAY_8AM + timedelta(hours=3)  # 08:00, 09:30 and 11:00 for a-tech and b-tech
    while (found := await _find(schedule, database, deadline=deadline)) is not None:
        schedule.mark_taken(found[0], int(found[1].timestamp()))
    assert await _find(schedule, database, deadline=deadline) is None
    since, following = int(MONDAY_8AM.timestamp()), int((MONDAY_8AM + 3 * RULES.slot).timestamp())
    assert schedule._hints["a-tech"] == (since, following)  # 12:30, after the deadline
    assert schedule._hints["late"] == (since, int(MONDAY_8AM.timestamp()) + 4 * 3600)  # 12:00
    later = deadline + timedelta(hours=2)
    for technician, minutes in [("late", 240), ("a-tech", 270), ("b-tech", 270)]:
        found = await _find(schedule, database, deadline=later)
        assert found == (technician, MONDAY_8AM + timedelta(minutes=minutes))
        schedule.mark_taken(found[0], int(found[1].timestamp()))
    assert await _find(schedule, database, deadline=later) is None  # next: 13:30, 14:00
