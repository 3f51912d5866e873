"""Telling the owner and their automations what the manufacturer answered.

A ticket's answer becomes a notification in the manufacturer's own words and a
``fridge_care_ticket`` bus event; a refused ticket becomes a repair issue, withdrawn once a ticket
goes through again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.components import persistent_notification
from homeassistant.const import ATTR_DEVICE_ID, ATTR_NAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from ..const import ATTR_CONFIG_ENTRY_ID, DOMAIN, EVENT_TICKET
from ..data import FridgeCareConfigEntry

TICKET_REJECTED: Final = "ticket_rejected"
"""Repair issue: the service refused a ticket (kept, with the service's reason)."""
ANSWERED_NOTICE: Final = "ticket_answered"
"""Translation key (under ``issues``) of the notification that tells the owner the answer."""


def rejected_issue_id(entry: FridgeCareConfigEntry) -> str:
    """One repair issue per fridge for refused tickets."""
    return f"{entry.entry_id}_{TICKET_REJECTED}"


def answer_notification_id(entry: FridgeCareConfigEntry) -> str:
    """One notification per fridge for its latest ticket's answer."""
    return f"{DOMAIN}_{entry.entry_id}_ticket"


@callback
def async_announce_answer(
    hass: HomeAssistant,
    entry: FridgeCareConfigEntry,
    device_id: str,
    ticket_id: str,
    answer: Mapping[str, Any],
    texts: Mapping[str, str],
) -> None:
    """Fire the ticket event, show the manufacturer's notice, and withdraw a refusal issue.

    ``answer`` is the outbox's record of it (status, booking, notice, part); ``texts`` the
    integration's ``issues`` translations in the owner's language.
    """
    booking = answer.get("booking")
    if not isinstance(booking, dict):
        booking = {}
    hass.bus.async_fire(
        EVENT_TICKET,
        {
            ATTR_DEVICE_ID: device_id,
            ATTR_CONFIG_ENTRY_ID: entry.entry_id,
            ATTR_NAME: entry.title,
            "ticket_id": ticket_id,
            "status": answer.get("status"),
            "visit_start": booking.get("start"),
            "visit_end": booking.get("end"),
            "technician": booking.get("technician_name"),
            "part": answer.get("part"),
            "notice": answer.get("notice"),
        },
    )
    key = f"component.{DOMAIN}.issues.{ANSWERED_NOTICE}"
    persistent_notification.async_create(
        hass,
        str(answer.get("notice") or answer.get("status")),
        title=texts.get(f"{key}.title", "{name}").format(name=entry.title),
        notification_id=answer_notification_id(entry),
    )
    ir.async_delete_issue(hass, DOMAIN, rejected_issue_id(entry))


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
