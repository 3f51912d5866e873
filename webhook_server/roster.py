"""Technician roster: load technicians from a YAML/JSON file, the admin API or the demo seed."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
import time

import voluptuous as vol
import yaml

from webhook_server.booking import TECHNICIANS_FILE_SCHEMA, technician_row
from webhook_server.store import repository
from webhook_server.store.base import Connection, Database


def read_roster(path: Path | None) -> object:
    """Parse a technicians file (YAML or JSON); None means the shipped demo roster."""
    if path is None:
        text = (resources.files("webhook_server") / "demo_technicians.yaml").read_text("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text)


async def load_roster(database: Database, data: object, *, now: float | None = None) -> int:
    """Validate ``{"technicians": [...]}`` and create or update each; return how many.

    All or nothing: one invalid technician rejects the whole roster with a ValueError, and so
    does one whose slot grid would move under visits already booked (see :func:`_keep_grid`).
    """
    try:
        specs = TECHNICIANS_FILE_SCHEMA(data)["technicians"]
    except vol.Invalid as err:
        raise ValueError(f"invalid technicians roster: {err}") from err
    rows = [technician_row(spec) for spec in specs]
    at = int(time.time() if now is None else now)
    async with database.transaction() as conn:
        for row, zones, skills in rows:
            await _keep_grid(conn, row, at)
            await repository.upsert_technician(conn, row, zones, skills)
    return len(rows)


async def _keep_grid(conn: Connection, row: tuple[str, ...], now: int) -> None:
    """Refuse a new time zone or day start for a technician with visits still to come.

    The database's unique (technician, slot start) key rules out double booking on one grid,
    and the grid starts at the start of the working day in the technician's time zone: moving
    either would let new slots overlap the visits already booked on the old grid.
    """
    technician_id, _, timezone, work_start = row[:4]
    stored = await repository.technician_grid(conn, technician_id, now)
    if stored is None or not stored["booked"]:
        return
    if (stored["timezone"], stored["work_start"]) != (timezone, work_start):
        raise ValueError(
            f"technician {technician_id} has {stored['booked']} visits booked from now on: "
            "their time zone and the start of their working day cannot change until those "
            "visits are rescheduled or closed (the end of the day and the days may change)"
        )
