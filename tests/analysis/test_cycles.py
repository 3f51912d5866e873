"""Cycle segmentation from plug readings, on hand-made power traces."""

from __future__ import annotations

from collections.abc import Sequence

from custom_components.fridge_care.analysis.cycles import CycleTracker


def feed(
    tracker: CycleTracker, trace: Sequence[tuple[float, float | None]], fridge: float = 3.0
) -> None:
    for at, watts in trace:
        tracker.update(at, watts, fridge, 0)


def run(
    start: float, minutes: float, watts: float = 100.0, step: float = 30.0
) -> list[tuple[float, float | None]]:
    trace: list[tuple[float, float | None]] = [(start, 5 * watts)]  # inrush
    t = start + 10
    while t < start + 60 * minutes:
        trace.append((t, watts + (3 if len(trace) % 2 else -3)))
        t += step
    trace.append((t, 1.0))
    return trace


def idle(start: float, minutes: float) -> list[tuple[float, float | None]]:
    return [(start + 60 * i, 1.0) for i in range(int(minutes))]


def healthy_cycles(tracker: CycleTracker, count: int) -> float:
    """Feed ``count`` cycles of 30 minutes off, 15 on; return the time after them."""
    t = 0.0
    for _ in range(count):
        trace = idle(t, 30) + run(t + 1800, 15)
        feed(tracker, trace)
        t = trace[-1][0] + 60
    return t


def test_runs_become_cycles_and_levels_are_learned() -> None:
    tracker = CycleTracker()
    t = healthy_cycles(tracker, 5)
    assert len(tracker.cycles) == 5
    cycle = tracker.cycles[-1]
    assert 14 * 60 <= cycle.end - cycle.start <= 16 * 60
    assert cycle.mean_w is not None and abs(cycle.mean_w - 100) < 2
    assert cycle.cv is not None and cycle.cv < 0.1
    assert cycle.off_s is not None and cycle.off_s > 25 * 60
    assert tracker.run_w is not None and abs(tracker.run_w - 100) < 2
    assert 30 < tracker.on_w < 50
    on_s, seen_s, starts = tracker.duty(0, t) or (0, 0, 0)
    assert 0.25 < on_s / seen_s < 0.40
    assert starts == 5


def test_start_attempts_and_defrost_heater() -> None:
    tracker = CycleTracker()
    t = healthy_cycles(tracker, 6)
    feed(tracker, [(t, 500.0), (t + 10, 1.0), (t + 250, 520.0), (t + 260, 1.0)])
    assert list(tracker.attempts) == [t, t + 250]
    t += 600
    heater = [(t + 30 * i, 300.0) for i in range(50)] + [(t + 1500, 1.0)]
    feed(tracker, heater)
    assert len(tracker.defrosts) == 1
    assert tracker.defrosts[0][1] - tracker.defrosts[0][0] >= 1400
    t += 1600
    straight = run(t, 20)[:-1] + [(t + 1200 + 30 * i, 300.0) for i in range(40)] + [(t + 2500, 1.0)]
    feed(tracker, straight)  # the heater came on straight after a run: both are recognised
    assert len(tracker.defrosts) == 2
    assert tracker.cycles[-1].start == t


def test_unavailable_plug_books_no_time() -> None:
    tracker = CycleTracker()
    feed(tracker, [(0.0, 1.0), (60.0, None), (4000.0, None), (4060.0, 1.0), (4120.0, 1.0)])
    on_s, seen_s, _ = tracker.duty(0, 5000) or (0, 0, 0)
    assert seen_s == 120.0
    assert on_s == 0.0
    assert not tracker.running
