"""Booking: the earliest free slot of a technician with the right zone and skill.

Slots sit on a fixed grid per technician (working-day start + k x (visit + travel buffer)), so
"this technician, this slot" is a single key, and the database's unique constraint on it is what
makes double booking impossible, whichever process gets there first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import voluptuous as vol

from webhook_server.triage import BookingRules

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _working_hours(value: str) -> str:
    """Check ``HH:MM-HH:MM`` with the end after the start."""
    try:
        opens, closes = (time.fromisoformat(part) for part in str(value).split("-"))
    except ValueError as err:
        raise vol.Invalid("expected working hours such as 08:00-17:00") from err
    if opens >= closes:
        raise vol.Invalid("working hours must end after they start")
    return str(value)


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise vol.Invalid(f"unknown time zone {value!r}") from err
    return value


TECHNICIAN_SCHEMA: Final = vol.Schema(
    {
        vol.Required("id"): vol.All(str, vol.Length(min=1, max=64)),
        vol.Required("name"): vol.All(str, vol.Length(min=1, max=128)),
        vol.Required("zones"): vol.All([str], vol.Length(min=1)),
        vol.Required("skills"): vol.All([str], vol.Length(min=1)),
        vol.Optional("timezone", default="UTC"): _timezone,
        vol.Optional(
            "hours", default="08:00-17:00", description="Local working hours, HH:MM-HH:MM."
        ): _working_hours,
        vol.Optional("days", default=list(WEEKDAYS[:5])): [vol.In(list(WEEKDAYS))],
    }
)
TECHNICIANS_FILE_SCHEMA: Final = vol.Schema({vol.Required("technicians"): [TECHNICIAN_SCHEMA]})


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
    def from_row(cls, row: dict[str, Any]) -> Technician:
        """Build from a ``technicians`` table row."""
        return cls(
            technician_id=row["technician_id"],
            name=row["name"],
            timezone=ZoneInfo(row["timezone"]),
            work_start=time.fromisoformat(row["work_start"]),
            work_end=time.fromisoformat(row["work_end"]),
            working_days=frozenset(int(day) for day in row["working_days"].split(",") if day),
        )

    def slots(self, start: datetime, end: datetime, rules: BookingRules) -> Iterator[datetime]:
        """Grid slot starts (UTC) from ``start`` to ``end`` inclusive, in order."""
        day = start.astimezone(self.timezone).date()
        last_day = end.astimezone(self.timezone).date()
        while day <= last_day:
            if day.weekday() in self.working_days:
                slot = datetime.combine(day, self.work_start, self.timezone)
                closing = datetime.combine(day, self.work_end, self.timezone)
                while slot + rules.visit <= closing and slot <= end:
                    if slot >= start:
                        yield slot.astimezone(UTC)
                    slot += rules.slot
            day += timedelta(days=1)


def technician_row(spec: dict[str, Any]) -> tuple[tuple[str, ...], list[str], list[str]]:
    """Return a validated technician spec as a table row, zones and skills."""
    start, end = spec["hours"].split("-")
    days = ",".join(str(WEEKDAYS.index(day)) for day in spec["days"])
    row = (spec["id"], spec["name"], spec["timezone"], start, end, days)
    return row, spec["zones"], spec["skills"]


@dataclass(frozen=True, slots=True)
class Slot:
    """A proposed visit."""

    technician: Technician
    start: datetime

    def end(self, rules: BookingRules) -> datetime:
        """When the visit itself ends (the travel buffer follows)."""
        return self.start + rules.visit
