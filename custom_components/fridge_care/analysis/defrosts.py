"""Defrost events and their rhythm: from the heater's power, else the freezer's warm bump.

A heater shows on the plug as a flat 150-400 W for 20-60 minutes (:mod:`.cycles`). Without one in
view, a defrost warms the freezer's sensor by many kelvin over ten minutes or more; an ordinary
compressor cycle swings it 1-3 K and a probe lifted out for a minute jumps within seconds, so a
bump counts only when it stands clear of the learned swing and rises no faster than a heater can.
The rhythm is known once several intervals agree; until then no defrost can be called missing.
"""

from __future__ import annotations

from collections import deque
from itertools import pairwise
from statistics import median

from .cycles import HOUR_S, CycleTracker
from .state import Persistent
from .swings import Swings

_SAME_EVENT_S = 4 * HOUR_S
_BUMP_MIN_K = 3.0
_BUMP_SWINGS = 2.5  # a defrost bump is this many ordinary swings above the troughs
_BUMP_RISE_MIN_S = 600.0  # a heater takes ten minutes or more to warm the freezer's air
_SHORTEST_INTERVAL_S = 6 * HOUR_S
_LONGEST_INTERVAL_S = 4 * 24 * HOUR_S
_INTERVALS_TO_KNOW = 4
_REGULAR_CV = 0.3  # spread of the intervals (standard deviation / mean) of a known rhythm


class DefrostLog(Persistent):
    """When the fridge defrosted, and the intervals between defrosts that were fully watched."""

    __slots__ = ("intervals", "overdue_after_s", "rhythm_s", "times")
    _STATE = __slots__

    def __init__(self) -> None:
        """Start with no defrost seen."""
        self.times: deque[float] = deque(maxlen=32)
        self.intervals: deque[float] = deque(maxlen=8)
        self.rhythm_s: float | None = None  # the usual interval, once the last few agree
        self.overdue_after_s: float | None = None  # no defrost this long: one was missed

    @property
    def last(self) -> float | None:
        """When the last defrost was seen."""
        return self.times[-1] if self.times else None

    def _learn_rhythm(self) -> None:
        """Know the rhythm once the last few fully watched intervals agree."""
        recent = list(self.intervals)[-6:]
        self.rhythm_s = self.overdue_after_s = None
        if len(recent) < _INTERVALS_TO_KNOW:
            return
        mean = sum(recent) / len(recent)
        spread = (sum((i - mean) ** 2 for i in recent) / len(recent)) ** 0.5
        if spread > _REGULAR_CV * mean:
            return
        self.rhythm_s = median(recent)
        self.overdue_after_s = max(1.5 * max(recent), self.rhythm_s + 8 * HOUR_S)

    def observe(
        self,
        now: float,
        tracker: CycleTracker | None,
        freezer: Swings | None,
        blind_until: float | None,
    ) -> None:
        """Record new defrosts (called every ten minutes).

        ``blind_until`` is when the witness (plug or freezer sensor) last came back from being
        unavailable: an interval spanning a blind spell may hide a defrost and is not learned.
        """
        if tracker is not None and (tracker.defrosts or tracker.signature.heater_w is not None):
            for start, _end, _watts in tracker.defrosts:
                self._add(start, blind_until)
        elif freezer is not None:
            self._bumps(now, freezer, blind_until)

    def _bumps(self, now: float, freezer: Swings, blind_until: float | None) -> None:
        swing = freezer.swing_k(now - 24 * HOUR_S)
        if swing is None:
            return
        turns = list(freezer.turns)
        troughs = [t.value for t in turns if t.kind < 0 and t.at >= now - 24 * HOUR_S]
        if len(troughs) < 4:
            return
        floor = median(troughs) + max(_BUMP_MIN_K, _BUMP_SWINGS * swing)
        for before, peak in pairwise(turns):
            if (
                peak.kind > 0
                and peak.at >= now - 6 * HOUR_S
                and peak.value >= floor
                and peak.at - before.at >= _BUMP_RISE_MIN_S
            ):
                self._add(before.at, blind_until)

    def _add(self, at: float, blind_until: float | None) -> None:
        last = self.last
        if last is not None and at - last < _SAME_EVENT_S:
            return
        self.times.append(at)
        if last is None:
            return
        interval = at - last
        watched = blind_until is None or blind_until <= last
        if watched and _SHORTEST_INTERVAL_S <= interval <= _LONGEST_INTERVAL_S:
            self.intervals.append(interval)
            self._learn_rhythm()
