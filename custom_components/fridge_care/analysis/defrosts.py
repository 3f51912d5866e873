"""Defrost events: from the heater's power if there is a plug, else the freezer's warm bump."""

from __future__ import annotations

from collections import deque

from .cycles import HOUR_S, CycleTracker
from .signals import BUCKET_S, Signal
from .state import Persistent

_BUMP_K = 2.0  # a freezer warming this much above its low within the hour: defrost
_SAME_EVENT_S = 4 * HOUR_S


class DefrostLog(Persistent):
    """When the fridge defrosted; kept short, only the recent rhythm matters."""

    __slots__ = ("times",)
    _STATE = __slots__

    def __init__(self) -> None:
        """Start with no defrost seen."""
        self.times: deque[float] = deque(maxlen=32)

    @property
    def last(self) -> float | None:
        """When the last defrost was seen."""
        return self.times[-1] if self.times else None

    def observe(
        self, now: float, tracker: CycleTracker | None, freezer: Signal | None
    ) -> float | None:
        """Record new defrosts (called every ten minutes).

        Returns the interval since the previous defrost when a new one was seen.
        """
        before = self.last
        if tracker is not None:
            for start, _end in tracker.defrosts:
                self._add(start)
        elif freezer is not None:
            # A defrost warms the freezer by degrees within the hour; an outage or a long door
            # opening warms it far more slowly.
            means = freezer.bucket_means(now - HOUR_S, now)
            if len(means) >= 4 and means[-1] - min(means[:-1]) >= _BUMP_K:
                self._add(now - BUCKET_S)
        last = self.last
        return last - before if before is not None and last is not None and last > before else None

    def _add(self, at: float) -> None:
        last = self.last
        if last is None or at - last >= _SAME_EVENT_S:
            self.times.append(at)
