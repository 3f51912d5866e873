"""A compartment's cycle swing, and defrosts: seen only where they stand clear of it."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import accumulate
import math
from statistics import median

import pytest

from custom_components.fridge_care.analysis.cycles import CycleTracker
from custom_components.fridge_care.analysis.defrosts import DefrostLog
from custom_components.fridge_care.analysis.engine import Engine
from custom_components.fridge_care.analysis.model import EngineConfig, FaultCode, Role
from custom_components.fridge_care.analysis.replay import replay
from custom_components.fridge_care.analysis.swings import Swings
from fridge_sim import FaultInjection, Scenario, simulate
from fridge_sim.population import Population, draw, fault_for
from fridge_sim.simulator import FridgeSimulator

from .conftest import START, first

HOUR = 3600.0


def freezer(
    hours: float, *, swing: float = 2.0, period_min: float = 50.0
) -> Iterator[tuple[float, float]]:
    """A freezer sensor swinging ``swing`` K per compressor cycle, read each minute (0.1 K)."""
    for minute in range(int(hours * 60)):
        phase = (minute % period_min) / period_min
        yield 60.0 * minute, round(-19.0 + swing * math.sin(2 * math.pi * phase) / 2, 1)


def test_ordinary_cycles_give_their_swing_and_share_of_cooling() -> None:
    swings = Swings()
    for at, value in freezer(12):
        swings.update(at, value)
    rises = [phase.change_k for phase in swings.phases(0.0) if phase.change_k > 0]
    assert median(rises) == pytest.approx(2.0, abs=0.15)
    share = swings.cooling_share(0.0, 12 * HOUR)
    assert share == pytest.approx(0.5, abs=0.1)


def defrosting(ordinary: float, since_s: float) -> float:
    """The freezer ``since_s`` into a defrost: 25 K up over 25 minutes, then back over 55."""
    if not 0 <= since_s < 80 * 60:
        return ordinary
    minutes = since_s / 60
    return round(ordinary + min(minutes, 25.0, (80 - minutes) * 25 / 55), 1)


def with_defrosts(
    every_h: float, days: float, *, lift_probe_at: float | None = None
) -> list[tuple[float, float]]:
    """Freezer readings with a defrost every ``every_h`` hours (and a probe lifted out once)."""
    readings = []
    for at, ordinary in freezer(days * 24):
        value = defrosting(ordinary, at % (every_h * HOUR))
        if lift_probe_at is not None and lift_probe_at <= at < lift_probe_at + 120:
            value = 8.4  # the probe taken out for two minutes reads the room
        readings.append((at, value))
    return readings


def swings_of(readings: list[tuple[float, float]]) -> Swings:
    swings = Swings()
    for at, value in readings:
        swings.update(at, value)
    return swings


def observe(log: DefrostLog, swings: Swings, days: float, blind_until: float | None = None) -> None:
    for tick in range(int(days * 24 * 6)):
        log.observe(tick * 600.0, None, swings, blind_until)


def test_a_regular_rhythm_is_learned_from_the_freezers_bumps() -> None:
    log = DefrostLog()
    observe(log, swings_of(with_defrosts(20, 5)), 5)
    assert len(log.times) >= 5
    assert log.rhythm_s == pytest.approx(20 * HOUR, rel=0.05)
    last = log.last
    assert last is not None
    overdue = log.overdue(last + 31 * HOUR, None, None)
    # Overdue after two and a half usual intervals: a defrost the witness missed is no failure.
    assert overdue is not None and overdue.after_s == pytest.approx(50 * HOUR, rel=0.05)
    assert overdue.since_s == pytest.approx(31 * HOUR)
    blind = log.overdue(last + 31 * HOUR, None, last + 10 * HOUR)  # a defrost may have passed
    assert blind is not None and blind.since_s == pytest.approx(21 * HOUR)


def test_a_coarse_sensor_heard_every_ninety_minutes_still_shows_the_rhythm() -> None:
    """Few cycles a day are seen, the low reading is held long before each heater comes on."""
    readings = [(at, round(v * 2) / 2) for at, v in with_defrosts(20, 5) if at % 5400 == 0]
    log = DefrostLog()
    observe(log, swings_of(readings), 5)
    assert log.rhythm_s == pytest.approx(20 * HOUR, rel=0.05)


def test_a_sensor_too_coarse_to_show_the_cycles_still_shows_every_defrost() -> None:
    """A 2 K step on a 1.4 K swing holds one reading between defrosts: the bumps are all it shows.

    Their own rises are no ordinary swing to measure them by: a healthy fridge whose sensor
    showed no cycle for days was told its defrosts had stopped.
    """
    readings = [(at, round((v - 1.0) / 2) * 2.0) for at, v in with_defrosts(20, 8)]
    log = DefrostLog()
    observe(log, swings_of(readings), 8)
    assert len(log.times) == 9
    assert log.rhythm_s == pytest.approx(20 * HOUR, rel=0.05)


def test_a_freezers_first_hours_of_large_cycles_are_no_defrosts() -> None:
    """A freezer whose every cycle swings it 3.4 K shows no rise under a bump's 3 K at first.

    Read from its first minute, those cycles were taken for defrosts until a dozen rises showed
    that they are its own swing (held-out-ab's trace 10801: two bumps in its first hours, a
    bogus 8 h interval, no rhythm learned, its missed defrosts never told). Its real defrosts,
    every 30 h, are the rhythm.
    """
    log, swings = DefrostLog(), Swings()
    for at, ordinary in freezer(5 * 24, swing=3.4, period_min=60.0):
        swings.update(at, defrosting(ordinary, (at - 10 * HOUR) % (30 * HOUR)))
        if at % 600 == 0:
            log.observe(at, None, swings, None)
    assert [round(at / HOUR) for at in log.times] == [10, 40, 70, 100]
    assert log.rhythm_s == pytest.approx(30 * HOUR, rel=0.05)


def test_a_warm_bump_hours_before_a_defrost_does_not_date_it() -> None:
    """Two bumps within one event's span are one defrost, at the higher (the heater's)."""

    def warm_load(at: float, value: float) -> float:
        minutes = (at - 57 * HOUR) / 60  # 9 K up and down over half an hour, 3 h before one
        return round(value + 0.6 * min(minutes, 30 - minutes), 1) if 0 <= minutes < 30 else value

    log = DefrostLog()
    observe(log, swings_of([(at, warm_load(at, v)) for at, v in with_defrosts(20, 5)]), 5)
    assert [round(i / HOUR) for i in log.intervals] == [20, 20, 20, 20]


def test_a_warm_reading_just_before_a_handled_probe_is_no_defrost() -> None:
    """A lifted probe's first, partly warmed reading is kept; the engine sets the rest aside."""
    peak_at = 30 * HOUR + 15 * 60
    readings = [
        (at, v + 0.6 * min((at - 30 * HOUR) / 60, 15) if 30 * HOUR <= at <= peak_at else v)
        for at, v in freezer(72)
    ]
    swings = swings_of(readings)
    seen, handled = DefrostLog(), DefrostLog()
    for tick in range(3 * 24 * 6):
        seen.observe(tick * 600.0, None, swings, None)
        handled.observe(tick * 600.0, None, swings, None, [peak_at + 60.0])
    assert seen.last == pytest.approx(peak_at, abs=120)
    assert handled.last is None


def test_a_heater_the_plug_missed_is_seen_on_the_freezer() -> None:
    """Where both watch, a defrost either one saw counts: a plug reporting changes misses some."""
    swings = swings_of(with_defrosts(20, 5))
    tracker = CycleTracker()
    tracker.signature.heater_w = 200.0
    log = DefrostLog()
    for tick in range(5 * 24 * 6):
        now = tick * 600.0
        if now / HOUR - 0.5 in (20, 60, 80):  # the plug saw these heaters, not the one at 40 h
            start = now - 0.5 * HOUR
            tracker.defrosts.append((start, start + 1500.0, 200.0))
        log.observe(now, tracker, swings, None)
    assert [round(i / HOUR) for i in log.intervals] == [20, 20, 20, 20]


def test_a_probe_lifted_out_is_neither_a_defrost_nor_a_sensor_fault() -> None:
    """The engine sets the room's readings aside, so the freezer's swing is all it sees."""
    readings = with_defrosts(1000, 3, lift_probe_at=30 * HOUR)
    engine = Engine(EngineConfig(roles=frozenset({Role.FREEZER_TEMP}), learning_period_h=24))
    episodes = replay([(at, Role.FREEZER_TEMP, value) for at, value in readings], engine.config)
    assert episodes == []
    for at, value in readings:
        engine.ingest(Role.FREEZER_TEMP, at, value)
        if at % 600 == 0:
            engine.evaluate(at)
    assert engine.evaluate(readings[-1][0]).last_defrost_at is None


def test_irregular_intervals_leave_the_rhythm_unknown() -> None:
    log = DefrostLog()
    for at in (0.0, 10 * HOUR, 40 * HOUR, 48 * HOUR, 80 * HOUR, 90 * HOUR):
        log.record(at, None, None)  # adaptive defrost: 8-40 h apart
    assert log.rhythm_s is None
    assert log.overdue(100 * HOUR, None, None) is None


def test_the_warmth_of_a_mains_cut_is_no_defrost() -> None:
    """A fridge that never defrosts, its mains cut every 60-70 hours: the freezer warmed
    through each cut and the first run after it pulls long and hard, at the cut's end. Told
    apart from a defrost by the cut itself; a real defrost two hours on still counts."""
    log = DefrostLog()
    for cut_end in (36.0, 97.0, 160.0, 226.0, 290.0):
        log.record(cut_end * HOUR, None, None, upset_at=cut_end * HOUR)
    assert log.last is None
    assert log.rhythm_s is None
    log.record(292 * HOUR, None, None, upset_at=290 * HOUR)
    assert log.last == 292 * HOUR


def test_an_interval_across_a_blind_spell_is_learned_unless_it_may_hide_a_defrost() -> None:
    """A plug away for half an hour now and then: the intervals around it still agree."""
    blind = DefrostLog()
    for k in range(4):
        blind.record(20 * HOUR * k, 20 * HOUR * k - HOUR, None)  # the witness was away before each
    assert blind.rhythm_s == pytest.approx(20 * HOUR)
    hidden = DefrostLog()
    for at, back in ((0, None), (20, None), (40, None), (80, 70), (100, None)):
        hidden.record(at * HOUR, None if back is None else back * HOUR, None)
    assert list(hidden.intervals) == [20 * HOUR, 20 * HOUR, 20 * HOUR]  # not the 40 h one


def test_blind_spells_now_and_then_hide_one_defrost_at_most() -> None:
    """A freezer probe away for an hour every day or so: each spell might hide one defrost, but
    all of them together hide no more than one (held-out-ab's trace 10819: three spells restarted
    the count, and defrosts missed for five days were never told)."""
    log = DefrostLog()
    for k in range(5):
        log.record(20 * HOUR * k, None, None)
    last = 80 * HOUR
    assert log.overdue(last + 45 * HOUR, None, None) is not None  # past 2.5 usual intervals
    for back in (30, 50, 60):  # the probe came back from a blind spell then
        late = log.overdue(last + 69 * HOUR, None, last + back * HOUR)
        assert late is not None and late.since_s < late.after_s  # one defrost may hide in it
    overdue = log.overdue(last + 70 * HOUR, None, last + 60 * HOUR)
    assert overdue is not None and overdue.since_s >= overdue.after_s
    # A cut (or a door left open) may move the defrost itself: the count restarts after it.
    upset = log.overdue(last + 70 * HOUR, None, last + 60 * HOUR, upset_at=last + 60 * HOUR)
    assert upset is not None and upset.since_s == pytest.approx(10 * HOUR)


def test_a_plug_back_from_an_old_blind_spell_adds_no_running_hours() -> None:
    """A defrost every 10 running hours; the plug was last away before the last defrost.

    The running hours since then count from the last defrost, not from that older spell (a
    healthy plug-watched fridge was told a missed defrost each time its plug came back).
    """
    log = DefrostLog()
    for k, at in enumerate((0, 25, 60, 80, 120)):  # as busy or calm days run the compressor
        log.record(at * HOUR, None, 10 * HOUR * k)
    log.blind_run_s = 35 * HOUR  # the plug came back at 35 running hours, before the last defrost
    overdue = log.overdue(125 * HOUR, 45 * HOUR, 121 * HOUR)
    assert overdue is not None and overdue.since_s == pytest.approx(5 * HOUR)


def test_a_defrost_every_so_many_running_hours_is_a_rhythm_by_the_compressors_clock() -> None:
    """A defrost after every 6 hours of running: 12 h apart on a busy day, 40 on a calm one."""
    log = DefrostLog()
    at, run = 0.0, 0.0
    for duty in (0.5, 0.15, 0.4, 0.2, 0.45, 0.18):
        at += 6 * HOUR / duty
        run += 6 * HOUR
        log.record(at, None, run)
    assert log.rhythm_s is not None  # known, though the clock's intervals are irregular
    assert log.overdue(at + HOUR, run, None) is not None
    overdue = log.overdue(at + 60 * HOUR, run + 16 * HOUR, None)
    assert overdue is not None and overdue.since_s >= overdue.after_s


def test_two_clockwork_intervals_are_a_rhythm_and_one_missed_sighting_does_not_break_it() -> None:
    """A timer every 37 h: two intervals in the learning days are enough, as a timer's agree."""
    log = DefrostLog()
    for at in (0.0, 37 * HOUR, 74.2 * HOUR):
        log.record(at, None, None)
    assert log.rhythm_s == pytest.approx(37.1 * HOUR)
    overdue = log.overdue(74.2 * HOUR + 95 * HOUR, None, None)
    assert overdue is not None and overdue.since_s >= overdue.after_s  # 95 h without: missed
    sparse = DefrostLog()  # a heater the plug missed once: a 20 h gap among 10 h ones
    for at in (0.0, 10.0, 20.0, 40.0, 50.1, 60.0):
        sparse.record(at * HOUR, None, None)
    assert sparse.rhythm_s is not None


@pytest.mark.parametrize(
    ("hours_apart", "ticket"),
    [
        ((12.0, 12.0, 12.1, 11.9, 12.0, 12.0), True),  # a timer's clockwork
        ((16.5, 20.5, 16.7, 12.1, 9.0, 21.9), False),  # bumps misread, or an adaptive defrost
    ],
)
def test_only_a_steady_rhythms_missed_defrost_becomes_a_ticket(
    hours_apart: tuple[float, ...], ticket: bool
) -> None:
    """Both rhythms are learned from the freezer's bumps, then the defrosts stop for 100 hours.

    The owner hears of both missed defrosts; only the timer's becomes a ticket.
    """
    starts = list(accumulate((10.0, *hours_apart)))
    readings = [
        (at, Role.FREEZER_TEMP, max(defrosting(value, at - h * HOUR) for h in starts))
        for at, value in freezer(starts[-1] + 100)
    ]
    config = EngineConfig(roles=frozenset({Role.FREEZER_TEMP}), learning_period_h=72.0)
    missed = [
        e for e in replay(readings, config, every_s=600.0) if e.code is FaultCode.DEFROST_FAILURE
    ]
    assert len(missed) == 1
    assert missed[0].detected_at > starts[-1] * HOUR  # only once the defrosts stopped
    assert missed[0].confirmed is ticket


@pytest.mark.parametrize("plug_style", ["on_change", "averaged"])
def test_a_plug_reading_garbage_shows_no_missed_defrost(plug_style: str) -> None:
    """A plug-only fridge defrosting after every 4 running hours; its plug then reads -55 W,
    85 W, anything, for a day. The owner hears the plug is faulty; a heater it could not show is
    no missed defrost, and no technician comes for one."""
    roles = frozenset({Role.COMPRESSOR_POWER})
    garbage = FaultInjection(
        FaultCode.SENSOR_FAULT, start_h=84.0, role=Role.COMPRESSOR_POWER, sensor_mode="implausible"
    )
    scenario = Scenario(
        seed=1,
        days=5.0,
        start=START,
        roles=roles,
        faults=(garbage,),
        plug_style=plug_style,
        defrost_style="timed_run",
        defrost_interval_h=4.0,
    )
    episodes = replay(list(simulate(scenario)), EngineConfig(roles=roles, learning_period_h=72.0))
    assert [e.code for e in episodes] == [FaultCode.SENSOR_FAULT]


def test_bumps_that_fall_into_step_after_weeks_without_any_are_no_rhythm() -> None:
    """A fridge that never defrosts, its freezer read alone: three weeks without a bump, then
    four long mains cuts in three days warm the freezer, 16-40 hours apart. Taking the 40-hour
    gap for a missed sighting, the bumps agree like a timer's, but nothing had come for 490
    hours before them: no defrost is ever called missed. A timer seen from its first days is."""
    cuts = (490.0, 530.1, 546.0, 565.8)
    readings = [
        (at, Role.FREEZER_TEMP, max(defrosting(value, at - h * HOUR) for h in cuts))
        for at, value in freezer(700)
    ]
    config = EngineConfig(roles=frozenset({Role.FREEZER_TEMP}), learning_period_h=72.0)
    assert FaultCode.DEFROST_FAILURE not in {
        e.code for e in replay(readings, config, every_s=600.0)
    }
    timer = DefrostLog()
    for at in (30.0, 50.0, 70.0, 90.0):
        timer.record(at * HOUR, None, None)
    overdue = timer.overdue(160 * HOUR, None, None, watched_since=0.0)
    assert overdue is not None and overdue.since_s >= overdue.after_s


def test_a_bump_taken_for_a_defrost_does_not_break_a_rhythm() -> None:
    """A warm load lifts the freezer between two defrosts 24 h apart: two short intervals."""
    log = DefrostLog()
    for at in (0.0, 24.3, 47.6, 56.8, 72.5):
        log.record(at * HOUR, None, None)
    assert log.rhythm_s is not None
    overdue = log.overdue(72.5 * HOUR + 70 * HOUR, None, None)
    assert overdue is not None and overdue.since_s >= overdue.after_s  # 70 h without: missed


def test_a_plug_told_stuck_files_no_missed_defrost() -> None:
    """held-out-w's plug-only fridge 10512: its heartbeat plug froze at 92 hours and was told
    stuck three hours later; the missed-defrost clock ran on through the frozen plug, and a plug
    frozen at its run level reads the whole day as running (ice, it seemed): a defrost ticket
    seven hours after. A sensor the owner has been told is faulty sees no defrost."""
    population, index = Population("held-out-w", 1, 5_500_000), 10_512
    roles = frozenset({Role.COMPRESSOR_POWER})
    fault = fault_for(population, index, FaultCode.SENSOR_FAULT, 92.02, roles)
    scenario = draw(
        population,
        index,
        days=(92.02 + 24.0) / 24,
        roles=roles,
        faults=(fault,),
        healthy_outages=False,
        frost_free=False,
    )
    end = scenario.start + scenario.days * 86_400
    samples = FridgeSimulator(scenario).advance(end)
    episodes = replay(samples, EngineConfig(roles=roles, learning_period_h=72.0), until=end)
    assert "compressor_power_unchanged_h" in first(episodes, FaultCode.SENSOR_FAULT).evidence
    assert FaultCode.DEFROST_FAILURE not in {e.code for e in episodes}
