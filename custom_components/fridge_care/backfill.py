"""Learning from the recorder's history once, when a fridge is first set up.

Someone with weeks of recorded sensor states gets a verdict on the first day instead of after the
learning period: the history is read through the recorder's executor and folded into the engine
as if it were arriving live, with an evaluation every fifteen minutes of it.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

from homeassistant.components.recorder.history import get_significant_states
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from .analysis.engine import Engine
from .sources import Reading, SourceTracker

_LOGGER = logging.getLogger(__name__)

WINDOW: Final = timedelta(days=14)
EVALUATE_EVERY_S: Final = 900.0
"""Seconds of history between evaluations: the engine learns at the pace it would have live."""


async def async_recorded_readings(hass: HomeAssistant, sources: SourceTracker) -> list[Reading]:
    """Return the sources' recorded states of the last two weeks as readings (none: no recorder)."""
    if "recorder" not in hass.config.components:
        return []
    end = dt_util.utcnow()
    history = await get_instance(hass).async_add_executor_job(
        lambda: get_significant_states(
            hass,
            end - WINDOW,
            end,
            list(sources.by_role.values()),
            significant_changes_only=False,
            no_attributes=True,
        )
    )
    return sources.recorded(history)


def teach(engine: Engine, readings: list[Reading]) -> None:
    """Fold recorded readings into the engine in time order (in an executor, before going live)."""
    if not readings:
        return
    next_evaluation = readings[0].at + EVALUATE_EVERY_S
    for role, at, value in readings:
        if at >= next_evaluation:
            engine.evaluate(now=at)
            next_evaluation = at + EVALUATE_EVERY_S
        engine.ingest(role, at=at, value=value)
    _LOGGER.debug("learned from %d recorded states", len(readings))
