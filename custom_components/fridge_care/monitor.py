"""The live glue between Home Assistant and the engine for one fridge.

It subscribes to the source sensors, converts their states to the engine's units and feeds them
in, evaluates on a timer (as a ``DataUpdateCoordinator`` so entities refresh together), keeps the
engine's memory in a ``Store`` across restarts and, on first setup, backfills from the recorder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
import logging
import math
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.components.recorder.history import get_significant_states
from homeassistant.const import (
    ATTR_DEVICE_ID,
    ATTR_NAME,
    ATTR_UNIT_OF_MEASUREMENT,
    EVENT_HOMEASSISTANT_STOP,
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
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.event import (
    async_track_entity_registry_updated_event,
    async_track_state_change_event,
    async_track_state_report_event,
)
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .analysis.engine import Engine, StateVersionError
from .analysis.model import EngineConfig, FaultCode, FaultEpisode, HealthReport, Role
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_TYPE,
    CONF_FREEZER_LIMIT,
    CONF_FRIDGE_LIMIT,
    CONF_LEARNING_PERIOD,
    CONF_NOTIFY,
    CONF_SENSITIVITY,
    DEFAULT_FREEZER_LIMIT_C,
    DEFAULT_FRIDGE_LIMIT_C,
    DEFAULT_LEARNING_PERIOD_H,
    DEFAULT_NOTIFY,
    DEFAULT_SENSITIVITY,
    DOMAIN,
    EVALUATION_INTERVAL,
    EVENT_FAULT,
    SOURCE_KEYS,
    TYPE_CLEARED,
    TYPE_DETECTED,
)
from .data import FridgeCareConfigEntry
from .notifications import FaultNotices, async_withdraw_all
from .repairs import (
    SOURCE_REMOVED,
    SOURCE_UNAVAILABLE,
    async_delete_source_issues,
    async_report_source_removed,
    async_report_source_unavailable,
    source_issue_id,
)
from .tickets.announce import answer_notification_id, rejected_issue_id
from .tickets.outbox import TicketOutbox, outbox_store
from .units import converter_for

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION = 1
SAVE_DELAY = 300.0  # seconds; the engine's memory changes slowly, a crash loses at most this
BACKFILL_WINDOW = timedelta(days=14)
SOURCE_SILENT_AFTER = timedelta(hours=1)  # a sensor silent this long gets a repair issue
BACKFILL_EVALUATE_EVERY = 900.0  # seconds of history between evaluations while backfilling

type HistoryRows = list[tuple[float, Role, float | None]]


def sources_of(entry: FridgeCareConfigEntry) -> dict[Role, str]:
    """Return the source entity chosen for each role of this fridge."""
    return {role: entry.data[role.value] for role in SOURCE_KEYS if entry.data.get(role.value)}


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


async def async_forget_fridge(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> None:
    """Forget a removed fridge for good: its learned memory, notifications and repair issues."""
    async_withdraw_all(hass, entry)
    persistent_notification.async_dismiss(hass, answer_notification_id(entry))
    async_delete_source_issues(hass, entry, SOURCE_REMOVED, SOURCE_UNAVAILABLE)
    ir.async_delete_issue(hass, DOMAIN, rejected_issue_id(entry))
    await engine_store(hass, entry).async_remove()
    await outbox_store(hass, entry).async_remove()


class FridgeMonitor(DataUpdateCoordinator[HealthReport]):
    """Feed one fridge's sensor states to its engine and publish what the engine concludes."""

    config_entry: FridgeCareConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: FridgeCareConfigEntry,
        device_id: str,
        tickets: TicketOutbox | None = None,
    ) -> None:
        """Prepare the monitor; it starts with the entry's first refresh.

        ``tickets``: where ticket-worthy faults go, when the manufacturer's service is set up.
        """
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=EVALUATION_INTERVAL,
        )
        self.sources = sources_of(entry)
        self.engine_config = engine_config_of(entry)
        self.engine = Engine(self.engine_config)
        self.acknowledged: dict[FaultCode, float] = {}  # code -> silenced until (POSIX s)
        self.unavailable_since: dict[Role, float] = {}
        self._roles = {entity_id: role for role, entity_id in self.sources.items()}
        self._units: dict[str, str] = {}
        self._store = engine_store(hass, entry)
        self._save_pending = False
        self.device_id = device_id
        self.notices = FaultNotices(hass, entry, entry.options.get(CONF_NOTIFY, DEFAULT_NOTIFY))
        self._silent_sources: set[Role] = set()
        self.tickets = tickets
        self._set_up = False  # until _async_setup completes, there is no memory worth saving

    # ----------------------------------------------------------------------------- lifecycle

    async def _async_setup(self) -> None:
        """Restore or backfill the engine's memory, then start listening to the sensors."""
        self._clear_settled_removals()
        await self.notices.async_load_texts()
        for entity_id in self._roles:
            if (state := self.hass.states.get(entity_id)) and (
                unit := state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
            ):
                self._units[entity_id] = unit
        if not await self._async_restore():
            await self._async_backfill()
        entry = self.config_entry
        entry.async_on_unload(
            async_track_state_change_event(self.hass, list(self._roles), self._on_source_state)
        )
        entry.async_on_unload(
            async_track_state_report_event(self.hass, list(self._roles), self._on_source_report)
        )
        entry.async_on_unload(
            async_track_entity_registry_updated_event(
                self.hass, list(self._roles), self._on_source_registry_update
            )
        )
        entry.async_on_unload(
            # Not listen_once: removing a once-listener after it fired logs an error.
            self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._on_stop)
        )
        now = dt_util.utcnow().timestamp()
        for entity_id in self._roles:
            state = self.hass.states.get(entity_id)
            self._ingest(entity_id, state, state.last_reported_timestamp if state else now)
        self._set_up = True

    async def async_shutdown(self) -> None:
        """Stop the timer, take down what this monitor showed, and write the engine's memory.

        Fault notices and silent-sensor issues follow in-memory state that dies with this
        monitor, so none may outlive it; the next setup raises again what is still true. A setup
        that failed learned nothing: saving its fresh engine would stop the retry's backfill.
        """
        await super().async_shutdown()
        self.notices.async_withdraw_all()
        async_delete_source_issues(self.hass, self.config_entry, SOURCE_UNAVAILABLE)
        if self._set_up:
            await self._store.async_save(self._snapshot())

    @callback
    def _clear_settled_removals(self) -> None:
        """Drop "sensor was deleted" issues for roles no longer configured or whose sensor is back.

        Those issues persist across restarts and only their fix flow clears them otherwise, so a
        reconfigure that dropped or replaced the sensor would leave them forever.
        """
        registry = er.async_get(self.hass)
        for role in Role:
            entity_id = self.sources.get(role)
            if (
                entity_id is None
                or registry.async_get(entity_id) is not None
                or self.hass.states.get(entity_id) is not None
            ):
                ir.async_delete_issue(
                    self.hass, DOMAIN, source_issue_id(self.config_entry, SOURCE_REMOVED, role)
                )

    @callback
    def _on_stop(self, _event: Event) -> None:
        """Make sure the engine's memory is written when Home Assistant stops."""
        self._schedule_save(delay=0.0)

    # -------------------------------------------------------------------------------- memory

    async def _async_restore(self) -> bool:
        """Load the engine's stored memory; False when there is none worth using."""
        stored = await self._store.async_load()
        if not stored:
            return False
        try:
            self.engine = Engine.from_dict(stored["engine"], self.engine_config)
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

    def _snapshot(self) -> dict[str, Any]:
        """Return what to store: the engine's memory and the owner's acknowledgements."""
        self._save_pending = False
        return {
            "engine": self.engine.to_dict(),
            "acknowledged": {code.value: until for code, until in self.acknowledged.items()},
        }

    @callback
    def _schedule_save(self, delay: float = SAVE_DELAY) -> None:
        """Ask the store to write soon; repeated asks within the delay coalesce."""
        if self._save_pending and delay:
            return
        self._save_pending = True
        self._store.async_delay_save(self._snapshot, delay)

    # ------------------------------------------------------------------------------ backfill

    async def _async_backfill(self) -> None:
        """Teach a fresh engine from the recorder's history of the source sensors."""
        if "recorder" not in self.hass.config.components:
            return
        end = dt_util.utcnow()
        history = await get_instance(self.hass).async_add_executor_job(
            lambda: get_significant_states(
                self.hass,
                end - BACKFILL_WINDOW,
                end,
                list(self._roles),
                significant_changes_only=False,
                no_attributes=True,
            )
        )
        rows = self._history_rows(history)
        if rows:
            await self.hass.async_add_executor_job(self._replay, rows)
            _LOGGER.debug("%s: learned from %d recorded states", self.name, len(rows))

    def _history_rows(self, history: Mapping[str, Iterable[State | dict[str, Any]]]) -> HistoryRows:
        """Turn recorder states into time-ordered engine samples, in the units the engine uses."""
        rows: HistoryRows = []
        for entity_id, states in history.items():
            role = self._roles[entity_id]
            for state in states:
                if isinstance(state, State):
                    rows.append((state.last_updated_timestamp, role, self._value(entity_id, state)))
        rows.sort(key=lambda row: row[0])
        return rows

    def _replay(self, rows: HistoryRows) -> None:
        """Feed recorded history to the engine (runs in the executor, before live updates)."""
        next_evaluation = rows[0][0] + BACKFILL_EVALUATE_EVERY
        for at, role, value in rows:
            if at >= next_evaluation:
                self.engine.evaluate(now=at)
                next_evaluation = at + BACKFILL_EVALUATE_EVERY
            self.engine.ingest(role, at=at, value=value)

    # ---------------------------------------------------------------------------- live input

    @callback
    def _on_source_state(self, event: Event[EventStateChangedData]) -> None:
        """Feed a source's new state to the engine; a removed entity is a gap."""
        entity_id = event.data["entity_id"]
        if (state := event.data["new_state"]) is None:
            self._ingest(entity_id, None, event.time_fired_timestamp)
        else:
            self._ingest(entity_id, state, state.last_updated_timestamp)

    @callback
    def _on_source_report(self, event: Event[EventStateReportedData]) -> None:
        """Feed an unchanged re-report too: it tells the engine the reading still holds."""
        state = event.data["new_state"]
        self._ingest(event.data["entity_id"], state, state.last_reported_timestamp)

    def _ingest(self, entity_id: str, state: State | None, at: float) -> None:
        """Convert a state to the engine's units and hand it over; None marks a gap."""
        role = self._roles[entity_id]
        value = None if state is None else self._value(entity_id, state)
        self.engine.ingest(role, at=at, value=value)
        if value is None:
            self.unavailable_since.setdefault(role, at)
        else:
            self.unavailable_since.pop(role, None)

    def _value(self, entity_id: str, state: State) -> float | None:
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

    # ---------------------------------------------------------------------------- evaluation

    async def _async_update_data(self) -> HealthReport:
        """Ask the engine what it makes of the fridge right now."""
        now = dt_util.utcnow().timestamp()
        report = self.engine.evaluate(now=now)
        self._schedule_save()
        self._announce(report, now)
        return report

    @callback
    def _announce(self, report: HealthReport, now: float) -> None:
        """Fire a bus event per change, and keep notifications and repairs in step."""
        for kind, episodes in ((TYPE_DETECTED, report.detected), (TYPE_CLEARED, report.cleared)):
            for episode in episodes:
                self.hass.bus.async_fire(EVENT_FAULT, self.fault_event_data(kind, episode))
        if self.tickets is not None:
            # Every active fault, not only new ones: one found while tickets were not sent yet
            # (or in the recorder's history) gets its ticket too; a known one is not sent again.
            for episode in report.active:
                if episode.ticket_worthy:
                    self.tickets.async_raise(episode, report)
        for code in [code for code, until in self.acknowledged.items() if until <= now]:
            del self.acknowledged[code]  # expired: the owner is told again if it is still on
        self.notices.async_reconcile(report.active, self.acknowledged, now)
        self._check_silent_sources(now)

    def fault_event_data(self, kind: str, episode: FaultEpisode) -> dict[str, Any]:
        """Describe a fault change for automations."""
        return {
            ATTR_DEVICE_ID: self.device_id,
            ATTR_CONFIG_ENTRY_ID: self.config_entry.entry_id,
            ATTR_NAME: self.config_entry.title,
            ATTR_TYPE: kind,
            **episode.as_dict(),
        }

    def _check_silent_sources(self, now: float) -> None:
        """Raise a repair for a sensor silent for long; withdraw it once the sensor is back."""
        silent = {
            role
            for role, since in self.unavailable_since.items()
            if now - since >= SOURCE_SILENT_AFTER.total_seconds()
        }
        for role in silent ^ self._silent_sources:
            _LOGGER.info(
                "%s: %s %s",
                self.config_entry.title,
                self.sources[role],
                "has been unavailable for over an hour" if role in silent else "is back",
            )
            async_report_source_unavailable(
                self.hass, self.config_entry, role, self.sources[role], now_out=role in silent
            )
        self._silent_sources = silent

    @callback
    def async_acknowledge(self, code: FaultCode | None, duration: timedelta) -> list[FaultCode]:
        """Silence active faults (one code, or all) for a while; return the codes silenced."""
        active = {episode.code for episode in self.data.active} if self.data else set()
        codes = [code] if code is not None else sorted(active)
        now = dt_util.utcnow().timestamp()
        for silenced in codes:
            self.acknowledged[silenced] = now + duration.total_seconds()
        if self.data:
            self.notices.async_reconcile(self.data.active, self.acknowledged, now)
        self._schedule_save()
        return codes

    async def async_reset_baseline(self) -> None:
        """Forget what was learned about this fridge and start learning again."""
        self.engine.reset_baseline()
        self._schedule_save(delay=0.0)
        await self.async_refresh()

    # --------------------------------------------------------------------- source bookkeeping

    async def _on_source_registry_update(
        self, event: Event[er.EventEntityRegistryUpdatedData]
    ) -> None:
        """Follow a source sensor that was renamed; report one that was deleted."""
        data = event.data
        if data["action"] == "update" and "old_entity_id" in data:
            role = self._roles[data["old_entity_id"]]
            self.hass.config_entries.async_update_entry(
                self.config_entry, data={**self.config_entry.data, role.value: data["entity_id"]}
            )
            self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
        elif data["action"] == "remove":
            async_report_source_removed(
                self.hass, self.config_entry, self._roles[data["entity_id"]]
            )
