"""The healthy behaviour of one fridge, learned once and then adapted slowly.

The baseline is learned from the learning period (robust figures: medians, and the mean and spread
of 6-hour duty windows, compensated for room temperature). Afterwards it follows the fridge slowly
(about two months' time constant), and only on days that look like the baseline already, so a
developing fault is never learned as normal.
"""

from __future__ import annotations

from itertools import pairwise
from statistics import median

import numpy as np

from .cycles import HOUR_S, CycleTracker
from .features import REFERENCE_AMBIENT_C, Features, load_factor
from .signals import Signal
from .state import Persistent

_ADAPT_DAYS = 60.0
_ADAPT_BAND = 0.15  # only days this close to the baseline teach it
_DEFROST_FOLLOW = 0.3
_SHORTEST_DEFROST_INTERVAL_S = 4 * HOUR_S


def _median(values: list[float]) -> float | None:
    return float(median(values)) if values else None


class Baseline(Persistent):
    """Learned figures; each is None when the fridge's sensors cannot tell it."""

    __slots__ = (
        "cool",
        "cut_in_c",
        "cv",
        "defrost_interval_s",
        "duty_norm",
        "duty_norm_sd",
        "energy_kwh",
        "fridge_mean",
        "last_adapted_day",
        "learned_at",
        "run_s",
        "run_w",
        "starts_per_h",
        "warm_norm",
    )
    _STATE = __slots__

    def __init__(self) -> None:
        """Start unlearned."""
        self.learned_at: float | None = None
        self.duty_norm: float | None = None
        self.duty_norm_sd: float | None = None
        self.run_w: float | None = None
        self.cv: float | None = None
        self.warm_norm: float | None = None
        self.cool: float | None = None
        self.run_s: float | None = None
        self.starts_per_h: float | None = None
        self.defrost_interval_s: float | None = None
        self.energy_kwh: float | None = None  # a healthy day's energy at the plug
        self.fridge_mean: float | None = None
        self.cut_in_c: float | None = None
        self.last_adapted_day: int | None = None

    @property
    def learned(self) -> bool:
        """Whether the learning period is over."""
        return self.learned_at is not None

    def learn(
        self,
        since: float,
        until: float,
        tracker: CycleTracker,
        fridge: Signal | None,
        ambient: Signal | None,
        defrost_times: list[float],
        power: Signal | None = None,
    ) -> None:
        """Learn from what was seen in [since, until)."""
        self.learned_at = until
        self.last_adapted_day = int(until // 86_400)
        hours = {h: (on, seen) for h, on, seen, _ in tracker.hours if since <= h * HOUR_S < until}
        windows = []
        for first in hours:
            on = seen = 0.0
            for hour in range(first, first + 6):
                on += hours.get(hour, (0.0, 0.0))[0]
                seen += hours.get(hour, (0.0, 0.0))[1]
            if seen >= 3 * HOUR_S and (first + 6) * HOUR_S <= until:
                room = ambient.mean(first * HOUR_S, (first + 6) * HOUR_S) if ambient else None
                windows.append(on / seen / load_factor(room))
        if len(windows) >= 6:
            self.duty_norm = float(np.mean(windows))
            self.duty_norm_sd = float(np.std(windows))
        cycles = [c for c in tracker.cycles if since <= c.start < until]
        room = ambient.mean(since, until) if ambient is not None else None
        inside = fridge.mean(since, until) if fridge is not None else None
        gap = (room if room is not None else REFERENCE_AMBIENT_C) - (
            inside if inside is not None else 3.0
        )
        self.fridge_mean = inside
        if power is not None and (watts := power.mean(since, until)) is not None:
            self.energy_kwh = watts * 24 / 1000
        if len(cycles) >= 6:
            self.run_w = _median([c.mean_w for c in cycles if c.mean_w is not None])
            self.cv = _median([c.cv for c in cycles if c.cv is not None])
            self.warm_norm = _median(
                [
                    c.warm_k_per_h / max(gap, 5.0)
                    for c in cycles
                    if c.warm_k_per_h is not None and not c.door_opened
                ]
            )
            self.cool = _median([c.cool_k_per_h for c in cycles if c.cool_k_per_h is not None])
            self.run_s = _median([c.end - c.start for c in cycles])
            self.cut_in_c = _median(
                [c.fridge_at_start for c in cycles if c.fridge_at_start is not None]
            )
            seen_h = sum(seen for _, seen in hours.values()) / HOUR_S
            self.starts_per_h = len(cycles) / seen_h if seen_h > 0 else None
        intervals = [b - a for a, b in pairwise(defrost_times)]
        self.defrost_interval_s = _median(
            [i for i in intervals if i > _SHORTEST_DEFROST_INTERVAL_S]
        )

    def follow_defrost(self, interval_s: float) -> None:
        """Follow the defrost rhythm as it is seen (a failed defrost shows no interval at all)."""
        if interval_s <= _SHORTEST_DEFROST_INTERVAL_S:
            return
        if self.defrost_interval_s is None:
            self.defrost_interval_s = interval_s
        else:
            self.defrost_interval_s += (interval_s - self.defrost_interval_s) * _DEFROST_FOLLOW

    def adapt(self, features: Features) -> None:
        """Once a day, follow the fridge slowly when today already looks like the baseline."""
        day = int(features.at // 86_400)
        if self.last_adapted_day is None or day <= self.last_adapted_day:
            return
        self.last_adapted_day = day
        rate = 1.0 / _ADAPT_DAYS
        duty = features.duty_norm_24h
        if duty is not None and self.duty_norm and abs(duty / self.duty_norm - 1) < _ADAPT_BAND:
            self.duty_norm += (duty - self.duty_norm) * rate
        power = features.run_w_24h
        if power is not None and self.run_w is not None and abs(power / self.run_w - 1) < 0.03:
            self.run_w += (power - self.run_w) * rate
        energy = features.energy_24h_kwh
        if (
            energy is not None
            and self.energy_kwh
            and abs(energy / self.energy_kwh - 1) < _ADAPT_BAND
        ):
            self.energy_kwh += (energy - self.energy_kwh) * rate
        warm = features.warm_norm_24h
        if warm is not None and self.warm_norm and abs(warm / self.warm_norm - 1) < _ADAPT_BAND:
            self.warm_norm += (warm - self.warm_norm) * rate
