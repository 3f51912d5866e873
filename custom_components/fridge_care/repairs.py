"""Repair issues: only what the owner can fix in Home Assistant.

A deleted source sensor (with a fix flow to pick another), a source gone silent, and a ticket the
manufacturer's service refused. A fault is not a repair issue: the fridge needs a person, not a
setting, and it is told by its notification, its entities and its events. A refused signature is
Home Assistant's re-authentication flow, not an issue.
"""

from __future__ import annotations

from typing import Any, Final

from homeassistant import data_entry_flow
from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .analysis.model import Role
from .const import DOMAIN
from .data import FridgeCareConfigEntry
from .forms import chosen_sources, sources_schema, validate_sources, without_sources

SOURCE_REMOVED: Final = "source_removed"
SOURCE_UNAVAILABLE: Final = "source_unavailable"
TICKET_REJECTED: Final = "ticket_rejected"


def source_issue_id(entry: FridgeCareConfigEntry, problem: str, role: Role) -> str:
    """One repair issue per sensor problem per fridge."""
    return f"{entry.entry_id}_{problem}_{role.value}"


def rejected_issue_id(entry: FridgeCareConfigEntry) -> str:
    """One repair issue per fridge for refused tickets."""
    return f"{entry.entry_id}_{TICKET_REJECTED}"


@callback
def async_delete_source_issues(
    hass: HomeAssistant, entry: FridgeCareConfigEntry, *problems: str
) -> None:
    """Delete a fridge's sensor issues of these kinds, for every role."""
    for role in Role:
        for problem in problems:
            ir.async_delete_issue(hass, DOMAIN, source_issue_id(entry, problem, role))


@callback
def async_delete_all(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> None:
    """Delete every issue of a fridge that is being removed."""
    async_delete_source_issues(hass, entry, SOURCE_REMOVED, SOURCE_UNAVAILABLE)
    async_settle_refused(hass, entry)


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
def async_settle_source_removed(
    hass: HomeAssistant, entry: FridgeCareConfigEntry, role: Role
) -> None:
    """Drop a "sensor was deleted" issue: the role was reconfigured or its sensor is back.

    Those issues persist across restarts and only their fix flow clears them otherwise, so a
    reconfigure that dropped or replaced the sensor would leave them forever.
    """
    ir.async_delete_issue(hass, DOMAIN, source_issue_id(entry, SOURCE_REMOVED, role))


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


@callback
def async_report_refused(
    hass: HomeAssistant, entry: FridgeCareConfigEntry, ticket_id: str, status: int, detail: str
) -> None:
    """Show a repair issue: the service refused a ticket, and why."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        rejected_issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=TICKET_REJECTED,
        translation_placeholders={
            "name": entry.title,
            "ticket": ticket_id,
            "status": str(status),
            "detail": detail,
        },
    )


@callback
def async_settle_refused(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> None:
    """Withdraw the refused-ticket issue: a ticket went through since."""
    ir.async_delete_issue(hass, DOMAIN, rejected_issue_id(entry))


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
