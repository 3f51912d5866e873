"""Compressor faults seen by the plug: start failure, short cycling, erratic power, fouling."""

from __future__ import annotations

from ..model import FaultCode
from . import Detector, Finding, View, clamp01, ratio

_ATTEMPT_WINDOW_S = 1800.0
_GAVE_UP_S = 3600.0
_DAY_S = 86_400.0


class CompressorStartFailure(Detector):
    """Start attempts (a burst of inrush current) that never turn into a run: relay or overload."""

    __slots__ = ()
    code = FaultCode.COMPRESSOR_START_FAILURE

    def check(self, view: View, active: bool) -> Finding | None:
        """Three attempts in half an hour with no run since the first of them."""
        tracker = view.tracker
        if tracker is None:
            return None
        last_run_end = tracker.cycles[-1].end if tracker.cycles else None
        started = tracker.run_started_at
        if started is not None and view.now - started >= 120:
            return None  # running properly now
        failed = [a for a in tracker.attempts if last_run_end is None or a > last_run_end]
        if not failed:
            return None
        window = _GAVE_UP_S if active else _ATTEMPT_WINDOW_S
        recent = [a for a in failed if a >= view.now - window]
        need = max(2, round(3 / view.sensitivity))
        if len(recent) < (1 if active else need):
            return None
        return Finding(
            confidence=clamp01(0.5 + 0.1 * len(failed)),
            evidence={"failed_starts": float(len(failed))},
            onset_at=failed[0],
        )


class ShortCycling(Detector):
    """Many short runs: far more starts per hour than this fridge's baseline."""

    __slots__ = ()
    code = FaultCode.SHORT_CYCLING

    def check(self, view: View, active: bool) -> Finding | None:
        """Look for 2.5x the usual starts per hour (at least 5) and runs under 60 % of usual.

        Both over the last two hours; runs must also be under 8 minutes.
        """
        starts, run_s = view.features.starts_per_h_2h, view.features.run_s_2h
        if starts is None or run_s is None:
            return None
        need = max(5.0, 2.5 * (view.baseline.starts_per_h or 2.0)) / view.sensitivity
        longest_s = min(480.0, 0.6 * (view.baseline.run_s or 800.0))
        if active:
            need *= 0.6
            longest_s *= 1.5
        if starts < need or run_s > longest_s:
            return None
        return Finding(
            confidence=clamp01(0.5 + (starts - need) / need),
            evidence={"starts_per_h": round(starts, 1), "median_run_min": round(run_s / 60, 1)},
        )


class PowerFluctuation(Detector):
    """Running power that jumps about within a run: a chattering relay or a loose contact."""

    __slots__ = ()
    code = FaultCode.POWER_FLUCTUATION

    def check(self, view: View, active: bool) -> Finding | None:
        """Median power variation of recent runs at least 4x baseline (and >= 8 %)."""
        cv = view.features.cv_recent
        if cv is None:
            return None
        need = max(0.08, 4 * (view.baseline.cv or 0.02)) / view.sensitivity
        if active:
            need *= 0.6
        if cv < need:
            return None
        return Finding(
            confidence=clamp01(0.5 + (cv - need) / need),
            evidence={"power_variation_pct": round(100 * cv, 1)},
        )


class CondenserFouling(Detector):
    """Slow efficiency loss: a day's duty cycle and running power both well above baseline."""

    __slots__ = ()
    code = FaultCode.CONDENSER_FOULING

    def check(self, view: View, active: bool) -> Finding | None:
        """24 h duty cycle +25 % and running power +5 % (at sensitivity 1)."""
        duty = ratio(view.features.duty_norm_24h, view.baseline.duty_norm)
        power = ratio(view.features.run_w_24h, view.baseline.run_w)
        if duty is None or power is None or not view.settled(_DAY_S):
            return None
        scale = (0.6 if active else 1.0) / view.sensitivity
        if duty < 1 + 0.25 * scale or power < 1 + 0.05 * scale:
            return None
        return Finding(
            confidence=clamp01((duty - 1) + (power - 1) * 3),
            evidence={"duty_ratio": round(duty, 2), "power_ratio": round(power, 3)},
        )
