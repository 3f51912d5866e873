"""The plug's first readings, kept so the owner sees duty and starts before the hours settle.

The hourly duty buckets fill only once the power levels are settled (two hours of readings) and
show a figure after a further hour. A new owner wants to see the fridge run from the start, so
the raw readings of those first hours are kept (compactly, at most ``_KEPT`` of them) and read
against whatever levels are known, provisional or settled. Display only: nothing is judged on
these figures. Not saved across restarts: after one they are measured again.
"""

from __future__ import annotations

from array import array
import math

import numpy as np

from .power import starts_at, stops_below

_KEPT = 16_384  # two arrays of doubles: 256 KB at most, freed once the hours settle
_FIRST_CYCLE_S = 1200.0  # a duty needs this much seen, a rest and a run
_FIRST_HOUR_S = 3600.0  # starts per hour need a whole hour seen
_SHORTEST_RUN_S = 90.0  # a door lamp or a failed start lifts the power for less than this


class FirstHours:
    """Readings from the plug's first appearance until the hourly figures take over."""

    __slots__ = ("_at", "_watts", "closed", "duty", "starts_per_h")

    def __init__(self) -> None:
        """Keep nothing yet."""
        self._at = array("d")
        self._watts = array("d")
        self.closed = False
        self.duty: float | None = None  # share of the time running, once measured
        self.starts_per_h: float | None = None

    def add(self, at: float, watts: float | None) -> None:
        """Keep one reading (None: the plug is unavailable, a gap in the record)."""
        if self.closed or len(self._at) >= _KEPT:
            return
        self._at.append(at)
        self._watts.append(math.nan if watts is None else watts)

    def close(self) -> None:
        """Free the readings and keep none again: the hourly figures cover an hour now."""
        self.closed = True
        self.duty = self.starts_per_h = None
        self._at = array("d")
        self._watts = array("d")

    def refresh(self, now: float, off_w: float, run_w: float) -> None:
        """Read the readings so far against these levels (every ten minutes, display only).

        The duty shows once a rest and a run have been seen over twenty minutes; the starts
        once a whole hour has been seen. A start begins a run that lasts ninety seconds or more.
        """
        self.duty = self.starts_per_h = None
        if self.closed or len(self._at) == 0 or now <= self._at[0]:
            return
        at = np.frombuffer(self._at)
        watts = np.frombuffer(self._watts)
        held = np.diff(at, append=now)
        seen = np.isfinite(watts)
        seen_s = float(held[seen].sum())
        running = _running(watts, off_w, run_w) & seen
        if seen_s < _FIRST_CYCLE_S or not running.any() or running.all():
            return
        self.duty = round(float(held[running].sum() / seen_s), 3)
        if seen_s < _FIRST_HOUR_S:
            return
        rises = np.flatnonzero(~running[:-1] & running[1:]) + 1
        falls = np.flatnonzero(running[:-1] & ~running[1:]) + 1
        ends = np.append(at, now)[np.append(falls, len(at))[np.searchsorted(falls, rises)]]
        starts = int(np.count_nonzero(ends - at[rises] >= _SHORTEST_RUN_S))
        self.starts_per_h = round(starts / (seen_s / 3600.0), 2)


def _running(watts: np.ndarray, off_w: float, run_w: float) -> np.ndarray:
    """Return whether the compressor runs at each reading.

    Above the midpoint it runs; below the stop level, or unavailable, it rests; in between it
    keeps doing what it did (a run's power sags, a door lamp lifts a rest).
    """
    rising = watts >= starts_at(off_w, run_w)
    resting = ~(watts >= stops_below(off_w, run_w))  # NaN rests too
    decided = rising | resting
    last = np.maximum.accumulate(np.where(decided, np.arange(len(watts)), 0))
    running: np.ndarray = rising[last] & decided[last]
    return running
