"""The fridge coordinator: the engine of one fridge, its one-minute timer and its memory.

Readings arrive on the event loop (from :mod:`sources`) and are only collected there; every
minute they go, with the evaluation, to an executor thread, so the engine's ten-minute recompute
never blocks Home Assistant. The engine is not thread-safe: one lock serializes every use of it.
What it learned is kept in a ``Store`` across restarts; a fresh engine first learns from the
recorder's history (:mod:`backfill`). Everything said about the report — notifications, events,
tickets, entities — is a listener of this coordinator.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
import logging
import time
from typing import Any, Final

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from . import backfill
from .analysis.engine import Engine, StateVersionError
from .analysis.model import EngineConfig, FaultCode, HealthReport
from .const import (
    CONF_FREEZER_LIMIT,
    CONF_FRIDGE_LIMIT,
    CONF_LEARNING_PERIOD,
    CONF_SENSITIVITY,
    DEFAULT_FREEZER_LIMIT_C,
    DEFAULT_FRIDGE_LIMIT_C,
    DEFAULT_LEARNING_PERIOD_H,
    DEFAULT_SENSITIVITY,
    DOMAIN,
    EVALUATION_INTERVAL,
)
from .data import FridgeCareConfigEntry
from .sources import Reading, SourceTracker, sources_of

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
SAVE_EVERY_S: Final = 300.0
"""The engine's memory changes slowly: a crash loses at most five minutes of it."""


def engine_config_of(entry: FridgeCareConfigEntry) -> EngineConfig:
    """Build the engine's settings from the entry's sensors and options."""
    options = entry.options
    return EngineConfig(
        roles=frozenset(sources_of(entry)),
        sensitivity=float(options.get(CONF_SENSITIVITY, DEFAULT_SENSITIVITY)),
        fridge_limit_c=float(options.get(CONF_FRIDGE_LIMIT, DEFAULT_FRIDGE_LIMIT_C)),
        freezer_limit_c=float(options.get(CONF_FREEZER_LIMIT, DEFAULT_FREEZER_LIMIT_C)),
        learning_period_h=float(options.get(CONF_LEARNING_PERIOD, DEFAULT_LEARNING_PERIOD_H)),
    )


def engine_store(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> Store[dict[str, Any]]:
    """Return where one fridge's learned memory lives on disk."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}")


def evaluate(
    engine: Engine, readings: list[Reading], now: float, snapshot: bool
) -> tuple[HealthReport, dict[str, Any] | None]:
    """Feed the minute's readings, evaluate, and copy the memory if asked (in the executor)."""
    for role, at, value in readings:
        engine.ingest(role, at=at, value=value)
    report = engine.evaluate(now=now)
    return report, engine.to_dict() if snapshot else None


class FridgeCoordinator(DataUpdateCoordinator[HealthReport]):
    """One fridge's engine: fed by its sensors, evaluated every minute, remembered."""

    config_entry: FridgeCareConfigEntry

    def __init__(self, hass: HomeAssistant, entry: FridgeCareConfigEntry, device_id: str) -> None:
        """Prepare the engine; it starts with the entry's first refresh."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=EVALUATION_INTERVAL,
        )
        self.device_id = device_id
        self.engine_config = engine_config_of(entry)
        self.sources = SourceTracker(hass, entry, self._collect)
        self.acknowledged: dict[FaultCode, float] = {}
        """Faults the owner silenced, and until when (POSIX seconds)."""
        self._engine = Engine(self.engine_config)
        self._engine_lock = asyncio.Lock()
        self._readings: list[Reading] = []
        self._store = engine_store(hass, entry)
        self._saved_at = time.monotonic()
        self._set_up = False  # until _async_setup completes, there is no memory worth saving

    @callback
    def _collect(self, reading: Reading) -> None:
        self._readings.append(reading)

    async def _async_with_engine[R](self, job: Callable[..., R], *args: object) -> R:
        """Run ``job(engine, *args)`` in the executor, alone with the engine."""
        async with self._engine_lock:
            return await self.hass.async_add_executor_job(job, self._engine, *args)

    async def _async_setup(self) -> None:
        """Restore or learn the engine's memory, then start following the sensors."""
        self.sources.async_prepare()
        if not await self._async_restore():
            readings = await backfill.async_recorded_readings(self.hass, self.sources)
            await self._async_with_engine(backfill.teach, readings)
        self.sources.async_start()
        self.config_entry.async_on_unload(
            # Not listen_once: removing a once-listener after it fired logs an error.
            self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._async_on_stop)
        )
        self._set_up = True

    async def _async_update_data(self) -> HealthReport:
        """Hand the minute's readings to the engine and ask what it makes of the fridge now."""
        now = dt_util.utcnow().timestamp()
        readings, self._readings = self._readings, []
        snapshot = time.monotonic() - self._saved_at >= SAVE_EVERY_S
        report, memory = await self._async_with_engine(evaluate, readings, now, snapshot)
        for code in [code for code, until in self.acknowledged.items() if until <= now]:
            del self.acknowledged[code]  # expired: the owner is told again if it is still on
        if memory is not None:
            await self._async_write(memory)
        return report

    async def async_shutdown(self) -> None:
        """Stop the timer and write the engine's memory (a failed setup learned nothing)."""
        await super().async_shutdown()
        if self._set_up:
            await self.async_save()

    async def _async_on_stop(self, _event: Event) -> None:
        """Write the engine's memory when Home Assistant stops."""
        await self.async_save()

    async def async_save(self) -> None:
        """Write the engine's memory now."""
        await self._async_write(await self._async_with_engine(Engine.to_dict))

    async def _async_write(self, memory: dict[str, Any]) -> None:
        self._saved_at = time.monotonic()
        await self._store.async_save(
            {
                "engine": memory,
                "acknowledged": {code.value: until for code, until in self.acknowledged.items()},
            }
        )

    async def _async_restore(self) -> bool:
        """Load the engine's stored memory; False when there is none worth using."""
        stored = await self._store.async_load()
        if not stored:
            return False
        try:
            self._engine = await self.hass.async_add_executor_job(
                Engine.from_dict, stored["engine"], self.engine_config
            )
        except StateVersionError:
            _LOGGER.warning(
                "%s: stored learning is from another FridgeCare version; starting over",
                self.config_entry.title,
            )
            return False
        self.acknowledged = {
            FaultCode(code): until for code, until in stored.get("acknowledged", {}).items()
        }
        return True

    async def async_engine_state(self) -> dict[str, Any]:
        """Return the engine's whole state, for diagnostics."""
        return await self._async_with_engine(Engine.to_dict)

    async def async_acknowledge(
        self, code: FaultCode | None, duration: timedelta
    ) -> list[FaultCode]:
        """Silence active faults (one code, or all) for a while; return the codes silenced."""
        active = {episode.code for episode in self.data.active}
        codes = [code] if code is not None else sorted(active)
        until = dt_util.utcnow().timestamp() + duration.total_seconds()
        for silenced in codes:
            self.acknowledged[silenced] = until
        await self.async_save()
        return codes

    async def async_reset_baseline(self) -> None:
        """Forget what was learned about this fridge and start learning again."""
        await self._async_with_engine(Engine.reset_baseline)
        await self.async_save()
        await self.async_refresh()


async def async_forget(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> None:
    """Delete a removed fridge's learned memory from disk."""
    await engine_store(hass, entry).async_remove()
