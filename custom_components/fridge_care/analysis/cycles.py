"""Compressor cycles segmented from the smart plug's power readings.

Plugs report every 10-60 s, or only on change (then a run may be a single reading held for
twenty minutes). Each held reading is classified against this appliance's learned signature
(:mod:`.power`): off (standby, lamp), running, or a defrost heater. Time is booked into hourly
duty buckets as it passes, whatever the plug's reporting style, and each finished segment becomes
a run, a failed start (a burst above the running level with no run after it), a blip (a door
lamp: ignored) or a defrost-heater event.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, NamedTuple

from .first_hours import FirstHours
from .power import LAMP_MAX_W, PowerSignature
from .state import Persistent

OFF, RUN, HEAT, UNKNOWN = 0, 1, 2, 3
HOUR_S = 3600.0
_HOURS_KEPT = 24 * 40
_SHORTEST_RUN_S = 60.0  # a run this short is a short cycle (an overload trip), not a start
_ATTEMPT_S = 45.0  # a locked rotor draws its burst for 1-3 s before the overload trips
# and never the running level: a burst followed by this long at it is a start that ran (cut short
# by a defrost timer or a cut), where a plug averaging 5-10 s reads a burst's tail one window long
_RAN_AFTER_BURST_S = 15.0
_LONE_READING_S = 90.0  # a single reading held this briefly is a burst, not a run
_SETTLE_S = 180.0  # start inrush and the first of the pull-down surge are over after this
_HEATER_MIN_S = 480.0  # a defrost heater stays on for many minutes
_HEATER_FLAT = 0.12  # and draws a steady power: its time-weighted spread is this share of its mean
_LAMP_BACK_S = 180.0  # and is switched off again within this
_LAMP_BACK_SHARE = 0.05  # the run is back where it was: within this share of its power (or 3 W)
_HELD_SLIDE_SHARE = 0.2  # or lower, where the lamp rose from the run's first reading, held by a
# plug reporting on change while the start surge faded: the lamp's readings show the run slid
_INRUSH_SEEN = 2.0  # a run whose first readings reach this many times its power: inrush caught
_INRUSH_WEIGHT = 0.1  # each run's share in the running estimate of how often inrush is caught
_SHOWS_STARTS = 0.6  # caught this often: a failing relay's bursts would show too
_BURST_W = 150.0  # before the levels are known: a burst this high that drops straight back to
_BURST_BACK_W = 40.0  # standby within a minute and a half is a failed start (safety from day one)
_RESTS_KEPT = 64  # the lowest reading of each of the last rests (two or three days' worth)
_RESTS_TO_KNOW = 3  # a floor from the third rest on (the lowest, until ten are kept)
_OWN_LOW_SHARE = 0.1  # a reading a tenth of the rests fall to is the appliance's own
_USUAL_LOW_SHARE = 0.9  # and one nine rests in ten fall to is where its rests end
_RESTS_FOR_USUAL = 10


class Cycle(NamedTuple):
    """One compressor run and the off period before it."""

    start: float
    end: float
    mean_w: float | None  # settled running power, time-weighted
    jitter: float | None  # back-and-forth power change per settled minute, relative (chatter)
    off_s: float | None  # length of the off period before this run
    warm_k_per_h: float | None  # fridge warming rate during that off period
    cool_k_per_h: float | None  # fridge cooling rate during this run
    openings: int  # door openings during the off period (0 without a door sensor)
    fridge_at_start: float | None


class RestWarming(NamedTuple):
    """One off period's warming per kelvin of room-fridge gap, with the door openings in it."""

    openings_per_h: float
    by_thermometer: float | None  # the fridge thermometer's warming rate
    by_length: float  # rests an hour: the thermostat's band is fixed, so a shorter rest is faster


def rest_warming(cycles: Iterable[Cycle], gap_k: float) -> list[RestWarming]:
    """Each rest's warming, read by the thermometer and by the rest's length.

    The length tells it where a coarse thermometer holds one value for days and reads no warming.
    """
    scale = max(gap_k, 5.0)
    return [
        RestWarming(
            c.openings / c.off_s * HOUR_S,
            c.warm_k_per_h / scale if c.warm_k_per_h is not None else None,
            HOUR_S / c.off_s / scale,
        )
        for c in cycles
        if c.off_s
    ]


def door_shut_warming(
    rests: Iterable[RestWarming], per_opening: tuple[float | None, float | None]
) -> tuple[list[float], list[float]]:
    """Each rest's warming as if the door had stayed shut, by the thermometer and by the length.

    ``per_opening`` is what one door opening an hour adds to each (learned); where it is not
    known, only the rests with no opening count. So a busy household's openings say nothing
    about the seal, and a kitchen that never leaves the door shut for a whole rest still tells it.
    """
    by_thermometer: list[float] = []
    by_length: list[float] = []
    for_thermometer, for_length = per_opening
    for rest in rests:
        busy = rest.openings_per_h
        if rest.by_thermometer is not None and (not busy or for_thermometer is not None):
            by_thermometer.append(rest.by_thermometer - busy * (for_thermometer or 0.0))
        if not busy or for_length is not None:
            by_length.append(rest.by_length - busy * (for_length or 0.0))
    return by_thermometer, by_length


class CycleTracker(Persistent):
    """Streaming cycle segmentation; ``update`` is a handful of comparisons per reading."""

    __slots__ = (
        "_bump_at",
        "_bump_from",
        "_bump_tv",
        "_burst_at",
        "_doors",
        "_doors_at_rest",
        "_fridge_at_start",
        "_heat_sq",
        "_heat_start",
        "_heat_sum",
        "_last_at",
        "_last_w",
        "_level",
        "_off_since",
        "_prev_end_fridge",
        "_readings",
        "_rest_low",
        "_rest_openings",
        "_seg_peak",
        "_seg_ran_s",
        "_seg_start",
        "_seg_unseen_start",
        "_settled_first",
        "_settled_last",
        "_settled_s",
        "_settled_sum",
        "_settled_tv",
        "attempts",
        "cycles",
        "defrosts",
        "first_hours",
        "hours",
        "inrush_share",
        "last_run_end",
        "rest_lows",
        "run_total_s",
        "signature",
    )
    _STATE = tuple(name for name in __slots__ if name not in ("signature", "first_hours"))
    _ROWS: ClassVar[dict[str, Callable[[Iterable[Any]], tuple[Any, ...]]]] = {"cycles": Cycle._make}

    def __init__(self) -> None:
        """Start with nothing learned."""
        self.signature = PowerSignature()
        self.first_hours = FirstHours()  # shown while the hourly figures are not yet settled
        self._level = UNKNOWN
        self._last_at: float | None = None
        self._last_w: float | None = None
        self._seg_start = 0.0
        self._seg_peak = 0.0
        self._seg_ran_s = 0.0  # seconds the segment held a running level below its burst
        self._seg_unseen_start = False  # the plug came back to a run: it began while unseen
        self._readings = 0
        self._burst_at: float | None = None  # a burst under way short of a run (or of known levels)
        self._settled_s = 0.0
        self._settled_sum = 0.0
        self._settled_tv = 0.0  # watts of change, every way, between settled readings
        self._settled_first: float | None = None  # the first and last settled readings
        self._settled_last: float | None = None
        self._bump_from: float | None = None  # a rise under way from this running level ...
        self._bump_at = 0.0  # ... since then ...
        self._bump_tv = 0.0  # ... with this much change so far
        self._heat_start: float | None = None
        self._heat_sum = 0.0  # watt-seconds of the heater phase so far
        self._heat_sq = 0.0  # and of the watts squared, for its spread
        self._off_since: float | None = None
        self._prev_end_fridge: float | None = None
        self._fridge_at_start: float | None = None
        self._doors = 0  # door openings so far, as the door sensor counts them
        self._doors_at_rest = 0  # when the current off period began
        self._rest_openings = 0  # during the off period before the current run
        self._rest_low: float | None = None  # the lowest reading of the rest under way
        self.rest_lows: deque[float] = deque(maxlen=_RESTS_KEPT)  # of the last rests
        self.last_run_end: float | None = None
        self.run_total_s = 0.0  # every second the compressor has been seen running
        self.inrush_share = 0.0  # how often this plug catches a start's inrush (recent runs)
        # [hour index, on seconds, observed seconds, starts]
        self.hours: deque[tuple[int, float, float, int]] = deque(maxlen=_HOURS_KEPT)
        self.cycles: deque[Cycle] = deque(maxlen=800)
        self.attempts: deque[float] = deque(maxlen=64)
        self.defrosts: deque[tuple[float, float, float]] = deque(maxlen=64)  # start, end, mean W

    @property
    def shows_starts(self) -> bool:
        """Whether this plug catches starts' inrush, so a relay failing to start would show too.

        A plug that measures every second (or averages a few seconds) does; one polled every
        half minute mostly does not. Such a plug, holding the standby for hours with no burst,
        says the compressor was never asked to start: the mains is gone (the plug's on-change
        threshold hid the drop to 0 W), not the relay.
        """
        return self.inrush_share >= _SHOWS_STARTS

    @property
    def standby_w(self) -> float | None:
        """The lowest standby this appliance's own rests hold (None until the levels are known).

        The signature's off level, or lower where a tenth of the rests fall lower: a fan
        overrun stepping down after a run leaves an on-change plug holding one step or another
        through whole rests, and the lowest step it holds is still the appliance with mains.
        """
        off, lows = self.signature.off_w, self.rest_lows
        if off is None or len(lows) < _RESTS_TO_KNOW:
            return off
        return min(off, sorted(lows)[int(_OWN_LOW_SHARE * len(lows))])

    @property
    def usual_rest_low_w(self) -> float | None:
        """The reading nine rests in ten fall to or below (None until ten rests are kept).

        A fan's overrun or a lamp ends minutes into a rest; a compressor that cannot start leaves
        the plug at the standby where its rests end, not above it.
        """
        lows = self.rest_lows
        if len(lows) < _RESTS_FOR_USUAL:
            return None
        return sorted(lows)[int(_USUAL_LOW_SHARE * (len(lows) - 1))]

    @property
    def running(self) -> bool:
        """Whether the compressor is running now."""
        return self._level == RUN

    @property
    def available(self) -> bool:
        """Whether the plug's reading holds now and the levels are known."""
        return self._level != UNKNOWN

    @property
    def run_started_at(self) -> float | None:
        """When the current run started, if one is under way."""
        return self._seg_start if self._level == RUN else None

    @property
    def off_since(self) -> float | None:
        """Since when the compressor has been off (standby or heater), as far as the plug saw.

        From the run's end, or from when the plug came back from being unavailable.
        """
        return self._off_since if self._level in (OFF, HEAT) else None

    def advance(self, now: float) -> None:
        """Book the held reading up to ``now``, so duty and histograms are current."""
        last_at, watts = self._last_at, self._last_w
        if last_at is None or watts is None or now <= last_at:
            return
        self._hold(last_at, now - last_at, watts)
        self._last_at = now

    def update(self, at: float, watts: float | None, fridge_c: float | None, doors: int) -> None:
        """Take one power reading (None: plug unavailable) with the fridge temperature now."""
        self.advance(at)
        self.first_hours.add(at, watts)
        self._doors = doors
        previous = self._last_w
        self._last_at, self._last_w = at, watts
        if watts is None:
            self._level = UNKNOWN
            self._off_since = None
            self._heat_start = None
            return
        signature = self.signature
        if not signature.known:
            self._level = UNKNOWN
            self._burst(at, watts, previous)
            return
        if self._level in (OFF, UNKNOWN):
            if watts >= signature.on_w:
                self._burst_at = None  # (a start read partly: the run follows)
                self._begin(at, watts, fridge_c)
            else:
                if self._level == UNKNOWN:  # back from unavailable: resting at least since now
                    self._rest_from(at)
                self._level = OFF
                self._rested_at(watts)
                self._averaged_burst(at, watts)
            return
        if watts < signature.off_below_w:
            self._finish(at, fridge_c)
            self._rested_at(watts)
            return
        self._readings += 1
        if watts > self._seg_peak:
            self._seg_peak, self._seg_ran_s = watts, 0.0
        if watts >= signature.heater_floor_w:
            if self._heat_start is None:
                self._start_heat(at)
            return
        self._end_heat(at)
        if previous is not None and at - self._seg_start >= _SETTLE_S:
            assert signature.run_w is not None
            self._settled_tv += abs(watts - previous) - self._lamp_tv(at, watts, previous)
            if self._settled_first is None:
                self._settled_first = previous
            self._settled_last = watts

    def _rested_at(self, watts: float) -> None:
        """Keep the lowest reading of the rest under way."""
        low = self._rest_low
        self._rest_low = watts if low is None or watts < low else low

    def _lamp_tv(self, at: float, watts: float, previous: float) -> float:
        """Return the change of a door-lamp bump that has just ended, else 0.

        The lamp (10-40 W) lifts a run for as long as the door is open and drops it back to where
        it was: a busy kitchen's evening of door openings is not a chattering relay, which moves
        the power every way at every reading and seldom comes back exactly. A plug that reports
        on change may have shown nothing since the run's first reading, held while the start
        surge faded under its threshold; a lamp rising from that reading drops the run back
        below it, and only that slide, not the lamp, is the run's own change.
        """
        change = abs(watts - previous)
        start = self._bump_from
        if start is not None:
            back = max(3.0, _LAMP_BACK_SHARE * start)
            held = start == self._settled_first  # (a relay's chatter reports at every reading)
            slid = max(back, _HELD_SLIDE_SHARE * start) if held else back
            if at - self._bump_at <= _LAMP_BACK_S and start - slid <= watts <= start + LAMP_MAX_W:
                if watts - start <= back:  # down to where it was: a lamp switched off
                    self._bump_from = None
                    return self._bump_tv + change - max(0.0, start - back - watts)
                self._bump_tv += change
                return 0.0
            self._bump_from = None
        if previous < watts <= previous + LAMP_MAX_W:
            self._bump_from, self._bump_at, self._bump_tv = previous, at, change
        return 0.0

    def _burst(self, at: float, watts: float, previous: float | None) -> None:
        """Before the levels are learned, still count failed starts: the compressor cannot wait."""
        started = self._burst_at
        if watts >= _BURST_W and (previous is None or previous < _BURST_BACK_W):
            self._burst_at = at
        elif started is not None:
            if watts < _BURST_BACK_W and at - started <= _LONE_READING_S:
                self.attempts.append(started)
            self._burst_at = None

    def _averaged_burst(self, at: float, watts: float) -> None:
        """Count a failed start that a plug averaging over seconds reads short of a run.

        A 1-3 s locked-rotor burst averaged over a 5-10 s window reads a fraction of it: above
        all a lamp and fans add to the standby (``attempt_w``), yet under the running level. It
        comes from a rest and drops straight back; a start read partly has its run after it.
        """
        if watts >= self.signature.attempt_w:
            if self._burst_at is None:
                self._burst_at = at
            return
        started = self._burst_at
        if started is not None and at - started <= _LONE_READING_S:
            self.attempts.append(started)
        self._burst_at = None

    def _hold(self, at: float, seconds: float, watts: float) -> None:
        """Book the held reading ``watts`` for the ``seconds`` it stood from ``at``."""
        self.signature.book(watts, seconds)
        level = self._level
        if level == UNKNOWN:
            return
        heating = self._heat_start is not None
        running = level == RUN and not heating
        end = at + seconds
        hour = int(at // HOUR_S)
        moment = at
        hours = self.hours
        while moment < end:
            span = min(end, (hour + 1) * HOUR_S) - moment
            if not hours or hours[-1][0] != hour:
                hours.append((hour, 0.0, 0.0, 0))
            h, on_s, seen_s, starts = hours[-1]
            hours[-1] = (h, on_s + (span if running else 0.0), seen_s + span, starts)
            self.run_total_s += span if running else 0.0
            moment += span
            hour += 1
        if heating:
            self._heat_sum += watts * seconds
            self._heat_sq += watts * watts * seconds
        elif running:
            run_w = self.signature.run_w
            if run_w is not None and watts < min(self._seg_peak, _INRUSH_SEEN * run_w):
                self._seg_ran_s += seconds
            settled = end - max(at, self._seg_start + _SETTLE_S)
            if settled > 0:
                self._settled_sum += watts * settled
                self._settled_s += settled

    def _begin(self, at: float, watts: float, fridge_c: float | None) -> None:
        self._seg_unseen_start = self._level == UNKNOWN
        self._level = RUN
        self._seg_start = at
        self._seg_peak = watts
        self._seg_ran_s = 0.0
        self._readings = 1
        self._settled_s = self._settled_sum = self._settled_tv = 0.0
        self._settled_first = self._settled_last = None
        self._bump_from = None
        self._heat_start = None
        self._fridge_at_start = fridge_c
        self._rest_openings = self._doors - self._doors_at_rest
        if watts >= self.signature.heater_floor_w:
            self._start_heat(at)

    def _start_heat(self, at: float) -> None:
        self._heat_start, self._heat_sum, self._heat_sq = at, 0.0, 0.0

    def _end_heat(self, at: float) -> None:
        """End a heater phase: a defrost if it was long and flat, else part of the run."""
        start = self._heat_start
        if start is None:
            return
        self._heat_start = None
        length = at - start
        if length < _HEATER_MIN_S:
            return
        mean = self._heat_sum / length
        spread = max(0.0, self._heat_sq / length - mean * mean) ** 0.5
        if spread > _HEATER_FLAT * mean:
            return  # a slope (the pull-down surge fading), not a heater
        self.defrosts.append((start, at, round(mean, 1)))
        self.signature.saw_heater(mean)
        if start - self._seg_start >= _SHORTEST_RUN_S:  # the compressor ran before the heater
            self._record_run(self._seg_start, start, None)
        self._seg_start = at  # whatever follows the heater is a fresh run, if any
        self._seg_peak = 0.0  # (the heater's watts are no burst of it)
        self._seg_ran_s = 0.0
        self._readings = 0
        self._settled_s = self._settled_sum = self._settled_tv = 0.0
        self._settled_first = self._settled_last = None
        self._rest_from(at)

    def _rest_from(self, at: float) -> None:
        """Begin an off period at ``at`` (or know it has gone on since then)."""
        self._off_since = at
        self._doors_at_rest = self._doors
        self._rest_low = None

    def _finish(self, at: float, fridge_c: float | None) -> None:
        self._end_heat(at)
        start = self._seg_start
        length = at - start
        self._level = OFF
        if length <= 0:
            return  # a heater ended: recorded as a defrost
        lone = self._readings <= 1 and length <= _LONE_READING_S
        if length >= _SHORTEST_RUN_S and not lone:
            self._record_run(start, at, fridge_c)
            self._rest_from(at)
        elif (lone or length < _ATTEMPT_S) and self._seg_peak >= self.signature.attempt_w:
            began_unseen = self._seg_unseen_start  # (no burst in it: a run ending)
            if not began_unseen and self._seg_ran_s < _RAN_AFTER_BURST_S:
                self.attempts.append(start)

    def _record_run(self, start: float, end: float, fridge_c: float | None) -> None:
        hours = self.hours
        if hours:
            h, on_s, seen_s, starts = hours[-1]
            hours[-1] = (h, on_s, seen_s, starts + 1)
        settled = self._settled_s
        mean_w = self._settled_sum / settled if settled >= 60.0 else None
        jitter = None
        run_w, first, last = self.signature.run_w, self._settled_first, self._settled_last
        if run_w:
            caught = 1.0 if self._seg_peak >= _INRUSH_SEEN * run_w else 0.0
            self.inrush_share += (caught - self.inrush_share) * _INRUSH_WEIGHT
        if settled >= 60.0 and run_w:
            # Change back and forth only: a run whose power slides down as the pull-down ends
            # (steeply in a short run) is not jittery, whatever the plug's reporting style.
            net = abs(last - first) if first is not None and last is not None else 0.0
            back_and_forth = max(0.0, self._settled_tv - net)
            jitter = back_and_forth / run_w / (settled / 60.0)
        off_s = start - self._off_since if self._off_since is not None else None
        start_c, end_c = self._fridge_at_start, self._prev_end_fridge
        warm = None
        if off_s is not None and off_s > 0 and start_c is not None and end_c is not None:
            warm = (start_c - end_c) / off_s * HOUR_S
        cool = None
        if start_c is not None and fridge_c is not None and end > start:
            cool = (start_c - fridge_c) / (end - start) * HOUR_S
        self.cycles.append(
            Cycle(start, end, mean_w, jitter, off_s, warm, cool, self._rest_openings, start_c)
        )
        if self._rest_low is not None:
            self.rest_lows.append(self._rest_low)
        self.last_run_end = end
        self._prev_end_fridge = fridge_c

    def run_total_at(self, at: float) -> float:
        """Return the compressor's running seconds by ``at`` (pro rata within its hour).

        A defrost dated hours later (the freezer's bump, once no higher one can follow) is put
        on the running clock of its own time.
        """
        total = self.run_total_s
        first = int(at // HOUR_S)
        for hour, on_s, _seen_s, _starts in reversed(self.hours):
            if hour < first:
                break
            share = 1.0 if hour > first else min(1.0, (hour + 1) - at / HOUR_S)
            total -= on_s * share
        return total

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
