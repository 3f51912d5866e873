"""Speed and memory of the fault engine, printed by ``scripts/bench`` (see docs/performance.md).

Each measurement is one function returning its figures, so another part (the Home Assistant
integration) can add a section by adding a function to ``SECTIONS``. Timings are wall-clock on
one core of whatever machine runs this; no test asserts them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
import gc
import io
import json
import statistics
import time
import tracemalloc

from custom_components.fridge_care.analysis.engine import Engine
from custom_components.fridge_care.analysis.model import EngineConfig, Role
from custom_components.fridge_care.analysis.replay import read_csv, replay

from .scenario import Sample, Scenario
from .simulator import FridgeSimulator, simulate

DAY_S = 86_400.0
CONFIG = EngineConfig(roles=frozenset(Role))


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure and the target it is held against."""

    name: str
    value: float
    unit: str
    target: str = ""


def _history(days: float, seed: int = 21) -> Scenario:
    """Every sensor reporting every 10 s (the plug's heartbeat; temperatures too)."""
    return Scenario(seed=seed, days=days, plug_interval_s=10.0, temp_heartbeat_s=10.0)


def _feed(engine: Engine, samples: Sequence[Sample], every_s: float = 60.0) -> None:
    due = samples[0].at + every_s
    for at, role, value in samples:
        while at > due:
            engine.evaluate(due)
            due += every_s
        engine.ingest(role, at, value)
    engine.evaluate(samples[-1].at)


def bench_ingest(days: float) -> list[Figure]:
    """Cost per sample of ingest, including folding it into the streaming state."""
    samples = simulate(_history(days))
    engine = Engine(CONFIG)
    ingest = engine.ingest
    gc.collect()
    started = time.perf_counter()
    for at, role, value in samples:
        ingest(role, at, value)
    engine.evaluate(samples[-1].at)  # folds the last queued samples
    elapsed = time.perf_counter() - started
    return [
        Figure("samples", len(samples), ""),
        Figure("ingest per sample (queue + fold)", elapsed / len(samples) * 1e6, "µs", "<= 10"),
    ]


def bench_evaluate(days: float) -> list[Figure]:
    """Steady-state evaluate once a minute, after ``days`` of history, over one more day."""
    scenario = _history(days + 1.0)
    sim = FridgeSimulator(scenario)
    engine = Engine(CONFIG)
    _feed(engine, sim.advance(scenario.start + days * DAY_S))
    costs: list[float] = []
    while sim.t + 60 <= scenario.start + (days + 1.0) * DAY_S:
        for at, role, value in sim.advance(sim.t + 60):
            engine.ingest(role, at, value)
        started = time.perf_counter()
        engine.evaluate(sim.t)
        costs.append(time.perf_counter() - started)
    costs.sort()
    return [
        Figure("evaluate, mean", statistics.fmean(costs) * 1e3, "ms", "<= 0.2"),
        Figure("evaluate, median", costs[len(costs) // 2] * 1e3, "ms"),
        Figure("evaluate, 99th percentile", costs[int(0.99 * len(costs))] * 1e3, "ms"),
        Figure("evaluate, worst (10-minute tick)", costs[-1] * 1e3, "ms"),
    ]


def bench_restore(days: float) -> list[Figure]:
    """Cold restore of the saved state (JSON text) plus the first evaluate, and memory."""
    samples = simulate(_history(days))
    gc.collect()
    tracemalloc.start()
    engine = Engine(CONFIG)
    _feed(engine, samples)
    gc.collect()
    memory = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    now = samples[-1].at + 60
    started = time.perf_counter()
    text = json.dumps(engine.to_dict())
    saved = time.perf_counter() - started
    started = time.perf_counter()
    restored = Engine.from_dict(json.loads(text), CONFIG)
    restored.evaluate(now)
    restore = time.perf_counter() - started
    return [
        Figure("engine memory per fridge", memory / 1e6, "MB", "<= 2"),
        Figure("saved state size (JSON)", len(text) / 1e3, "kB"),
        Figure("save (to_dict + json.dumps)", saved * 1e3, "ms"),
        Figure("cold restore (json.loads + from_dict) + evaluate", restore * 1e3, "ms"),
    ]


def bench_replay(days: float) -> list[Figure]:
    """Replay speed of the command on a wide CSV (every sensor every 10 s), in simulated time."""
    samples = simulate(_history(days, seed=22))
    roles = [role.value for role in Role]
    lines = ["time," + ",".join(roles)]
    for at, role, value in samples:
        cells = [""] * len(roles)
        cells[roles.index(role.value)] = "unavailable" if value is None else f"{value:g}"
        lines.append(f"{at:.1f}," + ",".join(cells))
    text = "\n".join(lines) + "\n"
    started = time.perf_counter()
    readings = read_csv(io.StringIO(text), {})
    replay(readings, CONFIG)
    with_csv = time.perf_counter() - started
    started = time.perf_counter()
    replay(samples, CONFIG)
    engine_only = time.perf_counter() - started
    hours = days * 24
    return [
        Figure("samples replayed", len(samples), ""),
        Figure("replay incl. CSV parsing", hours / with_csv, "sim h/s"),
        Figure("  = times real time", hours * 3600 / with_csv, "x", ">= 100000"),
        Figure("replay, engine only", hours * 3600 / engine_only, "x real time"),
    ]


SECTIONS: dict[str, Callable[[float], list[Figure]]] = {
    "ingest": bench_ingest,
    "evaluate": bench_evaluate,
    "restore": bench_restore,
    "replay": bench_replay,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen sections and print their figures."""
    parser = argparse.ArgumentParser(description="FridgeCare engine speed and memory")
    parser.add_argument("--days", type=float, default=7.0, help="history length (default 7)")
    parser.add_argument("sections", nargs="*", help=f"any of {', '.join(SECTIONS)} (default all)")
    args = parser.parse_args(argv)
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    for name in args.sections or SECTIONS:
        print(f"[{name}] ({args.days:g} days of history)")
        for figure in SECTIONS[name](args.days):
            target = f"  (target {figure.target})" if figure.target else ""
            print(f"  {figure.name:<50}{figure.value:>12,.3f} {figure.unit}{target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
