"""Whether a sensor's readings can be what it measures: suspect readings are set aside.

A probe lifted out of the freezer for a minute reads the room; a broken one reads anything at
all. Both give readings no compartment can take, but only the second is a fault.
"""

from __future__ import annotations

from collections import deque

from .state import Persistent

_JUMP_K = 10.0  # no compartment or room changes this much between readings minutes apart
_JUMP_WITHIN_S = 1800.0  # after this long a new level is simply the new level
_SUSPECTS_IN_S = 900.0
_SUSPECTS_NEEDED = 3
_NEW_LEVEL_S = 300.0  # suspect readings that agree with each other this long: a new level
_AGREE_K = 2.0


class Plausibility(Persistent):
    """Whether a sensor's readings can be what it measures; suspect ones are set aside.

    A reading outside what the sensor can read, or a temperature that jumps ten kelvin from the
    last good one within minutes, is set aside (a probe lifted out for a minute reads the room:
    those readings are not the compartment's). One or two such readings are handling; a steady
    stream of them, for half an hour or more, is a faulty sensor. Jumped readings that agree with
    each other for five minutes are a new level (the sensor was moved), and are taken.
    """

    __slots__ = (
        "_good_at",
        "_good_value",
        "_level_since",
        "_level_value",
        "_streak_start",
        "suspects",
    )
    _STATE = __slots__

    def __init__(self) -> None:
        """Nothing seen yet."""
        self._good_at: float | None = None
        self._good_value = 0.0
        self._streak_start = 0.0  # the first suspect reading of the current stream
        self._level_since: float | None = None  # jumped readings have agreed since
        self._level_value = 0.0
        self.suspects: deque[float] = deque(maxlen=8)

    def check(self, at: float, value: float, low: float, high: float, *, jumps: bool) -> bool:
        """Whether to take this reading; one that is set aside is remembered as suspect."""
        jumped = (
            jumps
            and self._good_at is not None
            and at - self._good_at < _JUMP_WITHIN_S
            and abs(value - self._good_value) > _JUMP_K
        )
        if jumped and self._new_level(at, value):
            jumped = False
        if jumped or not low <= value <= high:
            if not self.suspects or at - self.suspects[-1] > _SUSPECTS_IN_S:
                self._streak_start = at
            self.suspects.append(at)
            return False
        self._good_at, self._good_value = at, value
        self._level_since = None
        return True

    def _new_level(self, at: float, value: float) -> bool:
        """Whether jumped readings have agreed with each other long enough to be the truth."""
        if self._level_since is None or abs(value - self._level_value) > _AGREE_K:
            self._level_since, self._level_value = at, value
            return False
        return at - self._level_since >= _NEW_LEVEL_S

    def faulty_since(self, now: float) -> float | None:
        """Start of the current stream of suspect readings, if it is a stream, else None."""
        recent = sum(1 for at in self.suspects if at >= now - _SUSPECTS_IN_S)
        return self._streak_start if recent >= _SUSPECTS_NEEDED else None
