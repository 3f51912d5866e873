"""Sensors: the fridge's health, status and the figures behind them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, Platform, UnitOfPower, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from . import async_remove_stale_entities
from .analysis.model import HealthReport, Role, Status
from .data import FridgeCareConfigEntry
from .entity import FridgeCareEntity
from .ticket_sensor import ticket_sensors

PARALLEL_UPDATES = 0  # entities only read the monitor's latest report


def _percent(fraction: float | None) -> float | None:
    """Show a 0..1 fraction as a percentage."""
    return None if fraction is None else fraction * 100.0


def _minutes(seconds: float | None) -> float | None:
    """Show seconds as minutes, the unit people think of food safety in."""
    return None if seconds is None else seconds / 60.0


def _timestamp(at: float | None) -> datetime | None:
    """Show POSIX seconds as an aware datetime."""
    return None if at is None else dt_util.utc_from_timestamp(at)


@dataclass(frozen=True, kw_only=True)
class FridgeSensorDescription(SensorEntityDescription):
    """A sensor reading one figure of the health report."""

    value_fn: Callable[[HealthReport], StateType | datetime]
    needs: Role | None = None  # created only when this source sensor was chosen


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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: FridgeCareConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors that make sense for the source sensors this fridge has; drop the rest."""
    monitor = entry.runtime_data.monitor
    entities: list[SensorEntity] = [
        FridgeSensor(monitor, description)
        for description in SENSORS
        if description.needs is None or description.needs in monitor.sources
    ]
    if (tickets := entry.runtime_data.tickets) is not None:
        entities.extend(ticket_sensors(entry, tickets))
    async_remove_stale_entities(hass, entry, Platform.SENSOR, entities)
    async_add_entities(entities)


class FridgeSensor(FridgeCareEntity, SensorEntity):
    """One figure from the fridge's latest health report."""

    entity_description: FridgeSensorDescription

    @property
    def native_value(self) -> StateType | datetime:
        """Return the figure from the latest evaluation."""
        return self.entity_description.value_fn(self.coordinator.data)
