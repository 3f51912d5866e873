"""The healthy behaviour of one fridge, learned once and then adapted slowly.

Learned from the learning period with robust figures (medians; the duty cycle hour by hour of the
day, so a busy evening is normal for this household while the same duty at night is not). Each
figure stays None when the sensors or the data cannot tell it, and every detector that rests on a
figure waits for it. Afterwards the baseline follows the fridge slowly (about two months' time
constant), and only on days that already look like it, so a developing fault is never learned;
the door-shut warming, which moves with the room's season, by a bounded step each day instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import median
from typing import cast

import numpy as np

from .cycles import HOUR_S, CycleTracker, door_shut_warming, rest_warming
from .features import REFERENCE_AMBIENT_C, Features, load_factor
from .model import Role
from .power import NO_DRAW_W
from .signals import Signal
from .state import Persistent
from .swings import Swings

_ADAPT_DAYS = 60.0
_ADAPT_BAND = 0.15  # only days this close to the baseline teach it
# Door-shut warming follows the room, which drifts a few kelvin over weeks with the seasons (and
# no room thermometer may tell it): it is followed by at most this share a day, a running median
# that keeps up with a season but not with a seal that starts leaking within two days.
_DRIFT_STEP = 0.02
_CYCLES_TO_LEARN = 8
_DAY_S = 86_400.0
_DAY_STEP_S = 6 * HOUR_S  # the learning days' figures, a day at a time, every six hours
_DAYS_READ_SHARE = 1 / 3  # the cooling share is learned where a third of the days show it
_PROFILE_SPAN = 2  # hours either side pooled into one hour of the day's duty
_HOLDS = {
    Role.FRIDGE_TEMP: "fridge_hold_s",
    Role.FREEZER_TEMP: "freezer_hold_s",
    Role.AMBIENT_TEMP: "ambient_hold_s",
    Role.COMPRESSOR_POWER: "power_hold_s",
}
HOLDING_ROLES = tuple(_HOLDS)  # the sensors whose longest healthy hold the baseline knows
# A healthy sensor may hold longer in later weeks than in the learning days (a colder room slows
# the cycles, a probe settles deeper in a bottle): holds that ended on their own on healthy days
# teach the baseline, the second longest of the days the signal keeps, so that one stuck spell
# that came back to life teaches nothing; a sensor that holds that long again and again does.
_HOLD_HISTORY_S = 4 * _DAY_S


def _median(values: list[float]) -> float | None:
    return float(median(values)) if values else None


def _quantile(values: list[float], q: float) -> float | None:
    return float(np.quantile(values, q)) if values else None


def _per_opening(points: list[tuple[float, float | None]]) -> float | None:
    """Return what one door opening an hour adds to a rest's warming, from (openings/h, warming).

    The median slope over every pair of rests (Theil-Sen), so a few rests that a warm load or a
    long opening sped up do not tilt it; never below zero. Zero where no rest had an opening.
    """
    known = [(x, y) for x, y in points if y is not None]
    if len(known) < _CYCLES_TO_LEARN:
        return None
    x, y = np.array(known).T
    dx = x[:, None] - x[None, :]
    pairs = dx > 0
    if not pairs.any():
        return 0.0
    return max(0.0, float(np.median((y[:, None] - y[None, :])[pairs] / dx[pairs])))


def sensor_holds_s(role: Role, signal: Signal | None, since: float, until: float) -> list[float]:
    """Return how long ``signal`` held each reading in [since, until), in order (none: no sensor).

    A plug reading no draw at all is the mains' story (or a mechanical thermostat's rest), not
    the plug holding still: its 0 W spells do not count.
    """
    if signal is None:
        return []
    return signal.holds_s(since, until, NO_DRAW_W if role is Role.COMPRESSOR_POWER else None)


def sensor_hold_s(role: Role, signal: Signal | None, since: float, until: float) -> float | None:
    """Return the longest ``signal`` held one reading in [since, until) (None: none seen)."""
    return max(sensor_holds_s(role, signal, since, until), default=None)


class Baseline(Persistent):
    """Learned figures; each is None when the fridge's sensors cannot tell it."""

    __slots__ = (
        "ambient_c",
        "ambient_hold_s",
        "cooling_share",
        "cooling_share_high",
        "cut_in_c",
        "duty_norm",
        "duty_profile",
        "energy_kwh",
        "freezer_hold_s",
        "freezer_turns_per_run",
        "fridge_cool_k_per_h",
        "fridge_cool_low",
        "fridge_hold_s",
        "fridge_mean",
        "fridge_turns_per_run",
        "jitter",
        "last_adapted_day",
        "learned_at",
        "off_s_long",
        "power_hold_s",
        "rest_pace",
        "rest_pace_per_opening",
        "run_s",
        "run_w",
        "starts_per_h",
        "warm_norm",
        "warm_norm_per_opening",
    )
    _STATE = __slots__

    def __init__(self) -> None:
        """Start unlearned."""
        self.learned_at: float | None = None
        self.last_adapted_day: int | None = None
        self.duty_norm: float | None = None  # room-compensated duty cycle, whole-day mean
        self.duty_profile: list[float] | None = None  # the same, for each UTC hour of the day
        self.run_s: float | None = None  # median run length
        self.off_s_long: float | None = None  # a long but ordinary off period (95th percentile)
        self.starts_per_h: float | None = None
        self.run_w: float | None = None
        self.jitter: float | None = None
        self.energy_kwh: float | None = None  # a healthy day's energy at the plug
        self.warm_norm: float | None = None  # door-shut warming per kelvin of room-fridge gap
        self.rest_pace: float | None = None  # door-shut rests an hour per kelvin of that gap
        self.warm_norm_per_opening: float | None = None  # what a door opening an hour adds
        self.rest_pace_per_opening: float | None = None  # to each of the two
        self.cut_in_c: float | None = None  # the fridge temperature at which runs start
        self.fridge_mean: float | None = None
        self.ambient_c: float | None = None  # the room during the learning period
        self.fridge_cool_k_per_h: float | None = None  # cooling rate seen from inside
        self.cooling_share: float | None = None  # share of time the fridge cools (no plug)
        # The highest share and the slowest cooling any healthy day showed while learning: a
        # coarse or lagging thermometer reads these very unevenly from one day to the next.
        self.cooling_share_high: float | None = None
        self.fridge_cool_low: float | None = None
        # Turning points a thermometer showed per compressor run: about two if it moves with
        # every cycle (a probe in a bottle of water may not)
        self.fridge_turns_per_run: float | None = None
        self.freezer_turns_per_run: float | None = None
        # The longest each sensor held one reading while the fridge was healthy: a cycling
        # fridge moves a thermometer every few minutes, a coarse or well-damped one less often;
        # a plug that reports on change holds its standby through a whole rest.
        self.fridge_hold_s: float | None = None
        self.freezer_hold_s: float | None = None
        self.ambient_hold_s: float | None = None
        self.power_hold_s: float | None = None  # any reading above no draw (0 W is the mains')

    @property
    def learned(self) -> bool:
        """Whether the learning period is over."""
        return self.learned_at is not None

    def hold_s(self, role: Role) -> float | None:
        """Return the longest this sensor held one reading while the fridge was healthy."""
        name = _HOLDS.get(role)
        return cast("float | None", getattr(self, name)) if name is not None else None

    def learn(
        self,
        since: float,
        until: float,
        tracker: CycleTracker | None,
        thermometers: tuple[Signal | None, Signal | None],
        ambient: Signal | None,
        power: Signal | None,
        swings: tuple[Swings | None, Swings | None],
    ) -> None:
        """Learn from what was seen in [since, until); thermometers: fridge, freezer."""
        fridge, freezer = thermometers
        self.learned_at = until
        self.last_adapted_day = int(until // 86_400)
        room = ambient.mean(since, until) if ambient is not None else None
        inside = fridge.mean(since, until) if fridge is not None else None
        self.fridge_mean = inside
        for role, signal in (
            (Role.FRIDGE_TEMP, fridge),
            (Role.FREEZER_TEMP, freezer),
            (Role.AMBIENT_TEMP, ambient),
            (Role.COMPRESSOR_POWER, power),
        ):
            setattr(self, _HOLDS[role], sensor_hold_s(role, signal, since, until))
        self.ambient_c = room
        fridge_swings, freezer_swings = swings
        if fridge_swings is not None:
            self.fridge_cool_k_per_h = fridge_swings.cooling_rate(since)
            self.cooling_share = fridge_swings.cooling_share(since, until)
            starts = np.arange(since, until - _DAY_S + 1, _DAY_STEP_S).tolist()
            days = [(a, a + _DAY_S) for a in starts]
            shares = [fridge_swings.cooling_share(a, b) for a, b in days]
            rates = [fridge_swings.cooling_rate(a, b) for a, b in days]
            self.cooling_share_high = max((s for s in shares if s is not None), default=None)
            self.fridge_cool_low = min((r for r in rates if r is not None), default=None)
            if sum(s is not None for s in shares) < _DAYS_READ_SHARE * len(shares):
                # A thermometer that shows a day's cooling phases on few days (it reports only
                # kelvin-sized changes) shows them on the eventful days: their share, set
                # against the whole learning period's, reads a leak on any busy day. (Where a
                # third of the days or more show it, a leak's share still tells it early.)
                self.cooling_share = self.cooling_share_high = None

        watts = power.mean(since, until) if power is not None else None
        self.energy_kwh = watts * 24 / 1000 if watts is not None else None
        if tracker is None:
            return
        self._learn_duty(since, until, tracker, ambient)
        cycles = [c for c in tracker.cycles if since <= c.start < until]
        if len(cycles) < _CYCLES_TO_LEARN:
            return
        if fridge_swings is not None:
            self.fridge_turns_per_run = len(fridge_swings.phases(since)) / len(cycles)
        if freezer_swings is not None:
            self.freezer_turns_per_run = len(freezer_swings.phases(since)) / len(cycles)
        gap = (room if room is not None else REFERENCE_AMBIENT_C) - (
            inside if inside is not None else 3.0
        )
        self.run_w = _median([c.mean_w for c in cycles if c.mean_w is not None])
        self.jitter = _median([c.jitter for c in cycles if c.jitter is not None])
        self.run_s = _median([c.end - c.start for c in cycles])
        self.off_s_long = _quantile([c.off_s for c in cycles if c.off_s is not None], 0.95)
        rests = rest_warming(cycles, gap)
        self.warm_norm_per_opening = _per_opening(
            [(r.openings_per_h, r.by_thermometer) for r in rests]
        )
        self.rest_pace_per_opening = _per_opening([(r.openings_per_h, r.by_length) for r in rests])
        warm, paces = door_shut_warming(rests, self.door_opening_adds)
        self.warm_norm = _median(warm) if len(warm) >= _CYCLES_TO_LEARN else None
        self.rest_pace = _median(paces) if len(paces) >= _CYCLES_TO_LEARN else None
        self.cut_in_c = _median(
            [c.fridge_at_start for c in cycles if c.fridge_at_start is not None]
        )
        seen = tracker.duty(since, until)
        if seen is not None and seen[1] > 0:
            self.starts_per_h = len(cycles) / (seen[1] / HOUR_S)

    def _learn_duty(
        self, since: float, until: float, tracker: CycleTracker, ambient: Signal | None
    ) -> None:
        """Learn the room-compensated duty for each hour of the day, pooled with its neighbours."""
        on = np.zeros(24)
        seen = np.zeros(24)
        for hour, on_s, seen_s, _starts in tracker.hours:
            start = hour * HOUR_S
            if since <= start < until and seen_s > 0:
                room = ambient.mean(start, start + HOUR_S) if ambient is not None else None
                on[hour % 24] += on_s / load_factor(room)
                seen[hour % 24] += seen_s
        if seen.sum() < 18 * HOUR_S:  # most hours of the day seen at least once
            return
        self.duty_norm = float(on.sum() / seen.sum())
        pooled_on = sum(np.roll(on, k) for k in range(-_PROFILE_SPAN, _PROFILE_SPAN + 1))
        pooled_seen = sum(np.roll(seen, k) for k in range(-_PROFILE_SPAN, _PROFILE_SPAN + 1))
        profile = np.where(pooled_seen > 0, pooled_on / np.maximum(pooled_seen, 1.0), np.nan)
        profile = np.where(np.isnan(profile), self.duty_norm, profile)
        floor = 0.5 * self.duty_norm
        self.duty_profile = [round(float(max(floor, p)), 4) for p in profile]

    @property
    def door_opening_adds(self) -> tuple[float | None, float | None]:
        """What a door opening an hour adds to a rest's warming: by thermometer, by length."""
        return self.warm_norm_per_opening, self.rest_pace_per_opening

    def expected_duty(self, first_hour: int, hours: int) -> float | None:
        """Return the learned duty over ``hours`` whole hours from hour index ``first_hour``."""
        profile = self.duty_profile
        if profile is None:
            return None
        return sum(profile[(first_hour + k) % 24] for k in range(hours)) / hours

    def adapt(self, features: Features, sensors: Mapping[Role, Signal | None]) -> None:
        """Once a day, follow the fridge slowly when today already looks like the baseline."""
        day = int(features.at // 86_400)
        if self.last_adapted_day is None or day <= self.last_adapted_day:
            return
        self.last_adapted_day = day
        self._adapt_holds(features.at, sensors)
        rate = 1.0 / _ADAPT_DAYS
        ratio = features.duty_ratio_24h
        if ratio is not None and self.duty_profile and abs(ratio - 1) < _ADAPT_BAND:
            self.duty_profile = [p * (1 + (ratio - 1) * rate) for p in self.duty_profile]
            if self.duty_norm is not None:
                self.duty_norm *= 1 + (ratio - 1) * rate
        for name, value, band in (
            ("run_w", features.run_w_24h, 0.03),
            ("energy_kwh", features.energy_24h_kwh, _ADAPT_BAND),
            ("run_s", features.run_s_24h, _ADAPT_BAND),
        ):
            learned = getattr(self, name)
            if value is not None and learned and abs(value / learned - 1) < band:
                setattr(self, name, learned + (value - learned) * rate)
        for name, value in (
            ("warm_norm", features.warm_norm_24h),
            ("rest_pace", features.rest_pace_24h),
        ):
            learned = getattr(self, name)
            if value is not None and learned:
                step = _DRIFT_STEP * learned
                setattr(self, name, learned + min(step, max(-step, value - learned)))

    def _adapt_holds(self, now: float, sensors: Mapping[Role, Signal | None]) -> None:
        """Learn the longer holds of the last days that ended by the sensor moving on its own."""
        for role, signal in sensors.items():
            usual = self.hold_s(role)
            if signal is None or usual is None or signal.changed_at is None:
                continue
            ended = sorted(sensor_holds_s(role, signal, now - _HOLD_HISTORY_S, signal.changed_at))
            if len(ended) >= 2 and ended[-2] > usual:
                setattr(self, _HOLDS[role], ended[-2])
