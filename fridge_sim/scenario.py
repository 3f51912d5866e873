"""What a simulation run describes: the house, its sensors and the faults injected into it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from custom_components.fridge_care.analysis.model import FaultCode, Role


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
    typical). ``role`` picks the sensor a ``sensor_fault`` hits.
    """

    code: FaultCode
    start_h: float
    ramp_h: float | None = None
    duration_h: float | None = None
    strength: float = 1.0
    role: Role = Role.FRIDGE_TEMP


@dataclass(frozen=True, slots=True)
class Scenario:
    """One fridge in one house for ``days`` days.

    Physical parameters not given here are drawn from ``seed``, so a seed is a particular fridge.
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
    temp_heartbeat_s: float = 600.0  # and otherwise at least this often
    sensor_gaps_per_day: float = 0.0  # random unavailability of a sensor (5..90 min each)
    outages_per_day: float = 0.0  # random mains outages (30 min..5 h each)
    physics_step_s: float = 10.0
