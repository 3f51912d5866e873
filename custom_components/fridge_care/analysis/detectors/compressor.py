"""Compressor faults seen by the plug: start failure, short cycling, erratic power, fouling."""

from __future__ import annotations

from itertools import islice

from ..cycles import CycleTracker
from ..model import FaultCode, Role
from ..signals import Signal
from . import (
    LIVE_STANDBY_W,
    RETRIES_CAUGHT,
    Detector,
    Finding,
    View,
    clamp01,
    electronics_dark,
    keep_if,
    overlong_rest,
    ratio,
    silent_since_last_run,
)

_ATTEMPT_WINDOW_S = 2700.0
_GAVE_UP_S = 3600.0
_RUNNING_AGAIN_S = 120.0
_WARMED_K = 1.0  # the fridge warmed this much since the first failed start: no doubt left
_NO_RUN_OFFS = 2.0  # no run for this many long-but-ordinary off periods
_NO_RUN_MIN_S = 5400.0
_NO_RUN_WARM_MIN_S = 1800.0
# No mains, a defrost's long rest, or a sensor the owner has been told is faulty (a plug stuck
# at its standby reads no run however often the compressor runs): hours without a run say nothing.
_NO_RUN_EXPLAINED = frozenset(
    {FaultCode.POWER_OUTAGE, FaultCode.DEFROST_FAILURE, FaultCode.SENSOR_FAULT}
)
_DEFROST_REST_S = 3600.0  # a defrost stops the compressor for up to an hour
_DEFROST_DUE = 0.8
_PAST_CUT_IN_K = 0.7
_HALF_HOUR_S = 1800.0
# A healthy compressor that trips on a hard start runs at its next try, minutes later.
_RETRIED_S = 600.0
_CALLING_K = 0.3  # a failed start comes as the fridge reaches its cut-in, give or take this
_RECENT_RUNS = 5  # the fridge temperature at the start of this many last runs: the cut-in now
# No fridge is set this warm: it is not resting, it cannot cool. A dial turned to its warmest
# (about 10 °C) starts the compressor at its top band, a probe may read a kelvin high.
_NOBODY_SETS_C = 12.0
# With the plug alone: longer than a thermostat's warm-up (a dial turned 6 K up in a cool room
# rests the compressor for 10-16 hours while the fridge warms to its new setting).
_CONFIRM_NO_RUN_S = 16 * 3600.0
_FEWEST_STARTS = 5.0  # starts an hour a short-cycling fridge shows at least
_TIMES_STARTS = 2.5  # and this many times its usual
_MUCH_SHORTER = 0.25  # runs this share of usual, or shorter, are overload trips, never load
_FEWEST_STARTS_SHORT_RUNS = 2.5
_TIMES_STARTS_SHORT_RUNS = 5.0
_FEWEST_STARTS_HELD = 3.0  # over six hours, with the twelve hours' median run short
_TIMES_STARTS_HELD = 2.0
_JITTER_FLOOR = 0.15  # relative power change per running minute that no healthy run shows
_DAY_S = 86_400.0
_HELD_ABOVE_W = 1.0  # a standby's own wander, or 5 % of it
_HELD_ABOVE_SHARE = 0.05
_AMBIENT_POWER = 0.008  # a compressor draws about 0.8 % more per kelvin of room temperature


class CompressorStartFailure(Detector):
    """The compressor cannot start: bursts of inrush current that never become a run.

    A plug that samples every minute often misses the one-second bursts. One it caught as the
    fridge reached its cut-in, with no run ten minutes on, is enough beside a thermometer; with
    none, the tell is that the compressor has not run for far longer than this fridge ever
    rests, while the plug shows the fridge's electronics alive (so the mains is there) and the
    fridge warms past its cut-in; on a mechanical thermostat's 0 W, while the bursts it did catch
    say the mains is there.
    """

    __slots__ = ("_distrusted_at",)
    _STATE = __slots__
    code = FaultCode.COMPRESSOR_START_FAILURE

    def __init__(self) -> None:
        """Start trusting the plug: it has not been caught reading what no plug can."""
        self._distrusted_at: float | None = None

    def check(self, view: View, active: bool) -> Finding | None:
        """Failed starts with no run since the first of them, or no run at all for too long."""
        tracker = view.tracker
        if tracker is None:
            return None
        if Role.COMPRESSOR_POWER.value in view.implausible_since:
            # A plug reading what no plug can (-55 W): its bursts, then and before, say nothing
            # of the compressor.
            self._distrusted_at = view.now
            return None
        started = tracker.run_started_at
        if started is not None and view.now - started >= _RUNNING_AGAIN_S:
            return None  # running properly now
        since = max(tracker.last_run_end or 0.0, self._distrusted_at or 0.0)
        failed = [a for a in tracker.attempts if a > since]
        window = _GAVE_UP_S if active else _ATTEMPT_WINDOW_S
        recent = [a for a in failed if a >= view.now - window]
        need = max(2, round(3 / view.sensitivity))
        warming = _warmed_since(view, failed[0]) if failed else None
        if len(recent) >= (1 if active else need):
            return Finding(
                confidence=clamp01(0.6 + 0.1 * len(failed)),
                evidence={"failed_starts": float(len(failed))},
                onset_at=failed[0],
                confirmed=len(failed) >= need + 2 or (warming or 0.0) >= _WARMED_K,
            )
        if failed and _thermostat_called(view, failed[0]):
            return Finding(
                confidence=0.7,
                evidence={
                    "failed_starts": float(len(failed)),
                    "hours_without_run": round(
                        (view.now - (tracker.off_since or failed[0])) / 3600, 1
                    ),
                },
                onset_at=failed[0],
                confirmed=(warming or 0.0) >= _WARMED_K,
            )
        return self._no_run(view, active, len(failed))

    def _no_run(self, view: View, active: bool, tried: int) -> Finding | None:
        tracker, baseline = view.tracker, view.baseline
        assert tracker is not None
        if not tracker.available:
            return None
        off_since = tracker.off_since
        standby = tracker.standby_w
        longest = baseline.off_s_long
        if off_since is None or longest is None or standby is None:
            return None
        watts = view.power.value if view.power is not None else None
        if watts is None or electronics_dark(watts, standby):
            return None  # no mains (an outage), not the compressor
        if view.active & _NO_RUN_EXPLAINED:
            return None
        if standby < LIVE_STANDBY_W:  # a mechanical thermostat's 0 W could as well be no mains
            return _caught_trying(view, tried)
        if silent_since_last_run(tracker):
            return None  # this plug shows every start: nothing tried to start, the mains is gone
        resting = view.now - off_since
        cut_in = _cut_in(view)
        probe = view.fridge
        fridge = probe.value if probe is not None else None
        if probe is not None and fridge is not None and cut_in is not None:
            # The fridge is past where its compressor always starts and an ordinary rest is
            # over: the thermostat has called for cold and nothing runs. A coarse sensor (one
            # that reports only 1.5 K changes) must be past it by a whole step to say so.
            past = max(_PAST_CUT_IN_K, view.fridge_zone.step)
            if fridge < cut_in + past or not _warmed_through(view, probe, off_since, past):
                return None
            wait = max(longest, _NO_RUN_WARM_MIN_S) / view.sensitivity
            if _defrost_due(view):  # a timer rests the compressor for its defrost, heater or not
                wait += _DEFROST_REST_S
        else:
            if probe is None and not tried and _held_above_rests(tracker, watts):
                return None  # the plug alone, frozen: the sensor rule tells it
            wait = max(_NO_RUN_OFFS * longest, _NO_RUN_MIN_S) / view.sensitivity
        if resting < (wait / 2 if active else wait):
            return None
        # A thermostat turned up also rests the compressor for hours while the fridge warms to
        # its new setting; then it runs again. Only hours more, or a fridge warmer than anyone
        # sets one, tells a compressor that cannot start.
        if probe is not None and fridge is not None:
            # Held there for half an hour, not one reading: a probe lifted out reads the room.
            settled = probe.mean(view.now - _HALF_HOUR_S, view.now)
            settled = fridge if settled is None else settled
            confirmed = min(fridge, settled) >= max(_NOBODY_SETS_C, (cut_in or 0.0) + 5.0)
        else:
            confirmed = resting >= _CONFIRM_NO_RUN_S
        return Finding(
            confidence=0.7,
            evidence={"hours_without_run": round(resting / 3600, 1)},
            onset_at=off_since,
            confirmed=confirmed,
            persistence_confirms=False,  # hours alone are a thermostat's warm-up as well
        )


def _thermostat_called(view: View, tried_at: float) -> bool:
    """Whether one caught failed start was the thermostat's call that the compressor missed.

    A plug polled every 15-60 s catches few of a locked rotor's 1-3 s bursts. One that came as
    the fridge reached its cut-in, no run in the ten minutes since while the fridge stays there,
    and electronics that show the mains (a cut would darken them): the compressor cannot start.
    A burst-like reading while the fridge is well below its cut-in is no call for cold; nor is
    one a power cut (or a door left open) came after: a cut cuts a start short as a locked rotor
    does, and once the mains is back the compressor may wait minutes before it starts again.
    """
    tracker, power, fridge = view.tracker, view.power, view.fridge
    if tracker is None or power is None or power.value is None or fridge is None:
        return False
    if tracker.running or view.disturbed_at >= tried_at:
        return False
    standby, cut_in, now = tracker.standby_w, _cut_in(view), fridge.value
    if standby is None or standby < LIVE_STANDBY_W or electronics_dark(power.value, standby):
        return False
    if cut_in is None or now is None or view.now - tried_at < _RETRIED_S or now < cut_in:
        return False
    then = fridge.mean(tried_at, tried_at)
    return then is not None and then >= cut_in - max(_CALLING_K, view.fridge_zone.step)


def _caught_trying(view: View, tried: int) -> Finding | None:
    """Tell a rest at 0 W far longer than any, with bursts caught in it: the relay, not mains.

    A plug polled every 15-60 s catches few of a locked rotor's 1-3 s bursts, but a couple are
    enough to say the mains is there and the thermostat calls for cold (no power draws none).
    """
    rested = overlong_rest(view)
    if rested is None or tried < RETRIES_CAUGHT:
        return None
    return Finding(
        confidence=0.7,
        evidence={
            "hours_without_run": round((view.now - rested) / 3600, 1),
            "failed_starts": float(tried),
        },
        onset_at=rested,
    )


def _held_above_rests(tracker: CycleTracker, watts: float) -> bool:
    """Whether the plug holds a reading above where nine rests in ten of this fridge end.

    A compressor that cannot start leaves the electronics at their standby (its bursts, if the
    plug catches one, say the relay is trying); a plug holding a fan's overrun for hours, with no
    burst caught, has stopped reading.
    """
    usual = tracker.usual_rest_low_w
    return usual is not None and watts > usual + max(_HELD_ABOVE_W, _HELD_ABOVE_SHARE * usual)


def _warmed_through(view: View, fridge: Signal, since: float, by_k: float) -> bool:
    """Whether the fridge's reading has warmed by ``by_k`` through the rest since ``since``.

    Nothing cooling it, a fridge warms all through a rest from where the last run left it. A
    probe that read past the cut-in from the rest's start and has not moved since (a coarse one
    in a warm corner, the air after a warm load), or since it came back from being unavailable,
    says nothing of the thermostat's own call.
    """
    now_c = fridge.value
    if now_c is None:
        return False
    if fridge.gap_end is not None:  # back from a blind spell: a probe settling reads downhill
        since = max(since, fridge.gap_end)
    current = fridge.mean(view.now, view.now)  # (the ten minutes under way)
    seen = [*fridge.bucket_means(since, view.now), *([] if current is None else [current])]
    return now_c - min(seen, default=now_c) >= by_k


def _cut_in(view: View) -> float | None:
    """Where this compressor starts: as learned, or warmer if its last runs started warmer.

    An owner who turns the thermostat up moves the cut-in: the compressor then rests while the
    fridge warms to the new setting and starts there, which is no failure to start.
    """
    learned = view.baseline.cut_in_c
    tracker = view.tracker
    recent = islice(reversed(tracker.cycles), _RECENT_RUNS) if tracker is not None else ()
    known = sorted(c.fridge_at_start for c in recent if c.fridge_at_start is not None)
    if learned is None or len(known) < _RECENT_RUNS:
        return learned
    return max(learned, known[len(known) // 2])


def _defrost_due(view: View) -> bool:
    """Whether a defrost is about due by the learned rhythm (or none is known yet)."""
    usual, last = view.defrosts.rhythm_s, view.defrosts.last
    if usual is None or last is None:
        return view.tracker is not None and view.tracker.signature.heater_w is not None
    return view.now - last >= _DEFROST_DUE * usual


def _warmed_since(view: View, since: float) -> float | None:
    """How much the fridge compartment warmed since ``since`` (None without its sensor)."""
    fridge = view.fridge
    if fridge is None or fridge.value is None:
        return None
    before = fridge.mean(since - 600.0, since)
    return None if before is None else fridge.value - before


class ShortCycling(Detector):
    """Many short runs: far more starts per hour than this fridge's baseline."""

    __slots__ = ()
    code = FaultCode.SHORT_CYCLING

    def check(self, view: View, active: bool) -> Finding | None:
        """Look for 2.5x the usual starts per hour (at least 5) and runs under 60 % of usual.

        Both over the last two hours; runs must also be under 8 minutes. Runs a quarter of usual
        or shorter need no more than 5x the usual starts (at least 2.5): a plug that reports every
        few minutes sees only some of runs that short, and no healthy fridge cuts its runs so.
        Or, held for hours, twice the usual starts (at least 3) over six hours with the median
        run under 60 % of usual over twelve: a strong compressor that rests long between short
        runs trips at only two or three times its few starts, and a load that adds starts (a
        warm room, a busy evening) lengthens the runs too.
        """
        features = view.features
        base_starts, base_run = view.baseline.starts_per_h, view.baseline.run_s
        if base_starts is None or base_run is None:
            return None
        longest_s = min(480.0, 0.6 * base_run) * (1.5 if active else 1.0)
        relax = (0.6 if active else 1.0) / view.sensitivity
        starts, run_s = features.starts_per_h_2h, features.run_s_2h
        if starts is not None and run_s is not None:
            need = max(_FEWEST_STARTS, _TIMES_STARTS * base_starts)
            if run_s <= _MUCH_SHORTER * base_run:  # overload trips: a slow plug sees only some
                need = min(
                    need, max(_FEWEST_STARTS_SHORT_RUNS, _TIMES_STARTS_SHORT_RUNS * base_starts)
                )
            found = _cycling_short(starts, run_s, need * relax, longest_s)
            if found is not None:
                return found
        starts, run_s = features.starts_per_h_6h, features.run_s_12h
        if starts is None or run_s is None:
            return None
        need = max(_FEWEST_STARTS_HELD, _TIMES_STARTS_HELD * base_starts)
        return _cycling_short(starts, run_s, need * relax, longest_s)


def _cycling_short(starts: float, run_s: float, need: float, longest_s: float) -> Finding | None:
    """Tell short cycling where the starts reach ``need`` and the median run is short enough."""
    if starts < need or run_s > longest_s:
        return None
    return Finding(
        confidence=clamp01(0.5 + (starts - need) / need),
        evidence={"starts_per_h": round(starts, 1), "median_run_min": round(run_s / 60, 1)},
    )


class PowerFluctuation(Detector):
    """Running power that jumps about within a run: a chattering relay or a loose contact.

    Measured as the total change of the running power per minute of running, relative to the
    running level: a healthy run drifts slowly whatever the plug's reporting style, a chattering
    relay swings it at every reading.
    """

    __slots__ = ()
    code = FaultCode.POWER_FLUCTUATION

    def check(self, view: View, active: bool) -> Finding | None:
        """Recent runs' jitter at least 5x this fridge's usual (and above a healthy floor)."""
        jitter = view.features.jitter_recent
        usual = view.baseline.jitter
        if jitter is None or usual is None:
            return None
        need = max(_JITTER_FLOOR, 5 * usual) / view.sensitivity
        if active:
            need *= 0.6
        if jitter < need:
            return None
        return Finding(
            confidence=clamp01(0.5 + (jitter - need) / need),
            evidence={"power_jitter_pct_per_min": round(100 * jitter, 1)},
        )


class CondenserFouling(Detector):
    """Slow efficiency loss: a day's duty cycle and running power both well above baseline."""

    __slots__ = ()
    code = FaultCode.CONDENSER_FOULING

    def check(self, view: View, active: bool) -> Finding | None:
        """24 h duty +25 % against the same hours, and running power +5 % (at sensitivity 1)."""
        duty = view.features.duty_ratio_24h
        power = ratio(view.features.run_w_24h, view.baseline.run_w)
        if not view.settled(_DAY_S):
            return keep_if(active)
        if duty is None or power is None:
            return None
        room = view.features.ambient_6h
        if room is not None and view.baseline.ambient_c is not None:
            power /= 1 + _AMBIENT_POWER * (room - view.baseline.ambient_c)
        scale = (0.6 if active else 1.0) / view.sensitivity
        if duty < 1 + 0.25 * scale or power < 1 + 0.05 * scale:
            return None
        return Finding(
            confidence=clamp01((duty - 1) + (power - 1) * 3),
            evidence={"duty_ratio": round(duty, 2), "power_ratio": round(power, 3)},
        )
