"""Sensors for the fridge's latest ticket to its manufacturer: its state and the booked visit.

They follow the outbox, not the health report: a ticket changes when the service answers,
which is not when the fridge is evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.typing import StateType

from .data import FridgeCareConfigEntry
from .entity import fridge_identifier
from .tickets.outbox import TicketOutbox, booking_time

SENDING: Final = "sending"
REJECTED: Final = "rejected"
TICKET_STATES: Final = [SENDING, "booked", "needs_dispatch", "human_review", "closed", REJECTED]
"""``sending`` until the service answers; then the service's status; ``rejected`` if refused."""


def _ticket_state(outbox: TicketOutbox) -> str | None:
    """Return ``sending``, the service's status, or ``rejected`` for the latest ticket."""
    if outbox.latest is None:
        return None
    if outbox.latest in outbox.pending:
        return SENDING
    if outbox.latest in outbox.rejected:
        return REJECTED
    status = (outbox.latest_answer or {}).get("status")
    return status if status in TICKET_STATES else None


def _visit_start(outbox: TicketOutbox) -> datetime | None:
    """Return when the latest ticket's technician comes, if one is booked."""
    booking = _booking(outbox)
    return None if booking is None else booking_time(booking.get("start"))


@dataclass(frozen=True, kw_only=True)
class TicketSensorDescription(SensorEntityDescription):
    """A sensor reading the latest ticket of the outbox."""

    value_fn: Callable[[TicketOutbox], StateType | datetime]
    with_notice: bool = False
    """Whether the manufacturer's notice is one of the attributes."""


TICKET_SENSORS: Final = (
    TicketSensorDescription(
        key="service_ticket",
        translation_key="service_ticket",
        device_class=SensorDeviceClass.ENUM,
        options=TICKET_STATES,
        value_fn=_ticket_state,
        with_notice=True,
    ),
    TicketSensorDescription(
        key="technician_visit",
        translation_key="technician_visit",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_visit_start,
    ),
)


def ticket_sensors(entry: FridgeCareConfigEntry, outbox: TicketOutbox) -> list[TicketSensor]:
    """Return the ticket sensors of a fridge whose tickets go to its manufacturer."""
    return [TicketSensor(entry, outbox, description) for description in TICKET_SENSORS]


class TicketSensor(SensorEntity):
    """The state of the fridge's latest ticket, or when its technician comes."""

    entity_description: TicketSensorDescription
    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self,
        entry: FridgeCareConfigEntry,
        outbox: TicketOutbox,
        description: TicketSensorDescription,
    ) -> None:
        """Tie the sensor to the fridge's device and its outbox."""
        self.entity_description = description
        self._outbox = outbox
        self._attr_unique_id = f"{entry.unique_id or entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={fridge_identifier(entry)})

    async def async_added_to_hass(self) -> None:
        """Follow the outbox from now on."""
        self.async_on_remove(self._outbox.async_add_listener(self.async_write_ha_state))

    @property
    def native_value(self) -> StateType | datetime:
        """Return the latest ticket's state, or its visit's start."""
        return self.entity_description.value_fn(self._outbox)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Name the ticket, and the technician and part once booked."""
        outbox = self._outbox
        if outbox.latest is None:
            return None
        answer = outbox.latest_answer or {}
        booking = _booking(outbox) or {}
        attributes = {
            "ticket_id": outbox.latest,
            "technician": booking.get("technician_name"),
            "part": answer.get("part"),
        }
        if self.entity_description.with_notice:
            attributes["notice"] = answer.get("notice")
        return attributes


def _booking(outbox: TicketOutbox) -> dict[str, Any] | None:
    """Return the latest ticket's booking, if the service booked one."""
    booking = (outbox.latest_answer or {}).get("booking")
    return booking if isinstance(booking, dict) else None
