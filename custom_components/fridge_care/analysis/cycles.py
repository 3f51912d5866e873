"""Compressor cycles segmented from the smart plug's power readings.

A plug reports every 10-60 s or on change. Each reading is classified against thresholds learned
for this fridge (idle, running, defrost heater), with hysteresis between switching on and off.
Time is booked into hourly duty buckets as it passes, and each finished segment becomes a cycle,
a start attempt that never ran (start relay case) or a defrost-heater event.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from statistics import median
from typing import Any, ClassVar, NamedTuple

from .state import Persistent

IDLE, RUN, HEAT, UNKNOWN = 0, 1, 2, 3
HOUR_S = 3600.0
_HOURS_KEPT = 24 * 40
_JUMPS_KEPT = 120
_START_ATTEMPT_S = 45.0  # powered for less than this: the compressor never got going
_SETTLE_S = 180.0  # start inrush and pull-down surge are over after this
_HEATER_MIN_S = 300.0  # a defrost heater stays on for many minutes
_LONGEST_BOOKED_S = 900.0  # a silence longer than this is not booked as on or off
_RUNS_TO_LEARN = 5
_DEFAULT_ON_W = 25.0
_DEFAULT_OFF_W = 15.0


class Cycle(NamedTuple):
    """One compressor run and the off period before it."""

    start: float
    end: float
    mean_w: float | None  # settled running power
    cv: float | None  # reading-to-reading variation of the settled running power, relative
    off_s: float | None  # length of the off period before this run
    warm_k_per_h: float | None  # fridge warming rate during that off period
    cool_k_per_h: float | None  # fridge cooling rate during this run
    door_opened: bool  # the door opened during the off period or the run
    fridge_at_start: float | None


class CycleTracker(Persistent):
    """Streaming cycle segmentation; ``update`` is a handful of comparisons per reading."""

    __slots__ = (
        "_door_at_start",
        "_fridge_at_start",
        "_idle_w",
        "_last_at",
        "_level",
        "_off_since",
        "_prev_end_fridge",
        "_seg_jumps",
        "_seg_mean",
        "_seg_n",
        "_seg_prev",
        "_seg_start",
        "_switch_at",
        "attempts",
        "cycles",
        "defrosts",
        "heater_w",
        "hours",
        "off_w",
        "on_w",
        "run_w",
    )
    _STATE = __slots__
    _ROWS: ClassVar[dict[str, Callable[[Iterable[Any]], tuple[Any, ...]]]] = {"cycles": Cycle._make}

    def __init__(self) -> None:
        """Start with default thresholds until this fridge's levels are learned."""
        self.on_w = _DEFAULT_ON_W
        self.off_w = _DEFAULT_OFF_W
        self.heater_w: float | None = None
        self.run_w: float | None = None
        self._idle_w: float | None = None
        self._level = UNKNOWN
        self._last_at: float | None = None
        self._seg_start = 0.0
        self._seg_n = 0
        self._seg_mean = 0.0
        self._seg_jumps: deque[float] = deque(maxlen=_JUMPS_KEPT)
        self._seg_prev = 0.0
        self._switch_at: float | None = None
        self._off_since: float | None = None
        self._prev_end_fridge: float | None = None
        self._fridge_at_start: float | None = None
        self._door_at_start = 0
        # [hour index, on seconds, observed seconds, starts]
        self.hours: deque[tuple[int, float, float, int]] = deque(maxlen=_HOURS_KEPT)
        self.cycles: deque[Cycle] = deque(maxlen=800)
        self.attempts: deque[float] = deque(maxlen=64)
        self.defrosts: deque[tuple[float, float]] = deque(maxlen=64)

    @property
    def running(self) -> bool:
        """Whether the compressor is running now."""
        return self._level == RUN

    @property
    def run_started_at(self) -> float | None:
        """When the current run (or heater period) started, if one is under way."""
        return self._seg_start if self._level in (RUN, HEAT) else None

    def update(self, at: float, watts: float | None, fridge_c: float | None, doors: int) -> None:
        """Take one power reading (None: plug unavailable) with the fridge temperature now."""
        last_at = self._last_at
        level = self._level
        if last_at is not None and level != UNKNOWN and at - last_at <= _LONGEST_BOOKED_S:
            self._book(last_at, at - last_at, level)
        self._last_at = at
        if watts is None:
            self._level = UNKNOWN
            self._off_since = None
            return
        if level in (IDLE, UNKNOWN):
            if watts >= self.on_w:
                self._begin(at, fridge_c)
            else:
                self._level = IDLE
                if level == UNKNOWN:
                    self._off_since = None
                idle = self._idle_w
                self._idle_w = watts if idle is None else idle + 0.05 * (watts - idle)
            return
        if watts < self.off_w:
            self._finish(at, fridge_c, doors)
            return
        heater = self.heater_w
        hot = heater is not None and watts >= heater
        if hot == (level == HEAT):
            self._switch_at = None
        elif self._switch_at is None:
            self._switch_at = at  # one reading could be the start inrush: wait for a second
        else:
            switch_at, self._switch_at = self._switch_at, None
            if switch_at - self._seg_start >= _START_ATTEMPT_S:
                self._finish(switch_at, fridge_c, doors)  # straight from running to heating
                self._begin(switch_at, fridge_c)
            self._level = HEAT if hot else RUN
            return
        if level == RUN and at - self._seg_start >= _SETTLE_S:
            # Running mean, and reading-to-reading jumps: a slow drift (a weakening compressor,
            # the room warming) is not jitter, and the median jump ignores the odd lamp switch.
            self._seg_n += 1
            self._seg_mean += (watts - self._seg_mean) / self._seg_n
            if self._seg_n > 1:
                self._seg_jumps.append(abs(watts - self._seg_prev))
            self._seg_prev = watts

    def _book(self, at: float, seconds: float, level: int) -> None:
        hour = int(at // HOUR_S)
        hours = self.hours
        if not hours or hours[-1][0] != hour:
            hours.append((hour, 0.0, 0.0, 0))
        h, on_s, seen_s, starts = hours[-1]
        hours[-1] = (h, on_s + (seconds if level == RUN else 0.0), seen_s + seconds, starts)

    def _begin(self, at: float, fridge_c: float | None) -> None:
        self._level = RUN
        self._seg_start = at
        self._seg_n = 0
        self._seg_mean = self._seg_prev = 0.0
        self._seg_jumps.clear()
        self._fridge_at_start = fridge_c

    def _finish(self, at: float, fridge_c: float | None, doors: int) -> None:
        start = self._seg_start
        length = at - start
        heating = self._level == HEAT
        self._level = IDLE
        self._switch_at = None
        if heating:
            if length >= _HEATER_MIN_S:
                self.defrosts.append((start, at))
            self._off_since = at
            self._prev_end_fridge = fridge_c
            return
        if length < _START_ATTEMPT_S:
            self.attempts.append(start)
            return
        hours = self.hours
        if hours:
            h, on_s, seen_s, starts = hours[-1]
            hours[-1] = (h, on_s, seen_s, starts + 1)
        mean_w = self._seg_mean if self._seg_n >= 3 else None
        cv = None
        if mean_w is not None and mean_w > 0 and self._seg_jumps:
            # median |jump| of Gaussian jitter is 0.954 sigma, since a jump has sigma * sqrt 2
            cv = median(self._seg_jumps) / 0.954 / mean_w
        off_s = start - self._off_since if self._off_since is not None else None
        start_c, end_c = self._fridge_at_start, self._prev_end_fridge
        warm = None
        if off_s is not None and off_s > 0 and start_c is not None and end_c is not None:
            warm = (start_c - end_c) / off_s * HOUR_S
        cool = None
        if start_c is not None and fridge_c is not None:
            cool = (start_c - fridge_c) / length * HOUR_S
        self.cycles.append(
            Cycle(start, at, mean_w, cv, off_s, warm, cool, doors != self._door_at_start, start_c)
        )
        self._off_since = at
        self._prev_end_fridge = fridge_c
        self._door_at_start = doors
        if mean_w is not None:
            self._learn_levels()

    def _learn_levels(self) -> None:
        """Place the thresholds between this fridge's idle, running and heater power.

        Until the heater level is known a defrost looks like a long run, so the running level is
        taken low in the recent runs (a quarter of the way up), never from a single one.
        """
        recent = sorted(c.mean_w for c in list(self.cycles)[-15:] if c.mean_w is not None)
        if len(recent) < _RUNS_TO_LEARN:
            return
        run = recent[len(recent) // 4]
        idle = self._idle_w if self._idle_w is not None else 0.0
        if run - idle < 10.0:
            return
        self.run_w = run
        self.on_w = idle + 0.4 * (run - idle)
        self.off_w = idle + 0.25 * (run - idle)
        self.heater_w = 1.5 * run

    def duty(self, since: float, until: float) -> tuple[float, float, int] | None:
        """On seconds, observed seconds and starts in whole hours [since, until); None if unseen."""
        first, last = int(since // HOUR_S), int(until // HOUR_S)
        on_total = seen_total = 0.0
        starts_total = 0
        for hour, on_s, seen_s, starts in reversed(self.hours):
            if hour < first:
                break
            if hour <= last:
                on_total += on_s
                seen_total += seen_s
                starts_total += starts
        return (on_total, seen_total, starts_total) if seen_total > 0 else None
