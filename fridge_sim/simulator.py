"""A fridge-freezer in a kitchen, stepped in fixed physics steps, seen through HA sensors.

The model is deliberately small but has every mechanism the engine must read: a fridge compartment
with a fast air node (where the thermostat and the owner's sensor sit) and a slow contents node, a
freezer, a single compressor with start inrush and a pull-down surge, a timed defrost heater, ice
build-up on the evaporator, door openings, ambient swings, mains outages and sensors that report
like real ones (on change, with heartbeats, sometimes unavailable). Faults change the physics, not
the readings, so the engine has to find them the way it would in a real kitchen.
"""

from __future__ import annotations

import math
import random

from custom_components.fridge_care.analysis.model import FaultCode, Role

from .scenario import FaultInjection, Sample, Scenario

_DAY_S = 86_400.0
_HOUR_S = 3_600.0
_DOOR_PROFILE = (  # relative door traffic per hour of the day: quiet nights, busy meals
    0.05, 0.05, 0.05, 0.05, 0.05, 0.1, 0.5, 2.0, 2.0, 1.0, 0.8, 1.0,
    1.5, 1.0, 0.8, 0.8, 1.0, 2.0, 2.5, 2.0, 1.2, 0.8, 0.4, 0.1,
)  # fmt: skip
_DOOR_PROFILE_MEAN = sum(_DOOR_PROFILE) / 24.0
_PLUG_UNAVAILABLE_AFTER_S = 60.0  # a Wi-Fi plug without mains drops off within a minute


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
        freezer_target = rng.uniform(-21, -18)
        load_f = self._ua_fridge * (21 - self.setpoint_c) - self._ua_between * (
            self.setpoint_c - freezer_target
        )
        load_z = self._ua_freezer * (21 - freezer_target) + self._ua_between * (
            self.setpoint_c - freezer_target
        )
        self._fridge_share = load_f / (load_f + load_z)
        self._freezer_target = freezer_target
        # State.
        self.ambient_c = self.ambient_mean
        self.mains = True
        self.door_open = False
        self.power_w = self._idle_w
        self.air_c = self.setpoint_c
        self.contents_c = self.setpoint_c - 0.2
        self.freezer_c = freezer_target
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
        self._sensor_mode = {
            f.role: rng.choice(("stuck", "implausible", "dead"))
            for f in scenario.faults
            if f.code is FaultCode.SENSOR_FAULT
        }
        end = scenario.start + scenario.days * _DAY_S
        self._outages = self._random_spans(scenario.outages_per_day, 1800, 5 * _HOUR_S, end)
        self._gaps = {  # drawn in a fixed order (a frozenset's order changes between processes)
            role: self._random_spans(scenario.sensor_gaps_per_day, 300, 5400, end)
            for role in Role
            if role in scenario.roles
        }
        self._last: dict[Role, tuple[float, float | None]] = {}
        self._emit_all = True

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
    ) -> list[tuple[float, float]]:
        """Poisson-placed spans (outages, sensor gaps) over the run."""
        spans: list[tuple[float, float]] = []
        if per_day <= 0:
            return spans
        t = self.scenario.start
        while True:
            t += self._rng.expovariate(per_day / _DAY_S)
            if t >= end:
                return spans
            length = self._rng.uniform(shortest_s, longest_s)
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

    @staticmethod
    def _within(spans: list[tuple[float, float]], t: float) -> bool:
        return any(a <= t < b for a, b in spans)

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
        elif self._run_since_defrost >= self._defrost_every_run_s:
            self.compressor_on = False
            self._off_since = t
            self._run_since_defrost = 0.0
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
                self._retry_at = t + rng.uniform(180, 300)  # overload trips, cools, retries
            else:
                self.compressor_on = True
                self._run_s = 0.0
                self._trip_after_s = rng.uniform(90, 240)
        # Power drawn at the plug.
        running = self.compressor_on
        fouling = progress(FaultCode.CONDENSER_FOULING)
        leak = progress(FaultCode.COOLING_FAILURE)
        power = self._idle_w + (self._lamp_w if self.door_open else 0.0)
        if running:
            self._run_s += dt
            self._run_since_defrost += dt
            surge = 0.25 * math.exp(-self._run_s / 90)
            run = (
                self.run_power_w
                * (1 + 0.008 * (ambient - 21) + surge)
                * (1 + 0.2 * fouling - 0.3 * leak)
            )
            run *= 1 + rng.gauss(0, 0.008)
            if progress(FaultCode.POWER_FLUCTUATION) > 0:
                run *= max(0.45, 1 + 0.25 * progress(FaultCode.POWER_FLUCTUATION) * rng.gauss(0, 1))
            power += run
        if inrush:
            power += self.run_power_w * rng.uniform(4.5, 6.0)
        if heater:
            power += self.heater_power_w
        self.power_w = power if mains else 0.0
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
            + 0.4 * heat_h
        )
        self.air_c += d_air / self._c_air * dt
        self.contents_c += q_air_contents / self._c_contents * dt
        self.freezer_c += d_freezer / self._c_freezer * dt
        self._door_air_offset *= math.exp(-dt / 120)
        target = 2.5 if heater else 0.0
        self._freezer_air_offset += (target - self._freezer_air_offset) * (dt / 300)

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
        if lost is not None:  # a plug without mains says nothing, then drops off the network
            if self.t - lost >= _PLUG_UNAVAILABLE_AFTER_S:
                values[Role.COMPRESSOR_POWER] = None
            else:
                del values[Role.COMPRESSOR_POWER]
        return values

    def _report(self, out: list[Sample], *, force: bool) -> None:
        """Turn readings into state changes, the way each kind of sensor reports."""
        scenario = self.scenario
        t = self.t
        dt = self._dt
        batch: list[Sample] = []
        for role, reading in self._readings().items():
            if role not in scenario.roles:
                continue
            value = None if self._within(self._gaps[role], t) else reading
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
                    changed = changed or t - last_at >= scenario.temp_heartbeat_s
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
