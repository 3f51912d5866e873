"""How the console shows times, durations and figures to people.

Times are local to the service's time zone (``--timezone``) with the zone's abbreviation, e.g.
``Wed 25 Nov 2026, 03:05 CET``; English names, whatever the server's locale.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
import math
from typing import Final

_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def _local(value: float | str, zone: tzinfo) -> datetime:
    """Read an epoch (seconds) or an RFC 3339 text as a time in ``zone``."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).astimezone(zone)
    return datetime.fromtimestamp(value, UTC).astimezone(zone)


def _date(moment: datetime) -> str:
    return f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def _zone_name(moment: datetime) -> str:
    name = moment.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name  # zones without an abbreviation: "-03"


def when(value: float | str, zone: tzinfo) -> str:
    """``Wed 25 Nov 2026, 03:05 CET``."""
    moment = _local(value, zone)
    return f"{_date(moment)}, {moment:%H:%M} {_zone_name(moment)}"


def span(start: float | str, end: float | str, zone: tzinfo) -> str:
    """``Mon 1 Jun 2026, 10:30\N{EN DASH}11:30 UTC``, or two full times across midnight."""
    first, last = _local(start, zone), _local(end, zone)
    if first.date() != last.date():
        return f"{when(start, zone)} \N{EN DASH} {when(end, zone)}"
    return f"{_date(first)}, {first:%H:%M}\N{EN DASH}{last:%H:%M} {_zone_name(last)}"


def duration(seconds: float | None) -> str:
    """``2 h 15 min``, ``1 d 3 h``, ``45 min``; ``unknown`` for None."""
    if seconds is None:
        return "unknown"
    days, minutes = divmod(max(0, round(seconds / 60)), 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes or not parts else []
    return " ".join(parts)


def number(value: object) -> str:
    """Show a figure to four significant digits, without float noise: 0.3, 18, 1,235, 0.05."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if value == int(value):
        return f"{int(value):,}"
    decimals = max(0, 3 - math.floor(math.log10(abs(value))))
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
