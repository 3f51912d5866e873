"""The slot grid as epochs: the same slots as ``Technician.slots``, across weeks and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from webhook_server.booking import SlotGrid, Technician
from webhook_server.triage import BookingRules

RULES = BookingRules(
    visit=timedelta(minutes=60), travel_buffer=timedelta(minutes=30), lead=timedelta(0)
)
OFFICE_MADRID = Technician(
    "office", "Office", ZoneInfo("Europe/Madrid"), time(8), time(17), frozenset(range(5))
)
ROUND_THE_CLOCK_MADRID = Technician(
    "night", "Night", ZoneInfo("Europe/Madrid"), time(0), time(23, 59), frozenset(range(7))
)
ROUND_THE_CLOCK_UTC = Technician(
    "utc", "UTC", ZoneInfo("UTC"), time(0), time(23, 59), frozenset(range(7))
)


def _listed(grid: SlotGrid, since: datetime, until: datetime) -> list[int]:
    first, last = int(since.timestamp()), int(until.timestamp())
    index = grid.first_index(first)
    while grid.covered_until <= last:
        grid.extend()
    return [start for start in grid.starts[index:] if start <= last]


@pytest.mark.parametrize("technician", [OFFICE_MADRID, ROUND_THE_CLOCK_MADRID, ROUND_THE_CLOCK_UTC])
@pytest.mark.parametrize(
    "since",
    [
        datetime(2026, 3, 25, 9, 17, tzinfo=UTC),  # over the spring-forward Sunday
        datetime(2026, 10, 21, 23, 30, tzinfo=UTC),  # over the fall-back Sunday
        datetime(2026, 12, 28, 0, 0, tzinfo=UTC),  # over the new year
    ],
)
def test_grid_lists_the_slots_technician_slots_gives(
    technician: Technician, since: datetime
) -> None:
    until = since + timedelta(days=23)  # several weeks: listed a week at a time
    grid = SlotGrid(technician, RULES, int(since.timestamp()))
    expected = [int(slot.timestamp()) for slot in technician.slots(since, until, RULES)]
    assert _listed(grid, since, until) == expected
    assert expected == sorted(set(expected))


def test_office_hours_follow_madrid_summer_time() -> None:
    grid = SlotGrid(OFFICE_MADRID, RULES, int(datetime(2026, 3, 27, tzinfo=UTC).timestamp()))
    friday, monday = datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC)
    listed = _listed(grid, friday, monday + timedelta(days=1))
    starts = [datetime.fromtimestamp(start, UTC) for start in listed]
    firsts = [
        min(start for start in starts if start.date() == day.date()) for day in (friday, monday)
    ]
    assert firsts == [friday.replace(hour=7), monday.replace(hour=6)]  # 08:00 CET, then CEST


def test_no_working_days_lists_nothing() -> None:
    nobody = Technician("none", "None", ZoneInfo("UTC"), time(8), time(17), frozenset())
    since = datetime(2026, 6, 1, tzinfo=UTC)
    assert (
        _listed(SlotGrid(nobody, RULES, int(since.timestamp())), since, since + timedelta(days=9))
        == []
    )
