"""Turning a source sensor's reading into the engine's units (°C, W, door open 1.0 / closed 0.0)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from homeassistant.const import STATE_ON, UnitOfPower, UnitOfTemperature
from homeassistant.util.unit_conversion import PowerConverter, TemperatureConverter

from .analysis.model import TEMPERATURE_ROLES, Role

type Converter = Callable[[str], float]


@cache
def converter_for(role: Role, unit: str | None) -> Converter | None:
    """Return how to read a state of this role in this unit, or None if it cannot be read."""
    if role is Role.DOOR:
        return _door
    if role in TEMPERATURE_ROLES and unit in TemperatureConverter.VALID_UNITS:
        to_celsius = TemperatureConverter.converter_factory(unit, UnitOfTemperature.CELSIUS)
        return lambda state: to_celsius(float(state))
    if role is Role.COMPRESSOR_POWER and unit in PowerConverter.VALID_UNITS:
        to_watts = PowerConverter.converter_factory(unit, UnitOfPower.WATT)
        return lambda state: to_watts(float(state))
    return None


def _door(state: str) -> float:
    """Read a door contact: open (1.0) when its binary sensor is on."""
    return 1.0 if state == STATE_ON else 0.0
