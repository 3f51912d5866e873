"""Whether a sensor's readings can be what it measures: suspect readings are set aside.

A probe lifted out of the freezer for a minute reads the room; a broken one reads anything at
all. Both give readings no compartment can take, but only the second is a fault.
"""

from __future__ import annotations

from collections import deque

from .state import Persistent

_ANCHOR_AGE_S = 120.0  # jumps are measured from a good reading at least this old: a probe
# in the room climbs many kelvin in two minutes, a defrost or an outage one or two
_JUMP_WITHIN_S = 2700.0  # and no older than this: a slow change is simply a change
_SUSPECTS_IN_S = 900.0
_SUSPECTS_NEEDED = 3
_NEW_LEVEL_S = 600.0  # suspect readings that agree with each other this long: a new level
_AGREE_K = 2.0


class Plausibility(Persistent):
    """Whether a sensor's readings can be what it measures; suspect ones are set aside.

    A reading outside what the sensor can read, or a temperature that has jumped further than
    the compartment can move in minutes (measured from a good reading two minutes old as well, so
    a probe climbing quickly to the room's temperature in small reported steps is caught too), is
    set aside: a probe lifted out for a minute reads the room, not the compartment. One or two
    such readings are handling; a steady stream of them, for half an hour or more, is a faulty
    sensor. Jumped readings that agree with each other for ten minutes are a new level (the
    sensor was moved), and are taken.
    """

    __slots__ = (
        "_anchor_at",
        "_anchor_value",
        "_candidate_at",
        "_candidate_value",
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
        self._good_at: float | None = None  # the last good reading
        self._good_value = 0.0
        self._anchor_at: float | None = None  # a good reading two minutes or more old
        self._anchor_value = 0.0
        self._candidate_at: float | None = None  # the next anchor, once it is old enough
        self._candidate_value = 0.0
        self._streak_start = 0.0  # the first suspect reading of the current stream
        self._level_since: float | None = None  # jumped readings have agreed since
        self._level_value = 0.0
        self.suspects: deque[float] = deque(maxlen=8)

    def check(
        self, at: float, value: float, low: float, high: float, *, jump_k: float | None
    ) -> bool:
        """Whether to take this reading; one that is set aside is remembered as suspect."""
        jumped = jump_k is not None and (
            self._jumped(self._good_at, self._good_value, at, value, jump_k)
            or self._jumped(self._anchor_at, self._anchor_value, at, value, jump_k)
        )
        if jumped and self._new_level(at, value):
            jumped = False
        if jumped or not low <= value <= high:
            if not self.suspects or at - self.suspects[-1] > _SUSPECTS_IN_S:
                self._streak_start = at
            self.suspects.append(at)
            return False
        self._good_at, self._good_value = at, value
        if self._candidate_at is None:
            self._candidate_at, self._candidate_value = at, value
        elif at - self._candidate_at >= _ANCHOR_AGE_S:
            self._anchor_at, self._anchor_value = self._candidate_at, self._candidate_value
            self._candidate_at, self._candidate_value = at, value
        self._level_since = None
        return True

    @staticmethod
    def _jumped(since: float | None, before: float, at: float, value: float, jump_k: float) -> bool:
        return since is not None and at - since < _JUMP_WITHIN_S and abs(value - before) > jump_k

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
