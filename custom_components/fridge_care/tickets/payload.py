"""The ticket one fault episode becomes, in the manufacturer service's contract.

The ticket id is derived from the appliance and the episode, so the same episode always makes
the same ticket: the service treats it as the idempotency key, and a retry or a restart can never
book a second technician for one fault.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
import hashlib
import math
from typing import Any, Final

from ..analysis.model import FaultEpisode, HealthReport
from .protocol import LANGUAGES

_MAX_EVIDENCE: Final = 64


@dataclass(frozen=True, slots=True)
class Appliance:
    """The fridge, as its manufacturer registered it."""

    manufacturer: str
    model: str
    serial: str


@dataclass(frozen=True, slots=True)
class Customer:
    """Where and how the service reaches the owner."""

    zone: str
    language: str
    contact: str | None = None
    preferred_windows: Sequence[tuple[datetime, datetime]] = ()
    """Times the owner would rather have the visit, tried first by the service."""


def notice_language(language: str) -> str:
    """Pick the notice language closest to Home Assistant's (``es-419`` → ``es``)."""
    primary = language.replace("_", "-").split("-")[0].casefold()
    return primary if primary in LANGUAGES else "en"


def ticket_id_of(appliance: Appliance, episode_id: str) -> str:
    """Name the ticket for this appliance's episode, the same every time it is asked."""
    digest = hashlib.sha256(
        f"{appliance.manufacturer}\n{appliance.serial}\n{episode_id}".encode()
    ).hexdigest()
    return f"FC-{digest[:16].upper()}"


WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WINDOW_DAYS: Final = 7
"""How many days ahead preferred windows are offered (the service's deadlines are within a week)."""


def visit_windows(
    now: datetime, start: str, end: str, weekdays: Collection[str]
) -> list[tuple[datetime, datetime]]:
    """Return the owner's preferred visit hours on the chosen days of the coming week.

    ``now`` is aware, in the home's time zone; ``start`` and ``end`` are times of day there
    (``HH:MM[:SS]``, ``end`` after ``start``: no overnight windows). Today's window is cut to
    what is left of it.
    """
    opening, closing = time.fromisoformat(start), time.fromisoformat(end)
    windows = []
    for offset in range(WINDOW_DAYS):
        day = now.date() + timedelta(days=offset)
        if WEEKDAYS[day.weekday()] not in weekdays:
            continue
        opens = datetime.combine(day, opening, now.tzinfo)
        closes = datetime.combine(day, closing, now.tzinfo)
        if closes > now:
            windows.append((max(opens, now), closes))
    return windows


def soonest_unsafe_s(report: HealthReport) -> float | None:
    """Return when the first compartment's food becomes unsafe, in seconds; None if unknown."""
    unsafe = [
        seconds
        for seconds in (report.time_to_unsafe_s, report.freezer_time_to_unsafe_s)
        if seconds is not None
    ]
    return min(unsafe, default=None)


def _rfc3339(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def build_ticket(
    episode: FaultEpisode,
    appliance: Appliance,
    customer: Customer,
    *,
    time_to_unsafe_s: float | None,
    version: str,
) -> dict[str, Any]:
    """Return the JSON body of ``POST /api/v1/tickets`` for one fault episode."""
    fault: dict[str, Any] = {
        "code": episode.code.value,
        "severity": episode.severity.value,
        "confidence": round(min(max(float(episode.confidence), 0.0), 1.0), 3),
        "summary": episode.summary[:500],
        "onset_at": _rfc3339(episode.onset_at),
        "detected_at": _rfc3339(episode.detected_at),
        "time_to_unsafe_s": (
            None
            if time_to_unsafe_s is None or not math.isfinite(time_to_unsafe_s)
            else round(max(time_to_unsafe_s, 0.0))
        ),
        "evidence": {
            name: float(value)
            for name, value in list(episode.evidence.items())[:_MAX_EVIDENCE]
            if math.isfinite(value)
        },
    }
    # Optional texts are left out rather than sent empty: the contract wants them non-empty.
    if episode.component:
        fault["component"] = episode.component[:128]
    if episode.part:
        fault["part"] = episode.part[:128]
    who: dict[str, Any] = {"zone": customer.zone, "language": notice_language(customer.language)}
    if customer.contact:
        who["contact"] = customer.contact
    if customer.preferred_windows:
        who["preferred_windows"] = [
            {"start": _rfc3339(start.timestamp()), "end": _rfc3339(end.timestamp())}
            for start, end in customer.preferred_windows
        ]
    return {
        "ticket_id": ticket_id_of(appliance, episode.episode_id),
        "appliance": {
            "manufacturer": appliance.manufacturer,
            "model": appliance.model,
            "serial": appliance.serial,
        },
        "customer": who,
        "fault": fault,
        "integration_version": version[:32],
    }
