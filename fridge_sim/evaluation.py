"""The labelled accuracy evaluation behind ``scripts/evaluate`` and docs/accuracy.md.

A suite of simulated fridges (many seeds, varied sensor sets) is replayed through the engine the
way Home Assistant would drive it (evaluate once a minute). Healthy traces, with door openings,
defrosts, room swings, evening load, sensor gaps, probe lifts and mains outages, give the false
tickets and false owner alerts per fridge-year; one trace per (fault class, seed) gives recall
within the class's deadline, the detection delay and, for cooling failures, the lead time before
the fridge compartment passes 4 °C for good (from the simulator's true temperature).

Tuning discipline (issue 14): ``--population tune`` is the suite to tune on; the held-out
populations draw other fridges (disjoint seed ranges) from wider ranges of every parameter, and
only the newest one not yet looked at (``held-out-ad``, the default) gives figures to publish.
``legacy`` is the suite of today's narrow world, kept for comparison. The ranges are in
``fridge_sim.population``.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
import os
import random
from statistics import median
import time

from custom_components.fridge_care.analysis.catalog import CATALOG
from custom_components.fridge_care.analysis.model import (
    EngineConfig,
    FaultCode,
    FaultEpisode,
    Role,
)
from custom_components.fridge_care.analysis.replay import replay

from .population import POPULATIONS, draw, fault_for
from .scenario import FaultInjection, Sample, Scenario
from .simulator import FridgeSimulator

HOUR_S = 3600.0
DAY_S = 86_400.0
YEAR_DAYS = 365.25
LEARNING_H = 72.0
UNSAFE_C = 4.0
TRUTH_STEP_S = 600.0  # the true fridge temperature is kept every ten minutes
OUTAGE_DEADLINE_H = 0.5
# A missed defrost is a broken rhythm: a fridge that defrosted fewer times than this before the
# fault showed no rhythm (two intervals) to break, so nothing can call its next defrost missed
# (issue 14: armed only once a regular rhythm is learned). Such traces are counted apart.
RHYTHM_DEFROSTS = 3

_ALL = frozenset(Role)
SENSOR_SETS: tuple[frozenset[Role], ...] = (
    _ALL,
    frozenset({Role.FRIDGE_TEMP, Role.FREEZER_TEMP, Role.COMPRESSOR_POWER, Role.DOOR}),
    frozenset({Role.FRIDGE_TEMP, Role.COMPRESSOR_POWER}),
    frozenset({Role.FRIDGE_TEMP, Role.FREEZER_TEMP, Role.DOOR, Role.AMBIENT_TEMP}),
    frozenset({Role.FRIDGE_TEMP, Role.DOOR}),
    frozenset({Role.COMPRESSOR_POWER}),
)
SET_NAMES = {
    _ALL: "all sensors",
    SENSOR_SETS[1]: "fridge+freezer+plug+door",
    SENSOR_SETS[2]: "fridge temp + plug",
    SENSOR_SETS[3]: "no plug",
    SENSOR_SETS[4]: "fridge temp + door",
    SENSOR_SETS[5]: "plug only",
}

# (hours of trace after the fault starts, detection deadline in hours) per class: minutes for
# door, outage and start failure; hours for cooling loss; days for defrost, seal and fouling.
CLASS_WINDOWS: dict[FaultCode, tuple[float, float]] = {
    FaultCode.DOOR_LEFT_OPEN: (6, 0.25),
    FaultCode.POWER_OUTAGE: (8, OUTAGE_DEADLINE_H),
    FaultCode.COMPRESSOR_START_FAILURE: (6, 0.5),  # from the first failed start
    FaultCode.SHORT_CYCLING: (36, 12),
    FaultCode.POWER_FLUCTUATION: (36, 12),
    FaultCode.SENSOR_FAULT: (24, 6),
    FaultCode.UNSAFE_TEMPERATURE: (36, 24),
    FaultCode.COOLING_FAILURE: (9 * 24, 8 * 24),
    FaultCode.DEFROST_FAILURE: (6 * 24, 5 * 24),
    FaultCode.DOOR_SEAL_LEAK: (4 * 24, 3 * 24),
    FaultCode.CONDENSER_FOULING: (30 * 24, 28 * 24),
}

# Suite sizes per population: (healthy fridges, days each, fault traces per class).
FULL_SIZES: dict[str, tuple[int, float, int]] = {
    **{name: (80, 46.0, 20) for name in POPULATIONS if name != "tune"},  # 10.1 fridge-years
    "tune": (40, 46.0, 12),
    "legacy": (15, 30.0, 20),
}
QUICK_SIZES = (3, 5.0, 1)
QUICK_AFTER_H = 72.0  # --quick: no fault trace runs longer than this after its fault (a smoke run)

# Episodes the simulator itself causes, and how long after the event they may still be detected.
_CAUSED_BY_OUTAGE_S = {
    FaultCode.POWER_OUTAGE: 0.5 * HOUR_S,
    FaultCode.UNSAFE_TEMPERATURE: 6 * HOUR_S,
}
_WARM_TRUTH_S = 2 * HOUR_S  # an unsafe notice is true if the food really was warm in this span
_CAUSED_BY_GAP_S = 0.5 * HOUR_S  # a sensor_fault while a sensor really was unavailable


@dataclass(frozen=True, slots=True)
class Job:
    """One trace to simulate and replay."""

    scenario: Scenario
    fault: FaultCode | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the engine said about one trace."""

    fault: FaultCode | None
    observable: bool
    days: float
    delay_h: float | None  # first detection of the injected fault, hours after it started
    lead_h: float | None  # cooling failure: detection before the fridge passed 4 °C
    lead_censored: bool  # the trace ended before the fridge passed 4 °C
    false_codes: tuple[FaultCode, ...]  # ticket-worthy episodes other than the injected fault
    other_codes: tuple[FaultCode, ...]  # any other episode (safety notices included)
    false_tickets: tuple[FaultCode, ...] = ()  # other episodes ticket-worthy AND confirmed
    false_alerts: tuple[FaultCode, ...] = ()  # other episodes the simulator did not cause
    caused_codes: tuple[FaultCode, ...] = ()  # episodes a real outage or sensor gap explains
    roles: frozenset[Role] = _ALL
    outages: int = 0  # outages of 30 min or more (healthy traces)
    outages_found: int = 0  # of which a power_outage episode came within 30 min
    no_rhythm: bool = False  # defrost_failure: too few defrosts before the fault to learn one
    plug_style: str | None = None  # how the plug reports (None: no plug in the sensor set)


def build_suite(
    quick: bool,
    seeds: int,
    healthy_fridges: int,
    healthy_days: float,
    population: str = "held-out",
) -> list[Job]:
    """Build the labelled suite: healthy fridges plus one trace per (fault class, seed)."""
    if population == "legacy":
        return _legacy_suite(quick, seeds, healthy_fridges, healthy_days)
    pop = POPULATIONS[population]
    rng = random.Random(f"{pop.name}/suite")
    jobs = [
        Job(
            draw(pop, i, days=healthy_days, roles=SENSOR_SETS[i % len(SENSOR_SETS)]),
            None,
        )
        for i in range(healthy_fridges)
    ]
    for c, (code, (after_h, _deadline_h)) in enumerate(CLASS_WINDOWS.items()):
        for k in range(seeds):
            index = 10_000 + 100 * c + k  # fault fridges never share a seed with healthy ones
            start_h = LEARNING_H + rng.uniform(12, 36)
            roles = _ALL if quick else SENSOR_SETS[(k + c) % len(SENSOR_SETS)]
            fault = fault_for(pop, index, code, start_h, roles)
            scenario = draw(
                pop,
                index,
                days=(start_h + (min(after_h, QUICK_AFTER_H) if quick else after_h)) / 24,
                roles=roles,
                faults=(fault,),
                healthy_outages=False,
                frost_free=code is FaultCode.DEFROST_FAILURE,
            )
            jobs.append(Job(scenario, code))
    return jobs


def _legacy_suite(quick: bool, seeds: int, healthy_fridges: int, healthy_days: float) -> list[Job]:
    """Today's narrow world, as the evaluation ran before the populations (for comparison)."""
    rng = random.Random(20_261_125)
    jobs = [
        Job(
            Scenario(
                seed=1000 + i,
                days=healthy_days,
                roles=SENSOR_SETS[i % 5],
                sensor_gaps_per_day=0.1,
                outages_per_day=1 / 30,
            ),
            None,
        )
        for i in range(healthy_fridges)
    ]
    for code, (after_h, _deadline_h) in CLASS_WINDOWS.items():
        for k in range(seeds):
            start_h = LEARNING_H + rng.uniform(12, 36)
            roles = _ALL if quick else SENSOR_SETS[(k + len(code)) % 5]
            scenario = Scenario(
                seed=5000 + 100 * list(CLASS_WINDOWS).index(code) + k,
                days=(start_h + after_h) / 24,
                roles=roles,
                faults=(FaultInjection(code, start_h=start_h),),
                sensor_gaps_per_day=0.05,
            )
            jobs.append(Job(scenario, code))
    return jobs


def _passes_unsafe(truth: Sequence[tuple[float, float]], after: float) -> float | None:
    """Return when the true fridge temperature passes 4 °C for good.

    That is the end of the first hour whose mean is above 4 °C and after which every hourly mean
    stays above 4 °C for two more hours (a busy evening's door openings do not count).
    """
    values = [(at, c) for at, c in truth if at >= after]
    per_hour = round(HOUR_S / TRUTH_STEP_S)
    hourly = [
        sum(c for _at, c in values[i : i + per_hour]) / per_hour
        for i in range(len(values) - per_hour + 1)
    ]
    span = 2 * per_hour + 1
    for i in range(len(hourly) - span + 1):
        if min(hourly[i : i + span]) > UNSAFE_C:
            return values[i + per_hour - 1][0]
    return None


def _simulate(
    scenario: Scenario,
) -> tuple[FridgeSimulator, list[Sample], list[tuple[float, float]]]:
    """Run the scenario, keeping the fridge compartment's true temperature every ten minutes."""
    sim = FridgeSimulator(scenario)
    end = scenario.start + scenario.days * DAY_S
    samples: list[Sample] = []
    truth: list[tuple[float, float]] = []
    to = scenario.start
    while to < end:
        to = min(end, to + TRUTH_STEP_S)
        samples.extend(sim.advance(to))
        truth.append((sim.t, sim.fridge_c))
    return sim, samples, truth


def _caused(
    episode: FaultEpisode, sim: FridgeSimulator, truth: Sequence[tuple[float, float]]
) -> bool:
    """Whether a real event of the simulation explains the episode (a true alert, not a false)."""
    at = episode.detected_at
    roles = sim.scenario.roles
    grace = _CAUSED_BY_OUTAGE_S.get(episode.code)
    if grace is not None and any(a <= at <= b + grace for a, b in sim.outages):
        return True
    if episode.code is FaultCode.UNSAFE_TEMPERATURE and "fridge_warm_min" in episode.evidence:
        # The food really was warm: the compartment's true temperature (not the probe's) was
        # above the limit for an hour of the two before the notice (a defrost, a warm load).
        warm = [c for t, c in truth if at - _WARM_TRUTH_S <= t <= at]
        limit = EngineConfig(roles=roles).fridge_limit_c
        return sum(c > limit for c in warm) * TRUTH_STEP_S >= HOUR_S
    if episode.code is FaultCode.SENSOR_FAULT:
        spans = [span for role, gaps in sim.sensor_gaps.items() if role in roles for span in gaps]
        if "compressor_power_unavailable_h" in episode.evidence and (
            sim.scenario.outage_plug == "unavailable"  # a plug without mains drops off too
        ):
            spans += sim.outages
        return any(a <= at <= b + _CAUSED_BY_GAP_S for a, b in spans)
    return False


def run_job(job: Job) -> Outcome:
    """Simulate one trace and replay it through the engine."""
    scenario = job.scenario
    sim, samples, truth = _simulate(scenario)
    config = EngineConfig(roles=scenario.roles, learning_period_h=LEARNING_H)
    episodes = replay(samples, config, until=scenario.start + scenario.days * DAY_S)
    start = (
        scenario.start + scenario.faults[0].start_h * HOUR_S if scenario.faults else float("inf")
    )
    observable = job.fault is None or CATALOG[job.fault].observable(scenario.roles)
    if job.fault is FaultCode.COMPRESSOR_START_FAILURE:
        start = next((at for at in sim.failed_starts if at >= start), start)
    no_rhythm = (
        job.fault is FaultCode.DEFROST_FAILURE
        and sum(at < start for at in sim.defrosts) < RHYTHM_DEFROSTS
    )
    delay_h = lead_h = None
    censored = False
    false_codes: list[FaultCode] = []
    other_codes: list[FaultCode] = []
    false_tickets: list[FaultCode] = []
    false_alerts: list[FaultCode] = []
    caused: list[FaultCode] = []
    for episode in episodes:
        if episode.code is job.fault and episode.detected_at >= start and delay_h is None:
            delay_h = (episode.detected_at - start) / HOUR_S
            continue
        if episode.code is job.fault:
            continue
        other_codes.append(episode.code)
        if episode.ticket_worthy:
            false_codes.append(episode.code)
            if episode.confirmed:
                false_tickets.append(episode.code)
        if _caused(episode, sim, truth):
            caused.append(episode.code)
        else:
            false_alerts.append(episode.code)
    if job.fault is FaultCode.COOLING_FAILURE and delay_h is not None:
        detected = start + delay_h * HOUR_S
        passed = _passes_unsafe(truth, start)
        censored = passed is None
        end = scenario.start + scenario.days * DAY_S
        lead_h = ((passed if passed is not None else end) - detected) / HOUR_S
    outages = found = 0
    if job.fault is None and CATALOG[FaultCode.POWER_OUTAGE].observable(scenario.roles):
        for a, b in sim.outages:
            if b - a >= OUTAGE_DEADLINE_H * HOUR_S and b <= scenario.start + scenario.days * DAY_S:
                outages += 1
                found += any(
                    e.code is FaultCode.POWER_OUTAGE
                    and a <= e.detected_at <= a + OUTAGE_DEADLINE_H * HOUR_S
                    for e in episodes
                )
    return Outcome(
        job.fault,
        observable and not no_rhythm,
        scenario.days,
        delay_h,
        lead_h,
        censored,
        tuple(false_codes),
        tuple(other_codes),
        tuple(false_tickets),
        tuple(false_alerts),
        tuple(caused),
        scenario.roles,
        outages,
        found,
        no_rhythm,
        scenario.plug_style if Role.COMPRESSOR_POWER in scenario.roles else None,
    )


def _counted(codes: Sequence[FaultCode]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for code in codes:
        counts[code.value] += 1
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none"


def _hit(outcome: Outcome) -> bool:
    deadline = CLASS_WINDOWS[outcome.fault][1] if outcome.fault is not None else 0.0
    return outcome.delay_h is not None and outcome.delay_h <= deadline


def summarise(outcomes: Sequence[Outcome]) -> list[str]:
    """Return the report lines printed by ``scripts/evaluate``."""
    lines: list[str] = []
    healthy = [o for o in outcomes if o.fault is None]
    years = sum(o.days for o in healthy) / YEAR_DAYS

    def per_year(n: int) -> str:
        return f"{n} = {n / years if years else float('nan'):.2f} per fridge-year"

    worthy = [c for o in healthy for c in o.false_codes]
    tickets = [c for o in healthy for c in o.false_tickets]
    alerts = [c for o in healthy for c in o.false_alerts]
    lines.append(f"healthy traces: {len(healthy)} fridges, {years:.2f} fridge-years")
    lines.append(f"false TICKETS (ticket-worthy and confirmed): {per_year(len(tickets))}")
    if tickets:
        lines.append(f"  by class: {_counted(tickets)}")
    lines.append(f"false owner alerts (any episode nothing caused): {per_year(len(alerts))}")
    if alerts:
        lines.append(f"  by class: {_counted(alerts)}")
    lines.append(f"false ticket-worthy alarms: {per_year(len(worthy))} (confirmed or not)")
    caused = [c for o in healthy for c in o.caused_codes]
    if caused:
        lines.append(f"episodes real outages and sensor gaps caused (true): {_counted(caused)}")
    outages = sum(o.outages for o in healthy)
    if outages:
        found = sum(o.outages_found for o in healthy)
        lines.append(
            f"outages >= 30 min on healthy traces with a plug: {outages}, "
            f"power_outage within 30 min: {found} ({found / outages:.2f})"
        )
    lines.append("")
    lines.append(
        f"{'fault class':<26}{'traces':>7}{'observable':>11}{'recall':>8}"
        f"{'deadline':>10}{'median delay':>14}{'false tickets':>15}"
    )
    recalls: list[float] = []
    for code, (_after, deadline_h) in CLASS_WINDOWS.items():
        mine = [o for o in outcomes if o.fault is code]
        seen = [o for o in mine if o.observable]
        hits = [o for o in seen if _hit(o)]
        delays = [o.delay_h for o in hits if o.delay_h is not None]
        recall = len(hits) / len(seen) if seen else float("nan")
        if seen:
            recalls.append(recall)
        delay = f"{median(delays):.2f} h" if delays else "-"
        wrong = sum(len(o.false_tickets) for o in mine)
        lines.append(
            f"{code.value:<26}{len(mine):>7}{len(seen):>11}{recall:>8.2f}"
            f"{deadline_h:>9.2f}h{delay:>14}{wrong:>15}"
        )
    if recalls:
        lines.append(f"{'macro recall':<26}{sum(recalls) / len(recalls):>26.2f}")
    unlearned = [
        o
        for o in outcomes
        if o.no_rhythm and CATALOG[FaultCode.DEFROST_FAILURE].observable(o.roles)
    ]
    if unlearned:
        counted = [o for o in outcomes if o.fault is FaultCode.DEFROST_FAILURE and o.observable]
        found = sum(_hit(o) for o in (*counted, *unlearned))
        lines.append(
            f"  defrost_failure: {len(unlearned)} more traces with a plug or freezer sensor "
            f"defrosted fewer than {RHYTHM_DEFROSTS} times before the fault (no rhythm to break; "
            f"not counted above); counting them, {found}/{len(counted) + len(unlearned)} found"
        )
    lines.extend(_per_sensor_set(outcomes))
    lines.extend(_per_plug_style(outcomes))
    lines.append("")
    lines.append("other ticket-worthy episodes on fault traces (secondary or misattributed):")
    for code in CLASS_WINDOWS:
        others = [c for o in outcomes if o.fault is code for c in o.false_codes]
        if others:
            lines.append(f"  {code.value}: {_counted(others)}")
    leads = [o for o in outcomes if o.fault is FaultCode.COOLING_FAILURE and o.lead_h is not None]
    if leads:
        values = [o.lead_h for o in leads if o.lead_h is not None]
        censored = sum(o.lead_censored for o in leads)
        lines.append("")
        lines.append(
            f"cooling_failure lead before the fridge passes {UNSAFE_C:g} °C: median "
            f"{median(values):.1f} h over {len(values)} detections ({censored} never passed "
            "4 °C before the trace ended: lead counted to the end, a lower bound)"
        )
    return lines


def _per_sensor_set(outcomes: Sequence[Outcome]) -> list[str]:
    """Recall and false alerts for each sensor set, pooled over the classes it can see."""
    lines = ["", "per sensor set: recall (observable fault traces), false tickets / alerts"]
    for roles, name in SET_NAMES.items():
        mine = [o for o in outcomes if o.roles == roles]
        if not mine:
            continue
        seen = [o for o in mine if o.fault is not None and o.observable]
        hits = sum(_hit(o) for o in seen)
        healthy = [o for o in mine if o.fault is None]
        tickets = sum(len(o.false_tickets) for o in healthy)
        alerts = sum(len(o.false_alerts) for o in healthy)
        years = sum(o.days for o in healthy) / YEAR_DAYS
        recall = f"{hits}/{len(seen)}" if seen else "-"
        lines.append(f"  {name:<26}{recall:>8}   {tickets} / {alerts} in {years:.2f} fridge-years")
    return lines


def _per_plug_style(outcomes: Sequence[Outcome]) -> list[str]:
    """Recall for each way a plug reports, with the classes of the faults it missed."""
    lines = ["", "per plug style (fault traces with a plug): recall, misses by class"]
    for style in sorted({o.plug_style for o in outcomes if o.plug_style is not None}):
        seen = [
            o for o in outcomes if o.plug_style == style and o.fault is not None and o.observable
        ]
        if not seen:
            continue
        missed = [o.fault for o in seen if o.fault is not None and not _hit(o)]
        recall = f"{len(seen) - len(missed)}/{len(seen)}"
        lines.append(f"  {style:<26}{recall:>8}   missed: {_counted(missed)}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation and print the figures."""
    parser = argparse.ArgumentParser(description="FridgeCare engine accuracy on simulated fridges")
    parser.add_argument(
        "--population",
        choices=tuple(FULL_SIZES),
        default="held-out-ad",
        help="held-out-ad (default; the figures to publish), held-out-ac, -ab, -aa, -z, -y, -x, "
        "-w, -v, -u, -t, -s, -r, -q, -p, -o, -n, -m, -l, -k, -j, -i, -h, -g, -f, -e, -d, -c, -b "
        "and held-out (each looked at once: no longer held out), tune (to tune on), legacy",
    )
    parser.add_argument("--quick", action="store_true", help="a small suite for smoke tests")
    parser.add_argument("--seeds", type=int, default=None, help="traces per fault class")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--healthy-fridges", type=int, default=None, help="healthy traces")
    parser.add_argument("--healthy-days", type=float, default=None, help="days per healthy trace")
    args = parser.parse_args(argv)
    fridges, days, seeds = QUICK_SIZES if args.quick else FULL_SIZES[args.population]
    if args.seeds is not None:
        seeds = args.seeds
    if args.healthy_fridges is not None:
        fridges = args.healthy_fridges
    if args.healthy_days is not None:
        days = args.healthy_days
    jobs = build_suite(args.quick, seeds, fridges, days, population=args.population)
    jobs.sort(key=lambda j: -j.scenario.days)
    started = time.perf_counter()
    if args.workers <= 1:
        outcomes = [run_job(job) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            outcomes = list(pool.map(run_job, jobs, chunksize=1))
    print(f"population: {args.population}")
    if args.quick:
        print(f"(--quick: a smoke run, fault traces end {QUICK_AFTER_H:g} h after the fault)")
    for line in summarise(outcomes):
        print(line)
    print(f"\n{len(jobs)} traces in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
