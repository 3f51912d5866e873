"""How the widened world's plugs and temperature sensors turn physics into Home Assistant states.

Home Assistant records a state only when the value changes, so every reporter here drops a value
equal to the last one recorded: a plug holding 0 W, or a sensor holding its value, gives no new
state for hours. Today's reporting (``Scenario.plug_style``/``temp_style`` None) stays in the
simulator itself, untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
import random
from typing import Literal

from .scenario import Scenario

PlugState = Literal["on", "silent", "unavailable"]
Reported = tuple[float, float | None]  # (at, value) of one new state; None: unavailable


def quantize(value: float, resolution: float) -> float:
    """Round to the sensor's resolution (and away from binary noise such as 2.3000000000000003)."""
    return round(round(value / resolution) * resolution, 6)


@dataclass(frozen=True, slots=True)
class Spike:
    """A start's inrush inside one physics step: ``extra_w`` on top of the step's power."""

    at: float
    duration_s: float
    extra_w: float


class _Recorder:
    """Home Assistant's side: a state is recorded only when the value differs from the last."""

    __slots__ = ("recorded", "started")

    def __init__(self) -> None:
        self.recorded: float | None = None
        self.started = False

    def record(self, out: list[Reported], at: float, value: float | None) -> None:
        if self.started and value == self.recorded:
            return
        self.started = True
        self.recorded = value
        out.append((at, value))


class PlugReporter:
    """A smart plug's measurement and reporting, for ``plug_style`` other than None.

    The power inside a physics step is the step's steady value with at most one start spike, so a
    measurement is a mean over the pieces of the last two steps that its window covers.
    """

    def __init__(self, scenario: Scenario, interval_s: float, rng: random.Random) -> None:
        """Fix the plug's measurement grid; ``interval_s`` is the heartbeat or polling period."""
        style = scenario.plug_style
        assert style is not None
        self.style = style
        default_window = 8.0 if style == "averaged" else 1.0
        window = scenario.plug_window_s if scenario.plug_window_s is not None else default_window
        self.window_s = 0.0 if style == "polled" else window
        self.period_s = interval_s if style == "polled" else window
        self.interval_s = interval_s
        self.resolution = scenario.plug_resolution_w
        self.change_ratio = scenario.plug_change_ratio
        self.change_min_w = scenario.plug_change_min_w
        self.phase = rng.uniform(0, self.period_s)
        self._pieces: list[tuple[float, float, float]] = []  # (from, to, watts), the last steps
        self._sent: tuple[float, float] | None = None  # the plug's last transmission
        self._ha = _Recorder()

    def first(self, at: float, watts: float | None) -> list[Reported]:
        """Record the state Home Assistant has when the run starts."""
        out: list[Reported] = []
        value = None if watts is None else quantize(watts, self.resolution)
        self._ha.record(out, at, value)
        if value is not None:
            self._sent = (at, value)
            self._pieces = [(at - 1.0, at, watts if watts is not None else 0.0)]
        return out

    def step(
        self, t: float, dt: float, watts: float, spike: Spike | None, state: PlugState
    ) -> list[Reported]:
        """Measure and report over the physics step (t - dt, t]."""
        out: list[Reported] = []
        if state != "on":
            self._pieces = []
            if state == "unavailable":
                self._sent = None
                self._ha.record(out, t, None)
            return out
        start = t - dt
        horizon = start - self.window_s
        pieces = [p for p in self._pieces if p[1] > horizon]
        if spike is None:
            pieces.append((start, t, watts))
        else:
            end = spike.at + spike.duration_s
            pieces += [(start, spike.at, watts), (spike.at, end, watts + spike.extra_w)]
            pieces.append((end, t, watts))
        self._pieces = pieces
        k = math.floor((start - self.phase) / self.period_s) + 1
        first = self.phase + k * self.period_s
        if first > t:
            return out
        instants = [first]
        lowest = first - self.window_s
        steady = all(p[2] == watts for p in pieces if p[1] > lowest) and pieces[0][0] <= lowest
        if steady:
            value = quantize(watts, self.resolution)
            self._report(out, first, value)
            due = self._sent[0] + self.interval_s if self._sent is not None else math.inf
            if self.style == "heartbeat" and due <= t:
                at = first + math.ceil(max(0.0, due - first) / self.period_s) * self.period_s
                if at <= t:
                    self._report(out, at, value)
            return out
        at = first + self.period_s
        while at <= t:
            instants.append(at)
            at += self.period_s
        steady_value = quantize(watts, self.resolution)
        previous: float | None = None
        for at in instants:
            lo = at - self.window_s
            inside = lo >= start
            clear = spike is None or at < spike.at or lo >= spike.at + spike.duration_s
            value = (
                steady_value if inside and clear else quantize(self._measure(at), self.resolution)
            )
            if value != previous or self.style == "heartbeat":  # a repeat changes nothing
                self._report(out, at, value)
            previous = value
        return out

    def _measure(self, at: float) -> float:
        """Return the reading at ``at``: the instantaneous value, or the mean over the window."""
        if self.window_s <= 0:
            return next(w for a, b, w in self._pieces if a < at <= b)
        lo = at - self.window_s
        energy = 0.0
        covered = 0.0
        for a, b, w in self._pieces:
            overlap = min(b, at) - max(a, lo)
            if overlap > 0:
                energy += w * overlap
                covered += overlap
        return energy / covered if covered > 0 else 0.0

    def _report(self, out: list[Reported], at: float, value: float) -> None:
        """Send a measurement the way the style does, and record it if it is a new state."""
        sent = self._sent
        if self.style in ("heartbeat", "on_change") and sent is not None:
            threshold = max(self.change_min_w, self.change_ratio * abs(sent[1]))
            changed = abs(value - sent[1]) > threshold
            beat = self.style == "heartbeat" and at - sent[0] >= self.interval_s
            if not (changed or beat):
                return
        self._sent = (at, value)
        self._ha.record(out, at, value)


class TempReporter:
    """A temperature sensor reporting on change, with a minimum interval and maybe a heartbeat."""

    def __init__(self, scenario: Scenario) -> None:
        """Take the reporting rule from the scenario."""
        self.resolution = scenario.temp_resolution_c
        change = scenario.temp_report_change_c
        self.change_c = (change if change is not None else self.resolution) - 1e-9
        self.min_interval_s = scenario.temp_min_interval_s
        self.heartbeat_s = scenario.temp_heartbeat_s
        self._sent: tuple[float, float] | None = None
        self._ha = _Recorder()

    @property
    def recorded(self) -> float | None:
        """The value Home Assistant holds now."""
        return self._ha.recorded

    def report(self, at: float, value: float | None, *, force: bool = False) -> list[Reported]:
        """Take one measurement; return the new state it makes, if any."""
        out: list[Reported] = []
        if value is None:
            self._sent = None
            self._ha.record(out, at, None)
            return out
        value = quantize(value, self.resolution)
        sent = self._sent
        if sent is not None and not force:
            since = at - sent[0]
            changed = abs(value - sent[1]) >= self.change_c and since >= self.min_interval_s
            beat = self.heartbeat_s is not None and since >= self.heartbeat_s
            if not (changed or beat):
                return out
        self._sent = (at, value)
        self._ha.record(out, at, value)
        return out
