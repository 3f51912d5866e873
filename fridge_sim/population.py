"""Populations of fridges: every widened-world option drawn per fridge, for tuning or reporting.

Tuning discipline (issue 14): the engine is tuned on TUNE and its figures are reported only on
HELD_OUT, whose fridges come from a disjoint seed range and from WIDER ranges of every parameter
(and other mixes of plug and sensor styles). The two are one table, ``RANGES`` and ``MIXES``
below, so they cannot drift apart unnoticed; fridge_sim/README.md prints the same table.

Usage::

    scenario = draw(HELD_OUT, index=3, days=30.0, roles=frozenset(Role))
    samples = simulate(scenario)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
import random
from typing import Literal, cast

from custom_components.fridge_care.analysis.model import FaultCode, Role

from .scenario import (
    DefrostStyle,
    FaultInjection,
    OutagePlug,
    PlugStyle,
    Scenario,
    SensorFaultMode,
)

Bounds = tuple[float, float]
_HEALTHY_TOP_C = 3.6

# name: (TUNE range, HELD_OUT range, what it is). Every row is drawn uniformly per fridge.
RANGES: dict[str, tuple[Bounds, Bounds, str]] = {
    # House and household.
    "ambient_c": ((18, 26), (14, 32), "mean room temperature, °C"),
    "ambient_daily_swing_c": ((0.5, 3), (0.2, 5), "daily room swing (half peak-to-peak), K"),
    "seasonal_drift_c_per_day": ((-0.03, 0.03), (-0.08, 0.08), "room drift over weeks, K/day"),
    "door_openings_per_day": ((15, 50), (4, 90), "door openings a day"),
    "evening_load_kj": ((0, 150), (0, 300), "warm food put in 17:00-22:00, kJ/day"),
    # Appliance.
    "setpoint_c": ((2, 3), (1.5, 3.5), "fridge thermostat, °C (+ offset + band <= 3.6)"),
    "thermostat_band_k": ((0.6, 0.9), (0.5, 1.2), "thermostat half band, K (electronic)"),
    "mechanical_band_k": ((0.8, 1.1), (0.7, 1.4), "thermostat half band, K (mechanical)"),
    "capacity_w": ((150, 210), (120, 240), "cooling capacity at 21 °C room, W"),
    "run_power_w": ((60, 130), (50, 150), "compressor running power, W"),
    "surge": ((0.1, 0.3), (0.0, 0.45), "pull-down surge at a start, fraction of run power"),
    "surge_tau_s": ((60, 300), (30, 600), "how fast the surge fades, s"),
    "inrush_ratio": ((5.5, 8), (5, 10), "start spike, times run power"),
    "inrush_s": ((1, 2.5), (0.5, 3), "start spike length, s"),
    "standby_w": ((1, 10), (0.3, 20), "electronics always on, W (mechanical: 0)"),
    "lamp_w": ((12, 30), (10, 40), "door lamp, W"),
    "fan_w": ((2, 6), (0, 10), "fans with the compressor, W (mechanical: 0)"),
    "fan_overrun_s": ((0, 60), (0, 240), "fans after the compressor stops, s"),
    "freezer_swing_k": ((1.2, 2.5), (1, 3), "freezer sensor swing per cycle, K peak-to-peak"),
    # Defrost (frost-free fridges).
    "defrost_interval_h": ((10, 30), (8, 40), "timed_wall interval, h of wall clock"),
    "defrost_run_h": ((4, 9), (3, 12), "timed_run interval, h of compressor run"),
    "defrost_adaptive_h": ((24, 36), (16, 44), "adaptive: the longest interval, h"),
    "defrost_minutes": ((20, 45), (20, 60), "heater time, min"),
    "heater_w": ((180, 350), (150, 400), "defrost heater, W"),
    "defrost_peak_c": ((-8, 2), (-12, 5), "freezer sensor's peak in a defrost, °C"),
    # Plug.
    "heartbeat_s": ((10, 60), (10, 300), "heartbeat plug: interval, s"),
    "poll_s": ((20, 45), (15, 60), "polled plug: interval, s"),
    "plug_window_s": ((6, 9), (5, 10), "averaging plug: window, s"),
    "plug_change_ratio": ((0.05, 0.15), (0.02, 0.3), "on-change plug: relative threshold"),
    "plug_change_min_w": ((1, 3), (0.5, 5), "on-change plug: smallest change, W"),
    # Temperature sensors.
    "temp_report_steps": ((1, 2), (1, 5), "reportable change, resolution steps"),
    "temp_min_interval_s": ((10, 30), (5, 120), "Zigbee-like minimum report interval, s"),
    "temp_heartbeat_s": ((600, 3600), (300, 7200), "maximum report interval, s (if any)"),
    "fridge_lag_s": ((120, 600), (30, 900), "fridge probe time constant, s"),
    "freezer_lag_s": ((30, 180), (0, 600), "freezer probe time constant, s"),
    "fridge_offset_c": ((-0.8, 0.8), (-1.5, 1.5), "fridge probe offset, K"),
    "freezer_offset_c": ((-0.8, 0.8), (-1.5, 1.5), "freezer probe offset, K"),
    "ambient_offset_c": ((-0.5, 0.5), (-1.5, 1.5), "room sensor offset, K"),
    "probe_lifts_per_month": ((0, 2), (0, 6), "probe lifted out for 1-5 min, per month"),
    "sensor_gaps_per_day": ((0, 0.1), (0, 0.3), "sensor unavailable 5-90 min, per day"),
    # Outages on healthy fridges.
    "outages_per_day": ((0.02, 0.05), (0.02, 0.1), "mains outages, per day"),
    "outage_hours": ((0.25, 6), (5 / 60, 10), "outage length, h (a range the simulator draws in)"),
    # Fault strengths (fault traces).
    "cooling_failure_ramp_h": ((72, 168), (72, 336), "leak: capacity gone over, h"),
    "condenser_fouling_ramp_d": ((14, 28), (10, 35), "fouling: full over, days"),
    "condenser_fouling_strength": ((0.7, 1.1), (0.5, 1.3), "fouling: 1 = -40 % capacity"),
    "door_seal_leak_strength": ((0.7, 1.5), (0.4, 2.5), "seal leak: 1 = +80 % wall loss"),
    "door_seal_leak_ramp_h": ((2, 12), (1, 48), "seal leak: full over, h"),
    "unsafe_temperature_strength": ((0.8, 1.2), (0.6, 1.5), "thermostat set warm: 1 = +4.5 K"),
    "power_outage_h": ((0.5, 8), (0.25, 10), "injected outage length, h"),
    "door_left_open_h": ((1, 3), (0.5, 4), "door left ajar, h"),
    "start_retry_s": ((180, 300), (180, 600), "failing starts: between attempts, s (a range)"),
    "power_fluctuation_strength": ((0.8, 1.2), (0.5, 1.5), "relay chatter strength"),
}

# name: (TUNE weights, HELD_OUT weights) over the choices.
MIXES: dict[str, tuple[dict[str, float], dict[str, float]]] = {
    "thermostat": (
        {"electronic": 0.8, "mechanical": 0.2},
        {"electronic": 0.65, "mechanical": 0.35},
    ),
    "defrost_style": (
        {"timed_run": 0.45, "timed_wall": 0.25, "adaptive": 0.2, "none": 0.1},
        {"timed_run": 0.25, "timed_wall": 0.25, "adaptive": 0.3, "none": 0.2},
    ),
    "plug_style": (
        {"heartbeat": 0.4, "on_change": 0.2, "averaged": 0.2, "polled": 0.2},
        {"heartbeat": 0.15, "on_change": 0.35, "averaged": 0.25, "polled": 0.25},
    ),
    "plug_resolution_w": ({"0.1": 0.7, "1.0": 0.3}, {"0.1": 0.4, "1.0": 0.6}),
    "outage_plug": ({"unavailable": 0.7, "zero": 0.3}, {"unavailable": 0.5, "zero": 0.5}),
    "temp_resolution_c": ({"0.1": 0.8, "0.5": 0.2}, {"0.1": 0.5, "0.5": 0.5}),
    "temp_heartbeat": ({"yes": 0.7, "no": 0.3}, {"yes": 0.4, "no": 0.6}),
    "sensor_fault_mode": (
        {"stuck": 0.34, "implausible": 0.33, "dead": 0.33},
        {"stuck": 0.4, "implausible": 0.2, "dead": 0.4},
    ),
}


@dataclass(frozen=True, slots=True)
class Population:
    """A named population: which column of the table, and its own seeds."""

    name: Literal[
        "tune",
        "held-out",
        "held-out-b",
        "held-out-c",
        "held-out-d",
        "held-out-e",
        "held-out-f",
        "held-out-g",
        "held-out-h",
        "held-out-i",
        "held-out-j",
        "held-out-k",
        "held-out-l",
        "held-out-m",
        "held-out-n",
        "held-out-o",
        "held-out-p",
        "held-out-q",
        "held-out-r",
        "held-out-s",
        "held-out-t",
        "held-out-u",
        "held-out-v",
        "held-out-w",
        "held-out-x",
        "held-out-y",
        "held-out-z",
        "held-out-aa",
        "held-out-ab",
        "held-out-ac",
        "held-out-ad",
    ]
    column: int  # 0: TUNE ranges, 1: HELD_OUT ranges
    first_seed: int  # fridge i has Scenario.seed first_seed + i

    def bounds(self, name: str) -> Bounds:
        """Return the range this population draws ``name`` from."""
        tune, held_out, _meaning = RANGES[name]
        return held_out if self.column else tune

    def weights(self, name: str) -> dict[str, float]:
        """Return the mix this population draws ``name`` from."""
        return MIXES[name][self.column]


TUNE = Population("tune", 0, 100_000)
HELD_OUT = Population("held-out", 1, 900_000)
HELD_OUT_B = Population("held-out-b", 1, 700_000)
HELD_OUT_C = Population("held-out-c", 1, 500_000)
HELD_OUT_D = Population("held-out-d", 1, 300_000)
HELD_OUT_E = Population("held-out-e", 1, 1_300_000)
HELD_OUT_F = Population("held-out-f", 1, 1_500_000)
HELD_OUT_G = Population("held-out-g", 1, 1_700_000)
HELD_OUT_H = Population("held-out-h", 1, 1_900_000)
HELD_OUT_I = Population("held-out-i", 1, 2_100_000)
HELD_OUT_J = Population("held-out-j", 1, 2_300_000)
HELD_OUT_K = Population("held-out-k", 1, 3_100_000)
HELD_OUT_L = Population("held-out-l", 1, 3_300_000)
HELD_OUT_M = Population("held-out-m", 1, 3_500_000)
HELD_OUT_N = Population("held-out-n", 1, 3_700_000)
HELD_OUT_O = Population("held-out-o", 1, 3_900_000)
HELD_OUT_P = Population("held-out-p", 1, 4_100_000)
HELD_OUT_Q = Population("held-out-q", 1, 4_300_000)
HELD_OUT_R = Population("held-out-r", 1, 4_500_000)
HELD_OUT_S = Population("held-out-s", 1, 4_700_000)
HELD_OUT_T = Population("held-out-t", 1, 4_900_000)
HELD_OUT_U = Population("held-out-u", 1, 5_100_000)
HELD_OUT_V = Population("held-out-v", 1, 5_300_000)
HELD_OUT_W = Population("held-out-w", 1, 5_500_000)
HELD_OUT_X = Population("held-out-x", 1, 5_700_000)
HELD_OUT_Y = Population("held-out-y", 1, 5_900_000)
HELD_OUT_Z = Population("held-out-z", 1, 6_500_000)  # (6,100,000 and 6,300,000: diagnostic)
HELD_OUT_AA = Population("held-out-aa", 1, 6_700_000)
HELD_OUT_AB = Population("held-out-ab", 1, 6_900_000)
HELD_OUT_AC = Population("held-out-ac", 1, 7_100_000)
HELD_OUT_AD = Population("held-out-ad", 1, 7_300_000)
"""The held-out ranges and mixes again, with other fridges each time: once a held-out set has
been looked at (held-out to find what the engine missed; held-out-b to -ac for the figures
of an engine that was then changed again), it is no longer held out; figures are published from
the newest."""
POPULATIONS: dict[str, Population] = {
    p.name: p
    for p in (
        TUNE,
        HELD_OUT,
        HELD_OUT_B,
        HELD_OUT_C,
        HELD_OUT_D,
        HELD_OUT_E,
        HELD_OUT_F,
        HELD_OUT_G,
        HELD_OUT_H,
        HELD_OUT_I,
        HELD_OUT_J,
        HELD_OUT_K,
        HELD_OUT_L,
        HELD_OUT_M,
        HELD_OUT_N,
        HELD_OUT_O,
        HELD_OUT_P,
        HELD_OUT_Q,
        HELD_OUT_R,
        HELD_OUT_S,
        HELD_OUT_T,
        HELD_OUT_U,
        HELD_OUT_V,
        HELD_OUT_W,
        HELD_OUT_X,
        HELD_OUT_Y,
        HELD_OUT_Z,
        HELD_OUT_AA,
        HELD_OUT_AB,
        HELD_OUT_AC,
        HELD_OUT_AD,
    )
}


class _Draw:
    """Draws from one population's table with one fridge's own stream."""

    def __init__(self, population: Population, seed: int, stream: str = "fridge") -> None:
        self.population = population
        self.rng = random.Random(f"{population.name}/{seed}/{stream}")

    def __call__(self, name: str) -> float:
        lo, hi = self.population.bounds(name)
        return self.rng.uniform(lo, hi)

    def pick(self, name: str) -> str:
        weights = self.population.weights(name)
        return self.rng.choices(list(weights), list(weights.values()))[0]


def draw(
    population: Population,
    index: int,
    *,
    days: float,
    roles: frozenset[Role] = frozenset(Role),
    faults: Sequence[FaultInjection] = (),
    healthy_outages: bool = True,
    frost_free: bool = False,
) -> Scenario:
    """Return fridge number ``index`` of ``population``: a Scenario with every option drawn.

    ``healthy_outages`` adds the random mains outages (healthy traces); ``frost_free`` keeps the
    fridge from being a manual-defrost one (a trace with a ``defrost_failure`` needs a heater).
    """
    seed = population.first_seed + index
    d = _Draw(population, seed)
    mechanical = d.pick("thermostat") == "mechanical"
    style = d.pick("defrost_style")
    if frost_free and style == "none":
        style = "timed_run"
    interval_h = {
        "timed_run": d("defrost_run_h"),
        "timed_wall": d("defrost_interval_h"),
        "adaptive": d("defrost_adaptive_h"),
    }.get(style)
    plug = d.pick("plug_style")
    plug_interval = d("poll_s") if plug == "polled" else d("heartbeat_s")
    resolution = float(d.pick("temp_resolution_c"))
    offset = d("fridge_offset_c")
    band = d("mechanical_band_k" if mechanical else "thermostat_band_k")
    # A healthy fridge: its sensor's reading stays under about 4 °C at the top of the band.
    setpoint = max(0.5, min(d("setpoint_c"), _HEALTHY_TOP_C - offset - band))
    return Scenario(
        seed=seed,
        days=days,
        roles=roles,
        faults=tuple(faults),
        ambient_c=d("ambient_c"),
        ambient_daily_swing_c=d("ambient_daily_swing_c"),
        door_openings_per_day=d("door_openings_per_day"),
        plug_interval_s=plug_interval,
        plug_change_ratio=d("plug_change_ratio"),
        temp_resolution_c=resolution,
        temp_heartbeat_s=d("temp_heartbeat_s") if d.pick("temp_heartbeat") == "yes" else None,
        sensor_gaps_per_day=d("sensor_gaps_per_day"),
        outages_per_day=d("outages_per_day") if healthy_outages else 0.0,
        plug_style=cast(PlugStyle, plug),
        plug_window_s=d("plug_window_s") if plug == "averaged" else None,
        plug_resolution_w=float(d.pick("plug_resolution_w")),
        plug_change_min_w=d("plug_change_min_w"),
        outage_plug=cast(OutagePlug, d.pick("outage_plug")),
        outage_hours=population.bounds("outage_hours"),
        thermostat="mechanical" if mechanical else "electronic",
        standby_w=0.0 if mechanical else d("standby_w"),
        lamp_w=d("lamp_w"),
        fan_w=0.0 if mechanical else d("fan_w"),
        fan_overrun_s=d("fan_overrun_s"),
        run_power_w=d("run_power_w"),
        capacity_w=d("capacity_w"),
        setpoint_c=setpoint,
        thermostat_band_k=band,
        inrush_ratio=d("inrush_ratio"),
        inrush_s=d("inrush_s"),
        surge=d("surge"),
        surge_tau_s=d("surge_tau_s"),
        start_retry_s=population.bounds("start_retry_s"),
        freezer_swing_k=d("freezer_swing_k"),
        defrost_style=cast(DefrostStyle, style),
        defrost_interval_h=interval_h,
        defrost_minutes=d("defrost_minutes"),
        heater_w=d("heater_w"),
        defrost_peak_c=d("defrost_peak_c"),
        temp_style="on_change",
        temp_report_change_c=resolution * round(d("temp_report_steps")),
        temp_min_interval_s=d("temp_min_interval_s"),
        fridge_lag_s=d("fridge_lag_s"),
        freezer_lag_s=d("freezer_lag_s"),
        fridge_offset_c=offset,
        freezer_offset_c=d("freezer_offset_c"),
        ambient_offset_c=d("ambient_offset_c"),
        probe_lifts_per_month=d("probe_lifts_per_month"),
        evening_load_kj=d("evening_load_kj"),
        seasonal_drift_c_per_day=d("seasonal_drift_c_per_day"),
    )


def fault_for(
    population: Population, index: int, code: FaultCode, start_h: float, roles: frozenset[Role]
) -> FaultInjection:
    """Return fault ``code`` at a strength drawn from the population (fridge ``index``)."""
    d = _Draw(population, population.first_seed + index, stream="fault")
    fault = FaultInjection(code, start_h=start_h)
    match code:
        case FaultCode.COOLING_FAILURE:
            return replace(fault, ramp_h=d("cooling_failure_ramp_h"))
        case FaultCode.CONDENSER_FOULING:
            ramp_h = d("condenser_fouling_ramp_d") * 24
            return replace(fault, ramp_h=ramp_h, strength=d("condenser_fouling_strength"))
        case FaultCode.DOOR_SEAL_LEAK:
            ramp_h = d("door_seal_leak_ramp_h")
            return replace(fault, ramp_h=ramp_h, strength=d("door_seal_leak_strength"))
        case FaultCode.UNSAFE_TEMPERATURE:
            return replace(fault, strength=d("unsafe_temperature_strength"))
        case FaultCode.POWER_OUTAGE:
            return replace(fault, duration_h=d("power_outage_h"))
        case FaultCode.DOOR_LEFT_OPEN:
            return replace(fault, duration_h=d("door_left_open_h"))
        case FaultCode.POWER_FLUCTUATION:
            return replace(fault, strength=d("power_fluctuation_strength"))
        case FaultCode.SENSOR_FAULT:
            candidates = [r for r in Role if r in roles and r is not Role.DOOR]
            role = d.rng.choice(candidates) if candidates else Role.FRIDGE_TEMP
            mode = cast(SensorFaultMode, d.pick("sensor_fault_mode"))
            return replace(fault, role=role, sensor_mode=mode)
        case _:
            return fault


def _number(x: float) -> str:
    return f"{round(x, 3):g}"


def markdown_table() -> str:
    """Return the two populations' ranges and mixes: the Markdown table in fridge_sim/README.md."""
    rows = ["| parameter | TUNE | HELD_OUT | what |", "| --- | --- | --- | --- |"]
    for name, (tune, held_out, meaning) in RANGES.items():
        cells = [f"{_number(lo)}..{_number(hi)}" for lo, hi in (tune, held_out)]
        rows.append(f"| {name} | {cells[0]} | {cells[1]} | {meaning} |")
    for name, mixes in MIXES.items():
        cells = [", ".join(f"{k} {_number(w)}" for k, w in mix.items()) for mix in mixes]
        rows.append(f"| {name} | {cells[0]} | {cells[1]} | mix |")
    return "\n".join(rows)
