"""How the console shows times, durations and figures to agents, in their language.

Times are local to the ticket's service zone, with the zone's abbreviation:
``Wed 25 Nov 2026, 03:05 CET`` / ``mié 25 nov 2026, 03:05 CET``, whatever the server's locale.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
import math
from typing import Final

_DAYS: Final = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
}
_MONTHS: Final = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
}


def local(value: float | str | datetime, zone: tzinfo) -> datetime:
    """Read an epoch (seconds), an RFC 3339 text or a datetime as a time in ``zone``."""
    if isinstance(value, datetime):
        return value.astimezone(zone)
    if isinstance(value, str):
        return datetime.fromisoformat(value).astimezone(zone)
    return datetime.fromtimestamp(value, UTC).astimezone(zone)


def _date(moment: datetime, language: str) -> str:
    days, months = _DAYS[language], _MONTHS[language]
    return f"{days[moment.weekday()]} {moment.day} {months[moment.month - 1]} {moment.year}"


def zone_name(moment: datetime) -> str:
    """Return the zone's abbreviation at that moment (``CEST``; ``UTC-03`` for one without)."""
    name = moment.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def when(value: float | str | datetime, zone: tzinfo, language: str = "en") -> str:
    """``Wed 25 Nov 2026, 03:05 CET``."""
    moment = local(value, zone)
    return f"{_date(moment, language)}, {moment:%H:%M} {zone_name(moment)}"


def span(
    start: float | str | datetime, end: float | str | datetime, zone: tzinfo, language: str = "en"
) -> str:
    """``Mon 1 Jun 2026, 10:30\N{EN DASH}11:30 CEST``, or two full times across midnight."""
    first, last = local(start, zone), local(end, zone)
    if first.date() != last.date():
        return f"{when(start, zone, language)} \N{EN DASH} {when(end, zone, language)}"
    return f"{_date(first, language)}, {first:%H:%M}\N{EN DASH}{last:%H:%M} {zone_name(last)}"


def duration(seconds: float | None, unknown: str = "unknown") -> str:
    """``2 h 15 min``, ``1 d 3 h``, ``45 min``; ``unknown`` for None."""
    if seconds is None:
        return unknown
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
