"""Windowed figures about the fridge's recent behaviour, recomputed every ten minutes.

Everything a slow detector compares with the baseline is here: duty cycle over several windows
(compensated for room temperature when it is known), starts per hour, run lengths, running power
and its stability, warming and cooling rates, compartment trends.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from .cycles import HOUR_S, Cycle, CycleTracker
from .signals import Signal

REFERENCE_AMBIENT_C = 21.0
_LOAD_OFFSET_C = 7.0  # the heat load grows with (room - a temperature between fridge and freezer)


def load_factor(ambient_c: float | None) -> float:
    """How much more the fridge must cool in this room than at 21 °C (1.0 when unknown)."""
    if ambient_c is None:
        return 1.0
    return max(0.3, (ambient_c + _LOAD_OFFSET_C) / (REFERENCE_AMBIENT_C + _LOAD_OFFSET_C))


def _median(values: list[float]) -> float | None:
    return median(values) if values else None


@dataclass(frozen=True, slots=True)
class Features:
    """Figures at one moment; None where the sensors or the data do not tell."""

    at: float
    duty_3h: float | None = None
    duty_norm_6h: float | None = None
    duty_norm_24h: float | None = None
    starts_per_h_2h: float | None = None
    starts_per_h_6h: float | None = None
    run_s_2h: float | None = None  # median run length
    run_w_24h: float | None = None  # median settled running power
    cv_recent: float | None = None  # median power variation of the last runs
    warm_norm_24h: float | None = None  # off-cycle warming rate per kelvin of room-fridge gap
    cool_24h: float | None = None  # on-cycle cooling rate, K/h
    fridge_6h: float | None = None
    fridge_trend_k_per_h: float | None = None
    fridge_drift_3h: float | None = None  # K/h, the last 3 hours' mean against the 3 before
    freezer_trend_k_per_h: float | None = None
    ambient_6h: float | None = None
    energy_24h_kwh: float | None = None  # from the plug's mean power over the last day


_ENERGY_COVERAGE = 0.8  # share of the day the plug must have reported for a day's energy


def _energy_24h_kwh(power: Signal | None, now: float) -> float | None:
    """Energy over the last 24 hours, if the plug saw most of them."""
    if power is None:
        return None
    means = power.bucket_means(now - 24 * HOUR_S, now)
    if len(means) * 600.0 < _ENERGY_COVERAGE * 24 * HOUR_S:
        return None
    return sum(means) / len(means) * 24 / 1000


def _duty(tracker: CycleTracker, now: float, hours: float) -> tuple[float, int] | None:
    """Duty cycle and starts over the last ``hours`` whole hours, if mostly observed."""
    seen = tracker.duty(now - hours * HOUR_S, now)
    if seen is None or seen[1] < 0.5 * hours * HOUR_S:
        return None
    return seen[0] / seen[1], seen[2]


def _trend(signal: Signal | None, now: float, hours: int) -> float | None:
    """Kelvin per hour, from the last ``hours``' mean against the same span before."""
    if signal is None:
        return None
    span = hours * HOUR_S
    recent = signal.mean(now - span, now)
    before = signal.mean(now - 2 * span, now - span)
    return None if recent is None or before is None else (recent - before) / hours


def compute(
    now: float,
    tracker: CycleTracker,
    fridge: Signal | None,
    freezer: Signal | None,
    ambient: Signal | None,
    power: Signal | None = None,
) -> Features:
    """Figures over the windows ending at ``now`` (the cost is a few hundred list reads)."""
    ambient_6h = ambient.mean(now - 6 * HOUR_S, now) if ambient is not None else None
    ambient_24h = ambient.mean(now - 24 * HOUR_S, now) if ambient is not None else None
    duty_3 = _duty(tracker, now, 3)
    duty_6 = _duty(tracker, now, 6)
    duty_24 = _duty(tracker, now, 24)
    recent: list[Cycle] = []
    for cycle in reversed(tracker.cycles):
        if cycle.start < now - 24 * HOUR_S:
            break
        recent.append(cycle)
    last_2h = [c for c in recent if c.start >= now - 2 * HOUR_S]
    cvs = [c.cv for c in recent[:6] if c.cv is not None]
    gap = (ambient_24h if ambient_24h is not None else REFERENCE_AMBIENT_C) - (
        fridge.mean(now - 24 * HOUR_S, now) or 3.0 if fridge is not None else 3.0
    )
    warm = [
        c.warm_k_per_h / max(gap, 5.0)
        for c in recent
        if c.warm_k_per_h is not None and not c.door_opened
    ]
    return Features(
        at=now,
        duty_3h=duty_3[0] if duty_3 else None,
        duty_norm_6h=duty_6[0] / load_factor(ambient_6h) if duty_6 else None,
        duty_norm_24h=duty_24[0] / load_factor(ambient_24h) if duty_24 else None,
        starts_per_h_2h=len(last_2h) / 2 if duty_3 else None,
        starts_per_h_6h=duty_6[1] / 6 if duty_6 else None,
        run_s_2h=_median([c.end - c.start for c in last_2h]),
        run_w_24h=_median([c.mean_w for c in recent if c.mean_w is not None]),
        cv_recent=_median(cvs) if len(cvs) >= 3 else None,
        warm_norm_24h=_median(warm) if len(warm) >= 4 else None,
        cool_24h=_median([c.cool_k_per_h for c in recent if c.cool_k_per_h is not None]),
        fridge_6h=fridge.mean(now - 6 * HOUR_S, now) if fridge is not None else None,
        fridge_trend_k_per_h=_trend(fridge, now, 1),
        fridge_drift_3h=_trend(fridge, now, 3),
        freezer_trend_k_per_h=_trend(freezer, now, 1),
        ambient_6h=ambient_6h,
        energy_24h_kwh=_energy_24h_kwh(power, now),
    )
