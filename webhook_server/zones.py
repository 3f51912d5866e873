"""Service zones and their time zones: every time a customer or an agent reads is local to one.

A zone's time zone comes with the roster (``zones: [{name, timezone}]``); a zone the roster does
not name reads in the service's own time zone (``--timezone``). Each process keeps the table in
memory and reads it again after a minute, so a roster loaded by another process is soon heard.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
import time
from typing import Final
from zoneinfo import ZoneInfo

from webhook_server.store import repository
from webhook_server.store.base import Connection

REFRESH_SECONDS: Final = 60.0


def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone name the service accepts (the ``tzdata`` package's list)."""
    names = (resources.files("tzdata") / "zones").read_text(encoding="utf-8").split()
    return tuple(sorted(names))


class ServiceZones:
    """Which time zone each service zone reads its times in, as this process last read it."""

    def __init__(self, default: ZoneInfo, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.default = default
        self._clock = clock
        self._zones: dict[str, ZoneInfo] = {}
        self._read_at = -REFRESH_SECONDS

    def timezone(self, zone: str) -> ZoneInfo:
        """Return the time zone of ``zone`` (the service's own for a zone without one)."""
        return self._zones.get(zone, self.default)

    def forget(self) -> None:
        """Read the table again before the next use (the roster changed)."""
        self._read_at = -REFRESH_SECONDS

    async def refresh(self, conn: Connection) -> None:
        """Read the zones again if it has been a while."""
        now = self._clock()
        if now - self._read_at < REFRESH_SECONDS:
            return
        names = await repository.zone_timezones(conn)
        self._zones = {zone: ZoneInfo(name) for zone, name in names.items()}
        self._read_at = now
