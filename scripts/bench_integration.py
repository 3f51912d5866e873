"""What FridgeCare costs inside a running Home Assistant, and how long it can block the loop.

A Home Assistant test instance loads the integration for a fridge with every sensor; a simulated
fridge's readings are written to the source entities as state changes and the fridge coordinator
evaluates every 60 s of simulated time, as it does live. Printed:

* per source state change: what ``hass.states.async_set`` plus all listeners take with FridgeCare
  subscribed, minus the same writes to entities nobody tracks (Home Assistant's own cost);
* per evaluation: the whole refresh (wall time, the executor hop included), the engine's share
  (in the executor, off the loop), and the longest single step the event loop ran during a
  refresh: the figure that says whether Home Assistant stalls (target < 5 ms, worst case).

    .venv/bin/python scripts/bench_integration.py            2 simulated days
    .venv/bin/python scripts/bench_integration.py --days 7
    .venv/bin/python scripts/bench_integration.py --no-gc    the same, the garbage collector off
                                                             (tells its pauses from FridgeCare's)
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import gc
import json
from pathlib import Path
import statistics
import sys
import tempfile
import time
from typing import Any
from unittest.mock import patch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from homeassistant import loader  # noqa: E402
from homeassistant.core import HomeAssistant  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.fridge_care import coordinator as fridge_coordinator  # noqa: E402
from custom_components.fridge_care.analysis.engine import Engine  # noqa: E402
from custom_components.fridge_care.analysis.model import (  # noqa: E402
    EngineConfig,
    HealthReport,
    Role,
)
from custom_components.fridge_care.sources import Reading  # noqa: E402
from fridge_sim import Sample, Scenario, simulate  # noqa: E402

START = 1_700_000_000.0
EVALUATE_EVERY = 60.0
LOOP_STEP_TARGET_MS = 5.0
SOURCES = {
    Role.FRIDGE_TEMP: ("sensor.fridge_temperature", {"unit_of_measurement": "°C"}),
    Role.FREEZER_TEMP: ("sensor.freezer_temperature", {"unit_of_measurement": "°C"}),
    Role.AMBIENT_TEMP: ("sensor.kitchen_temperature", {"unit_of_measurement": "°C"}),
    Role.COMPRESSOR_POWER: ("sensor.fridge_plug_power", {"unit_of_measurement": "W"}),
    Role.DOOR: ("binary_sensor.fridge_door", {"device_class": "door"}),
}


@dataclass
class Clock:
    """The simulated time Home Assistant's utcnow() reports during the run."""

    now: float = START

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


@dataclass
class Tally:
    """Wall times of one kind of work."""

    seconds: float = 0.0
    count: int = 0
    each: list[float] = field(default_factory=list)

    def add(self, elapsed: float) -> None:
        self.seconds += elapsed
        self.count += 1
        self.each.append(elapsed)


class LoopSteps:
    """The longest single step (callback or task step) the event loop runs while watching.

    asyncio runs every callback and every task step through ``Handle._run``; timing it is the
    direct measure of how long the loop was blocked.
    """

    def __init__(self) -> None:
        self.watching = False
        self.longest: list[float] = []
        self._run = asyncio.events.Handle._run

    def __enter__(self) -> LoopSteps:
        steps = self
        run = self._run

        def timed(handle: asyncio.events.Handle) -> None:
            if not steps.watching:
                run(handle)
                return
            started = time.perf_counter()
            run(handle)
            steps.longest[-1] = max(steps.longest[-1], time.perf_counter() - started)

        asyncio.events.Handle._run = timed  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.events.Handle._run = self._run  # type: ignore[method-assign]

    def watch(self) -> None:
        self.watching = True
        self.longest.append(0.0)

    def stop(self) -> None:
        self.watching = False


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of the (non-empty) values lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def as_state(role: Role, value: float | None) -> str:
    if value is None:
        return "unavailable"
    if role is Role.DOOR:
        return "on" if value >= 0.5 else "off"
    return f"{value:.2f}"


async def write_states(
    hass: HomeAssistant,
    samples: list[Sample],
    clock: Clock,
    prefix: str,
    evaluate: Callable[[], Awaitable[None]] | None,
) -> Tally:
    """Write every sample as a state change; evaluate every minute of simulated time."""
    writes = Tally()
    next_evaluation = samples[0].at + EVALUATE_EVERY
    perf = time.perf_counter
    for sample in samples:
        while sample.at >= next_evaluation:
            started = perf()
            await hass.async_block_till_done()  # the listeners' share of the writes so far
            writes.seconds += perf() - started
            clock.now = next_evaluation
            if evaluate is not None:
                await evaluate()
            next_evaluation += EVALUATE_EVERY
        entity_id, attributes = SOURCES[sample.role]
        clock.now = sample.at
        started = perf()
        hass.states.async_set(
            prefix + entity_id, as_state(sample.role, sample.value), attributes, timestamp=sample.at
        )
        writes.seconds += perf() - started
        writes.count += 1
    started = perf()
    await hass.async_block_till_done()
    writes.seconds += perf() - started
    return writes


def bench_entry() -> MockConfigEntry:
    return MockConfigEntry(
        domain="fridge_care",
        title="Bench fridge",
        unique_id="bench:1",
        data={
            "name": "Bench fridge",
            "manufacturer": "Bench",
            "model": "B1",
            "serial_number": "1",
            **{role.value: entity_id for role, (entity_id, _) in SOURCES.items()},
        },
        options={"learning_period_h": 24.0},
    )


async def run(days: float) -> None:
    samples = simulate(Scenario(seed=1, days=days, start=START))
    clock = Clock()
    engine_tally, refresh_tally = Tally(), Tally()
    evaluate = fridge_coordinator.evaluate

    def timed_evaluate(
        engine: Engine, readings: list[Reading], now: float, snapshot: bool
    ) -> tuple[HealthReport, dict[str, Any] | None]:
        started = time.perf_counter()
        result = evaluate(engine, readings, now, snapshot)
        engine_tally.add(time.perf_counter() - started)
        return result

    with (
        tempfile.TemporaryDirectory() as config_dir,
        patch("homeassistant.util.dt.utcnow", clock.utcnow),
        patch.object(fridge_coordinator, "evaluate", timed_evaluate),
        LoopSteps() as steps,
    ):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)  # allow custom_components/fridge_care
            for entity_id, attributes in SOURCES.values():
                hass.states.async_set(entity_id, "unknown", attributes)
            entry = bench_entry()
            entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            fridge = entry.runtime_data.fridge
            fridge.update_interval = None  # the bench evaluates on simulated time instead
            failures = 0

            async def refresh() -> None:
                nonlocal failures
                steps.watch()
                started = time.perf_counter()
                await fridge.async_refresh()
                await hass.async_block_till_done()  # the listeners: entities, notifications
                refresh_tally.add(time.perf_counter() - started)
                steps.stop()
                failures += not fridge.last_update_success

            tracked = await write_states(hass, samples, clock, "", refresh)
            untracked = await write_states(hass, samples, clock, "untracked_", None)
            status = hass.states.get("sensor.bench_fridge_status")
            started = time.perf_counter()
            state = await fridge.async_engine_state()
            memory = time_memory(time.perf_counter() - started, state, fridge.engine_config)

    if failures:
        sys.exit(f"{failures} of {refresh_tally.count} evaluations failed (see the log above)")
    report(days, tracked, untracked, refresh_tally, engine_tally, steps.longest, memory)
    print(f"final status: {status.state if status else '?'}")


def report(
    days: float,
    tracked: Tally,
    untracked: Tally,
    refresh: Tally,
    engine: Tally,
    loop_steps: list[float],
    memory: tuple[float, float, int],
) -> None:
    ms = 1e3
    added = (tracked.seconds - untracked.seconds) / tracked.count
    print(f"simulated days: {days:g} ({tracked.count} state changes, {refresh.count} evaluations)")
    print(f"state change, FridgeCare subscribed:  {tracked.seconds / tracked.count * 1e6:7.1f} µs")
    print(
        f"state change, nobody subscribed:      {untracked.seconds / untracked.count * 1e6:7.1f} µs"
    )
    print(f"added by FridgeCare per state change: {added * 1e6:7.1f} µs   (target <= 50 µs)")
    print(
        f"evaluation (refresh, wall): mean {refresh.seconds / refresh.count * ms:.3f} ms, "
        f"median {statistics.median(refresh.each) * ms:.3f}, "
        f"99th {percentile(refresh.each, 0.99) * ms:.3f}, worst {max(refresh.each) * ms:.3f}"
    )
    print(
        f"  the engine, in the executor: mean {engine.seconds / engine.count * ms:.3f} ms, "
        f"99th {percentile(engine.each, 0.99) * ms:.3f}, worst {max(engine.each) * ms:.3f}"
    )
    worst = max(loop_steps)
    print(
        f"longest event-loop step during an evaluation: median "
        f"{statistics.median(loop_steps) * ms:.3f} ms, 99th "
        f"{percentile(loop_steps, 0.99) * ms:.3f}, WORST {worst * ms:.3f} ms "
        f"(target < {LOOP_STEP_TARGET_MS:g} ms: "
        f"{'met' if worst * ms < LOOP_STEP_TARGET_MS else 'NOT met'})"
    )
    saved, restored, size = memory
    print(
        f"learned state: {size / 1024:.0f} KB of JSON; to_dict {saved * ms:.2f} ms, "
        f"from_dict {restored * ms:.2f} ms (both in the executor)"
    )


def time_memory(
    saved: float, state: dict[str, Any], config: EngineConfig
) -> tuple[float, float, int]:
    """Time restoring the learned state; return the save's time, the restore's, the JSON size."""
    encoded = json.dumps(state)
    started = time.perf_counter()
    Engine.from_dict(json.loads(encoded), config)
    return saved, time.perf_counter() - started, len(encoded)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--days", type=float, default=2.0, help="simulated days (default 2)")
    parser.add_argument("--no-gc", action="store_true", help="turn the garbage collector off")
    arguments = parser.parse_args()
    if arguments.no_gc:
        gc.disable()
    asyncio.run(run(arguments.days))


if __name__ == "__main__":
    main()
