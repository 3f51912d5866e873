"""Triage: from a fault code to component, part, technician skill, deadline and plain words.

The knowledge lives in a YAML catalog (``catalog.yaml`` by default), not in code, so a service
organisation edits a file to add a fault or a model family, or to reword what customers read.
Unknown codes are not guessed at: they go to the human review queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from importlib import resources
from pathlib import Path
import re
from typing import Annotated, Final, Literal
from zoneinfo import ZoneInfo

import msgspec
from msgspec import Meta, Struct

from webhook_server.contract import Language, Severity, Ticket
from webhook_server.protocol import SEVERITIES

LATE_BOOKING_HOURS_MAX: Final = 14 * 24
"""Longest late-booking window: the two weeks a dispatcher's console offers slots for."""
_FAMILIES_REMEMBERED: Final = 4096
"""Model numbers whose family is remembered (a fleet has a few models; senders choose them)."""


class Words(Struct, frozen=True, forbid_unknown_fields=True):
    """The same words in every language the service writes in."""

    en: str
    es: str

    def in_(self, language: Language) -> str:
        """Return the words in ``language``."""
        return self.es if language == "es" else self.en


class Part(Words, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A spare part: its number, and its name in every language."""

    number: str

    @property
    def text(self) -> str:
        """Number and English name, as the contract's ``triage.part`` gives it."""
        return f"{self.number} {self.en}"


class FaultEntry(Struct, frozen=True, forbid_unknown_fields=True):
    """What one fault code means, for technicians and for customers."""

    component: Words
    detected: Words
    action: Words
    skill: str
    parts: dict[str, Part] = msgspec.field(default_factory=dict)


class UnknownFault(Struct, frozen=True, forbid_unknown_fields=True):
    """What a customer is told about a code the catalog lacks (a person looks at it first)."""

    detected: Words
    action: Words


class Urgency(Struct, frozen=True, forbid_unknown_fields=True):
    """How long a visit may wait: to the end of the local day, or some hours."""

    deadline: Literal["end_of_day"] | None = None
    hours: Annotated[float, Meta(ge=0)] | None = None

    def __post_init__(self) -> None:
        """Exactly one of the two."""
        if (self.deadline is None) == (self.hours is None):
            raise ValueError("give either deadline: end_of_day or hours")


class BookingSpec(Struct, frozen=True, forbid_unknown_fields=True):
    """The slot grid, in minutes, and how late the intake may book when nothing is in time."""

    visit_minutes: Annotated[int, Meta(ge=5)]
    travel_buffer_minutes: Annotated[int, Meta(ge=0)]
    lead_minutes: Annotated[int, Meta(ge=0)]
    late_booking_hours: Annotated[int, Meta(ge=0, le=LATE_BOOKING_HOURS_MAX)] = 0
    """No slot by the deadline: book the earliest one starting up to this many hours after it.
    0 (also when the key is missing): never book late, a dispatcher arranges the visit."""


class ModelFamily(Struct, frozen=True, forbid_unknown_fields=True):
    """Models whose number matches ``pattern`` take the ``family``'s parts."""

    pattern: str
    family: str


class CatalogFile(Struct, frozen=True, forbid_unknown_fields=True):
    """The catalog file."""

    urgency: dict[Severity, Urgency]
    booking: BookingSpec
    model_families: list[ModelFamily]
    unknown_fault: UnknownFault
    faults: dict[str, FaultEntry]


@dataclass(frozen=True, slots=True)
class Triage:
    """What the catalog says about one ticket."""

    known_fault: bool
    fault: FaultEntry | None
    """The catalog's entry; None for an unknown code."""
    part: Part | None
    """The catalog's part for the model family, if it names one."""
    part_text: str | None
    """The part as the answer gives it: the catalog's number and name, or the sender's guess."""
    skill: str | None
    deadline: datetime

    @property
    def component(self) -> str | None:
        """The component in English (the contract's ``triage.component``)."""
        return None if self.fault is None else self.fault.component.en


@dataclass(frozen=True, slots=True)
class BookingRules:
    """The slot grid: visit length, travel buffer, and how soon a visit may start.

    ``late_window``: when no slot starts by the deadline, the intake books the earliest one that
    starts at most this long after it; zero leaves such a ticket to a dispatcher.
    """

    visit: timedelta
    travel_buffer: timedelta
    lead: timedelta
    late_window: timedelta = timedelta(0)

    @property
    def slot(self) -> timedelta:
        """One visit plus the travel to the next."""
        return self.visit + self.travel_buffer


class Catalog:
    """A loaded, validated fault catalog."""

    def __init__(self, data: CatalogFile) -> None:
        missing = [severity for severity in SEVERITIES if severity not in data.urgency]
        if missing:
            raise ValueError(f"invalid fault catalog: no urgency for {', '.join(missing)}")
        try:
            self._families = [(re.compile(row.pattern), row.family) for row in data.model_families]
        except re.error as err:
            raise ValueError(f"invalid fault catalog: {err}") from err
        self._data = data
        self._family_of: dict[str, str | None] = {}
        self.unknown_fault = data.unknown_fault
        booking = data.booking
        self.booking = BookingRules(
            visit=timedelta(minutes=booking.visit_minutes),
            travel_buffer=timedelta(minutes=booking.travel_buffer_minutes),
            lead=timedelta(minutes=booking.lead_minutes),
            late_window=timedelta(hours=booking.late_booking_hours),
        )

    @classmethod
    def load(cls, path: Path | None = None) -> Catalog:
        """Load ``path``, or the catalog shipped with the service when ``path`` is None."""
        if path is None:
            raw = (resources.files("webhook_server") / "catalog.yaml").read_bytes()
        else:
            raw = path.read_bytes()
        try:
            data = msgspec.yaml.decode(raw, type=CatalogFile)
        except msgspec.DecodeError as err:
            raise ValueError(f"invalid fault catalog: {err}") from err
        return cls(data)

    @property
    def codes(self) -> frozenset[str]:
        """Fault codes the catalog knows."""
        return frozenset(self._data.faults)

    def entry(self, code: str) -> FaultEntry | None:
        """Return the catalog's entry for a fault code."""
        return self._data.faults.get(code)

    @property
    def skills(self) -> frozenset[str]:
        """Every skill some fault needs."""
        return frozenset(entry.skill for entry in self._data.faults.values())

    def family(self, model: str) -> str | None:
        """Return the model family of a model number, by the first matching pattern."""
        if model in self._family_of:
            return self._family_of[model]
        matches = (name for pattern, name in self._families if pattern.search(model))
        family = next(matches, None)
        if len(self._family_of) < _FAMILIES_REMEMBERED:
            self._family_of[model] = family
        return family

    def deadline(self, severity: Severity, received_at: datetime, timezone: ZoneInfo) -> datetime:
        """Latest visit start the severity allows; "end of day" is the zone's local day."""
        rule = self._data.urgency[severity]
        if rule.hours is not None:
            return received_at + timedelta(hours=rule.hours)
        local = received_at.astimezone(timezone)
        return datetime.combine(local.date(), time(23, 59, 59), timezone)

    def triage(self, ticket: Ticket, received_at: datetime, timezone: ZoneInfo) -> Triage:
        """Decide component, part, skill and deadline for a validated ticket."""
        fault = ticket.fault
        deadline = self.deadline(fault.severity, received_at, timezone)
        if fault.time_to_unsafe_s is not None:  # the contract bounds it: no overflow
            unsafe_at = fault.detected_at + timedelta(seconds=fault.time_to_unsafe_s)
            deadline = min(deadline, max(unsafe_at, received_at))
        return self.retriage(fault.code, ticket, deadline)

    def retriage(self, code: str, ticket: Ticket, deadline: datetime) -> Triage:
        """Triage the ticket as if it had ``code`` (a person may correct the sender's code)."""
        own_part = ticket.fault.part if isinstance(ticket.fault.part, str) else None
        entry = self._data.faults.get(code)
        if entry is None:
            return Triage(False, None, None, own_part, None, deadline)
        family = self.family(ticket.appliance.model)
        part = entry.parts.get(family or "", entry.parts.get("standard"))
        part_text = part.text if part is not None else own_part
        return Triage(True, entry, part, part_text, entry.skill, deadline)
