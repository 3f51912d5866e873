"""Sensors: the fridge's health, the figures behind it, its energy, and its latest ticket."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.energy.data import EnergyManager, async_get_manager
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    Platform,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .analysis.catalog import CATALOG
from .analysis.model import FaultCode, HealthReport, Role, Status
from .coordinator import FridgeCoordinator
from .data import FridgeCareConfigEntry
from .energy_price import energy_price
from .entity import FridgeCareEntity, async_remove_stale_entities
from .tickets.book import TICKET_STATES, TicketsView
from .tickets.coordinator import TicketCoordinator

PARALLEL_UPDATES = 0  # entities only read their coordinator's latest data


def _percent(fraction: float | None) -> float | None:
    """Show a 0..1 fraction as a percentage."""
    return None if fraction is None else fraction * 100.0


def _minutes(seconds: float | None) -> float | None:
    """Show seconds as minutes, the unit people think of food safety in."""
    return None if seconds is None else seconds / 60.0


def _timestamp(at: float | None) -> datetime | None:
    """Show POSIX seconds as an aware datetime."""
    return None if at is None else dt_util.utc_from_timestamp(at)


def _above_healthy(report: HealthReport) -> float | None:
    """How much more energy a day than when healthy, in % ("uses 30 % more")."""
    if not report.energy_24h_kwh or not report.healthy_energy_24h_kwh:
        return None
    return (report.energy_24h_kwh / report.healthy_energy_24h_kwh - 1.0) * 100.0


def excess_energy_kwh(report: HealthReport) -> float | None:
    """Return the energy a day beyond a healthy day's, in kWh (0 when it uses no more)."""
    if report.energy_24h_kwh is None or report.healthy_energy_24h_kwh is None:
        return None
    return max(report.energy_24h_kwh - report.healthy_energy_24h_kwh, 0.0)


@dataclass(frozen=True, kw_only=True)
class ValueDescription[DataT](SensorEntityDescription):
    """A sensor whose value is read from its coordinator's data."""

    value_fn: Callable[[DataT], StateType | datetime]


@dataclass(frozen=True, kw_only=True)
class FridgeSensorDescription(ValueDescription[HealthReport]):
    """A sensor reading one figure of the health report."""

    needs: Role | None = None
    """Created only when this source sensor was chosen."""
    sees: FaultCode | None = None
    """Created only when the fridge's sensors can see this fault."""

    def applies(self, roles: frozenset[Role]) -> bool:
        """Whether a fridge with these sensors gets this sensor."""
        return (self.needs is None or self.needs in roles) and (
            self.sees is None or CATALOG[self.sees].observable(roles)
        )


SENSORS: tuple[FridgeSensorDescription, ...] = (
    FridgeSensorDescription(
        key="health_score",
        translation_key="health_score",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda report: report.health_score,
    ),
    FridgeSensorDescription(
        key="status",
        translation_key="status",
        device_class=SensorDeviceClass.ENUM,
        options=[status.value for status in Status],
        value_fn=lambda report: report.status.value,
    ),
    FridgeSensorDescription(
        key="duty_cycle",
        translation_key="duty_cycle",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda report: _percent(report.duty_cycle),
        needs=Role.COMPRESSOR_POWER,
    ),
    FridgeSensorDescription(
        key="starts_per_hour",
        translation_key="starts_per_hour",
        native_unit_of_measurement="starts/h",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda report: report.starts_per_hour,
        needs=Role.COMPRESSOR_POWER,
    ),
    FridgeSensorDescription(
        key="running_power",
        translation_key="running_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,  # the plug's own sensor shows power already
        value_fn=lambda report: report.running_power_w,
        needs=Role.COMPRESSOR_POWER,
    ),
    FridgeSensorDescription(
        key="energy_per_day",
        translation_key="energy_per_day",
        device_class=SensorDeviceClass.ENERGY,  # a rolling day: no state class, no statistics
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda report: report.energy_24h_kwh,
        needs=Role.COMPRESSOR_POWER,
    ),
    FridgeSensorDescription(
        key="energy_above_healthy",
        translation_key="energy_above_healthy",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_above_healthy,
        needs=Role.COMPRESSOR_POWER,
    ),
    FridgeSensorDescription(
        key="excess_energy",
        translation_key="excess_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=excess_energy_kwh,
        needs=Role.COMPRESSOR_POWER,
    ),
    FridgeSensorDescription(
        key="time_to_unsafe",
        translation_key="time_to_unsafe",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        value_fn=lambda report: _minutes(report.time_to_unsafe_s),
        needs=Role.FRIDGE_TEMP,
    ),
    FridgeSensorDescription(
        key="freezer_time_to_unsafe",
        translation_key="freezer_time_to_unsafe",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        value_fn=lambda report: _minutes(report.freezer_time_to_unsafe_s),
        needs=Role.FREEZER_TEMP,
    ),
    FridgeSensorDescription(
        key="food_exposure",
        translation_key="food_exposure",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda report: _minutes(report.food_exposure_s),
        needs=Role.FRIDGE_TEMP,
    ),
    FridgeSensorDescription(
        key="last_defrost",
        translation_key="last_defrost",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda report: _timestamp(report.last_defrost_at),
        sees=FaultCode.DEFROST_FAILURE,
    ),
    FridgeSensorDescription(
        key="defrost_interval",
        translation_key="defrost_interval",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.HOURS,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        # Unknown until the rhythm is learned; defrost failures are not judged before.
        value_fn=lambda report: (
            None if report.defrost_interval_s is None else report.defrost_interval_s / 3600.0
        ),
        sees=FaultCode.DEFROST_FAILURE,
    ),
    FridgeSensorDescription(
        key="learning_progress",
        translation_key="learning_progress",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda report: _percent(report.learning_progress),
    ),
)

EXCESS_ENERGY_COST = SensorEntityDescription(
    key="excess_energy_cost",
    translation_key="excess_energy_cost",
    device_class=SensorDeviceClass.MONETARY,
    suggested_display_precision=2,
)


TICKET_SENSORS: tuple[ValueDescription[TicketsView], ...] = (
    ValueDescription[TicketsView](
        key="service_ticket",
        translation_key="service_ticket",
        device_class=SensorDeviceClass.ENUM,
        options=list(TICKET_STATES),
        value_fn=lambda view: (
            view.current.state
            if view.current is not None and view.current.state in TICKET_STATES
            else None
        ),
    ),
    ValueDescription[TicketsView](
        key="technician_visit",
        translation_key="technician_visit",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda view: (
            view.current.visit.start
            if view.current is not None and view.current.visit is not None
            else None
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: FridgeCareConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors that make sense for this fridge's sources and service; drop the rest."""
    fridge = entry.runtime_data.fridge
    roles = fridge.sources.roles
    entities: list[SensorEntity] = [
        FridgeSensor(entry, fridge, description)
        for description in SENSORS
        if description.applies(roles)
    ]
    if Role.COMPRESSOR_POWER in roles:
        entities.append(ExcessEnergyCostSensor(entry, fridge, EXCESS_ENERGY_COST))
    if (tickets := entry.runtime_data.tickets) is not None:
        entities.extend(TicketSensor(entry, tickets, description) for description in TICKET_SENSORS)
    async_remove_stale_entities(hass, entry, Platform.SENSOR, entities)
    async_add_entities(entities)


class ValueSensor[CoordinatorT: DataUpdateCoordinator[Any]](
    FridgeCareEntity[CoordinatorT], SensorEntity
):
    """A sensor whose description reads its value from its coordinator's latest data."""

    entity_description: ValueDescription[Any]

    @property
    def native_value(self) -> StateType | datetime:
        """Return the value from the coordinator's latest data."""
        return self.entity_description.value_fn(self.coordinator.data)


class FridgeSensor(ValueSensor[FridgeCoordinator]):
    """One figure from the fridge's latest health report."""

    entity_description: FridgeSensorDescription

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """On the status: the faults this fridge's sensors cannot see."""
        if self.entity_description.key != "status":
            return None
        roles = self.coordinator.sources.roles
        return {
            "cannot_detect": [
                code.value for code, spec in CATALOG.items() if not spec.observable(roles)
            ]
        }


class ExcessEnergyCostSensor(FridgeCareEntity[FridgeCoordinator], SensorEntity):
    """What the energy beyond a healthy day costs a day, at the home's energy price.

    Unknown while the home has no energy price (Settings → Dashboards → Energy).
    """

    _energy: EnergyManager | None = None

    async def async_added_to_hass(self) -> None:
        """Find the energy dashboard's settings, and show the home's currency."""
        await super().async_added_to_hass()
        self._attr_native_unit_of_measurement = self.hass.config.currency
        if "energy" in self.hass.config.components:
            self._energy = await async_get_manager(self.hass)

    @property
    def native_value(self) -> float | None:
        """Return the excess energy's daily cost."""
        excess = excess_energy_kwh(self.coordinator.data)
        price = energy_price(self.hass, self._energy.data if self._energy else None)
        return None if excess is None or price is None else excess * price


class TicketSensor(ValueSensor[TicketCoordinator]):
    """The state of the ticket the owner cares about now, or when its technician comes."""

    entity_description: ValueDescription[TicketsView]

    async def async_update(self) -> None:
        """Look the open tickets up now: "Update entity" shows a visit booked since at once.

        The service is otherwise asked every 30 minutes; a dispatcher who has just called to
        book the visit can be seen without waiting for that.
        """
        await self.coordinator.async_look_up_now()

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Name the ticket, and the technician, the part and the manufacturer's notice."""
        current = self.coordinator.data.current
        if current is None:
            return None
        attributes = {
            "ticket_id": current.ticket_id,
            "technician": current.technician,
            "part": current.part,
        }
        if self.entity_description.key == "service_ticket":
            attributes["notice"] = current.notice
        return attributes
