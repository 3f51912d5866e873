"""Technician roster: service zones and technicians, from a YAML/JSON file, the API or the demo.

The roster's shape is a msgspec Struct, so the file, the API and the published schema agree: the
``hours`` format and every accepted time zone name are in the schema.
"""

from __future__ import annotations

from datetime import time as clock_time
from importlib import resources
from pathlib import Path
import time
from typing import TYPE_CHECKING, Annotated, Final, Literal

import msgspec
from msgspec import Meta, Struct

from webhook_server.booking import WEEKDAYS
from webhook_server.store import repository
from webhook_server.store.base import Connection, Database
from webhook_server.store.rows import TechnicianRow
from webhook_server.zones import time_zone_names

if TYPE_CHECKING:
    TimeZoneName = str
    Weekday = str
else:
    TimeZoneName = Annotated[
        Literal[time_zone_names()],
        Meta(description="IANA time zone name, such as Europe/Madrid."),
    ]
    Weekday = Literal[WEEKDAYS]

Name64 = Annotated[str, Meta(min_length=1, max_length=64)]
_HOURS_PATTERN: Final = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"


class ZoneSpec(Struct, frozen=True, forbid_unknown_fields=True):
    """A service zone and the time zone its customers and agents read times in."""

    name: Name64
    timezone: TimeZoneName


class TechnicianSpec(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A technician: where they go, what they can fix, when they work."""

    id: Name64
    name: Annotated[str, Meta(min_length=1, max_length=128)]
    zones: Annotated[list[Name64], Meta(min_length=1)]
    skills: Annotated[list[Name64], Meta(min_length=1)]
    timezone: Annotated[TimeZoneName, Meta(description="The time zone of their working hours.")] = (
        "UTC"
    )
    hours: Annotated[
        str,
        Meta(
            pattern=_HOURS_PATTERN,
            description="Local working hours, HH:MM-HH:MM (24 h), ending after they start.",
            examples=["08:00-17:00"],
        ),
    ] = "08:00-17:00"
    days: list[Weekday] = msgspec.field(default_factory=lambda: list(WEEKDAYS[:5]))

    def __post_init__(self) -> None:
        """Hours that end after they start, on one day."""
        if self.hours.endswith("\n"):  # msgspec's pattern is a search: its $ takes a final newline
            raise ValueError("working hours must not end with a newline")
        opens, closes = (clock_time.fromisoformat(part) for part in self.hours.split("-"))
        if opens >= closes:
            raise ValueError("working hours must end after they start, such as 08:00-17:00")

    def row(self) -> TechnicianRow:
        """Return the technician as a table row."""
        start, end = self.hours.split("-")
        days = ",".join(str(WEEKDAYS.index(day)) for day in self.days)
        return TechnicianRow(
            technician_id=self.id,
            name=self.name,
            timezone=self.timezone,
            work_start=start,
            work_end=end,
            working_days=days,
        )


class Roster(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Service zones with their time zones, and technicians (created or updated)."""

    zones: list[ZoneSpec] = msgspec.field(default_factory=list)
    technicians: list[TechnicianSpec]


def roster_from(data: object) -> Roster:
    """Check a roster already read as plain values (``{"technicians": [...]}``)."""
    try:
        return msgspec.convert(data, Roster)
    except msgspec.ValidationError as err:
        raise ValueError(f"invalid technicians roster: {err}") from err


def read_roster(path: Path | None) -> Roster:
    """Read a roster file (YAML or JSON); None means the shipped demo roster."""
    if path is None:
        raw = (resources.files("webhook_server") / "demo_technicians.yaml").read_bytes()
    else:
        raw = path.read_bytes()
    try:
        return msgspec.yaml.decode(raw, type=Roster)
    except msgspec.DecodeError as err:
        raise ValueError(f"invalid technicians roster: {err}") from err


async def load_roster(database: Database, roster: Roster, *, now: float | None = None) -> int:
    """Create or update the zones and technicians; return how many technicians.

    All or nothing: a technician whose slot grid would move under visits already booked rejects
    the whole roster with a ValueError (see :func:`_keep_grid`).
    """
    at = int(time.time() if now is None else now)
    async with database.transaction() as conn:
        await repository.upsert_zones(conn, [(zone.name, zone.timezone) for zone in roster.zones])
        for spec in roster.technicians:
            row = spec.row()
            await _keep_grid(conn, row, at)
            await repository.upsert_technician(conn, row, spec.zones, spec.skills)
    return len(roster.technicians)


async def _keep_grid(conn: Connection, row: TechnicianRow, now: int) -> None:
    """Refuse a new time zone or day start for a technician with visits still to come.

    The database's unique (technician, slot start) key rules out double booking on one grid,
    and the grid starts at the start of the working day in the technician's time zone: moving
    either would let new slots overlap the visits already booked on the old grid.
    """
    stored = await repository.technician_grid(conn, row.technician_id, now)
    if stored is None or not stored.booked:
        return
    if (stored.timezone, stored.work_start) != (row.timezone, row.work_start):
        raise ValueError(
            f"technician {row.technician_id} has {stored.booked} visits booked from now on: "
            "their time zone and the start of their working day cannot change until those "
            "visits are rescheduled or closed (the end of the day and the days may change)"
        )
