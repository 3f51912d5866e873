"""The forms the owner fills in, and their checks: shared by the config, options and repair flows.

The flows decide the order of the steps; what each form asks and what makes an answer valid is
here, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import time
from typing import Any, Final

import aiohttp
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.translation import async_get_translations
import probatio as vol
import yarl

from .analysis.catalog import CATALOG
from .analysis.model import FaultFamily, Role
from .const import (
    APPLIANCE_KEYS,
    CONF_CONTACT,
    CONF_FREEZER_LIMIT,
    CONF_FRIDGE_LIMIT,
    CONF_LEARNING_PERIOD,
    CONF_NOTIFY,
    CONF_SENSITIVITY,
    CONF_SERVICE_REQUESTS,
    CONF_SERVICE_URL,
    CONF_SERVICE_ZONE,
    CONF_SIGNING_SECRET,
    CONF_VISIT_DAYS,
    CONF_VISIT_FROM,
    CONF_VISIT_UNTIL,
    DEFAULT_FREEZER_LIMIT_C,
    DEFAULT_FRIDGE_LIMIT_C,
    DEFAULT_LEARNING_PERIOD_H,
    DEFAULT_NOTIFY,
    DEFAULT_SENSITIVITY,
    DEFAULT_SERVICE_REQUESTS,
    DOMAIN,
    MAIN_ROLES,
    SERVICE_KEYS,
    SOURCE_KEYS,
)
from .tickets.payload import WEEKDAYS
from .tickets.policy import ServiceRequests
from .tickets.protocol import is_signing_secret
from .units import converter_for

HEALTH_PATH: Final = "/api/v1/health"

APPLIANCE_SCHEMA: Final = vol.Schema(
    {vol.Required(key): selector.TextSelector() for key in APPLIANCE_KEYS}
)

_TEMPERATURE = selector.EntitySelector(
    selector.EntitySelectorConfig(domain="sensor", device_class=SensorDeviceClass.TEMPERATURE)
)
_SOURCE_SELECTORS: Final[dict[Role, selector.EntitySelector]] = {
    Role.FRIDGE_TEMP: _TEMPERATURE,
    Role.FREEZER_TEMP: _TEMPERATURE,
    Role.AMBIENT_TEMP: _TEMPERATURE,
    Role.COMPRESSOR_POWER: selector.EntitySelector(
        selector.EntitySelectorConfig(domain="sensor", device_class=SensorDeviceClass.POWER)
    ),
    Role.DOOR: selector.EntitySelector(
        selector.EntitySelectorConfig(
            domain="binary_sensor",
            device_class=[BinarySensorDeviceClass.DOOR, BinarySensorDeviceClass.OPENING],
        )
    ),
}


def sources_schema(current: Mapping[str, Any]) -> vol.Schema:
    """Build the sensor form, pre-filled with the sensors chosen so far."""
    return vol.Schema(
        {
            vol.Optional(role.value, description={"suggested_value": current.get(role.value)}): (
                _SOURCE_SELECTORS[role]
            )
            for role in SOURCE_KEYS
        }
    )


def chosen_sources(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Keep only the roles the owner filled in."""
    return {
        role.value: user_input[role.value] for role in SOURCE_KEYS if user_input.get(role.value)
    }


def validate_sources(hass: HomeAssistant, user_input: Mapping[str, Any]) -> dict[str, str]:
    """Check the chosen sensors exist and report in units FridgeCare can convert.

    A fridge needs a compartment thermometer or its smart plug: either one shows how it cools.
    """
    errors: dict[str, str] = {}
    chosen = {Role(key): entity_id for key, entity_id in chosen_sources(user_input).items()}
    if not MAIN_ROLES & chosen.keys():
        errors["base"] = "no_main_sensor"
    for role, entity_id in chosen.items():
        if (state := hass.states.get(entity_id)) is None:
            errors[role.value] = "entity_not_found"
        elif role is not Role.DOOR and (
            converter_for(role, state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)) is None
        ):
            errors[role.value] = "unit_not_convertible"
    return errors


def appliance_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """Keep an entry's appliance details, without its sensor choices."""
    return {key: data[key] for key in APPLIANCE_KEYS}


def without_sources(data: Mapping[str, Any]) -> dict[str, Any]:
    """Keep everything but an entry's sensor choices: the appliance and its ticket service."""
    return {key: value for key, value in data.items() if key not in SOURCE_KEYS}


async def async_unseen_faults(hass: HomeAssistant, sources: Iterable[str]) -> str:
    """Name, in the owner's language, the faults these sensors cannot see ("" when none)."""
    roles = frozenset(Role(role) for role in sources)
    names = await async_get_translations(hass, hass.config.language, "selector", {DOMAIN})
    prefix = f"component.{DOMAIN}.selector.fault_code.options."
    return ", ".join(
        names.get(prefix + code.value, code.value)
        for code, spec in CATALOG.items()
        if not spec.observable(roles)
    )


SERVICE_SCHEMA: Final = vol.Schema(
    {
        vol.Optional(CONF_SERVICE_URL): selector.TextSelector(
            selector.TextSelectorConfig(type=selector.TextSelectorType.URL)
        ),
        vol.Optional(CONF_SIGNING_SECRET): selector.TextSelector(
            selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
        ),
        vol.Optional(CONF_SERVICE_ZONE): selector.TextSelector(),
        vol.Optional(CONF_CONTACT): selector.TextSelector(),
    }
)
SECRET_SCHEMA: Final = vol.Schema(
    {
        vol.Required(CONF_SIGNING_SECRET): selector.TextSelector(
            selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
        )
    }
)


def chosen_service(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Keep the service settings the owner filled in (none: tickets are not forwarded)."""
    chosen = {key: str(user_input.get(key) or "").strip() for key in SERVICE_KEYS}
    if not chosen[CONF_SERVICE_URL]:
        return {}
    return {key: value for key, value in chosen.items() if value}


async def validate_service(hass: HomeAssistant, service: Mapping[str, str]) -> dict[str, str]:
    """Check the service settings and that the service answers; return form errors."""
    if not service:
        return {}
    errors: dict[str, str] = {}
    url: yarl.URL | None
    try:
        url = yarl.URL(service[CONF_SERVICE_URL])
    except ValueError:  # a typo such as a bad port or bracket: a field error, not a crash
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        errors[CONF_SERVICE_URL] = "invalid_url"
    if not is_signing_secret(service.get(CONF_SIGNING_SECRET, "")):
        errors[CONF_SIGNING_SECRET] = "invalid_secret"
    if not service.get(CONF_SERVICE_ZONE):
        errors[CONF_SERVICE_ZONE] = "zone_required"
    if errors:
        return errors
    try:
        async with async_get_clientsession(hass).get(
            str(url).rstrip("/") + HEALTH_PATH, timeout=aiohttp.ClientTimeout(total=10)
        ) as response:
            if response.status != 200:
                return {"base": "cannot_connect"}
    except aiohttp.ClientError, TimeoutError:
        return {"base": "cannot_connect"}
    return {}


def _number_box(low: float, high: float, step: float, unit: str) -> selector.NumberSelector:
    """Ask for a number typed into a box, with its unit."""
    return selector.NumberSelector(
        selector.NumberSelectorConfig(
            min=low,
            max=high,
            step=step,
            unit_of_measurement=unit,
            mode=selector.NumberSelectorMode.BOX,
        )
    )


OPTIONS_SCHEMA: Final = vol.Schema(
    {
        vol.Required(CONF_SENSITIVITY, default=DEFAULT_SENSITIVITY): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=0.5, max=2.0, step=0.1, mode=selector.NumberSelectorMode.SLIDER
            )
        ),
        vol.Required(CONF_FRIDGE_LIMIT, default=DEFAULT_FRIDGE_LIMIT_C): _number_box(
            0.0, 10.0, 0.1, "°C"
        ),
        vol.Required(CONF_FREEZER_LIMIT, default=DEFAULT_FREEZER_LIMIT_C): _number_box(
            -30.0, -5.0, 0.5, "°C"
        ),
        vol.Required(CONF_LEARNING_PERIOD, default=DEFAULT_LEARNING_PERIOD_H): _number_box(
            1.0, 336.0, 1.0, "h"
        ),
        vol.Required(CONF_NOTIFY, default=DEFAULT_NOTIFY): selector.SelectSelector(
            selector.SelectSelectorConfig(
                options=[family.value for family in FaultFamily],
                multiple=True,
                translation_key=CONF_NOTIFY,
            )
        ),
    }
)

TICKET_OPTIONS_SCHEMA: Final = vol.Schema(
    {
        vol.Required(CONF_SERVICE_REQUESTS, default=DEFAULT_SERVICE_REQUESTS): (
            selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[requests.value for requests in ServiceRequests],
                    translation_key=CONF_SERVICE_REQUESTS,
                )
            )
        ),
        vol.Optional(CONF_VISIT_FROM): selector.TimeSelector(),
        vol.Optional(CONF_VISIT_UNTIL): selector.TimeSelector(),
        vol.Optional(CONF_VISIT_DAYS, default=list(WEEKDAYS)): selector.SelectSelector(
            selector.SelectSelectorConfig(
                options=list(WEEKDAYS), multiple=True, translation_key="weekday"
            )
        ),
    }
)
"""Options only a fridge that sends tickets has: who decides, and the preferred visit hours."""


def validate_visit_hours(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Check the preferred visit hours: both ends or neither, a day window, some days."""
    start, end = user_input.get(CONF_VISIT_FROM), user_input.get(CONF_VISIT_UNTIL)
    if start is None and end is None:
        return {}
    if start is None or end is None or time.fromisoformat(end) <= time.fromisoformat(start):
        return {"base": "visit_hours"}
    if not user_input.get(CONF_VISIT_DAYS):
        return {CONF_VISIT_DAYS: "visit_days"}
    return {}
