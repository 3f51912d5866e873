"""Cooling faults: losing refrigerant (the sealed system), and food kept too warm."""

from __future__ import annotations

from itertools import pairwise
from statistics import median
from typing import NamedTuple

from ..features import load_factor
from ..model import FaultCode, Severity
from ..signals import BUCKET_S
from . import Detector, Finding, View, clamp01, keep_if, ratio

_FRIDGE_SUSTAIN_S = 5400.0
_NOTHING_COOLS_SUSTAIN_S = (
    1800.0  # no power, or a compressor that cannot run: no evening to wait out
)
# A leaking circuit still cools some, and the freezer's defrost or an evening's warmth passes as
# it does in any fridge: only these leave nothing cooling at all.
_NOTHING_COOLS = frozenset({FaultCode.POWER_OUTAGE, FaultCode.COMPRESSOR_START_FAILURE})
_FREEZER_SUSTAIN_S = 3600.0
_RECOVERING_K_PER_H = -0.5  # cooling back down this fast: the shopping going in, not a fault
_USDA_S = 2 * 3600.0  # above the limit this long, recovering or not: the food is at risk
_WINDOW_S = 24 * 3600.0  # the leak must show around the clock, not in one busy evening


class _Asks(NamedTuple):
    """What a leak must show, each against this fridge's usual."""

    day: float  # the last day's duty against the same hours usually
    every_block: float | None  # no 4-hour block of that day (the night included) at its usual
    now: float  # and still so in the last 4 hours: a long run after the shopping has ended
    runs: float  # runs lengthen: the same cooling takes ever longer


_ASKS = _Asks(day=1.25, every_block=1.1, now=1.25, runs=1.4)
# A circuit short of refrigerant draws less power on every run, day and night, which no busy
# evening does (its door lamp and warm food raise it): with that, a young leak's extra running
# is enough, before every block of a hot day, whose duty is high already, stands clear of its own.
_LEAN_POWER = 0.95
_ASKS_LEAN = _Asks(day=1.15, every_block=None, now=1.1, runs=1.2)
_POWER_UP = 1.02  # less refrigerant, less work for the motor; a warm room or a fouled condenser
# makes it draw more
_LESS_POWER = 0.97  # the running power a leaking circuit draws, against the learned
# Heat getting in (a seal, a warm room) shortens the rests; a leak does not. Once a leak is
# found, the few short rests of a compressor that hardly stops do not clear it.
_RESTS_SHORTER = 1.3
_WARM_WHILE_RUNNING_K_PER_H = 0.2
_ABOVE_USUAL_K = 1.0  # the fridge above its learned level corroborates a leak
_SHARE_UP = 1.5  # without a plug: cooling phases take this much more of the day
_SLOW_CONFIRMS_S = 12 * 3600.0  # and the fridge stays warmer than usual half a day into it
_COOLING_SLOWER = 0.7  # and cool this much more slowly
_BEYOND_HEALTHY = 1.25  # and both well beyond what any healthy learning day showed
_CLIMB_K_PER_H = 0.1
_CLIMB_FOR_S = 6 * 3600.0
_CLIMB_CONFIRMS_S = 24 * 3600.0  # a thermostat turned up has levelled off long before
# Read from inside, a leak is confirmed only by warmth that has held this long, hour after hour,
# without the fridge ever pulling itself back down: a mains outage (up to ten hours, or several in
# a row) warms a healthy fridge as much, but it cools back fast once the power returns.
_HELD_WARM_S = 12 * 3600.0
_PULLED_BACK_K = 0.5  # an hour's median this much below the hour before: cooling is working


class CoolingFailure(Detector):
    """Runs ever longer around the clock for the same cooling: the sealed system is failing.

    With a plug: the last day asks more of the compressor than the same hours usually do, every
    4-hour block of it (the night included) and the last one too, and runs are longer, while the
    running power is not up (that would be a warm room or the condenser) and the rests between
    runs are no shorter (heat getting in, past a leaking door seal say, would shorten them; the
    refrigerant only works while the compressor runs). An evening of door openings raises some
    blocks, not all; a long run after the shopping ends. Runs that all draw 5 % less power than
    usual (less refrigerant to pump) need less: 1.15 times the day's duty, 1.1 times the last
    block's, runs 1.2 times as long, whatever the blocks between; so a leak in a hot kitchen,
    whose compressor already runs most of the day, is told sooner. Without a plug the
    cooling is read from inside: cooling phases take more of the day and cool more slowly;
    failing that, the compartment climbs well above its learned level for hours.
    """

    __slots__ = ("_slow_since", "_warm_since")
    _STATE = __slots__
    code = FaultCode.COOLING_FAILURE

    def __init__(self) -> None:
        """No warm drift under way."""
        self._warm_since: float | None = None
        self._slow_since: float | None = None  # cooling read from inside has been slow since

    def check(self, view: View, active: bool) -> Finding | None:
        """Look for a round-the-clock rise in duty with longer runs (with no plug: from inside)."""
        if not view.settled(_WINDOW_S):
            return keep_if(active)
        if view.tracker is None:
            return self._from_inside(view, active)
        base, now = view.baseline, view.features
        day, every, latest = now.duty_ratio_24h, now.duty_ratio_min_24h, now.duty_ratio_4h
        runs = ratio(now.run_s_12h, base.run_s)
        if day is None or every is None or latest is None or runs is None:
            return None
        scale = (0.5 if active else 1.0) / view.sensitivity
        power = ratio(now.run_w_24h, base.run_w)
        rests = ratio(now.rest_pace_24h, base.rest_pace)
        asks = _ASKS_LEAN if power is not None and power <= _LEAN_POWER else _ASKS
        if (
            day < _eased(asks.day, scale)
            or (asks.every_block is not None and every < _eased(asks.every_block, scale))
            or latest < _eased(asks.now, scale)
            or runs < _eased(asks.runs, scale)
            or (power is not None and power > _POWER_UP)
            or (not active and rests is not None and rests >= _RESTS_SHORTER)
        ):
            return None
        evidence = {"duty_ratio": round(day, 2), "run_length_ratio": round(runs, 2)}
        if power is not None:
            evidence["power_ratio"] = round(power, 2)
        warming = now.fridge_trend_k_per_h
        rise = _above_usual(view)
        severity = Severity.WARNING
        if warming is not None and view.tracker.running and warming > _WARM_WHILE_RUNNING_K_PER_H:
            evidence["warming_k_per_h"] = round(warming, 2)
            severity = Severity.CRITICAL
        if rise is not None:
            evidence["fridge_rise_k"] = round(rise, 2)
        return Finding(
            confidence=clamp01(0.5 + (day - asks.day) + (runs - asks.runs)),
            evidence=evidence,
            severity=severity,
            confirmed=rise is not None and rise >= _ABOVE_USUAL_K,
            # A room warming with the season (no thermometer to say so) asks more of the
            # compressor too, but with more power, not less: only a leak's lighter load, or the
            # fridge warming, lets the persisting rise confirm it.
            persistence_confirms=power is None or power <= _LESS_POWER,
        )

    def _from_inside(self, view: View, active: bool) -> Finding | None:
        base, now = view.baseline, view.features
        share = ratio(now.cooling_share_24h, base.cooling_share)
        if share is not None and view.ambient is not None and base.ambient_c is not None:
            share /= load_factor(now.ambient_6h) / load_factor(base.ambient_c)  # a warmer room
        slower = ratio(now.fridge_cool_24h, base.fridge_cool_k_per_h)
        scale = (0.5 if active else 1.0) / view.sensitivity
        # A thermometer that reads a healthy day's share and cooling unevenly must see more.
        share_up = max(
            _SHARE_UP, _BEYOND_HEALTHY * (ratio(base.cooling_share_high, base.cooling_share) or 1.0)
        )
        cooling_slower = min(
            _COOLING_SLOWER,
            (ratio(base.fridge_cool_low, base.fridge_cool_k_per_h) or 1.0) / _BEYOND_HEALTHY,
        )
        if (
            share is not None
            and slower is not None
            and share >= _eased(share_up, scale)
            and slower <= _eased(cooling_slower, scale)
        ):
            if self._slow_since is None:
                self._slow_since = view.now
            return Finding(
                confidence=clamp01(0.5 + (share - 1) + (1 - slower)),
                evidence={
                    "cooling_share_ratio": round(share, 2),
                    "cooling_rate_ratio": round(slower, 2),
                },
                # Read from inside, only the warming confirms, and only when it lasts: a room
                # several kelvin warmer for a few days lifts a healthy fridge's air too.
                confirmed=view.now - self._slow_since >= _SLOW_CONFIRMS_S
                and _held_warm(view, _ABOVE_USUAL_K),
                persistence_confirms=False,
            )
        self._slow_since = None
        return self._by_temperature(view, active)

    def _by_temperature(self, view: View, active: bool) -> Finding | None:
        rise, drift = _above_usual(view), view.features.fridge_drift_3h
        if rise is None or drift is None:
            self._warm_since = None
            return None
        climbing = rise >= 1.5 / view.sensitivity and drift >= _CLIMB_K_PER_H
        if drift <= -_CLIMB_K_PER_H or not (active or climbing):  # it cooled back: not lost
            self._warm_since = None
        elif climbing and self._warm_since is None:
            self._warm_since = view.now
        if active:  # still climbing: a thermostat turned up levels off within hours
            present = rise >= 0.8 / view.sensitivity and drift >= _CLIMB_K_PER_H / 2
        else:
            present = climbing and view.now - (self._warm_since or view.now) >= _CLIMB_FOR_S
        if not present:
            return None
        return Finding(
            confidence=clamp01(rise / 3),
            evidence={"fridge_rise_k": round(rise, 2), "warming_k_per_h": round(drift, 2)},
            confirmed=self._warm_since is not None
            and view.now - self._warm_since >= _CLIMB_CONFIRMS_S
            and _held_warm(view, 1.5 / view.sensitivity),
            persistence_confirms=False,
        )


def _eased(ask: float, scale: float) -> float:
    """Return a ratio to usual that is asked, moved towards 1 by ``scale``.

    Halved while an episode is open (it stays on with less), and by the owner's sensitivity.
    """
    return 1 + (ask - 1) * scale


def _above_usual(view: View) -> float | None:
    """How far the fridge's last six hours sit above its learned level."""
    usual, now = view.baseline.fridge_mean, view.features.fridge_6h
    return None if usual is None or now is None else now - usual


def _held_warm(view: View, above_k: float) -> bool:
    """Whether each of the last twelve hours sat ``above_k`` over the usual, never cooling back."""
    usual, fridge = view.baseline.fridge_mean, view.fridge
    if usual is None or fridge is None:
        return False
    means = fridge.bucket_means(view.now - _HELD_WARM_S, view.now)
    per_hour = round(3600.0 / BUCKET_S)
    if len(means) * BUCKET_S < 0.8 * _HELD_WARM_S:
        return False
    hourly = [median(means[i : i + per_hour]) for i in range(0, len(means), per_hour)]
    return min(hourly) >= usual + above_k and all(
        later > earlier - _PULLED_BACK_K for earlier, later in pairwise(hourly)
    )


class UnsafeTemperature(Detector):
    """A compartment above its food-safety limit for a sustained time."""

    __slots__ = ()
    code = FaultCode.UNSAFE_TEMPERATURE

    def check(self, view: View, active: bool) -> Finding | None:
        """Every 10-minute mean above the limit for 90 minutes (freezer: an hour), not cooling down.

        Half an hour is enough once cooling is known to be lost (an outage, a failed compressor).

        Averages, not single readings: a busy evening of door openings puts the air above 4.4 °C
        for minutes at a time without warming the food, and warm shopping put away lifts it for
        an hour while the compressor pulls it back down. Past two hours above the limit (the
        USDA's rule for perishables) it is reported whatever the trend.
        """
        findings = []
        untrusted = view.implausible_since
        for zone, signal, sustain, limit, name in (
            (
                view.fridge_zone,
                view.fridge,
                _FRIDGE_SUSTAIN_S,
                view.config.fridge_limit_c,
                "fridge",
            ),
            (
                view.freezer_zone,
                view.freezer,
                _FREEZER_SUSTAIN_S,
                view.config.freezer_limit_c,
                "freezer",
            ),
        ):
            if (
                signal is None
                or zone.above_since is None
                or signal.value is None
                or f"{name}_temp" in untrusted  # its readings are not the compartment's now
            ):
                continue
            held = (
                min(sustain, _NOTHING_COOLS_SUSTAIN_S) if view.active & _NOTHING_COOLS else sustain
            )
            window = max(BUCKET_S, held / view.sensitivity)
            means = signal.bucket_means(view.now - window - BUCKET_S, view.now)
            if len(means) * BUCKET_S < window or min(means) <= zone.limit(limit):
                continue
            slope = (means[-1] - means[-3]) / (2 * BUCKET_S) * 3600 if len(means) >= 3 else 0.0
            above_s = view.now - zone.above_since
            if not active and slope <= _RECOVERING_K_PER_H and above_s < _USDA_S:
                continue
            onset = min(zone.above_since, view.now - window)
            findings.append((onset, name, view.now - onset, zone.peak_c or signal.value))
        if not findings:
            return None
        evidence: dict[str, float] = {}
        for _, name, warm_s, peak in findings:
            evidence[f"{name}_warm_min"] = round(warm_s / 60, 1)
            evidence[f"{name}_peak_c"] = round(peak, 1)
        return Finding(confidence=1.0, evidence=evidence, onset_at=min(f[0] for f in findings))
