"""The widened simulator world: each real mechanism of issue 14 behaves as in a kitchen.

Every mechanism is opt-in through a Scenario field; these tests switch one or a few on and show
the behaviour (the plug styles, standby and lamp, inrush, the freezer swing, defrost styles,
sensor lag and probe lifts, evening load against a leak, outages at 0 W or unavailable).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import pairwise
from statistics import median

import pytest

from custom_components.fridge_care.analysis.model import FaultCode, Role
from fridge_sim import FaultInjection, FridgeSimulator, Sample, Scenario, simulate

from .conftest import HOUR, START

DAY = 86_400.0
PLUG = frozenset({Role.COMPRESSOR_POWER})


@dataclass
class Run:
    """A simulation stepped by hand, with the compressor's state at every physics step."""

    sim: FridgeSimulator
    samples: list[Sample] = field(default_factory=list)
    steps: list[tuple[float, bool, float, float]] = field(default_factory=list)  # t, on, fz, fr

    def values(self, role: Role) -> list[float]:
        return [s.value for s in self.samples if s.role is role and s.value is not None]

    def of(self, role: Role) -> list[Sample]:
        return [s for s in self.samples if s.role is role]

    def runs(self) -> list[tuple[float, float]]:
        """(start, length) of every compressor run."""
        found: list[tuple[float, float]] = []
        began: float | None = None
        for t, on, _fz, _fr in self.steps:
            if on and began is None:
                began = t
            elif not on and began is not None:
                found.append((began, t - began))
                began = None
        return found

    def duty(self, hours: range, days: range | None = None) -> float:
        rows = [
            on
            for t, on, _fz, _fr in self.steps
            if int((t % DAY) // HOUR) in hours and (days is None or int((t - START) // DAY) in days)
        ]
        return sum(rows) / len(rows)


def run(scenario: Scenario) -> Run:
    sim = FridgeSimulator(scenario)
    result = Run(sim)
    end = scenario.start + scenario.days * DAY
    while sim.t + sim.scenario.physics_step_s <= end:
        result.samples.extend(sim.advance(sim.t + sim.scenario.physics_step_s))
        sensed = sim.freezer_c + sim._freezer_air_offset
        result.steps.append((sim.t, sim.compressor_on, sensed, sim.fridge_c))
    return result


def world(**options: object) -> Scenario:
    """A fridge with a few widened-world options (the rest today's)."""
    base = Scenario(seed=21, days=1.0, start=START)
    return replace(base, **options)  # type: ignore[arg-type]


def max_gap_h(samples: list[Sample], start: float, end: float) -> float:
    times = [start, *(s.at for s in samples if start <= s.at <= end), end]
    return max(b - a for a, b in pairwise(times)) / HOUR


# -- 1. Plug reporting styles. -----------------------------------------------------------------


def test_push_on_change_plug_says_nothing_for_hours_while_its_value_holds() -> None:
    outage = FaultInjection(FaultCode.POWER_OUTAGE, start_h=6.0, duration_h=5.0)
    common = {"roles": PLUG, "thermostat": "mechanical", "outage_plug": "zero", "faults": (outage,)}
    quiet = run(world(plug_style="on_change", **common))
    held = [s for s in quiet.of(Role.COMPRESSOR_POWER) if s.at < START + 6 * HOUR + 20]
    assert held[-1].value == 0.0  # 0 W: the mechanical fridge's rest, then the outage
    assert max_gap_h(quiet.of(Role.COMPRESSOR_POWER), START + 6 * HOUR, START + 11 * HOUR) > 4.9
    # Today's plug repeats its value every heartbeat, so its 0 W comes again and again.
    legacy = run(world(roles=PLUG, outage_plug="zero", faults=(outage,), plug_interval_s=30.0))
    assert max_gap_h(legacy.of(Role.COMPRESSOR_POWER), START + 6 * HOUR, START + 11 * HOUR) < 0.01


def test_on_change_plug_is_silent_through_a_steady_run() -> None:
    result = run(world(plug_style="on_change", roles=PLUG, surge=0.0, inrush_ratio=6.0, lamp_w=3.0))
    power = result.of(Role.COMPRESSOR_POWER)
    for start, length in result.runs():
        if length < 10 * 60:
            continue
        inside = [s for s in power if start + 60 < s.at < start + length - 30]
        assert inside == []  # run noise stays below the 10 % threshold


def test_every_style_records_only_changes() -> None:
    for style in ("heartbeat", "on_change", "averaged", "polled"):
        samples = simulate(world(plug_style=style, roles=PLUG, inrush_ratio=7.0))
        values = [s.value for s in samples]
        assert all(a != b for a, b in pairwise(values)), style
        assert all(a.at <= b.at for a, b in pairwise(samples)), style


def test_averaging_plug_never_reports_the_full_inrush() -> None:
    common = {"roles": PLUG, "inrush_ratio": 8.0, "inrush_s": 1.5, "days": 2.0}
    averaged = run(world(plug_style="averaged", plug_window_s=8.0, **common))
    fast = run(world(plug_style="on_change", **common))
    spike_w = 8.0 * averaged.sim.run_power_w
    peak_averaged = max(averaged.values(Role.COMPRESSOR_POWER))
    peak_fast = max(fast.values(Role.COMPRESSOR_POWER))
    heater = averaged.sim.heater_power_w
    assert peak_averaged < 0.4 * spike_w + heater
    assert peak_fast > 0.7 * spike_w


def test_a_plug_polled_every_minute_misses_most_failed_starts() -> None:
    failing = FaultInjection(FaultCode.COMPRESSOR_START_FAILURE, start_h=2.0)
    common = {"roles": PLUG, "inrush_ratio": 7.0, "inrush_s": 1.5, "faults": (failing,)}
    common["start_retry_s"] = (180.0, 600.0)
    polled = run(world(plug_style="polled", plug_interval_s=60.0, **common))
    attempts = polled.sim.failed_starts
    gaps = [b - a for a, b in pairwise(attempts)]
    assert len(attempts) > 50 and min(gaps) >= 170 and max(gaps) <= 610
    threshold = 3 * polled.sim.run_power_w
    seen = [s for s in polled.of(Role.COMPRESSOR_POWER) if s.value and s.value > threshold]
    assert len(seen) < 0.2 * len(attempts)
    fast = run(world(plug_style="on_change", **common))
    caught = [s for s in fast.of(Role.COMPRESSOR_POWER) if s.value and s.value > threshold]
    assert len(caught) >= 0.9 * len(fast.sim.failed_starts)
    assert not fast.runs()[-1:] or fast.runs()[-1][0] < START + 2 * HOUR + 60  # never runs again


def test_resolution_of_one_watt() -> None:
    values = run(world(plug_style="averaged", plug_resolution_w=1.0, roles=PLUG)).values(
        Role.COMPRESSOR_POWER
    )
    assert all(v == round(v) for v in values)


# -- 2./3. What the plug measures besides the compressor; compressor power. --------------------


def test_standby_lamp_and_fans_show_at_the_plug() -> None:
    result = run(
        world(
            plug_style="polled",
            plug_interval_s=15.0,
            roles=PLUG | {Role.DOOR},
            standby_w=8.0,
            lamp_w=25.0,
            fan_w=6.0,
            fan_overrun_s=120.0,
            door_openings_per_day=80.0,
        )
    )
    power = result.values(Role.COMPRESSOR_POWER)
    assert min(power) == 8.0  # "off" is the electronics' standby, not 0 W
    assert 33.0 in power  # the lamp while the door is open and the compressor rests
    assert 14.0 in power  # the fans running on after the compressor stopped


def test_mechanical_thermostat_draws_nothing_between_runs() -> None:
    result = run(world(plug_style="on_change", thermostat="mechanical", roles=PLUG, lamp_w=0.0))
    power = result.values(Role.COMPRESSOR_POWER)
    assert min(power) == 0.0
    starts = len(result.runs())
    assert 12 <= starts <= 40  # wider band, fewer and longer cycles than electronics


def test_pull_down_surge_fades_slowly() -> None:
    result = run(world(plug_style="polled", plug_interval_s=15.0, roles=PLUG, surge=0.4))
    result_slow = run(
        world(plug_style="polled", plug_interval_s=15.0, roles=PLUG, surge=0.4, surge_tau_s=600.0)
    )
    for r, early_ratio in ((result, 1.0), (result_slow, 1.2)):
        power = r.of(Role.COMPRESSOR_POWER)
        ratios = []
        for start, length in r.runs():
            if length < 15 * 60:
                continue
            early = [s.value for s in power if start + 170 < s.at < start + 200 and s.value]
            late = [s.value for s in power if start + length - 120 < s.at < start + length]
            if early and late and late[-1]:
                ratios.append(early[0] / late[-1])
        assert ratios and median(ratios) > early_ratio


# -- 4./5. Freezer swing and defrost styles. ----------------------------------------------------


def _cycle_swings(result: Run) -> list[float]:
    swings = []
    starts = [t for t, _length in result.runs()]
    for a, b in pairwise(starts):
        sensed = [fz for t, _on, fz, _fr in result.steps if a <= t < b]
        swings.append(max(sensed) - min(sensed))
    return swings


def test_freezer_sensor_swings_one_to_three_kelvin_per_cycle() -> None:
    swung = run(world(freezer_swing_k=2.0, defrost_style="none", days=1.5))
    assert 1.0 <= median(_cycle_swings(swung)) <= 3.0
    today = run(world(days=1.5))
    assert median(_cycle_swings(today)) < 1.0


def test_defrost_can_lift_the_freezer_sensor_above_zero() -> None:
    result = run(
        world(
            defrost_style="timed_wall",
            defrost_interval_h=10.0,
            defrost_minutes=40.0,
            defrost_peak_c=5.0,
            temp_style="on_change",
            days=1.5,
        )
    )
    assert len(result.sim.defrosts) >= 2
    assert max(result.values(Role.FREEZER_TEMP)) > 2.0


def _intervals_h(sim: FridgeSimulator) -> list[float]:
    return [(b - a) / HOUR for a, b in pairwise(sim.defrosts)]


def test_timed_defrost_by_wall_clock_and_by_compressor_run() -> None:
    wall = run(world(defrost_style="timed_wall", defrost_interval_h=14.0, days=3.0))
    assert all(abs(h - 14.0) < 0.01 for h in _intervals_h(wall.sim))
    by_run = run(world(defrost_style="timed_run", defrost_interval_h=5.0, days=4.0))
    intervals = _intervals_h(by_run.sim)
    assert len(intervals) >= 2 and all(8 < h < 40 for h in intervals)
    heater = by_run.sim.heater_power_w
    assert max(by_run.values(Role.COMPRESSOR_POWER)) > heater


def test_adaptive_defrost_stretches_with_fewer_door_openings() -> None:
    quiet = run(world(defrost_style="adaptive", defrost_interval_h=36.0, door_openings_per_day=5.0))
    quiet = run(replace(quiet.sim.scenario, days=5.0))
    busy = run(replace(quiet.sim.scenario, door_openings_per_day=70.0))
    assert median(_intervals_h(busy.sim)) < 0.7 * median(_intervals_h(quiet.sim))
    assert all(8 <= h <= 36.1 for h in _intervals_h(busy.sim) + _intervals_h(quiet.sim))


def _heater_readings(result: Run, samples: list[Sample]) -> int:
    """How many readings show the heater's plateau (today's plug reports it every heartbeat)."""
    heater = result.sim.heater_power_w + result.sim._idle_w
    return sum(s.value is not None and heater - 1 <= s.value <= heater + 15 for s in samples)


def test_manual_defrost_fridge_never_heats() -> None:
    result = run(world(defrost_style="none", days=3.0))
    assert result.sim.defrosts == []
    assert _heater_readings(result, result.of(Role.COMPRESSOR_POWER)) == 0


def test_defrost_failure_stops_the_heater_and_ice_builds() -> None:
    failing = FaultInjection(FaultCode.DEFROST_FAILURE, start_h=24.0)
    result = run(
        world(defrost_style="timed_wall", defrost_interval_h=12.0, days=4.0, faults=(failing,))
    )
    before = [s for s in result.of(Role.COMPRESSOR_POWER) if s.at < START + 24 * HOUR]
    after = [s for s in result.of(Role.COMPRESSOR_POWER) if s.at > START + 24 * HOUR]
    assert _heater_readings(result, before) > 10
    assert _heater_readings(result, after) == 0
    assert result.sim._ice > 0.05


# -- 6. Temperature sensors. --------------------------------------------------------------------

SENSORS = {"temp_style": "on_change", "temp_heartbeat_s": None}


def test_sensor_options_leave_the_physics_alone() -> None:
    plain = run(world(**SENSORS))
    lagged = run(world(**SENSORS, fridge_lag_s=600.0, fridge_offset_c=1.0, temp_resolution_c=0.5))
    assert plain.runs() == lagged.runs()


def test_probe_in_a_bottle_lags_and_an_offset_shifts() -> None:
    plain = run(world(**SENSORS, days=2.0))
    lagged = run(world(**SENSORS, days=2.0, fridge_lag_s=900.0))
    shifted = run(world(**SENSORS, days=2.0, fridge_offset_c=1.2))

    def spread(r: Run) -> float:
        values = sorted(r.values(Role.FRIDGE_TEMP))
        return values[int(0.95 * len(values))] - values[int(0.05 * len(values))]

    assert spread(lagged) < 0.7 * spread(plain)
    plain_mean = median(plain.values(Role.FRIDGE_TEMP))
    assert median(shifted.values(Role.FRIDGE_TEMP)) - plain_mean == pytest.approx(1.2, abs=0.15)


def test_coarse_sensor_without_heartbeat_goes_quiet_for_hours() -> None:
    calm = {"ambient_daily_swing_c": 0.3, "days": 1.0}
    coarse = run(
        world(**calm, temp_style="on_change", temp_resolution_c=0.5, temp_heartbeat_s=None)
    )
    ambient = coarse.of(Role.AMBIENT_TEMP)
    assert all(s.value is not None and s.value * 2 == round(s.value * 2) for s in ambient)
    assert max_gap_h(ambient, START, START + DAY) > 3.0
    # A change below the reportable 0.5 K waits for the heartbeat; without one it never comes.
    for heartbeat in (600.0, None):
        scenario = world(**calm, temp_style="on_change", temp_report_change_c=0.5)
        result = run(replace(scenario, temp_heartbeat_s=heartbeat))
        values = [s.value for s in result.of(Role.AMBIENT_TEMP) if s.value is not None]
        smallest = min(round(abs(b - a), 2) for a, b in pairwise(values))
        assert (smallest < 0.5) == (heartbeat is not None)


def test_minimum_report_interval() -> None:
    result = run(world(temp_style="on_change", temp_min_interval_s=120.0))
    for role in (Role.FRIDGE_TEMP, Role.FREEZER_TEMP):
        times = [s.at for s in result.of(role)]
        assert min(b - a for a, b in pairwise(times)) >= 120.0 - 10.0


def test_probe_lifted_out_reads_the_room_briefly() -> None:
    result = run(world(temp_style="on_change", probe_lifts_per_month=90.0, days=2.0))
    lifts = result.sim.probe_lifts[Role.FRIDGE_TEMP]
    assert lifts and all(60 <= b - a <= 300 for a, b in lifts)
    fridge = result.of(Role.FRIDGE_TEMP)
    for a, b in lifts:
        inside = [s.value for s in fridge if a <= s.at <= b + 30 and s.value is not None]
        assert inside and max(inside) > 7.0
        later = [s.value for s in fridge if b + 1800 <= s.at <= b + 2400 and s.value is not None]
        assert not later or max(later) < 6.0  # settled back within half an hour


# -- 7. Household load against a refrigerant leak; the room. ------------------------------------

NIGHT = range(1, 5)
EVENING = range(17, 22)


def test_busy_evenings_raise_duty_with_runs_of_the_same_length() -> None:
    result = run(
        world(
            days=3.0,
            capacity_w=170.0,
            door_openings_per_day=40.0,
            evening_load_kj=300.0,
            defrost_style="none",
        )
    )
    assert result.duty(EVENING) > result.duty(NIGHT) + 0.1
    lengths = {h: [n for t, n in result.runs() if int((t % DAY) // HOUR) in h] for h in (NIGHT,)}
    evening = [n for t, n in result.runs() if int((t % DAY) // HOUR) in EVENING]
    assert median(evening) < 1.5 * median(lengths[NIGHT])


def test_a_leak_lengthens_night_runs_day_after_day_until_the_compressor_never_stops() -> None:
    leak = FaultInjection(FaultCode.COOLING_FAILURE, start_h=24.0, ramp_h=7 * 24.0)
    result = run(world(days=10.0, capacity_w=170.0, defrost_style="none", faults=(leak,)))
    nights = [result.duty(NIGHT, range(d, d + 1)) for d in range(10)]
    assert nights[0] < 0.45
    assert nights[2] < nights[4] < nights[6]
    assert nights[8] > 0.95
    late = [fr for t, _on, _fz, fr in result.steps if t > START + 9.5 * DAY]
    assert min(late) > 4.0


def test_room_drifts_with_the_season() -> None:
    sim = FridgeSimulator(world(seasonal_drift_c_per_day=0.5, ambient_daily_swing_c=0.0))
    flat = FridgeSimulator(world(ambient_daily_swing_c=0.0))
    sim.advance(START + 2 * DAY)
    flat.advance(START + 2 * DAY)
    assert sim.ambient_c - flat.ambient_c == pytest.approx(1.0, abs=0.01)


# -- 8. Outages. --------------------------------------------------------------------------------


@pytest.mark.parametrize("outage_plug", ["zero", "unavailable"])
def test_outage_plug_at_zero_or_unavailable_while_both_compartments_warm(outage_plug: str) -> None:
    outage = FaultInjection(FaultCode.POWER_OUTAGE, start_h=4.0, duration_h=3.0)
    scenario = world(plug_style="on_change", outage_plug=outage_plug, faults=(outage,))
    result = run(replace(scenario, standby_w=6.0))  # so the drop to 0 W is a reportable change
    power = [s for s in result.of(Role.COMPRESSOR_POWER) if s.at >= START + 4 * HOUR - 10]
    during = [s.value for s in power if s.at < START + 7 * HOUR - 10]
    assert during == ([0.0] if outage_plug == "zero" else [None])
    assert power[0].at <= START + 4 * HOUR + 70
    fr = {t: f for t, _on, _fz, f in result.steps}
    fz = {t: z for t, _on, z, _f in result.steps}
    at_loss = min(t for t in fr if t >= START + 4 * HOUR)
    before_return = max(t for t in fr if t < START + 7 * HOUR)
    assert fr[before_return] > fr[at_loss] + 1.0
    assert fz[before_return] > fz[at_loss] + 1.0
    assert result.sim.outages == [(START + 4 * HOUR, START + 7 * HOUR)]


def test_random_outages_last_as_long_as_asked() -> None:
    sim = FridgeSimulator(world(days=60.0, outages_per_day=0.5, outage_hours=(5 / 60, 10.0)))
    lengths = [(b - a) / HOUR for a, b in sim.outages]
    assert len(lengths) > 10 and min(lengths) >= 5 / 60 and max(lengths) <= 10.0


# -- 9. Faults in the widened world. --------------------------------------------------------------


@pytest.mark.parametrize("mode", ["stuck", "dead", "implausible"])
def test_sensor_fault_modes_under_home_assistant_semantics(mode: str) -> None:
    fault = FaultInjection(FaultCode.SENSOR_FAULT, start_h=6.0, sensor_mode=mode)
    result = run(world(temp_style="on_change", temp_heartbeat_s=600.0, faults=(fault,)))
    after = [s for s in result.of(Role.FRIDGE_TEMP) if s.at > START + 6 * HOUR - 10]
    if mode == "stuck":
        assert after == []  # an unchanging value makes no new state at all
    elif mode == "dead":
        assert [s.value for s in after] == [None]
    else:
        assert any(s.value is not None and not -30 < s.value < 30 for s in after)


def test_faults_keep_their_physics_in_the_widened_world() -> None:
    wide = {"plug_style": "averaged", "temp_style": "on_change", "standby_w": 5.0, "days": 2.0}
    wide |= {"inrush_ratio": 7.0, "defrost_style": "timed_wall", "freezer_swing_k": 2.0}
    healthy = run(world(**wide))
    for code, check in (
        (FaultCode.DOOR_LEFT_OPEN, lambda r: r.duty(range(24)) > healthy.duty(range(24))),
        (FaultCode.UNSAFE_TEMPERATURE, lambda r: max(f for *_x, f in r.steps) > 5.0),
        (FaultCode.SHORT_CYCLING, lambda r: len(r.runs()) > 2 * len(healthy.runs())),
        (FaultCode.DOOR_SEAL_LEAK, lambda r: r.duty(range(24)) > healthy.duty(range(24))),
    ):
        fault = FaultInjection(
            code, start_h=12.0, duration_h=6.0 if code.value == "door_left_open" else None
        )
        assert check(run(world(**wide, faults=(fault,)))), code


def test_a_long_strong_defrost_warms_the_freezer_contents_only_a_little() -> None:
    scenario = world(
        defrost_style="timed_wall",
        defrost_interval_h=8.0,
        defrost_minutes=60.0,
        heater_w=400.0,
        freezer_swing_k=2.0,
    )
    sim = FridgeSimulator(scenario)
    sim.advance(START + 4 * HOUR)  # settled
    coldest, warmest = sim.freezer_c, sim.freezer_c
    while sim.t < START + 20 * HOUR:
        sim.advance(sim.t + 60)
        coldest, warmest = min(coldest, sim.freezer_c), max(warmest, sim.freezer_c)
    assert sim.defrosts
    assert warmest - coldest < 4.0  # the heater's thermostat ends it once the coil is clear
