"""Windowed figures about the fridge's recent behaviour, recomputed every ten minutes.

Everything a slow detector compares with the baseline is here: the duty cycle against what this
household's same hours of the day usually ask of it (room-compensated when the room temperature
is known), starts per hour, run lengths, running power and its jitter, warming rates with the
door shut, compartment trends, and the cooling seen from inside when there is no plug.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import TYPE_CHECKING

from .cycles import HOUR_S, Cycle, CycleTracker, door_shut_warming, rest_warming
from .signals import BUCKET_S, Signal
from .swings import Swings

if TYPE_CHECKING:
    from .baseline import Baseline

REFERENCE_AMBIENT_C = 21.0
_LOAD_OFFSET_C = 7.0  # the heat load grows with (room - a temperature between fridge and freezer)
_BLOCK_H = 4
_ENERGY_COVERAGE = 0.8  # share of the day the plug must have seen for a day's energy


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
    duty_3h: float | None = None  # raw duty cycle, as shown to the owner
    duty_norm_24h: float | None = None  # room-compensated
    duty_ratio_24h: float | None = None  # against this household's same hours of the day
    duty_ratio_4h: float | None = None  # the last whole 4-hour block against its usual
    duty_ratio_min_24h: float | None = None  # the lowest 4-hour ratio of the last day
    starts_per_h_2h: float | None = None
    starts_per_h_6h: float | None = None
    run_s_2h: float | None = None  # median run length
    run_s_12h: float | None = None
    run_s_24h: float | None = None
    run_w_24h: float | None = None  # median settled running power
    jitter_recent: float | None = None  # median power jitter of the last runs
    warm_norm_24h: float | None = None  # door-shut warming per kelvin of room-fridge gap
    rest_pace_24h: float | None = None  # door-shut rests an hour per kelvin of that gap
    fridge_6h: float | None = None  # median of the last six hours' 10-minute means
    fridge_trend_k_per_h: float | None = None
    fridge_drift_3h: float | None = None  # K/h, the last 3 hours' mean against the 3 before
    freezer_trend_k_per_h: float | None = None
    ambient_6h: float | None = None
    energy_24h_kwh: float | None = None
    cooling_share_24h: float | None = None  # share of the day the fridge cooled (seen inside)
    fridge_cool_24h: float | None = None  # median cooling rate, K/h, seen inside


def _duty(tracker: CycleTracker, now: float, hours: float) -> tuple[float, int] | None:
    """Duty cycle and starts over the last ``hours`` whole hours, if mostly observed."""
    seen = tracker.duty(now - hours * HOUR_S, now)
    if seen is None or seen[1] < 0.5 * hours * HOUR_S:
        return None
    return seen[0] / seen[1], seen[2]


def _block_ratios(
    tracker: CycleTracker, ambient: Signal | None, baseline: Baseline, now: float, blocks: int
) -> list[float | None]:
    """Duty of the last ``blocks`` whole 4-hour blocks against the learned duty of those hours."""
    last_hour = int(now // HOUR_S)  # the hour under way is left out
    ratios: list[float | None] = []
    for k in range(blocks):
        first = last_hour - (k + 1) * _BLOCK_H
        start = first * HOUR_S
        seen = tracker.duty(start, start + (_BLOCK_H - 1) * HOUR_S)
        expected = baseline.expected_duty(first, _BLOCK_H)
        if seen is None or seen[1] < 0.5 * _BLOCK_H * HOUR_S or not expected:
            ratios.append(None)
            continue
        room = ambient.mean(start, start + _BLOCK_H * HOUR_S) if ambient is not None else None
        ratios.append(seen[0] / seen[1] / load_factor(room) / expected)
    return ratios


def _lowest(ratios: list[float | None]) -> float | None:
    known = [r for r in ratios if r is not None]
    return min(known) if ratios and len(known) == len(ratios) else None


def _trend(signal: Signal | None, now: float, hours: int) -> float | None:
    """Kelvin per hour, from the last ``hours``' mean against the same span before."""
    if signal is None:
        return None
    span = hours * HOUR_S
    recent = signal.mean(now - span, now)
    before = signal.mean(now - 2 * span, now - span)
    return None if recent is None or before is None else (recent - before) / hours


def _energy_24h_kwh(power: Signal | None, now: float) -> float | None:
    """Energy over the last 24 hours, if the plug saw most of them."""
    if power is None:
        return None
    means = power.bucket_means(now - 24 * HOUR_S, now)
    if len(means) * BUCKET_S < _ENERGY_COVERAGE * 24 * HOUR_S:
        return None
    return sum(means) / len(means) * 24 / 1000


def compute(
    now: float,
    tracker: CycleTracker | None,
    signals: tuple[Signal | None, Signal | None, Signal | None, Signal | None],
    fridge_swings: Swings | None,
    baseline: Baseline,
) -> Features:
    """Figures over the windows ending at ``now`` (fridge, freezer, room, power signals)."""
    fridge, freezer, ambient, power = signals
    ambient_6h = ambient.mean(now - 6 * HOUR_S, now) if ambient is not None else None
    ambient_24h = ambient.mean(now - 24 * HOUR_S, now) if ambient is not None else None
    inside = {
        # The typical 10 minutes of the last six hours: a probe lifted out or a warm load lifts
        # an hour of them, a leak lifts them all.
        "fridge_6h": _median(fridge.bucket_means(now - 6 * HOUR_S, now)) if fridge else None,
        "fridge_trend_k_per_h": _trend(fridge, now, 1),
        "fridge_drift_3h": _trend(fridge, now, 3),
        "freezer_trend_k_per_h": _trend(freezer, now, 1),
        "ambient_6h": ambient_6h,
        "energy_24h_kwh": _energy_24h_kwh(power, now),
    }
    if fridge_swings is not None:
        inside["cooling_share_24h"] = fridge_swings.cooling_share(now - 24 * HOUR_S, now)
        inside["fridge_cool_24h"] = fridge_swings.cooling_rate(now - 24 * HOUR_S)
    if tracker is None:
        return Features(at=now, **inside)
    duty_3 = _duty(tracker, now, 3)
    duty_6 = _duty(tracker, now, 6)
    duty_24 = _duty(tracker, now, 24)
    recent: list[Cycle] = []
    for cycle in reversed(tracker.cycles):
        if cycle.start < now - 24 * HOUR_S:
            break
        recent.append(cycle)
    lengths = [(c.start, c.end - c.start) for c in recent]
    running_since = tracker.run_started_at
    if running_since is not None and now - running_since >= 2 * HOUR_S:
        # A run that will not end is a run of every window, however long ago it began: a
        # compressor that no longer stops is the leak at its worst, not the end of the evidence.
        lengths.insert(0, (now, now - running_since))
    jitters = [c.jitter for c in recent[:6] if c.jitter is not None]
    gap = (ambient_24h if ambient_24h is not None else REFERENCE_AMBIENT_C) - (
        fridge.mean(now - 24 * HOUR_S, now) or 3.0 if fridge is not None else 3.0
    )
    warm, paces = door_shut_warming(rest_warming(recent, gap), baseline.door_opening_adds)
    ratios = _block_ratios(tracker, ambient, baseline, now, 6) if baseline.learned else []
    duty_ratio_24h = None
    if duty_24 and baseline.duty_norm:
        duty_ratio_24h = duty_24[0] / load_factor(ambient_24h) / baseline.duty_norm
    return Features(
        at=now,
        duty_3h=duty_3[0] if duty_3 else None,
        duty_norm_24h=duty_24[0] / load_factor(ambient_24h) if duty_24 else None,
        duty_ratio_24h=duty_ratio_24h,
        duty_ratio_4h=ratios[0] if ratios else None,
        duty_ratio_min_24h=_lowest(ratios),
        starts_per_h_2h=sum(c.start >= now - 2 * HOUR_S for c in recent) / 2 if duty_3 else None,
        starts_per_h_6h=duty_6[1] / 6 if duty_6 else None,
        run_s_2h=_median([s for t, s in lengths if t >= now - 2 * HOUR_S]),
        run_s_12h=_median([s for t, s in lengths if t >= now - 12 * HOUR_S]),
        run_s_24h=_median([s for _, s in lengths]),
        run_w_24h=_median([c.mean_w for c in recent if c.mean_w is not None]),
        jitter_recent=_median(jitters) if len(jitters) >= 3 else None,
        warm_norm_24h=_median(warm) if len(warm) >= 4 else None,
        rest_pace_24h=_median(paces) if len(paces) >= 4 else None,
        **inside,
    )
