"""Triage: from a fault code to component, part, technician skill and deadline.

The knowledge lives in a YAML catalog (``catalog.yaml`` by default), not in code, so a service
organisation edits a file to add a fault or a model family. Unknown codes are not guessed at:
they go to the human review queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from importlib import resources
from pathlib import Path
import re
from typing import Any, Final
from zoneinfo import ZoneInfo

import voluptuous as vol
import yaml

from webhook_server.protocol import LANGUAGES, SEVERITIES

_FAMILIES_REMEMBERED: Final = 4096
"""Model numbers whose family is remembered (a fleet has a few models; senders choose them)."""
_LOCALISED = {vol.Required(language): str for language in LANGUAGES}

CATALOG_SCHEMA: Final = vol.Schema(
    {
        vol.Required("urgency"): {
            vol.Required(severity): vol.Any(
                {vol.Required("deadline"): "end_of_day"},
                {vol.Required("hours"): vol.All(vol.Coerce(float), vol.Range(min=0))},
            )
            for severity in SEVERITIES
        },
        vol.Required("booking"): {
            vol.Required("visit_minutes"): vol.All(int, vol.Range(min=5)),
            vol.Required("travel_buffer_minutes"): vol.All(int, vol.Range(min=0)),
            vol.Required("lead_minutes"): vol.All(int, vol.Range(min=0)),
        },
        vol.Required("model_families"): [
            {vol.Required("pattern"): str, vol.Required("family"): str}
        ],
        vol.Required("faults"): {
            str: {
                vol.Required("component"): _LOCALISED,
                vol.Required("skill"): str,
                vol.Required("parts"): {str: str},
            }
        },
    }
)


@dataclass(frozen=True, slots=True)
class Triage:
    """What the catalog says about one ticket."""

    known_fault: bool
    component: dict[str, str] | None
    """Component name by language, or None for an unknown code."""
    part: str | None
    skill: str | None
    deadline: datetime

    def component_in(self, language: str, fallback: str | None) -> str:
        """Return the component name for a customer message, in their language."""
        if self.component is not None:
            return self.component.get(language, self.component["en"])
        return fallback or "?"


@dataclass(frozen=True, slots=True)
class BookingRules:
    """The slot grid: visit length, travel buffer, and how soon a visit may start."""

    visit: timedelta
    travel_buffer: timedelta
    lead: timedelta

    @property
    def slot(self) -> timedelta:
        """One visit plus the travel to the next."""
        return self.visit + self.travel_buffer


class Catalog:
    """A loaded, validated fault catalog."""

    def __init__(self, data: dict[str, Any], timezone: ZoneInfo) -> None:
        try:
            self._data = CATALOG_SCHEMA(data)
            self._families = [
                (re.compile(row["pattern"]), row["family"]) for row in self._data["model_families"]
            ]
        except (vol.Invalid, re.error) as err:
            raise ValueError(f"invalid fault catalog: {err}") from err
        self._family_of: dict[str, str | None] = {}
        self.timezone = timezone
        booking = self._data["booking"]
        self.booking = BookingRules(
            visit=timedelta(minutes=booking["visit_minutes"]),
            travel_buffer=timedelta(minutes=booking["travel_buffer_minutes"]),
            lead=timedelta(minutes=booking["lead_minutes"]),
        )

    @classmethod
    def load(cls, path: Path | None, timezone: ZoneInfo) -> Catalog:
        """Load ``path``, or the catalog shipped with the service when ``path`` is None."""
        if path is None:
            raw = (resources.files("webhook_server") / "catalog.yaml").read_text(encoding="utf-8")
        else:
            raw = path.read_text(encoding="utf-8")
        return cls(yaml.safe_load(raw), timezone)

    @property
    def codes(self) -> frozenset[str]:
        """Fault codes the catalog knows."""
        return frozenset(self._data["faults"])

    def family(self, model: str) -> str | None:
        """Return the model family of a model number, by the first matching pattern."""
        if model in self._family_of:
            return self._family_of[model]
        matches = (str(name) for pattern, name in self._families if pattern.search(model))
        family = next(matches, None)
        if len(self._family_of) < _FAMILIES_REMEMBERED:
            self._family_of[model] = family
        return family

    def deadline(self, severity: str, received_at: datetime) -> datetime:
        """Latest visit start the severity allows."""
        rule = self._data["urgency"][severity]
        if "hours" in rule:
            return received_at + timedelta(hours=rule["hours"])
        local = received_at.astimezone(self.timezone)
        return datetime.combine(local.date(), time(23, 59, 59), self.timezone)

    def triage(self, ticket: dict[str, Any], received_at: datetime) -> Triage:
        """Decide component, part, skill and deadline for a validated ticket."""
        fault = ticket["fault"]
        deadline = self.deadline(fault["severity"], received_at)
        if fault["time_to_unsafe_s"] is not None:  # the contract bounds it: no overflow
            unsafe_at = fault["detected_at"] + timedelta(seconds=fault["time_to_unsafe_s"])
            deadline = min(deadline, max(unsafe_at, received_at))
        entry = self._data["faults"].get(fault["code"])
        if entry is None:
            return Triage(False, None, fault.get("part"), None, deadline)
        parts = entry["parts"]
        family = self.family(ticket["appliance"]["model"])
        part = parts.get(family or "", parts.get("standard")) or fault.get("part")
        return Triage(True, entry["component"], part, entry["skill"], deadline)
