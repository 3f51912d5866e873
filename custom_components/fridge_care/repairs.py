"""Repair issues: faults that need a person, and sensor set-up problems with a fix flow."""

from __future__ import annotations

from typing import Any

from homeassistant import data_entry_flow
from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .analysis.model import FaultCode, FaultEpisode, Role, Severity
from .config_flow import chosen_sources, sources_schema, validate_sources, without_sources
from .const import DOMAIN
from .data import FridgeCareConfigEntry

_ISSUE_SEVERITY = {
    Severity.INFO: ir.IssueSeverity.WARNING,
    Severity.WARNING: ir.IssueSeverity.ERROR,
    Severity.CRITICAL: ir.IssueSeverity.CRITICAL,
}
SOURCE_REMOVED = "source_removed"
SOURCE_UNAVAILABLE = "source_unavailable"


def fault_issue_id(entry: FridgeCareConfigEntry, code: FaultCode) -> str:
    """One repair issue per fault kind per fridge."""
    return f"{entry.entry_id}_{code.value}"


def source_issue_id(entry: FridgeCareConfigEntry, problem: str, role: Role) -> str:
    """One repair issue per sensor problem per fridge."""
    return f"{entry.entry_id}_{problem}_{role.value}"


@callback
def async_delete_source_issues(
    hass: HomeAssistant, entry: FridgeCareConfigEntry, *problems: str
) -> None:
    """Delete a fridge's sensor issues of these kinds, for every role."""
    for role in Role:
        for problem in problems:
            ir.async_delete_issue(hass, DOMAIN, source_issue_id(entry, problem, role))


@callback
def async_raise_fault_issue(
    hass: HomeAssistant, entry: FridgeCareConfigEntry, episode: FaultEpisode
) -> None:
    """Show an active fault in Settings → Repairs until it clears."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        fault_issue_id(entry, episode.code),
        is_fixable=False,
        severity=_ISSUE_SEVERITY[episode.severity],
        translation_key=episode.code.value,
        translation_placeholders={"name": entry.title},
        data={"entry_id": entry.entry_id, "episode_id": episode.episode_id},
    )


@callback
def async_clear_fault_issue(
    hass: HomeAssistant, entry: FridgeCareConfigEntry, code: FaultCode
) -> None:
    """Remove a fault's repair issue once it cleared or was acknowledged."""
    ir.async_delete_issue(hass, DOMAIN, fault_issue_id(entry, code))


@callback
def async_report_source_removed(
    hass: HomeAssistant, entry: FridgeCareConfigEntry, role: Role
) -> None:
    """Ask the owner to pick a replacement for a source sensor that was deleted."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        source_issue_id(entry, SOURCE_REMOVED, role),
        is_fixable=True,
        is_persistent=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key=SOURCE_REMOVED,
        translation_placeholders={"name": entry.title, "entity_id": entry.data.get(role.value, "")},
        data={"entry_id": entry.entry_id, "role": role.value},
    )


@callback
def async_report_source_unavailable(
    hass: HomeAssistant, entry: FridgeCareConfigEntry, role: Role, entity_id: str, *, now_out: bool
) -> None:
    """Tell the owner a source sensor has been silent too long, or withdraw that once it is back."""
    issue_id = source_issue_id(entry, SOURCE_UNAVAILABLE, role)
    if not now_out:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=SOURCE_UNAVAILABLE,
        translation_placeholders={"name": entry.title, "entity_id": entity_id},
    )


class SourceRemovedRepairFlow(RepairsFlow):
    """Let the owner choose a new sensor, or go on without one, after a source was deleted."""

    def __init__(self, entry: FridgeCareConfigEntry, role: Role) -> None:
        """Remember which fridge and which sensor role need fixing."""
        self._entry = entry
        self._role = role

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Show the current sensors with the deleted one left blank."""
        errors: dict[str, str] = {}
        if user_input is not None and not (errors := validate_sources(self.hass, user_input)):
            # Only the sensors change: the appliance and its ticket service are kept.
            self.hass.config_entries.async_update_entry(
                self._entry,
                data={**without_sources(self._entry.data), **chosen_sources(user_input)},
            )
            self.hass.config_entries.async_schedule_reload(self._entry.entry_id)
            return self.async_create_entry(data={})
        current = {**self._entry.data}
        current.pop(self._role.value, None)
        return self.async_show_form(
            step_id="init",
            data_schema=sources_schema(user_input or current),
            errors=errors,
            description_placeholders={
                "name": self._entry.title,
                "entity_id": self._entry.data.get(self._role.value, ""),
            },
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the fix flow for a deleted source sensor."""
    assert data is not None
    entry = hass.config_entries.async_get_entry(str(data["entry_id"]))
    if entry is None:
        raise data_entry_flow.UnknownStep
    return SourceRemovedRepairFlow(entry, Role(str(data["role"])))
