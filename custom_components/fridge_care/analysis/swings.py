"""The turning points of a compartment's temperature: its cycle swing, its bumps, its rhythm.

Each compressor cycle swings a compartment's sensor up while the compressor rests and down while
it runs (a freezer by 1-3 K, a fridge by about one kelvin). Turning points found with hysteresis
tell how large an ordinary swing is — so a defrost is only a bump that stands clear of it — how
long the cooling phases last (the compressor's duty, seen without a plug), how fast it cools, and
whether the sensor is moving at all.
"""

from __future__ import annotations

from collections import deque
from itertools import pairwise
import math
from statistics import median
from typing import NamedTuple

from .state import Persistent

_HYSTERESIS_K = 0.3
_KEPT = 720  # turning points: about two weeks of a fridge's cycles
_HOUR_S = 3600.0


class Turn(NamedTuple):
    """A local extreme: a peak (+1) where warming turned to cooling, or a trough (-1)."""

    at: float
    value: float
    kind: int


class Phase(NamedTuple):
    """The stretch between two turning points."""

    start: float
    end: float
    change_k: float  # positive warming, negative cooling

    @property
    def rate_k_per_h(self) -> float:
        """Kelvin per hour over the phase."""
        return self.change_k / max(self.end - self.start, 1.0) * _HOUR_S


class Swings(Persistent):
    """Streaming turning-point detection for one temperature sensor (O(1) per reading)."""

    __slots__ = ("_direction", "_extreme", "_extreme_at", "turns")
    _STATE = __slots__

    def __init__(self) -> None:
        """No reading yet."""
        self._direction = 0  # +1 warming, -1 cooling, 0 not known yet
        self._extreme: float | None = None
        self._extreme_at = 0.0
        self.turns: deque[Turn] = deque(maxlen=_KEPT)

    _ROWS = {"turns": Turn._make}  # noqa: RUF012 - the Persistent row factory

    def update(self, at: float, value: float) -> None:
        """Take one reading."""
        extreme = self._extreme
        if extreme is None:
            self._extreme, self._extreme_at = value, at
            return
        direction = self._direction
        if direction == 0:
            if abs(value - extreme) >= _HYSTERESIS_K:
                self._direction = 1 if value > extreme else -1
                self._extreme, self._extreme_at = value, at
            return
        if (value - extreme) * direction > 0:  # further the same way
            self._extreme, self._extreme_at = value, at
        elif abs(value - extreme) >= _HYSTERESIS_K:  # turned
            self.turns.append(Turn(self._extreme_at, extreme, direction))
            self._direction = -direction
            self._extreme, self._extreme_at = value, at

    def turns_since(self, since: float) -> list[Turn]:
        """Return the turning points since ``since``, oldest first."""
        recent: list[Turn] = []
        for turn in reversed(self.turns):  # newest first: only the recent ones are read
            if turn.at < since:
                break
            recent.append(turn)
        recent.reverse()
        return recent

    def phases(self, since: float) -> list[Phase]:
        """Warming and cooling phases that ended after ``since``, oldest first."""
        recent = self.turns_since(since)
        return [Phase(a.at, b.at, b.value - a.value) for a, b in pairwise(recent)]

    def cooling_share(self, since: float, until: float) -> float | None:
        """Share of [since, until) spent cooling: the compressor's duty, seen from inside."""
        phases = [p for p in self.phases(since) if p.end <= until]
        total = sum(p.end - p.start for p in phases)
        if len(phases) < 6 or total < 0.5 * (until - since):
            return None
        return sum(p.end - p.start for p in phases if p.change_k < 0) / total

    def cooling_rate(self, since: float, until: float = math.inf) -> float | None:
        """Median cooling rate (K/h, positive) of the cooling phases in [since, until)."""
        rates = [-p.rate_k_per_h for p in self.phases(since) if p.change_k < 0 and p.end <= until]
        return median(rates) if len(rates) >= 4 else None

    def peaks(self, since: float) -> list[Turn]:
        """Peaks since ``since``."""
        return [turn for turn in self.turns_since(since) if turn.kind > 0]
