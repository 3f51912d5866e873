"""Times as a customer says them, in their language and their zone's local time.

"hoy a las 16:00", "mañana a las 9:30", "el jueves a las 9:30", "el jueves 11 de junio a las
9:30"; "today at 4 pm", "tomorrow at 9:30 am", "on Thursday 11 June at 9:30 am". Both arguments
are local times (aware, in the zone's time zone): "today" is the zone's today.
"""

from __future__ import annotations

from datetime import date, datetime
import functools
from typing import Final

from webhook_server.contract import Language

_DAYS: Final = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_MONTHS: Final = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio",
        "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ),
}  # fmt: skip
_WEEK: Final = 6
"""Up to this many days ahead, the day's name says which day it is."""


def clock(moment: datetime, language: Language) -> str:
    """``16:00`` / ``9:30`` in Spanish; ``4 pm`` / ``9:30 am`` in English."""
    if language == "es":
        return f"{moment.hour}:{moment.minute:02d}"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes} {'am' if moment.hour < 12 else 'pm'}"


def at_clock(moment: datetime, language: Language) -> str:
    """Say the clock time: ``a las 16:00`` (``a la 1:30``); ``at 4 pm``."""
    if language == "es":
        return f"{'a la' if moment.hour == 1 else 'a las'} {clock(moment, language)}"
    return f"at {clock(moment, language)}"


def day(moment: datetime, language: Language) -> str:
    """``lunes 1 de junio``; ``Monday 1 June``."""
    name = _DAYS[language][moment.weekday()]
    month = _MONTHS[language][moment.month - 1]
    if language == "es":
        return f"{name} {moment.day} de {month}"
    return f"{name} {moment.day} {month}"


def full_date(moment: datetime, language: Language) -> str:
    """``lunes 1 de junio de 2026``; ``Monday 1 June 2026``."""
    return f"{day(moment, language)}{' de' if language == 'es' else ''} {moment.year}"


_RELATIVE: Final = {
    "es": ("hoy", "mañana", "el {day}", "el {date}"),
    "en": ("today", "tomorrow", "on {day}", "on {date}"),
}
"""Today, tomorrow, a day of this week, another day: how each language names the day."""


def when(moment: datetime, now: datetime, language: Language) -> str:
    """When ``moment`` is, said from ``now``: today, tomorrow, this week's day, or the date."""
    return _when_from(moment, now.date(), language)


@functools.lru_cache(maxsize=4096)
def _when_from(moment: datetime, today_date: date, language: Language) -> str:
    """:func:`when`, remembered: visits start at a few grid times, and "today" is one day."""
    today, tomorrow, weekday, date_words = _RELATIVE[language]
    days_ahead = (moment.date() - today_date).days
    if days_ahead == 0:
        named = today
    elif days_ahead == 1:
        named = tomorrow
    elif 1 < days_ahead <= _WEEK:
        named = weekday.format(day=_DAYS[language][moment.weekday()])
    else:
        named = date_words.format(date=day(moment, language))
    return f"{named} {at_clock(moment, language)}"


def zone_label(moment: datetime, language: Language) -> str:
    """``hora local, CEST``; ``local time, CEST`` (a zone without an abbreviation: UTC+03)."""
    name = moment.tzname() or ""
    name = f"UTC{name}" if name[:1] in "+-" else name
    return f"{'hora local' if language == 'es' else 'local time'}, {name}"
