"""The fridge's source sensors: their readings in the engine's units, their silence, their renames.

Any integration's sensors can watch a fridge (a Zigbee probe, a smart plug, a door contact). This
module follows the ones the owner chose: every state change, and every unchanged re-report (proof
the sensor is alive), becomes a :class:`Reading` in °C, W or door open 1.0 / closed 0.0. A sensor
unavailable for an hour gets a repair issue; one renamed is followed; one deleted is reported with
a fix flow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
import logging
import math
from typing import Any, Final, NamedTuple

from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import (
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import (
    async_track_entity_registry_updated_event,
    async_track_state_change_event,
    async_track_state_report_event,
)
from homeassistant.util import dt as dt_util

from .analysis.model import Role
from .const import SOURCE_KEYS
from .data import FridgeCareConfigEntry
from .repairs import (
    SOURCE_UNAVAILABLE,
    async_delete_source_issues,
    async_report_source_removed,
    async_report_source_unavailable,
    async_settle_source_removed,
)
from .units import converter_for

_LOGGER = logging.getLogger(__name__)

SILENT_AFTER_S: Final = 3600.0
"""A source unavailable this long gets a repair issue."""


class Reading(NamedTuple):
    """One sensor reading in the engine's units; ``value`` None marks a gap."""

    role: Role
    at: float
    value: float | None


def sources_of(entry: FridgeCareConfigEntry) -> dict[Role, str]:
    """Return the source entity chosen for each role of this fridge."""
    return {role: entry.data[role.value] for role in SOURCE_KEYS if entry.data.get(role.value)}


class SourceTracker:
    """Follow one fridge's source sensors and hand each reading to ``take``."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: FridgeCareConfigEntry,
        take: Callable[[Reading], None],
    ) -> None:
        """Follow the sensors the entry names; nothing is subscribed before :meth:`async_start`."""
        self._hass = hass
        self._entry = entry
        self._take = take
        self.by_role = sources_of(entry)
        self._roles = {entity_id: role for role, entity_id in self.by_role.items()}
        self._units: dict[str, str] = {}
        self.unavailable_since: dict[Role, float] = {}
        self._silent: set[Role] = set()

    @property
    def roles(self) -> frozenset[Role]:
        """The roles this fridge has a sensor for."""
        return frozenset(self.by_role)

    @callback
    def async_prepare(self) -> None:
        """Settle "sensor deleted" issues and learn each sensor's unit (for reading history)."""
        registry = er.async_get(self._hass)
        for role in Role:
            entity_id = self.by_role.get(role)
            if (
                entity_id is None
                or registry.async_get(entity_id) is not None
                or self._hass.states.get(entity_id) is not None
            ):
                async_settle_source_removed(self._hass, self._entry, role)
        for entity_id in self._roles:
            if (state := self._hass.states.get(entity_id)) and (
                unit := state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
            ):
                self._units[entity_id] = unit

    @callback
    def async_start(self) -> None:
        """Subscribe to the sensors until the entry unloads, then take their current readings."""
        entity_ids = list(self._roles)
        entry, hass = self._entry, self._hass
        entry.async_on_unload(
            async_track_state_change_event(hass, entity_ids, self._on_state_change)
        )
        entry.async_on_unload(async_track_state_report_event(hass, entity_ids, self._on_report))
        entry.async_on_unload(
            async_track_entity_registry_updated_event(hass, entity_ids, self._on_registry_update)
        )
        entry.async_on_unload(self._async_stop)
        now = dt_util.utcnow().timestamp()
        for entity_id in entity_ids:
            state = hass.states.get(entity_id)
            self._live(entity_id, state, state.last_reported_timestamp if state else now)

    @callback
    def _async_stop(self) -> None:
        """Take down the silence issues: the silence they report is only known while running."""
        async_delete_source_issues(self._hass, self._entry, SOURCE_UNAVAILABLE)

    def value(self, entity_id: str, state: State) -> float | None:
        """Read a state as a number in the engine's units, or None when it has no reading."""
        if state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return None
        # Recorder rows carry no attributes: read them in the unit the sensor reports today.
        if (unit := state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)) is not None:
            self._units[entity_id] = unit
        else:
            unit = self._units.get(entity_id)
        if (convert := converter_for(self._roles[entity_id], unit)) is None:
            return None
        try:
            value = convert(state.state)
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    def recorded(self, history: Mapping[str, Iterable[State | dict[str, Any]]]) -> list[Reading]:
        """Turn the recorder's states of the sources into time-ordered readings."""
        readings = [
            Reading(
                self._roles[entity_id], state.last_updated_timestamp, self.value(entity_id, state)
            )
            for entity_id, states in history.items()
            for state in states
            if isinstance(state, State)
        ]
        readings.sort(key=lambda reading: reading.at)
        return readings

    @callback
    def _on_state_change(self, event: Event[EventStateChangedData]) -> None:
        """Take a source's new state; a removed entity is a gap."""
        entity_id = event.data["entity_id"]
        if (state := event.data["new_state"]) is None:
            self._live(entity_id, None, event.time_fired_timestamp)
        else:
            self._live(entity_id, state, state.last_updated_timestamp)

    @callback
    def _on_report(self, event: Event[EventStateReportedData]) -> None:
        """Take an unchanged re-report too: it tells the engine the reading still holds."""
        state = event.data["new_state"]
        self._live(event.data["entity_id"], state, state.last_reported_timestamp)

    def _live(self, entity_id: str, state: State | None, at: float) -> None:
        role = self._roles[entity_id]
        value = None if state is None else self.value(entity_id, state)
        if value is None:
            self.unavailable_since.setdefault(role, at)
        else:
            self.unavailable_since.pop(role, None)
        self._take(Reading(role, at, value))

    @callback
    def async_check_silence(self) -> None:
        """Raise a repair for a sensor silent for long; withdraw it once the sensor is back."""
        now = dt_util.utcnow().timestamp()
        silent = {
            role for role, since in self.unavailable_since.items() if now - since >= SILENT_AFTER_S
        }
        for role in silent ^ self._silent:
            entity_id = self.by_role[role]
            _LOGGER.info(
                "%s: %s %s",
                self._entry.title,
                entity_id,
                "has been unavailable for over an hour" if role in silent else "is back",
            )
            async_report_source_unavailable(
                self._hass, self._entry, role, entity_id, now_out=role in silent
            )
        self._silent = silent

    async def _on_registry_update(self, event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        """Follow a source sensor that was renamed; report one that was deleted."""
        data = event.data
        if data["action"] == "update" and "old_entity_id" in data:
            role = self._roles[data["old_entity_id"]]
            self._hass.config_entries.async_update_entry(
                self._entry, data={**self._entry.data, role.value: data["entity_id"]}
            )
            self._hass.config_entries.async_schedule_reload(self._entry.entry_id)
        elif data["action"] == "remove":
            async_report_source_removed(self._hass, self._entry, self._roles[data["entity_id"]])
