"""The TUNE and HELD_OUT populations and the evaluation split (tuning discipline, issue 14)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from statistics import fmean

import pytest

from custom_components.fridge_care.analysis.model import (
    FaultCode,
    FaultEpisode,
    FaultFamily,
    Role,
    Severity,
)
from fridge_sim import FaultInjection, FridgeSimulator, Scenario
from fridge_sim.evaluation import (
    CLASS_WINDOWS,
    FULL_SIZES,
    SENSOR_SETS,
    YEAR_DAYS,
    Job,
    _caused,
    build_suite,
    main,
    run_job,
    summarise,
)
from fridge_sim.population import (
    HELD_OUT,
    MIXES,
    POPULATIONS,
    RANGES,
    TUNE,
    draw,
    fault_for,
    markdown_table,
)

from .conftest import HOUR, START

DAY = 86_400.0


def test_held_out_ranges_contain_and_widen_the_tuning_ranges() -> None:
    wider = 0
    for name, (tune, held_out, meaning) in RANGES.items():
        assert held_out[0] <= tune[0] <= tune[1] <= held_out[1], name
        assert meaning
        wider += held_out != tune
    assert wider == len(RANGES)  # every parameter is wider on the held-out side
    assert all(tune != held_out for tune, held_out in MIXES.values())


def test_populations_use_disjoint_seeds_and_draw_reproducibly() -> None:
    seeds = {
        population.name: {draw(population, i, days=1.0).seed for i in range(0, 20_000, 97)}
        for population in POPULATIONS.values()
    }
    for name, mine in seeds.items():  # no fridge is in two populations
        assert all(not mine & theirs for other, theirs in seeds.items() if other != name)
    assert draw(HELD_OUT, 7, days=2.0) == draw(HELD_OUT, 7, days=2.0)
    assert draw(HELD_OUT, 7, days=2.0) != draw(HELD_OUT, 8, days=2.0)


def test_a_population_mixes_every_style() -> None:
    drawn = [draw(HELD_OUT, i, days=1.0) for i in range(200)]
    assert {s.plug_style for s in drawn} == {"heartbeat", "on_change", "averaged", "polled"}
    assert {s.defrost_style for s in drawn} == {"timed_run", "timed_wall", "adaptive", "none"}
    assert {s.thermostat for s in drawn} == {"electronic", "mechanical"}
    assert {s.outage_plug for s in drawn} == {"zero", "unavailable"}
    assert {s.temp_resolution_c for s in drawn} == {0.1, 0.5}
    assert {s.temp_heartbeat_s is None for s in drawn} == {True, False}
    assert all(s.standby_w == 0.0 for s in drawn if s.thermostat == "mechanical")
    assert all(s.outages_per_day > 0 for s in drawn)
    assert all(
        s.defrost_style != "none"
        for i in range(60)
        for s in [draw(TUNE, i, days=1.0, frost_free=True)]
    )


@pytest.mark.parametrize("population", [TUNE, HELD_OUT])
def test_drawn_fridges_are_healthy_fridges(population: object) -> None:
    """Duty, starts and food safety stay in a real fridge's range (held-out: a bit wider)."""
    assert population in (TUNE, HELD_OUT)
    pop = TUNE if population is TUNE else HELD_OUT
    for i in range(4):
        scenario = draw(pop, i, days=2.0, healthy_outages=False)
        sim = FridgeSimulator(scenario)
        on = starts = steps = 0
        was_on = False
        fridge: list[float] = []
        while sim.t < START + 2 * DAY:
            sim.advance(sim.t + 10)
            steps += 1
            on += sim.compressor_on
            starts += sim.compressor_on and not was_on
            was_on = sim.compressor_on
            fridge.append(sim.fridge_c)
        assert 0.12 < on / steps < 0.6, (pop.name, i, on / steps)
        fewest, most = (12, 50) if pop is TUNE else (8, 60)
        assert fewest <= starts / 2 <= most, (pop.name, i, starts / 2)
        assert fmean(fridge) < 4.0 and sim.freezer_c < -15.0


def test_fault_strengths_come_from_the_population() -> None:
    roles = frozenset({Role.FRIDGE_TEMP, Role.COMPRESSOR_POWER})
    leak = [fault_for(HELD_OUT, i, FaultCode.COOLING_FAILURE, 90.0, roles) for i in range(50)]
    ramps = [f.ramp_h for f in leak if f.ramp_h is not None]
    assert len(ramps) == 50 and min(ramps) >= 72 and max(ramps) > 168  # beyond TUNE's 7 days
    sensor = [fault_for(TUNE, i, FaultCode.SENSOR_FAULT, 90.0, roles) for i in range(30)]
    assert {f.role for f in sensor} == roles
    assert {f.sensor_mode for f in sensor} == {"stuck", "implausible", "dead"}
    outage = fault_for(TUNE, 3, FaultCode.POWER_OUTAGE, 90.0, roles)
    assert outage.duration_h is not None and 0.5 <= outage.duration_h <= 8


def test_held_out_suite_is_worth_ten_fridge_years_with_every_sensor_set() -> None:
    fridges, days, seeds = FULL_SIZES["held-out"]
    jobs = build_suite(False, seeds, fridges, days, population="held-out")
    healthy = [j for j in jobs if j.fault is None]
    assert sum(j.scenario.days for j in healthy) / YEAR_DAYS >= 10.0
    assert {j.scenario.roles for j in healthy} == set(SENSOR_SETS)
    assert frozenset({Role.COMPRESSOR_POWER}) in SENSOR_SETS
    per_class = Counter(j.fault for j in jobs if j.fault is not None)
    assert per_class == dict.fromkeys(CLASS_WINDOWS, seeds)
    assert all(j.scenario.plug_style is not None for j in jobs)
    assert all(j.scenario.seed >= HELD_OUT.first_seed for j in jobs)
    defrost = [j for j in jobs if j.fault is FaultCode.DEFROST_FAILURE]
    assert all(j.scenario.defrost_style != "none" for j in defrost)
    tune_seeds = {j.scenario.seed for j in build_suite(False, 12, 40, 46.0, population="tune")}
    assert not tune_seeds & {j.scenario.seed for j in jobs}


def _episode(
    code: FaultCode, hours: float, evidence: dict[str, float] | None = None
) -> FaultEpisode:
    at = START + hours * HOUR
    return FaultEpisode(
        "e",
        code,
        FaultFamily.POWER,
        Severity.WARNING,
        1.0,
        "",
        "",
        "",
        True,
        at,
        at,
        evidence=evidence or {},
    )


def test_episodes_the_simulator_caused_are_true_alerts() -> None:
    outage = FaultInjection(FaultCode.POWER_OUTAGE, start_h=10.0, duration_h=3.0)
    scenario = Scenario(seed=4, days=1.0, start=START, faults=(outage,), sensor_gaps_per_day=3.0)
    sim = FridgeSimulator(scenario)
    assert _caused(_episode(FaultCode.POWER_OUTAGE, 10.2), sim, [])
    assert _caused(_episode(FaultCode.UNSAFE_TEMPERATURE, 15.0), sim, [])  # still warm after it
    assert not _caused(_episode(FaultCode.POWER_OUTAGE, 14.0), sim, [])
    stuck = {"fridge_temp_unchanged_h": 3.0}
    assert not _caused(_episode(FaultCode.SENSOR_FAULT, 11.0, stuck), sim, [])  # not the probe's
    # but a plug without mains really is unavailable: a notice that says so is true
    offline = {"compressor_power_unavailable_h": 2.0}
    assert _caused(_episode(FaultCode.SENSOR_FAULT, 12.0, offline), sim, [])
    powered = FridgeSimulator(replace(scenario, outage_plug="zero"))  # the plug reads 0 W instead
    assert not _caused(_episode(FaultCode.SENSOR_FAULT, 12.0, offline), powered, [])
    gap_start, _gap_end = sim.sensor_gaps[Role.FRIDGE_TEMP][0]
    assert _caused(_episode(FaultCode.SENSOR_FAULT, (gap_start - START) / HOUR + 0.01), sim, [])
    assert not _caused(_episode(FaultCode.DOOR_SEAL_LEAK, 10.2), sim, [])


def test_an_unsafe_notice_is_true_when_the_food_really_was_warm() -> None:
    """A warm load or a defrost: the compartment's true temperature, not the probe, decides."""
    sim = FridgeSimulator(Scenario(seed=4, days=1.0, start=START))
    notice = _episode(FaultCode.UNSAFE_TEMPERATURE, 20.0, {"fridge_warm_min": 120.0})
    warm = [(START + HOUR * 18 + 600.0 * k, 6.0 if k >= 5 else 3.0) for k in range(13)]
    cool = [(at, 3.0) for at, _c in warm]
    assert _caused(notice, sim, warm)
    assert not _caused(notice, sim, cool)


def test_a_healthy_trace_with_a_real_outage_is_scored() -> None:
    outage = FaultInjection(FaultCode.POWER_OUTAGE, start_h=80.0, duration_h=3.0)
    scenario = Scenario(seed=4, days=3.6, start=START, faults=(outage,))
    outcome = run_job(Job(scenario, None))  # a healthy fridge whose mains really went away
    assert FaultCode.POWER_OUTAGE not in outcome.false_alerts
    assert outcome.outages == 1
    text = "\n".join(summarise([outcome]))
    assert "false TICKETS (ticket-worthy and confirmed): 0" in text
    assert "outages >= 30 min on healthy traces with a plug: 1" in text


def test_a_population_trace_is_scored() -> None:
    roles = frozenset(Role)
    fault = fault_for(TUNE, 5, FaultCode.DOOR_LEFT_OPEN, 4.0, roles)
    scenario = draw(TUNE, 5, days=0.4, roles=roles, faults=(fault,), healthy_outages=False)
    outcome = run_job(Job(scenario, FaultCode.DOOR_LEFT_OPEN))
    assert outcome.observable and outcome.roles == roles
    assert outcome.plug_style == scenario.plug_style
    text = "\n".join(summarise([outcome]))
    assert "per sensor set" in text
    assert f"  {scenario.plug_style:<26}     1/1   missed: none" in text


def test_a_missed_defrost_before_any_rhythm_is_counted_apart() -> None:
    # A fridge that defrosts every 30 hours has defrosted once or twice 40 hours in: no rhythm
    # a detector could know is broken, so the trace is not scored as a miss (but reported).
    fault = FaultInjection(FaultCode.DEFROST_FAILURE, start_h=40.0)
    scenario = Scenario(
        seed=4,
        days=2.0,
        start=START,
        faults=(fault,),
        defrost_style="timed_wall",
        defrost_interval_h=30.0,
    )
    outcome = run_job(Job(scenario, FaultCode.DEFROST_FAILURE))
    assert outcome.no_rhythm and not outcome.observable
    text = "\n".join(summarise([outcome]))
    assert "defrost_failure: 1 more traces with a plug or freezer sensor defrosted fewer" in text
    assert "counting them, 0/1 found" in text


def test_scripts_evaluate_runs(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--population", "tune", "--seeds", "0", "--healthy-fridges", "1"]
    assert main([*args, "--healthy-days", "0.3", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "population: tune" in out and "false owner alerts" in out


def test_readme_shows_the_populations_table_of_the_code() -> None:
    readme = Path(__file__).parents[2] / "fridge_sim" / "README.md"
    assert markdown_table() in readme.read_text(encoding="utf-8")
