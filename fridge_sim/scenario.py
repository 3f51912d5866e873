"""What a simulation run describes: the house, its sensors and the faults injected into it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from custom_components.fridge_care.analysis.model import FaultCode, Role

PlugStyle = Literal["heartbeat", "on_change", "averaged", "polled"]
OutagePlug = Literal["unavailable", "zero"]
Thermostat = Literal["electronic", "mechanical"]
DefrostStyle = Literal["timed_run", "timed_wall", "adaptive", "none"]
TempStyle = Literal["on_change"]
SensorFaultMode = Literal["stuck", "implausible", "dead"]


class Sample(NamedTuple):
    """One state change as Home Assistant would see it; ``value`` None means unavailable."""

    at: float
    role: Role
    value: float | None


@dataclass(frozen=True, slots=True)
class FaultInjection:
    """A fault that starts ``start_h`` hours into the run.

    ``ramp_h`` is how long a gradual fault takes to reach full strength (None: the fault's own
    typical pace); ``duration_h`` ends a transient fault (None: a sensible default for outages,
    an open door and the like; lasting faults never end). ``strength`` scales the fault (1.0 =
    typical). ``role`` picks the sensor a ``sensor_fault`` hits and ``sensor_mode`` how it fails
    (None: drawn from the seed).
    """

    code: FaultCode
    start_h: float
    ramp_h: float | None = None
    duration_h: float | None = None
    strength: float = 1.0
    role: Role = Role.FRIDGE_TEMP
    sensor_mode: SensorFaultMode | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    """One fridge in one house for ``days`` days.

    Physical parameters not given here are drawn from ``seed``, so a seed is a particular fridge.

    The fields after ``physics_step_s`` widen the world (plug and sensor styles, standby, lamp and
    fans, inrush, defrost styles, freezer swing, probe handling, evening load, 0 W outages...).
    Each defaults to today's behaviour, so a scenario that sets none of them gives exactly the
    traces it always gave; ``fridge_sim.population`` draws them per fridge. New random draws come
    from streams of their own (seeded from ``seed``), never from the one today's draws use.
    """

    seed: int = 0
    days: float = 3.0
    start: float = 1_700_000_000.0
    roles: frozenset[Role] = field(default_factory=lambda: frozenset(Role))
    faults: tuple[FaultInjection, ...] = ()
    ambient_c: float | None = None  # mean room temperature; None draws 18..26 °C
    ambient_daily_swing_c: float | None = None  # half peak-to-peak; None draws 0.5..3 °C
    door_openings_per_day: float | None = None  # None draws 15..50
    plug_interval_s: float | None = None  # plug heartbeat; None draws 10..60 s
    plug_change_ratio: float = 0.1  # the plug also reports a change larger than this
    temp_resolution_c: float = 0.1  # temperature sensors report a change of one step
    temp_heartbeat_s: float | None = 600.0  # and otherwise at least this often (None: never)
    sensor_gaps_per_day: float = 0.0  # random unavailability of a sensor (5..90 min each)
    outages_per_day: float = 0.0  # random mains outages (outage_hours long)
    physics_step_s: float = 10.0

    # -- The plug (None: today's plug, read at each physics step, heartbeats recorded too). -----
    # "heartbeat"/"on_change": 1 s means, sent on a change larger than plug_change_ratio (and
    # plug_change_min_w), "heartbeat" also every plug_interval_s; "averaged": the mean of each
    # plug_window_s window, every window; "polled": the value at an instant every plug_interval_s.
    # Home Assistant records a new state only when the value differs from the last one.
    plug_style: PlugStyle | None = None
    plug_window_s: float | None = None  # None: 1 s ("averaged": 8 s)
    plug_resolution_w: float = 0.1
    plug_change_min_w: float = 2.0
    outage_plug: OutagePlug = "unavailable"  # "zero": the plug keeps power and reports 0 W
    outage_hours: tuple[float, float] = (0.5, 5.0)  # length of the random outages
    # -- What the plug measures besides the compressor. -----------------------------------------
    thermostat: Thermostat = "electronic"  # "mechanical": 0 W between runs, a wider band
    standby_w: float | None = None  # electronics, always on; None: 0.3..2 W (0 if mechanical)
    lamp_w: float | None = None  # while the door is open; None: 2..12 W
    fan_w: float = 0.0  # fans, running with the compressor
    fan_overrun_s: float = 0.0  # and this long after it stops
    # -- Compressor and cooling. ----------------------------------------------------------------
    run_power_w: float | None = None  # None: 60..130 W
    capacity_w: float | None = None  # cooling at 21 °C room; None: 90..140 W
    setpoint_c: float | None = None  # fridge thermostat; None: 2..3 °C
    thermostat_band_k: float | None = (
        None  # half its hysteresis; None: 0.5..0.8 (mechanical 0.8..1.2)
    )
    inrush_ratio: float | None = None  # start spike / run power; None: today's 10 s step at 4.5..6x
    inrush_s: float = 1.5  # how long the spike lasts (with inrush_ratio)
    surge: float = 0.25  # pull-down surge at the start of a run, a fraction of run power
    surge_tau_s: float = 90.0  # and how fast it fades
    start_retry_s: tuple[float, float] = (180.0, 300.0)  # failing starts: time between attempts
    freezer_swing_k: float | None = None  # freezer sensor's peak-to-peak swing per cycle
    # -- Defrost (None: today's, every 6..10 h of compressor run, 15..30 min). -------------------
    defrost_style: DefrostStyle | None = None  # timed_run | timed_wall | adaptive | none
    defrost_interval_h: float | None = (
        None  # timed_run: run hours; else wall hours (adaptive: most)
    )
    defrost_minutes: float | None = None  # heater time
    heater_w: float | None = None  # None: 180..350 W
    defrost_peak_c: float | None = None  # the freezer sensor heads here during a defrost
    # -- Temperature sensors (temp_style None: today's reporting). -------------------------------
    # "on_change": a change of temp_report_change_c (None: one resolution step) is sent once
    # temp_min_interval_s has passed since the last report, and temp_heartbeat_s (if any) sends
    # the value anyway; Home Assistant records only values that differ from the last one.
    temp_style: TempStyle | None = None
    temp_report_change_c: float | None = None
    temp_min_interval_s: float = 0.0
    fridge_lag_s: float = 0.0  # first-order time constant of the fridge probe (in a bottle)
    freezer_lag_s: float = 0.0
    fridge_offset_c: float = 0.0  # calibration error of each sensor
    freezer_offset_c: float = 0.0
    ambient_offset_c: float = 0.0
    probe_lifts_per_month: float = 0.0  # a probe taken out into the room for 1..5 min
    # -- The household. -------------------------------------------------------------------------
    evening_load_kj: float = 0.0  # warm food put in with the door openings of 17:00..22:00
    seasonal_drift_c_per_day: float = 0.0  # the room warming (or cooling) over the weeks
