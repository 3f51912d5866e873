"""A fridge-freezer in a kitchen, stepped in fixed physics steps, seen through HA sensors.

The model is deliberately small but has every mechanism the engine must read: a fridge compartment
with a fast air node (where the thermostat and the owner's sensor sit) and a slow contents node, a
freezer, a single compressor with start inrush and a pull-down surge, a timed defrost heater, ice
build-up on the evaporator, door openings, ambient swings, mains outages and sensors that report
like real ones (on change, with heartbeats, sometimes unavailable). Faults change the physics, not
the readings, so the engine has to find them the way it would in a real kitchen.

The widened world (the Scenario fields after ``physics_step_s``) adds standby, lamp and fans,
sub-step inrush spikes, mechanical thermostats, defrost styles, the freezer's cycle swing, sensor
lag, offsets and probe handling, evening load and 0 W outage plugs. It is opt-in: its new random
draws come from streams of their own, and today's draws are made exactly as before (and then
overridden), so a default scenario gives bit-for-bit today's trace.
"""

from __future__ import annotations

import math
import random

from custom_components.fridge_care.analysis.model import FaultCode, Role

from .scenario import FaultInjection, Sample, Scenario, SensorFaultMode
from .sensors import PlugReporter, PlugState, Spike, TempReporter

_DAY_S = 86_400.0
_HOUR_S = 3_600.0
_DOOR_PROFILE = (  # relative door traffic per hour of the day: quiet nights, busy meals
    0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.5, 2.0, 2.0, 1.0, 0.8, 1.0,
    1.5, 1.0, 0.8, 0.8, 1.0, 2.0, 2.5, 2.0, 1.2, 0.8, 0.4, 0.1,
)  # fmt: skip
_DOOR_PROFILE_MEAN = sum(_DOOR_PROFILE) / 24.0
_PLUG_UNAVAILABLE_AFTER_S = 60.0  # a Wi-Fi plug without mains drops off within a minute
_EVENING_HOURS = range(17, 22)  # when warm food goes in (Scenario.evening_load_kj)
_EVENING_SHARE = sum(_DOOR_PROFILE[h] for h in _EVENING_HOURS) / sum(_DOOR_PROFILE)
_WARM_FOOD_MAX_J = 40e3  # what one opening's warm food brings at most (0.7 kg from 20 °C)
_DEFROST_HEAT_J = 250e3 / 0.4  # a defrost warms the freezer's contents by at most 250 kJ
_ADAPTIVE_OPENINGS = 30.0  # an adaptive defrost: this many openings bring it as far as its most
_ADAPTIVE_MIN_S = 8 * _HOUR_S  # and it never comes sooner than this
_PROBE_OUT_TAU_S = 80.0  # a probe lifted into the room warms with this time constant
_PROBE_BACK_S = 900.0  # and settles back over a quarter of an hour
_TEMPS = (Role.FRIDGE_TEMP, Role.FREEZER_TEMP, Role.AMBIENT_TEMP)
Span = tuple[float, float]


class FridgeSimulator:
    """Steps one scenario forward on demand; ``simulate`` and the live demo are built on it."""

    def __init__(self, scenario: Scenario) -> None:
        """Draw this fridge's physical parameters from the scenario's seed."""
        self.scenario = scenario
        rng = self._rng = random.Random(scenario.seed)
        self.t = scenario.start
        self._dt = scenario.physics_step_s
        # Kitchen.
        self.ambient_mean = (
            scenario.ambient_c if scenario.ambient_c is not None else rng.uniform(18, 26)
        )
        swing = scenario.ambient_daily_swing_c
        self.ambient_swing = swing if swing is not None else rng.uniform(0.5, 3.0)
        self._seasonal_amp = rng.uniform(0.3, 1.5)
        self._seasonal_period = rng.uniform(20, 60) * _DAY_S
        self._seasonal_phase = rng.uniform(0, 2 * math.pi)
        door = scenario.door_openings_per_day
        self.door_openings_per_day = door if door is not None else rng.uniform(15, 50)
        plug = scenario.plug_interval_s
        self.plug_interval_s = plug if plug is not None else rng.choice((10.0, 30.0, 60.0))
        # Fridge.
        self.setpoint_c = rng.uniform(2.0, 3.0)
        self.half_band_c = rng.uniform(0.5, 0.8)
        self._c_air = rng.uniform(25e3, 40e3)  # J/K: air, shelves, liner
        self._c_contents = rng.uniform(30e3, 70e3)  # J/K: food and drink
        self._h_air_contents = rng.uniform(8.0, 12.0)  # W/K
        self._ua_fridge = rng.uniform(1.0, 1.5)  # W/K through walls and gasket
        self._ua_freezer = rng.uniform(0.35, 0.55)
        self._ua_between = 0.15
        self._c_freezer = rng.uniform(80e3, 160e3)
        self.capacity_w = rng.uniform(90, 140)  # cooling at 21 °C ambient
        self.run_power_w = rng.uniform(60, 130)
        self.heater_power_w = rng.uniform(180, 350)
        self._idle_w = rng.uniform(0.3, 2.0)
        self._lamp_w = rng.uniform(2.0, 12.0)
        self._defrost_every_run_s = rng.uniform(6, 10) * _HOUR_S
        self._defrost_s = rng.uniform(15, 30) * 60
        self._ice_per_day = rng.uniform(0.03, 0.06)
        self._freezer_target = rng.uniform(-21, -18)
        self._fridge_share = self._share()
        # State.
        self.ambient_c = self.ambient_mean
        self.mains = True
        self.door_open = False
        self.power_w = self._idle_w
        self.air_c = self.setpoint_c
        self.contents_c = self.setpoint_c - 0.2
        self.freezer_c = self._freezer_target
        self._ice = rng.uniform(0, 0.04)
        self.compressor_on = False
        self._run_s = 0.0  # seconds into the current run
        self._off_since = self.t - 600
        self._run_since_defrost = rng.uniform(0, self._defrost_every_run_s)
        self._defrost_until = -math.inf
        self._drip_until = -math.inf
        self._door_open_until = -math.inf
        self._door_air_offset = 0.0
        self._freezer_air_offset = 0.0
        self._mains_lost_at: float | None = None
        self._retry_at = -math.inf  # next start attempt of a failing compressor
        self._trip_after_s = math.inf  # when an overheating compressor's overload trips
        # Faults and random events, fixed up front so a seed is reproducible.
        self._faults = tuple(self._resolve(f) for f in scenario.faults)
        modes: tuple[SensorFaultMode, ...] = ("stuck", "implausible", "dead")
        self._sensor_mode = {
            f.role: rng.choice(modes) for f in scenario.faults if f.code is FaultCode.SENSOR_FAULT
        }
        for f in scenario.faults:  # a chosen mode overrides the draw (made anyway, see above)
            if f.code is FaultCode.SENSOR_FAULT and f.sensor_mode is not None:
                self._sensor_mode[f.role] = f.sensor_mode
        end = scenario.start + scenario.days * _DAY_S
        shortest_h, longest_h = scenario.outage_hours
        self._outages = self._random_spans(
            scenario.outages_per_day, shortest_h * _HOUR_S, longest_h * _HOUR_S, end
        )
        self._gaps = {  # drawn in a fixed order (a frozenset's order changes between processes)
            role: self._random_spans(scenario.sensor_gaps_per_day, 300, 5400, end)
            for role in Role
            if role in scenario.roles
        }
        self._last: dict[Role, tuple[float, float | None]] = {}
        self._cursors: dict[int, int] = {}  # per list of spans: the first that has not ended
        self._emit_all = True
        self._widen(scenario, end)

    def _share(self) -> float:
        """Return the fridge compartment's share of the heat load at 21 °C."""
        setpoint, freezer = self.setpoint_c, self._freezer_target
        load_f = self._ua_fridge * (21 - setpoint) - self._ua_between * (setpoint - freezer)
        load_z = self._ua_freezer * (21 - freezer) + self._ua_between * (setpoint - freezer)
        return load_f / (load_f + load_z)

    def _widen(self, scenario: Scenario, end: float) -> None:
        """Apply the widened world's options over today's draws (none set: nothing changes)."""
        world = random.Random(f"{scenario.seed}/world")  # physics draws of the widened world
        sensors = random.Random(f"{scenario.seed}/sensors")  # sensor draws of the widened world
        mechanical = scenario.thermostat == "mechanical"
        if mechanical:
            self.half_band_c = world.uniform(0.8, 1.2)  # a bimetal or bellows: a wider band
        if scenario.thermostat_band_k is not None:
            self.half_band_c = scenario.thermostat_band_k
        if scenario.setpoint_c is not None:
            self.setpoint_c = scenario.setpoint_c
            self.air_c = self.setpoint_c
            self.contents_c = self.setpoint_c - 0.2
            self._fridge_share = self._share()
        if scenario.capacity_w is not None:
            self.capacity_w = scenario.capacity_w
        if scenario.run_power_w is not None:
            self.run_power_w = scenario.run_power_w
        if scenario.heater_w is not None:
            self.heater_power_w = scenario.heater_w
        if scenario.standby_w is not None:
            self._idle_w = scenario.standby_w
        elif mechanical:
            self._idle_w = 0.0
        if scenario.lamp_w is not None:
            self._lamp_w = scenario.lamp_w
        self.power_w = self._steady_w = self._idle_w
        self._fan_w = scenario.fan_w
        self._fan_until = -math.inf
        self._surge = scenario.surge
        self._surge_tau_s = scenario.surge_tau_s
        self._inrush_ratio = scenario.inrush_ratio
        self._spike: Spike | None = None
        self._world = world
        # Defrost.
        self._defrost_style = scenario.defrost_style
        self._since_defrost_s = 0.0  # wall-clock time with mains since the last defrost
        self._openings_since_defrost = 0
        self.defrosts: list[float] = []  # when each defrost started (ground truth)
        self.failed_starts: list[float] = []  # when a failing compressor tried to start
        if scenario.defrost_minutes is not None:
            self._defrost_s = scenario.defrost_minutes * 60
        interval_h = scenario.defrost_interval_h
        style = scenario.defrost_style
        self._defrost_every_s = self._defrost_every_run_s
        if style is not None and style != "none":
            every = interval_h if interval_h is not None else {"adaptive": 36.0}.get(style, 12.0)
            self._defrost_every_run_s = every * _HOUR_S
            self._defrost_every_s = every * _HOUR_S
            self._run_since_defrost = world.uniform(0, self._defrost_every_run_s)
            self._since_defrost_s = world.uniform(0, min(self._defrost_every_s, 24 * _HOUR_S))
        if style == "none":
            self._ice_per_day *= 0.1  # a manual-defrost evaporator frosts over months, not days
        self._heat_share = 1.0  # of a heater's 40 % that reaches the freezer's contents
        if style is not None:  # the heater melts ice; its thermostat ends it when the coil is
            # clear, so a longer or stronger defrost does not bring more heat to the food
            self._heat_share = min(1.0, _DEFROST_HEAT_J / (self.heater_power_w * self._defrost_s))
        self._defrost_peak_c = scenario.defrost_peak_c
        self._freezer_swing_k = scenario.freezer_swing_k
        # Household.
        expected = self.door_openings_per_day * _EVENING_SHARE
        per_opening = scenario.evening_load_kj * 1000 / expected if expected > 0 else 0.0
        self._evening_heat_j = min(_WARM_FOOD_MAX_J, per_opening)
        self._drift_c_per_s = scenario.seasonal_drift_c_per_day / _DAY_S
        # Sensors: probes with lag, offsets and lifts; reporting styles.
        self._offsets = {
            Role.FRIDGE_TEMP: scenario.fridge_offset_c,
            Role.FREEZER_TEMP: scenario.freezer_offset_c,
            Role.AMBIENT_TEMP: scenario.ambient_offset_c,
        }
        self._lags = {
            Role.FRIDGE_TEMP: scenario.fridge_lag_s,
            Role.FREEZER_TEMP: scenario.freezer_lag_s,
        }
        per_day = scenario.probe_lifts_per_month / 30.0
        self.probe_lifts: dict[Role, list[Span]] = {}
        for role in self._lags:
            self.probe_lifts[role] = self._spans(sensors, per_day, 60.0, 300.0, end)
        self._probes_on = per_day > 0 or any(self._lags.values())
        self._probe: dict[Role, float] = {}
        self._offsets_on = any(self._offsets.values())
        plug = scenario.plug_style
        self._plug = None if plug is None else PlugReporter(scenario, self.plug_interval_s, sensors)
        self._temp_reporters = (
            {role: TempReporter(scenario) for role in _TEMPS}
            if scenario.temp_style is not None
            else {}
        )
        self._jitter = sensors

    @property
    def fridge_c(self) -> float:
        """The fridge compartment's true temperature (what a perfect probe in it would read)."""
        return 0.6 * self.air_c + 0.4 * self.contents_c

    @property
    def sensor_gaps(self) -> dict[Role, list[Span]]:
        """The random spans in which each sensor was unavailable (``sensor_gaps_per_day``)."""
        return self._gaps

    @property
    def outages(self) -> list[Span]:
        """Every span without mains: the random outages and the injected ``power_outage`` faults."""
        injected = [
            (start, end)
            for code, start, _ramp, end, _strength, _role in self._faults
            if code is FaultCode.POWER_OUTAGE
        ]
        return sorted([*self._outages, *injected])

    def _resolve(self, fault: FaultInjection) -> tuple[FaultCode, float, float, float, float, Role]:
        """Fix a fault's start, ramp, end and strength (seconds, absolute)."""
        rng = self._rng
        typical_ramp_h = {
            FaultCode.COOLING_FAILURE: rng.uniform(72, 144),
            FaultCode.CONDENSER_FOULING: rng.uniform(14, 28) * 24,
            FaultCode.DOOR_SEAL_LEAK: rng.uniform(2, 12),
        }.get(fault.code, 0.0)
        typical_duration_h = {
            FaultCode.POWER_OUTAGE: rng.uniform(2, 8),
            FaultCode.DOOR_LEFT_OPEN: rng.uniform(1, 3),
        }.get(fault.code, math.inf)
        start = self.scenario.start + fault.start_h * _HOUR_S
        ramp = (fault.ramp_h if fault.ramp_h is not None else typical_ramp_h) * _HOUR_S
        duration = fault.duration_h if fault.duration_h is not None else typical_duration_h
        return fault.code, start, ramp, start + duration * _HOUR_S, fault.strength, fault.role

    def _random_spans(
        self, per_day: float, shortest_s: float, longest_s: float, end: float
    ) -> list[Span]:
        """Poisson-placed spans (outages, sensor gaps) over the run."""
        return self._spans(self._rng, per_day, shortest_s, longest_s, end)

    def _spans(
        self, rng: random.Random, per_day: float, shortest_s: float, longest_s: float, end: float
    ) -> list[Span]:
        spans: list[Span] = []
        if per_day <= 0:
            return spans
        t = self.scenario.start
        while True:
            t += rng.expovariate(per_day / _DAY_S)
            if t >= end:
                return spans
            length = rng.uniform(shortest_s, longest_s)
            spans.append((t, t + length))
            t += length

    def _progress(self, code: FaultCode) -> float:
        """How far an injected fault has developed at the current time (0 = absent, 1 = full)."""
        level = 0.0
        for fcode, start, ramp, end, strength, _role in self._faults:
            if fcode is code and start <= self.t < end:
                level = max(
                    level, strength * (1.0 if ramp <= 0 else min(1.0, (self.t - start) / ramp))
                )
        return level

    def _within(self, spans: list[Span], t: float) -> bool:
        """Whether ``t`` falls in one of the time-ordered spans (``t`` never goes back)."""
        if not spans:
            return False
        key = id(spans)
        i = self._cursors.get(key, 0)
        while i < len(spans) and spans[i][1] <= t:
            i += 1
        self._cursors[key] = i
        return i < len(spans) and spans[i][0] <= t

    def advance(self, to: float) -> list[Sample]:
        """Run the physics up to ``to`` and return the state changes Home Assistant would record."""
        out: list[Sample] = []
        if self._emit_all:
            self._emit_all = False
            self._report(out, force=True)
        while self.t + self._dt <= to:
            self._step()
            self._report(out, force=False)
        return out

    def _step(self) -> None:
        dt = self._dt
        rng = self._rng
        self.t += dt
        t = self.t
        day_phase = ((t % _DAY_S) / _DAY_S - 11 / 24) * 2 * math.pi
        ambient = (
            self.ambient_mean
            + self.ambient_swing * math.sin(day_phase)
            + self._seasonal_amp
            * math.sin(2 * math.pi * t / self._seasonal_period + self._seasonal_phase)
        )
        if self._drift_c_per_s:
            ambient += self._drift_c_per_s * (t - self.scenario.start)
        self.ambient_c = ambient
        progress = self._progress
        mains = not (progress(FaultCode.POWER_OUTAGE) > 0 or self._within(self._outages, t))
        self.mains = mains
        # Door: ordinary openings, or left ajar.
        ajar = progress(FaultCode.DOOR_LEFT_OPEN) > 0
        if not ajar and t >= self._door_open_until:
            hour = int((t % _DAY_S) // _HOUR_S)
            rate = self.door_openings_per_day / _DAY_S * _DOOR_PROFILE[hour] / _DOOR_PROFILE_MEAN
            if rng.random() < rate * dt:
                self._door_open_until = t + min(
                    120.0, max(dt, rng.lognormvariate(math.log(15), 0.6))
                )
                self._openings_since_defrost += 1
                if self._evening_heat_j and hour in _EVENING_HOURS:  # warm food goes in
                    self.contents_c += self._evening_heat_j / self._c_contents
        self.door_open = ajar or t < self._door_open_until
        # Controls: defrost timer, thermostat, overload.
        setpoint = self.setpoint_c + 4.5 * progress(FaultCode.UNSAFE_TEMPERATURE)
        heater = False
        inrush = False
        if not mains:
            self.compressor_on = False
            self._off_since = t
            if self._mains_lost_at is None:
                self._mains_lost_at = t
        else:
            self._mains_lost_at = None
        if not mains:
            pass
        elif t < self._defrost_until:
            heater = progress(FaultCode.DEFROST_FAILURE) == 0
        elif t < self._drip_until:
            pass
        elif self._defrost_due():
            self.compressor_on = False
            self._off_since = t
            self._run_since_defrost = 0.0
            self._since_defrost_s = 0.0
            self._openings_since_defrost = 0
            self.defrosts.append(t)
            self._defrost_until = t + self._defrost_s
            self._drip_until = self._defrost_until + 300
            heater = progress(FaultCode.DEFROST_FAILURE) == 0
        elif self.compressor_on:
            trip = progress(FaultCode.SHORT_CYCLING) > 0 and self._run_s >= self._trip_after_s
            if self.air_c <= setpoint - self.half_band_c or trip:
                self.compressor_on = False
                self._off_since = t
                self._retry_at = t + (rng.uniform(150, 300) if trip else 300)
        elif self.air_c >= setpoint + self.half_band_c and t >= self._retry_at:
            inrush = True
            if progress(FaultCode.COMPRESSOR_START_FAILURE) > 0:
                self.failed_starts.append(t)
                self._retry_at = t + rng.uniform(*self.scenario.start_retry_s)  # trips, retries
            else:
                self.compressor_on = True
                self._run_s = 0.0
                self._trip_after_s = rng.uniform(90, 240)
        # Power drawn at the plug.
        running = self.compressor_on
        fouling = progress(FaultCode.CONDENSER_FOULING)
        leak = progress(FaultCode.COOLING_FAILURE)
        power = self._idle_w + (self._lamp_w if self.door_open else 0.0)
        if mains:
            self._since_defrost_s += dt
        if self._fan_w:
            if running:
                self._fan_until = t + self.scenario.fan_overrun_s
            if running or t <= self._fan_until:
                power += self._fan_w
        if running:
            self._run_s += dt
            self._run_since_defrost += dt
            surge = self._surge * math.exp(-self._run_s / self._surge_tau_s)
            run = (
                self.run_power_w
                * (1 + 0.008 * (ambient - 21) + surge)
                * (1 + 0.2 * fouling - 0.3 * leak)
            )
            run *= 1 + rng.gauss(0, 0.008)
            if progress(FaultCode.POWER_FLUCTUATION) > 0:
                run *= max(0.45, 1 + 0.25 * progress(FaultCode.POWER_FLUCTUATION) * rng.gauss(0, 1))
            power += run
        self._spike = None
        if inrush:
            spike_w = self.run_power_w * rng.uniform(4.5, 6.0)  # drawn even when not used
            if self._inrush_ratio is None:
                power += spike_w
            else:  # a spike of a second or two somewhere inside the step
                world = self._world
                length = min(dt, self.scenario.inrush_s * world.uniform(0.8, 1.2))
                extra = self.run_power_w * self._inrush_ratio * world.uniform(0.9, 1.1)
                self._spike = Spike(t - dt + world.uniform(0, dt - length), length, extra)
        if heater:
            power += self.heater_power_w
        self.power_w = power if mains else 0.0
        self._steady_w = self.power_w
        if self._spike is not None and mains:  # today's plug reads the step's mean
            self.power_w += self._spike.extra_w * self._spike.duration_s / dt
        # Heat flows.
        capacity = 0.0
        if running:
            capacity = self.capacity_w * (1 - 0.012 * (ambient - 21)) * (1 - self._ice)
            capacity *= (1 - 0.95 * leak) * (1 - 0.4 * fouling)
            self._ice = min(0.9, self._ice + self._ice_per_day * dt / _DAY_S)
        if heater:
            self._ice = max(0.0, self._ice - dt / self._defrost_s)  # the heater melts the ice
        ua_air = self._ua_fridge * (1 + 0.8 * progress(FaultCode.DOOR_SEAL_LEAK))
        if ajar:
            ua_air += 3.0
        elif self.door_open:
            ua_air += 8.0
            self._door_air_offset = min(3.0, self._door_air_offset + 0.6)
        heat_h = self.heater_power_w if heater else 0.0
        # The air damper sends more cold to whichever compartment is further from its target.
        to_freezer = (1 - self._fridge_share) * min(
            1.7, max(0.3, 1 + (self.freezer_c - self._freezer_target) / 3)
        )
        to_freezer = min(0.95, to_freezer)
        q_air_contents = self._h_air_contents * (self.air_c - self.contents_c)
        d_air = (
            ua_air * (ambient - self.air_c)
            - self._ua_between * (self.air_c - self.freezer_c)
            - q_air_contents
            - capacity * (1 - to_freezer)
            + 0.02 * heat_h
        )
        d_freezer = (
            self._ua_freezer * (ambient - self.freezer_c)
            + self._ua_between * (self.air_c - self.freezer_c)
            - capacity * to_freezer
            + 0.4 * heat_h * self._heat_share
        )
        self.air_c += d_air / self._c_air * dt
        self.contents_c += q_air_contents / self._c_contents * dt
        self.freezer_c += d_freezer / self._c_freezer * dt
        self._door_air_offset *= math.exp(-dt / 120)
        if self._freezer_swing_k is None and self._defrost_peak_c is None:
            target = 2.5 if heater else 0.0
            self._freezer_air_offset += (target - self._freezer_air_offset) * (dt / 300)
        else:
            self._freezer_sensor_air(heater, dt)

    def _freezer_sensor_air(self, heater: bool, dt: float) -> None:
        """Move the air at the freezer sensor: towards the heater's peak, or with the cycle."""
        tau = 300.0
        if heater and self._defrost_peak_c is not None:
            target = self._defrost_peak_c - self.freezer_c
            tau = max(300.0, self._defrost_s / 3)
        elif heater:
            target = 2.5
        elif self._freezer_swing_k is not None:
            half = self._freezer_swing_k / 2
            target = -half if self.compressor_on else half
            tau = 240.0
        else:
            target = 0.0
        self._freezer_air_offset += (target - self._freezer_air_offset) * min(1.0, dt / tau)

    def _defrost_due(self) -> bool:
        """Whether the defrost timer (or the adaptive controller) calls for a defrost now."""
        style = self._defrost_style
        if style is None or style == "timed_run":
            return self._run_since_defrost >= self._defrost_every_run_s
        if style == "timed_wall":
            return self._since_defrost_s >= self._defrost_every_s
        if style == "adaptive":
            since = self._since_defrost_s
            frost = (
                since / self._defrost_every_s + self._openings_since_defrost / _ADAPTIVE_OPENINGS
            )
            return frost >= 1.0 and since >= min(_ADAPTIVE_MIN_S, self._defrost_every_s)
        return False

    def _readings(self) -> dict[Role, float | None]:
        """Return what each sensor would read now, before sampling."""
        rng = self._rng
        fridge = 0.6 * self.air_c + 0.4 * self.contents_c + self._door_air_offset
        values: dict[Role, float | None] = {
            Role.FRIDGE_TEMP: fridge + rng.gauss(0, 0.03),
            Role.FREEZER_TEMP: self.freezer_c + self._freezer_air_offset + rng.gauss(0, 0.03),
            Role.AMBIENT_TEMP: self.ambient_c + rng.gauss(0, 0.02),
            Role.DOOR: 1.0 if self.door_open else 0.0,
            Role.COMPRESSOR_POWER: self.power_w,
        }
        if self._probes_on or self._offsets_on:
            self._sense(values)
        for code, start, _ramp, end, _strength, role in self._faults:
            if code is FaultCode.SENSOR_FAULT and start <= self.t < end:
                mode = self._sensor_mode[role]
                if mode == "dead":
                    values[role] = None
                elif mode == "implausible":
                    values[role] = rng.choice((-55.0, 85.0, rng.uniform(-60, 90)))
                else:
                    last = self._last.get(role)
                    values[role] = last[1] if last is not None else values[role]
        lost = self._mains_lost_at
        if lost is not None and self.scenario.outage_plug == "unavailable":
            # a plug without mains says nothing, then drops off the network
            if self.t - lost >= _PLUG_UNAVAILABLE_AFTER_S:
                values[Role.COMPRESSOR_POWER] = None
            else:
                del values[Role.COMPRESSOR_POWER]
        return values

    def _sense(self, values: dict[Role, float | None]) -> None:
        """Apply what the probes add: lag (a probe in a bottle), lifts into the room, offsets."""
        t = self.t
        for role, probe_lag in self._lags.items():
            lag = probe_lag
            true = values[role]
            if true is None:
                continue
            if self._probes_on:
                probe = self._probe.get(role)
                lifts = self.probe_lifts[role]
                if probe is None:
                    probe = true
                elif self._within(lifts, t):
                    probe += (self.ambient_c - probe) * (1 - math.exp(-self._dt / _PROBE_OUT_TAU_S))
                else:
                    if any(b <= t < b + _PROBE_BACK_S for _a, b in lifts):
                        lag = max(lag, 120.0)  # settling back into place
                    probe = (
                        true
                        if lag <= 0
                        else probe + (true - probe) * (1 - math.exp(-self._dt / lag))
                    )
                self._probe[role] = probe
                true = probe
            values[role] = true + self._offsets[role]
        ambient = values[Role.AMBIENT_TEMP]
        if ambient is not None:
            values[Role.AMBIENT_TEMP] = ambient + self._offsets[Role.AMBIENT_TEMP]

    def _plug_states(self, reading: float | None, *, force: bool) -> list[Sample]:
        """Return what the widened world's plug makes Home Assistant record over the step."""
        plug = self._plug
        assert plug is not None
        role = Role.COMPRESSOR_POWER
        t = self.t
        state: PlugState = "on"
        watts = self._steady_w
        spike = self._spike
        lost = self._mains_lost_at
        faulty = any(
            code is FaultCode.SENSOR_FAULT and r is role and start <= t < end
            for code, start, _ramp, end, _strength, r in self._faults
        )
        if self._within(self._gaps[role], t):
            state = "unavailable"
        elif lost is not None and self.scenario.outage_plug == "unavailable":
            state = "unavailable" if t - lost >= _PLUG_UNAVAILABLE_AFTER_S else "silent"
        elif faulty:  # the plug itself fails: dead, stuck or implausible
            spike = None
            state = "unavailable" if reading is None else "on"
            watts = reading if reading is not None else 0.0
        if force:
            reports = plug.first(t, None if state != "on" else watts)
        else:
            reports = plug.step(t, self._dt, watts, spike, state)
        if reports:
            self._last[role] = reports[-1]
        return [Sample(at, role, value) for at, value in reports]

    def _report(self, out: list[Sample], *, force: bool) -> None:
        """Turn readings into state changes, the way each kind of sensor reports."""
        scenario = self.scenario
        t = self.t
        dt = self._dt
        batch: list[Sample] = []
        for role, reading in self._readings().items():
            if role not in scenario.roles:
                continue
            if role is Role.COMPRESSOR_POWER and self._plug is not None:
                batch.extend(self._plug_states(reading, force=force))
                continue
            value = None if self._within(self._gaps[role], t) else reading
            reporter = self._temp_reporters.get(role)
            if reporter is not None:
                measured_at = t if force else t - self._jitter.random() * dt * 0.9
                for at, recorded in reporter.report(measured_at, value, force=force):
                    batch.append(Sample(at, role, recorded))
                    self._last[role] = (at, recorded)
                continue
            last = self._last.get(role)
            if value is not None:
                if role in (Role.FRIDGE_TEMP, Role.FREEZER_TEMP, Role.AMBIENT_TEMP):
                    res = scenario.temp_resolution_c
                    value = round(round(value / res) * res, 2)
                elif role is Role.COMPRESSOR_POWER:
                    value = round(value, 1)
            if not force and last is not None:
                last_at, last_value = last
                if value is None or last_value is None:
                    changed = value is not last_value
                elif role is Role.COMPRESSOR_POWER:
                    changed = abs(value - last_value) > max(
                        2.0, scenario.plug_change_ratio * last_value
                    )
                    changed = changed or t - last_at >= self.plug_interval_s
                elif role is Role.DOOR:
                    changed = value != last_value
                else:  # one resolution step after a minute, two at once (like Zigbee reporting)
                    step = abs(value - last_value) / scenario.temp_resolution_c
                    changed = step > 1.5 or (step > 0.5 and t - last_at >= 60.0)
                    heartbeat = scenario.temp_heartbeat_s
                    changed = changed or (heartbeat is not None and t - last_at >= heartbeat)
                if not changed:
                    continue
            self._last[role] = (t, value)
            jitter = (
                0.0 if force or role is Role.COMPRESSOR_POWER else self._rng.random() * dt * 0.9
            )
            batch.append(Sample(t - jitter, role, value))
        batch.sort(key=lambda s: s.at)
        out.extend(batch)


def simulate(scenario: Scenario) -> list[Sample]:
    """Run a whole scenario and return its time-ordered samples."""
    sim = FridgeSimulator(scenario)
    return sim.advance(scenario.start + scenario.days * _DAY_S)
