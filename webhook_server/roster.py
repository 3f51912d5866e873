"""Technician roster: load technicians from a YAML/JSON file, the admin API or the demo seed."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import voluptuous as vol
import yaml

from webhook_server.booking import TECHNICIANS_FILE_SCHEMA, technician_row
from webhook_server.store import repository
from webhook_server.store.base import Database


def read_roster(path: Path | None) -> object:
    """Parse a technicians file (YAML or JSON); None means the shipped demo roster."""
    if path is None:
        text = (resources.files("webhook_server") / "demo_technicians.yaml").read_text("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text)


async def load_roster(database: Database, data: object) -> int:
    """Validate ``{"technicians": [...]}`` and create or update each; return how many.

    All or nothing: one invalid technician rejects the whole roster with a ValueError.
    """
    try:
        specs = TECHNICIANS_FILE_SCHEMA(data)["technicians"]
    except vol.Invalid as err:
        raise ValueError(f"invalid technicians roster: {err}") from err
    rows = [technician_row(spec) for spec in specs]
    async with database.transaction() as conn:
        for row, zones, skills in rows:
            await repository.upsert_technician(conn, row, zones, skills)
    return len(rows)
