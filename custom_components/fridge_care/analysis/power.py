"""The appliance's power signature, learned from its own readings: off, running, heater.

Fixed watt thresholds fail on real fridges: one draws 16 W of standby electronics, another 0 W
between runs; one compressor runs at 62 W, another at 150 W; a door lamp adds 10-40 W for
seconds. So the levels are read off a time-weighted histogram of the held readings on a log scale
(its distinct levels: "off" is the standby the appliance rests at, never above what electronics
draw; "running" the lowest one well above it that holds more time than a door lamp — a defrost
heater, higher still, may hold less or more), and the signature says whether they are clear.
Nothing that rests on these levels runs until they are; an appliance that never switches off (a
constant load) never gets them.
"""

from __future__ import annotations

from itertools import pairwise
import math

import numpy as np

from .state import Persistent

_BINS = 240
_LOG_FLOOR_W = 2.0  # log(watts + 2): 0 W and 1 W stay apart, and 0 W has a bin
_LOG_SPAN = math.log(4000.0 + _LOG_FLOOR_W) - math.log(_LOG_FLOOR_W)
_FORGET_S = 10 * 86_400.0  # old readings fade, so a changed appliance is relearned in days
_PROVISIONAL_S = 2 * 3600.0  # this much time seen gives levels good enough to judge on
_FIRST_CYCLE_S = 1200.0  # before that, a rest and a run seen give a duty to show
_OFF_SHARE = 0.1  # the appliance rests at its off level a good part of the time
_REST_SHARE = 0.02  # or, in a hot room where it hardly stops, half an hour a day at least
_STANDBY_MAX_W = 30.0  # electronics draw 0-20 W: a level above this is never the appliance off
_RUN_SHARE = 0.04  # and runs at its running level more than a door lamp is ever on
_SHALLOW = 0.5  # peaks with a valley this high between them are one level
_HOLDS_ITS_OWN = 0.3
_RATIO = 1.8  # (running + 5) / (off + 5): a compressor is far above standby
_MIN_RISE_W = 20.0
_HEATER_RATIO = 1.6  # a defrost heater draws well above the running compressor
_HEATER_RISE_W = 60.0
_HEATER_SHARE = 0.004  # a 20-minute defrost every 40 hours holds this share of the time
_HEATER_STEP = 1.2  # and a heater level read off the histogram stands this far above the run
_HEATER_STEP_W = 55.0  # above a run with the door lamp and a fan on
_ABOVE_LAMP_W = 45.0  # a heater floor stays this far above the run, where no lamp reaches
_ATTEMPT_RATIO = 1.25  # a failed start peaks above the running level (locked-rotor current)
LAMP_MAX_W = 50.0  # a door lamp (and the fan it may start) adds at most this to any level
NO_DRAW_W = 0.3  # a plug reading this or less: nothing draws (no mains, or a mechanical rest)


def starts_at(off_w: float, run_w: float) -> float:
    """Return the reading at or above which the compressor runs: halfway from off to running."""
    return off_w + 0.5 * (run_w - off_w)


def stops_below(off_w: float, run_w: float) -> float:
    """Return the reading below which a running compressor stops (hysteresis)."""
    return off_w + 0.35 * (run_w - off_w)


def _bin(watts: float) -> int:
    x = (math.log(max(0.0, watts) + _LOG_FLOOR_W) - math.log(_LOG_FLOOR_W)) / _LOG_SPAN
    return min(_BINS - 1, max(0, int(x * _BINS)))


_CENTRES = np.exp(np.log(_LOG_FLOOR_W) + (np.arange(_BINS) + 0.5) / _BINS * _LOG_SPAN) - (
    _LOG_FLOOR_W
)


class PowerSignature(Persistent):
    """Learned power levels of one appliance; None until the readings show them clearly."""

    __slots__ = (
        "_decayed_at",
        "heater_level_w",
        "heater_w",
        "histogram",
        "off_w",
        "provisional_levels",
        "run_w",
        "seen_s",
    )
    _STATE = __slots__

    def __init__(self) -> None:
        """Know nothing yet."""
        self.histogram: list[float] = [0.0] * _BINS  # seconds spent at each level, fading
        self.seen_s = 0.0  # seconds of readings taken in, ever
        self.off_w: float | None = None  # standby (0 W for a mechanical thermostat)
        self.run_w: float | None = None  # the compressor's settled running power
        self.heater_w: float | None = None  # the defrost heater, once one was seen
        self.heater_level_w: float | None = None  # a level above running, read off the histogram
        # Off and running levels from the first rest and run, before they are settled: the
        # owner's duty and starts are read against them; nothing is judged on them.
        self.provisional_levels: list[float] | None = None
        self._decayed_at: float | None = None

    def book(self, watts: float, seconds: float) -> None:
        """Count ``seconds`` spent at ``watts`` (the hot path: one log and one add)."""
        self.histogram[_bin(watts)] += seconds
        self.seen_s += seconds

    @property
    def known(self) -> bool:
        """Whether off and running levels are told apart."""
        return self.run_w is not None

    @property
    def shown_levels(self) -> tuple[float, float] | None:
        """The off and running levels the owner's figures are read against, settled or not."""
        if self.off_w is not None and self.run_w is not None:
            return self.off_w, self.run_w
        if self.provisional_levels is not None:
            return self.provisional_levels[0], self.provisional_levels[1]
        return None

    @property
    def on_w(self) -> float:
        """A reading at or above this is the compressor running (call only when known)."""
        assert self.off_w is not None and self.run_w is not None
        return starts_at(self.off_w, self.run_w)

    @property
    def off_below_w(self) -> float:
        """A running compressor stops when a reading falls below this (hysteresis)."""
        assert self.off_w is not None and self.run_w is not None
        return stops_below(self.off_w, self.run_w)

    @property
    def heater_floor_w(self) -> float:
        """Readings sustained at or above this are a defrost heater, not the compressor.

        Far above the run, unless the histogram shows a level of its own above the run (a
        150 W heater beside a 120 W compressor): then halfway to that level.
        """
        run = self.run_w
        assert run is not None
        floor = max(_HEATER_RATIO * run, run + _HEATER_RISE_W)
        if self.heater_level_w is not None:
            halfway = run + 0.5 * (self.heater_level_w - run)
            floor = min(floor, max(halfway, run + _ABOVE_LAMP_W))
        return floor

    @property
    def attempt_w(self) -> float:
        """A short burst at or above this, with no run after it, is a failed start.

        Above the running level (locked-rotor current); or, where the plug averages the
        one-second burst over its window and reads it lower, above all that a lamp and fans add
        to the standby: no healthy fridge draws that for less than a run.
        """
        assert self.off_w is not None and self.run_w is not None
        return min(_ATTEMPT_RATIO * self.run_w, self.off_w + LAMP_MAX_W)

    def relearn(self, now: float) -> None:
        """Fade old readings and place the levels again (every ten minutes).

        Levels once found are kept while a later histogram is unclear (a long defrost or a
        day of long runs blurs it for a while, and the rests of a hot spell hold little time);
        a clear new split replaces them. Before any are found, rests of half an hour a day are
        enough to place them: a fridge in a hot room may hardly stop from its first day.
        """
        hist = np.asarray(self.histogram)
        if self._decayed_at is not None:
            hist *= math.exp(-(now - self._decayed_at) / _FORGET_S)
            self.histogram = hist.tolist()
        self._decayed_at = now
        self.provisional_levels = None
        if self.seen_s < _FIRST_CYCLE_S or hist.sum() <= 0:
            return
        levels = _levels(hist)
        split = _split(levels, _OFF_SHARE if self.known else _REST_SHARE)
        if split is None:
            return
        off, run = split
        if self.seen_s >= _PROVISIONAL_S:
            self.off_w, self.run_w = round(off, 1), round(run, 1)
            heater = _heater_level(levels, run)
            if heater is not None:
                self.heater_level_w = round(heater, 1)
        else:  # not yet enough to judge on; enough to show the owner
            self.provisional_levels = [round(off, 1), round(run, 1)]

    def saw_heater(self, watts: float) -> None:
        """Remember a defrost heater's level (the mean of a heater segment)."""
        self.heater_w = watts if self.heater_w is None else self.heater_w * 0.7 + watts * 0.3


def _split(levels: list[tuple[float, float]], rest_share: float) -> tuple[float, float] | None:
    """Return the off and running levels a histogram shows, or None while it shows no split.

    Off is the lowest standby level that holds a good part of the time, else the standby level
    that holds the most if that is ``rest_share`` of the time: a compressor running however long
    is never taken for the standby (its heater would become the run, and each rest a power cut).
    """
    standby = [(level, mass) for level, mass in levels if level <= _STANDBY_MAX_W]
    off = next((level for level, mass in standby if mass >= _OFF_SHARE), None)
    if off is None:
        off, mass = max(standby, key=lambda level_mass: level_mass[1], default=(0.0, 0.0))
        if mass < rest_share:
            return None
    above = [
        (level, mass)
        for level, mass in levels
        if mass >= _RUN_SHARE
        and (level + 5.0) / (off + 5.0) >= _RATIO
        and level - off >= _MIN_RISE_W
    ]
    if not above:
        return None
    # The lowest of them that holds its own against the busiest: a heater above the
    # compressor, or a compressor's old level fading after a repair, is not the running level.
    busiest = max(mass for _level, mass in above)
    run = next(level for level, mass in above if mass >= _HOLDS_ITS_OWN * busiest)
    return off, run


def _heater_level(levels: list[tuple[float, float]], run: float) -> float | None:
    """Return the lowest level that stands clear above the run and holds a defrost's share."""
    return next(
        (
            level
            for level, mass in levels
            if mass >= _HEATER_SHARE and level >= max(_HEATER_STEP * run, run + _HEATER_STEP_W)
        ),
        None,
    )


def _levels(hist: np.ndarray) -> list[tuple[float, float]]:
    """Return a histogram's distinct power levels, lowest first, with their share of the time.

    A level is a peak of the smoothed histogram with its basin (down to the valleys either
    side); peaks whose valley is shallow (a noisy plateau, a fading surge) are one level.
    """
    smooth = np.convolve(hist, np.array([1.0, 2.0, 3.0, 2.0, 1.0]) / 9.0, mode="same")
    total = float(hist.sum())
    peaks = [
        i
        for i in range(len(smooth))
        if smooth[i] > 0
        and (i == 0 or smooth[i] > smooth[i - 1])
        and (i == len(smooth) - 1 or smooth[i] >= smooth[i + 1])
    ]
    merged: list[int] = []
    for peak in peaks:
        if merged:
            valley = float(smooth[merged[-1] : peak + 1].min())
            if valley >= _SHALLOW * min(smooth[merged[-1]], smooth[peak]):
                if smooth[peak] > smooth[merged[-1]]:
                    merged[-1] = peak
                continue
        merged.append(peak)
    bounds = [0]
    for left, right in pairwise(merged):
        bounds.append(left + int(np.argmin(smooth[left : right + 1])))
    bounds.append(len(smooth))
    return [
        (float(_CENTRES[peak]), float(hist[start:end].sum()) / total)
        for peak, start, end in zip(merged, bounds, bounds[1:], strict=False)
    ]
