"""Whether a sensor's readings can be what it measures: suspect readings are set aside.

A probe lifted out of the freezer for a minute reads the room; a broken one reads anything at
all. Both give readings no compartment can take, but only the second is a fault.
"""

from __future__ import annotations

from collections import deque

from .state import Persistent

_RATE_FLOOR_S = 10.0  # readings closer together than this are judged as if this far apart
_ANCHOR_AGE_S = 60.0  # the pace is also measured from a good reading at least this old, so a
# probe climbing to the room in many small reported steps is caught as well
_ANCHOR_WITHIN_S = 600.0  # and no older than this: a slow change is simply a change
_SUSPECTS_IN_S = 900.0
_SUSPECTS_NEEDED = 3
FAULTY_AFTER_S = 1800.0  # a stream this long is a faulty sensor: a lifted probe's is shorter
_NEW_LEVEL_S = 600.0  # suspect readings that agree with each other this long: a new level
_AGREE_K = 2.0
_BACK_SHARE = 0.5  # handling ends within half a minute's change of the reading before it


class Plausibility(Persistent):
    """Whether a sensor's readings can be what it measures; suspect ones are set aside.

    A reading outside what the sensor can read is set aside. So is a temperature that has moved
    more than a minute's worth of change, faster than the compartment can move (a probe lifted
    into the room climbs many kelvin a minute; a defrost, a door or an outage one or two): the
    probe is being handled, and until it reads close to where it was before, what it reads is the
    room, not the compartment. Steps of a coarse sensor are smaller than a minute's change and
    never count. One or two such readings are handling; a steady stream of them for half an hour
    or more is a faulty sensor. Readings that agree with each other for ten minutes are a new
    level (the sensor was moved), and are taken.
    """

    __slots__ = (
        "_anchor_at",
        "_anchor_value",
        "_candidate_at",
        "_candidate_value",
        "_good_at",
        "_good_value",
        "_handled_from",
        "_level_since",
        "_level_value",
        "_streak_start",
        "_suspect_value",
        "suspects",
    )
    _STATE = __slots__

    def __init__(self) -> None:
        """Nothing seen yet."""
        self._good_at: float | None = None  # the last good reading
        self._good_value = 0.0
        self._anchor_at: float | None = None  # a good reading a minute or more old
        self._anchor_value = 0.0
        self._candidate_at: float | None = None  # the next anchor, once it is old enough
        self._candidate_value = 0.0
        self._handled_from: float | None = None  # while handled: where the probe was before
        self._streak_start = 0.0  # the first suspect reading of the current stream
        self._suspect_value: float | None = None  # the last reading set aside
        self._level_since: float | None = None  # set-aside readings have agreed since
        self._level_value = 0.0
        self.suspects: deque[float] = deque(maxlen=8)

    def check(
        self, at: float, value: float, low: float, high: float, *, k_per_min: float | None
    ) -> bool:
        """Whether to take this reading; one that is set aside is remembered as suspect."""
        suspect = not low <= value <= high
        if not suspect and k_per_min is not None:
            self._judge_pace(at, value, k_per_min)
            suspect = self._handled_from is not None and not self._new_level(at, value)
        if suspect:
            if not self._settling(value):
                if not self.suspects or at - self.suspects[-1] > _SUSPECTS_IN_S:
                    self._streak_start = at
                self.suspects.append(at)
            self._suspect_value = value
            return False
        self._take(at, value)
        return True

    def _settling(self, value: float) -> bool:
        """Whether a handled probe is on its way back: set aside, but no sign of a fault.

        A probe in a bottle put back after a minute in the room takes a quarter of an hour or
        more to read the compartment again; a broken one reads anything, every way.
        """
        before, last = self._handled_from, self._suspect_value
        return before is not None and last is not None and abs(value - before) <= abs(last - before)

    def _judge_pace(self, at: float, value: float, k_per_min: float) -> None:
        """Start handling on a change too fast for the compartment; end it once back in place."""
        if self._handled_from is not None:
            if abs(value - self._handled_from) <= _BACK_SHARE * k_per_min:
                self._handled_from = None
            return
        for since, before in (  # the older reading first: it is where the probe was before
            (self._anchor_at, self._anchor_value),
            (self._good_at, self._good_value),
        ):
            if since is None or at - since > _ANCHOR_WITHIN_S:
                continue
            change = abs(value - before)
            if change > k_per_min and change * 60.0 / max(at - since, _RATE_FLOOR_S) > k_per_min:
                self._handled_from = before
                return

    def _take(self, at: float, value: float) -> None:
        self._good_at, self._good_value = at, value
        if self._candidate_at is None:
            self._candidate_at, self._candidate_value = at, value
        elif at - self._candidate_at >= _ANCHOR_AGE_S:
            self._anchor_at, self._anchor_value = self._candidate_at, self._candidate_value
            self._candidate_at, self._candidate_value = at, value
        self._handled_from = None
        self._level_since = None

    def _new_level(self, at: float, value: float) -> bool:
        """Whether set-aside readings have agreed with each other long enough to be the truth."""
        if self._level_since is None or abs(value - self._level_value) > _AGREE_K:
            self._level_since, self._level_value = at, value
            return False
        return at - self._level_since >= _NEW_LEVEL_S

    def faulty_until(self) -> float | None:
        """When the last stream of suspect readings long enough to be a fault ended (or its latest).

        Until then the sensor said nothing true: what it may have missed meanwhile is unknown.
        """
        if self.suspects and self.suspects[-1] - self._streak_start >= FAULTY_AFTER_S:
            return self.suspects[-1]
        return None

    def faulty_since(self, now: float) -> float | None:
        """Start of the current stream of suspect readings, if it is a stream, else None."""
        recent = sum(1 for at in self.suspects if at >= now - _SUSPECTS_IN_S)
        return self._streak_start if recent >= _SUSPECTS_NEEDED else None
