"""Defrost events and their rhythm: from the heater's power, and the freezer's warm bump.

A heater shows on the plug as a flat 150-400 W for 20-60 minutes (:mod:`.cycles`); a plug that
reports only changes may miss one a heater close to the run level, so a freezer sensor, where
there is one, is a second witness. A defrost warms the freezer's sensor by many kelvin over ten
minutes or more; an ordinary compressor cycle swings it 1-3 K and a probe lifted out for a minute
is set aside before it gets here, so a bump counts only when it stands clear of the swing and
rises no faster than a heater.

A rhythm is known once several intervals agree: by the clock (a timed defrost), or, with a plug,
by the compressor's running time (a defrost every so many hours of running, which the clock sees
stretch on a quiet day). Until then no defrost can be called missing. An interval across a spell
the witness was away may hide a defrost: it is learned only if it is not longer than the usual
ones (a hidden defrost makes it twice as long, which the next intervals will disagree with; a
blind spell never makes one shorter).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from itertools import pairwise
from statistics import median
from typing import NamedTuple

from .cycles import HOUR_S, CycleTracker
from .state import Persistent
from .swings import Swings

_SAME_EVENT_S = 4 * HOUR_S
_BUMP_MIN_K = 3.0
_BUMP_SWINGS = 2.5  # a defrost bump is this many ordinary swings above the troughs
_BUMP_RISE_MIN_S = 600.0  # a heater takes ten minutes or more to warm the freezer's air
# The ordinary swing and troughs are read over days: a coarse sensor shows a few cycles a day,
# and a day's median would count the defrosts' own rises among them.
_BUMP_HISTORY_S = 72 * HOUR_S
# Fewer than four rises under a bump's size in the freezer's first day read is no coarse sensor
# showing the defrosts alone: a 3 K swing's cycles may all be rises that large.
_SWING_UNKNOWN_S = 24 * HOUR_S
_BUMP_LOOK_BACK_S = 6 * HOUR_S  # a bump is looked for this long once it is settled (ticks missed)
# A handled probe's kept readings are the room's: the one just before those set aside, and those
# as it settles back (it is taken again once within a few kelvin of where it was).
_HANDLED_BEFORE_S = 600.0
_HANDLED_SETTLING_S = 1800.0
_SHORTEST_INTERVAL_S = 6 * HOUR_S
# No fridge defrosts more often: a sensor showing more rises than this in the history shows the
# compressor's cycles, however large they are.
_MOST_BUMPS = round(_BUMP_HISTORY_S / _SHORTEST_INTERVAL_S)
_LONGEST_INTERVAL_S = 4 * 24 * HOUR_S
_UPSET_AFTER_S = HOUR_S  # a cut's pull-down run, or the freezer's peak as the door shuts
_INTERVALS_TO_KNOW = 4
_REGULAR_CV = 0.3  # spread of the intervals (standard deviation / mean) of a known rhythm
# Fewer are enough only when they agree closely, as a timer's do: a timer that defrosts every
# 40 hours gives two intervals in the three days a fridge is learned.
_FEW_CV = {2: 0.05, 3: 0.1}
_MAY_HIDE_ONE = 1.25  # an interval across a blind spell this much longer than usual may hide one
_MISSED_K = 0.05  # an interval this close to twice the usual one hides a missed sighting
_SPLIT_K = 0.1  # two intervals this close to one usual one between them: a bump that was not one
_OVERDUE = 1.5  # the longest recent interval, half as much again
_MISSED_SIGHTING = 2.5  # and past one defrost a slow plug may not have sighted
_OVERDUE_MARGIN_S = 8 * HOUR_S  # by the clock
_OVERDUE_MARGIN_RUN_S = 3 * HOUR_S  # of compressor running


class Overdue(NamedTuple):
    """How long since the last defrost, against the usual interval, in the rhythm's own time."""

    since_s: float  # by the clock, or hours of compressor running
    usual_s: float
    after_s: float  # past this, a defrost was missed
    spread: float  # of the intervals the rhythm was learned from, a share of their mean


class _Rhythm(NamedTuple):
    usual_s: float
    after_s: float  # overdue past this
    spread: float  # of the intervals, a share of their mean: the steadier clock is believed


def _rhythm(intervals: list[float], margin_s: float) -> _Rhythm | None:
    """Return the usual interval and the overdue threshold, if the last few intervals agree."""
    recent = _sighted(intervals[-6:])
    allowed = _REGULAR_CV if len(recent) >= _INTERVALS_TO_KNOW else _FEW_CV.get(len(recent))
    if allowed is None:
        return None
    mean = sum(recent) / len(recent)
    spread = (sum((i - mean) ** 2 for i in recent) / len(recent)) ** 0.5
    if spread > allowed * mean:
        return None
    usual = median(recent)
    after = max(_OVERDUE * max(recent), _MISSED_SIGHTING * usual, usual + margin_s)
    return _Rhythm(usual, after, spread / mean)


def _sighted(intervals: list[float]) -> list[float]:
    """Split one interval twice the usual one, or join two that make one usual one.

    A defrost there was not sighted (a plug that missed one heater), or a bump was taken for one
    (a warm load in the freezer): neither is a sign of a rhythm broken; two such are.
    """
    if len(intervals) < 3:
        return intervals
    usual = median(intervals)
    doubled = [
        i for i, interval in enumerate(intervals) if abs(interval / 2 - usual) <= _MISSED_K * usual
    ]
    if len(doubled) == 1:
        at = doubled[0]
        return [*intervals[:at], intervals[at] / 2, intervals[at] / 2, *intervals[at + 1 :]]
    for at in range(len(intervals) - 1):
        others = intervals[:at] + intervals[at + 2 :]
        if len(others) < 2:
            break
        usual_of_others = median(others)
        joined = intervals[at] + intervals[at + 1]
        if abs(joined - usual_of_others) <= _SPLIT_K * usual_of_others:
            return [*intervals[:at], joined, *intervals[at + 2 :]]
    return intervals


def _counted(since_last: float, since_blind: float | None, usual: float, upset: bool) -> float:
    """Time towards a missed defrost, the witness's blind spells since the last one allowed for.

    A defrost may have passed unseen in a blind spell: the count restarts from its end, or goes
    on from the last defrost less one usual interval (one hidden defrost, however many spells:
    each spell of minutes hides one only by chance), whichever is further on. A cut or a door
    left open (``upset``) may move the defrost itself: the count restarts after it.
    """
    if since_blind is None:
        return since_last
    return since_blind if upset else max(since_blind, since_last - usual)


class DefrostLog(Persistent):
    """When the fridge defrosted, and the intervals between defrosts that hide none."""

    __slots__ = ("blind_run_s", "intervals", "run_intervals", "run_times", "times")
    _STATE = __slots__

    def __init__(self) -> None:
        """Start with no defrost seen."""
        self.times: deque[float] = deque(maxlen=32)
        self.run_times: deque[float] = deque(maxlen=32)  # compressor running seconds, then
        self.intervals: deque[float] = deque(maxlen=8)
        self.run_intervals: deque[float] = deque(maxlen=8)
        self.blind_run_s: float | None = None  # running seconds when the plug was last back

    @property
    def last(self) -> float | None:
        """When the last defrost was seen."""
        return self.times[-1] if self.times else None

    @property
    def rhythm_s(self) -> float | None:
        """The usual clock interval between defrosts, once a rhythm is known; None: not known."""
        if _rhythm(list(self.intervals), _OVERDUE_MARGIN_S) or _rhythm(
            list(self.run_intervals), _OVERDUE_MARGIN_RUN_S
        ):
            return self._usual_s()
        return None

    def _usual_s(self) -> float:
        """Return the median of the last six clock intervals (call only when there is one)."""
        return median(list(self.intervals)[-6:])

    def overdue(
        self,
        now: float,
        run_s: float | None,
        blind_until: float | None,
        watched_since: float | None = None,
        upset_at: float | None = None,
    ) -> Overdue | None:
        """How overdue the next defrost is, in the known rhythm's time; None: no rhythm known.

        A defrost may have passed while the witness was unavailable or reading nonsense: the
        count then restarts from when it came back, or allows one hidden defrost since the last
        (:func:`_counted`; only then: a witness holding a steady value was watching), unless
        a cut or a door left open (``upset_at``) came since, which may move the defrost. A clock
        rhythm must also account for the time before its first defrost, since ``watched_since``:
        one that began after a quiet longer than the witness needs to read the freezer plus an
        overdue span is a few bumps that fell into step (mains cuts or warm loads on a fridge that
        never defrosts), not a defrost that comes like clockwork.
        """
        last = self.last
        if last is None:
            return None
        blind = blind_until if blind_until is not None and blind_until > last else None
        upset = upset_at is not None and upset_at > last
        by_clock = _rhythm(list(self.intervals), _OVERDUE_MARGIN_S)
        by_running = _rhythm(list(self.run_intervals), _OVERDUE_MARGIN_RUN_S)
        if run_s is None or not self.run_times:
            by_running = None
        if by_running is not None and (by_clock is None or by_running.spread < by_clock.spread):
            assert run_s is not None
            back_run_s = self.blind_run_s if blind is not None else None
            since_back = None if back_run_s is None else run_s - max(self.run_times[-1], back_run_s)
            since = _counted(run_s - self.run_times[-1], since_back, by_running.usual_s, upset)
            return Overdue(since, *by_running)
        if by_clock is None or self._began_late(watched_since, by_clock.after_s):
            return None
        since_back = None if blind is None else now - blind
        return Overdue(_counted(now - last, since_back, by_clock.usual_s, upset), *by_clock)

    def _began_late(self, watched_since: float | None, after_s: float) -> bool:
        """Whether the first defrost seen (all are still kept) came long after watching began."""
        if watched_since is None or len(self.times) == self.times.maxlen:
            return False
        # (the freezer witness tells a bump once it has read the ordinary swing over its history)
        return self.times[0] - watched_since > _BUMP_HISTORY_S + after_s

    def observe(
        self,
        now: float,
        tracker: CycleTracker | None,
        freezer: Swings | None,
        blind_until: float | None,
        handled: Sequence[float] = (),
        upset_at: float | None = None,
    ) -> None:
        """Record new defrosts (called every ten minutes).

        ``blind_until`` is when the witness (plug or freezer sensor) last came back from being
        unavailable or faulty: an interval spanning a blind spell may hide a defrost and is not
        learned.
        ``handled`` are the times the freezer's probe read what the freezer cannot (handled).
        ``upset_at`` is when a mains cut or a door left open last upset the fridge: the freezer
        warmed through it and the first run after a cut pulls long and hard, neither a defrost.
        """
        if tracker is not None and (tracker.defrosts or tracker.signature.heater_w is not None):
            if blind_until is not None and blind_until > now - 600.0:  # just back: mark it
                self.blind_run_s = tracker.run_total_s
            for start, _end, _watts in tracker.defrosts:
                self.record(start, blind_until, tracker.run_total_s, upset_at)
        if freezer is not None:  # also where a plug shows heaters: it may miss one the freezer saw
            self._bumps(now, freezer, tracker, blind_until, handled, upset_at)

    def _bumps(
        self,
        now: float,
        freezer: Swings,
        tracker: CycleTracker | None,
        blind_until: float | None,
        handled: Sequence[float],
        upset_at: float | None,
    ) -> None:
        """Record the freezer's clear warm bumps, each at its peak (the heater's end).

        Bumps closer than one event are one (a probe handled near a defrost lifts the reading
        too): only the highest counts, so a bump is told once no higher one can follow it. The
        peak, not the trough before it, dates it: a coarse sensor may have held its low reading
        for an hour before the heater came on. A probe lifted into the room leaves warm readings
        beside those set aside: no peak near a handled probe's readings counts.
        """
        since = now - _BUMP_HISTORY_S
        turns = freezer.turns_since(since)
        troughs = [t.value for t in turns if t.kind < 0]
        if len(troughs) < 2:
            return
        low = median(troughs)
        # The ordinary swing, from the rises too small to be a bump: where a coarse sensor shows
        # few cycles, the defrosts would otherwise be most of the rises it shows.
        rises = [phase.change_k for phase in freezer.phases(since) if phase.change_k > 0]
        ordinary = [rise for rise in rises if rise < _BUMP_MIN_K]
        if len(ordinary) < 4 and len(rises) > _MOST_BUMPS:
            ordinary = rises  # a swing as large as a bump: all of them, as they come
        # A sensor too coarse to show the cycles (a 2 K step on a 1.5 K swing) shows the
        # defrosts alone for days: their own rises are no ordinary swing to measure them by.
        if len(ordinary) < 4 and turns[0].at > now - _SWING_UNKNOWN_S:
            return  # a freezer's first hours: its cycles' own rises are not known yet
        swing = median(ordinary) if len(ordinary) >= 4 else 0.0
        floor = low + max(_BUMP_MIN_K, _BUMP_SWINGS * swing)
        bumps = [
            peak
            for before, peak in pairwise(turns)
            if peak.kind > 0
            and peak.at >= now - _SAME_EVENT_S - _BUMP_LOOK_BACK_S
            and peak.value >= floor
            and peak.at - before.at >= _BUMP_RISE_MIN_S
            and not any(-_HANDLED_SETTLING_S <= at - peak.at <= _HANDLED_BEFORE_S for at in handled)
        ]
        for peak in bumps:
            if peak.at > now - _SAME_EVENT_S:
                break  # a higher one may yet come
            if all(b.value <= peak.value for b in bumps if abs(b.at - peak.at) < _SAME_EVENT_S):
                run_s = tracker.run_total_at(peak.at) if tracker is not None else None
                self.record(peak.at, blind_until, run_s, upset_at)

    def record(
        self,
        at: float,
        blind_until: float | None,
        run_s: float | None,
        upset_at: float | None = None,
    ) -> None:
        """Record a defrost seen at ``at`` (``run_s``: compressor running seconds by then).

        The heater's start where the plug shows it; the bump's peak where the freezer does.

        Its interval since the last is learned, unless the witness was away in it (``blind_until``)
        and it is longer than usual: a defrost may hide in it.
        """
        last = self.last
        if last is not None and at - last < _SAME_EVENT_S:
            return
        if upset_at is not None and upset_at - _SAME_EVENT_S <= at <= upset_at + _UPSET_AFTER_S:
            return  # the warmth of a cut (or an open door), or the pull-down after it
        self.times.append(at)
        if run_s is not None:
            self.run_times.append(run_s)
        if last is None:
            return
        interval = at - last
        watched = blind_until is None or blind_until <= last
        if not watched and self.intervals and interval > _MAY_HIDE_ONE * self._usual_s():
            return  # the witness was away and it is long: a defrost may hide in it
        if _SHORTEST_INTERVAL_S <= interval <= _LONGEST_INTERVAL_S:
            self.intervals.append(interval)
            if run_s is not None and len(self.run_times) >= 2:
                self.run_intervals.append(run_s - self.run_times[-2])
