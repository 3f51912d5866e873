"""Cooling faults: losing refrigerant (the sealed system), and food kept too warm."""

from __future__ import annotations

from ..model import FaultCode, Severity
from ..signals import BUCKET_S
from . import Detector, Finding, View, clamp01, ratio

_FRIDGE_SUSTAIN_S = 1800.0
_FREEZER_SUSTAIN_S = 3600.0
_WINDOW_S = 6 * 3600.0  # the duty-cycle window compared with the baseline
_CLIMB_K_PER_H = 0.1  # still warming, not levelled off
_CLIMB_FOR_S = 6 * 3600.0


class CoolingFailure(Detector):
    """Runs ever longer for the same cooling, with no other explanation; then warms while running.

    With a power plug, the 6-hour duty cycle (room-compensated) is compared with the baseline,
    and the other causes of a higher duty are ruled out: a leaking seal warms faster when off, a
    fouled condenser draws more power, an iced evaporator has missed its defrost. Without a plug
    only the compartment temperature can tell: well above its learned level and still climbing
    for six hours (an outage recovers sooner, a turned-up thermostat levels off).
    """

    __slots__ = ("_warm_since",)
    _STATE = __slots__
    code = FaultCode.COOLING_FAILURE

    def __init__(self) -> None:
        """No warm drift under way."""
        self._warm_since: float | None = None

    def check(self, view: View, active: bool) -> Finding | None:
        """Duty well above baseline (or, with no plug, a warm drift)."""
        if not view.settled(_WINDOW_S):
            return None
        base, now = view.baseline, view.features
        if view.tracker is None:
            return self._by_temperature(view, active)
        duty = ratio(now.duty_norm_6h, base.duty_norm)
        day = ratio(now.duty_norm_24h, base.duty_norm)
        if duty is None or day is None or base.duty_norm is None:
            return None
        spread = 4 * (base.duty_norm_sd or 0.0) / base.duty_norm
        need = 1 + max(0.5, spread) / view.sensitivity
        if active:
            need = 1 + (need - 1) / 2
        power = ratio(now.run_w_24h, base.run_w)
        warm = ratio(now.warm_norm_24h, base.warm_norm)
        sustained = day >= 1 + (need - 1) / 2.5  # not one hot, busy afternoon
        if duty < need or not sustained:
            return None
        if (power is not None and power > 1.03) or (warm is not None and warm > 1.3):
            return None
        evidence = {"duty_ratio": round(duty, 2)}
        if power is not None:
            evidence["power_ratio"] = round(power, 2)
        warming = now.fridge_trend_k_per_h
        severity = None
        if warming is not None and view.tracker.running and warming > 0.2:
            evidence["warming_k_per_h"] = round(warming, 2)
            severity = Severity.CRITICAL
        return Finding(
            confidence=clamp01(0.5 + (duty - need) + (1 - (power or 1.0)) * 2),
            evidence=evidence,
            severity=severity or Severity.WARNING,
        )

    def _by_temperature(self, view: View, active: bool) -> Finding | None:
        base_c, now_c = view.baseline.fridge_mean, view.features.fridge_6h
        drift = view.features.fridge_drift_3h
        if base_c is None or now_c is None or drift is None:
            self._warm_since = None
            return None
        rise = now_c - base_c
        if active:
            present = rise >= 0.8 / view.sensitivity
        else:
            climbing = rise >= 1.5 / view.sensitivity and drift >= _CLIMB_K_PER_H
            if not climbing:
                self._warm_since = None
            elif self._warm_since is None:
                self._warm_since = view.now
            present = climbing and view.now - (self._warm_since or view.now) >= _CLIMB_FOR_S
        if not present:
            return None
        return Finding(
            confidence=clamp01(rise / 3),
            evidence={"fridge_rise_k": round(rise, 2), "warming_k_per_h": round(drift, 2)},
        )


class UnsafeTemperature(Detector):
    """A compartment above its food-safety limit for a sustained time."""

    __slots__ = ()
    code = FaultCode.UNSAFE_TEMPERATURE

    def check(self, view: View, active: bool) -> Finding | None:
        """Every 10-minute mean above the limit for 30 minutes (fridge) or an hour (freezer).

        Averages, not single readings: a busy evening of door openings puts the air above 4.4 °C
        for minutes at a time without warming the food.
        """
        findings = []
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
            if signal is None or zone.above_since is None or signal.value is None:
                continue
            window = max(BUCKET_S, sustain / view.sensitivity)
            means = signal.bucket_means(view.now - window - BUCKET_S, view.now)
            if len(means) * BUCKET_S < window or min(means) <= limit:
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
