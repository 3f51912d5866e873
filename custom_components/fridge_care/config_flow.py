"""Config, options, reconfigure and reauth flows: the fridge, its sensors, its ticket service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import time
from typing import Any

import aiohttp
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import probatio as vol
import yarl

from .analysis.model import COMPARTMENT_ROLES, FaultFamily, Role
from .const import (
    APPLIANCE_KEYS,
    CONF_CONTACT,
    CONF_FREEZER_LIMIT,
    CONF_FRIDGE_LIMIT,
    CONF_LEARNING_PERIOD,
    CONF_MANUFACTURER,
    CONF_NAME,
    CONF_NOTIFY,
    CONF_SENSITIVITY,
    CONF_SERIAL_NUMBER,
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
    DOMAIN,
    SERVICE_KEYS,
    SOURCE_KEYS,
)
from .tickets.payload import WEEKDAYS
from .tickets.protocol import is_signing_secret
from .units import converter_for

APPLIANCE_SCHEMA = vol.Schema(
    {vol.Required(key): selector.TextSelector() for key in APPLIANCE_KEYS}
)

_TEMPERATURE = selector.EntitySelector(
    selector.EntitySelectorConfig(domain="sensor", device_class=SensorDeviceClass.TEMPERATURE)
)
_SOURCE_SELECTORS: dict[Role, selector.EntitySelector] = {
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


def validate_sources(hass: HomeAssistant, user_input: Mapping[str, Any]) -> dict[str, str]:
    """Check the chosen sensors exist and report in units FridgeCare can convert."""
    errors: dict[str, str] = {}
    chosen = {Role(key): entity_id for key, entity_id in chosen_sources(user_input).items()}
    if not COMPARTMENT_ROLES & chosen.keys():
        errors["base"] = "no_compartment"
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


def chosen_sources(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Keep only the roles the owner filled in."""
    return {
        role.value: user_input[role.value] for role in SOURCE_KEYS if user_input.get(role.value)
    }


SERVICE_SCHEMA = vol.Schema(
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
SECRET_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SIGNING_SECRET): selector.TextSelector(
            selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
        )
    }
)
HEALTH_PATH = "/api/v1/health"


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


def _unique_id(manufacturer: str, serial_number: str) -> str:
    """One entry per physical appliance: its maker plus its serial number."""
    return f"{manufacturer.strip().casefold()}:{serial_number.strip().casefold()}"


class FridgeCareConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a fridge: what it is, which sensors watch it, and where its tickets go."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with no appliance details."""
        self._appliance: dict[str, str] = {}
        self._sources: dict[str, str] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> FridgeCareOptionsFlow:
        """Tune sensitivity, food-safety limits, learning and notifications."""
        return FridgeCareOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the appliance's name, maker, model and serial number."""
        if user_input is not None:
            appliance = {key: str(value).strip() for key, value in user_input.items()}
            await self.async_set_unique_id(
                _unique_id(appliance[CONF_MANUFACTURER], appliance[CONF_SERIAL_NUMBER])
            )
            self._abort_if_unique_id_configured()
            self._appliance = appliance
            return await self.async_step_sensors()
        return self.async_show_form(step_id="user", data_schema=APPLIANCE_SCHEMA)

    async def async_step_sensors(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which existing sensors measure this fridge."""
        errors: dict[str, str] = {}
        if user_input is not None and not (errors := validate_sources(self.hass, user_input)):
            self._sources = chosen_sources(user_input)
            return await self.async_step_service()
        return self.async_show_form(
            step_id="sensors",
            data_schema=sources_schema(user_input or {}),
            errors=errors,
        )

    async def async_step_service(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask where to send tickets (optional: left empty, nothing leaves the home)."""
        return await self._async_service_form(
            "service",
            user_input,
            {},
            lambda service: self.async_create_entry(
                title=self._appliance[CONF_NAME],
                data={**self._appliance, **self._sources, **service},
            ),
        )

    async def _async_service_form(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        current: Mapping[str, Any],
        finish: Callable[[dict[str, str]], ConfigFlowResult],
        placeholders: dict[str, str] | None = None,
    ) -> ConfigFlowResult:
        """Show the ticket-service form (pre-filled from ``current``); ``finish`` once valid."""
        errors: dict[str, str] = {}
        if user_input is not None:
            service = chosen_service(user_input)
            if not (errors := await validate_service(self.hass, service)):
                return finish(service)
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(SERVICE_SCHEMA, user_input or current),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Ask for the current secret: the manufacturer's service refused the signature."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Take the appliance's new signing secret; tickets that waited are sent with it."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            # Only the secret changes; the address and zone are checked again with it.
            service = chosen_service({**entry.data, **user_input})
            if not (errors := await validate_service(self.hass, service)):
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_SIGNING_SECRET: service[CONF_SIGNING_SECRET]}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=SECRET_SCHEMA,
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change which sensors watch an existing fridge, then where its tickets go."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None and not (errors := validate_sources(self.hass, user_input)):
            self._sources = chosen_sources(user_input)
            return await self.async_step_reconfigure_service()
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=sources_schema(user_input or entry.data),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_reconfigure_service(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change or clear where the fridge's tickets go; saving reloads the entry."""
        entry = self._get_reconfigure_entry()
        return await self._async_service_form(
            "reconfigure_service",
            user_input,
            entry.data,
            lambda service: self.async_update_reload_and_abort(
                entry, data={**appliance_of(entry.data), **self._sources, **service}
            ),
            {"name": entry.title},
        )


OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SENSITIVITY, default=DEFAULT_SENSITIVITY): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=0.5, max=2.0, step=0.1, mode=selector.NumberSelectorMode.SLIDER
            )
        ),
        vol.Required(CONF_FRIDGE_LIMIT, default=DEFAULT_FRIDGE_LIMIT_C): selector.NumberSelector(
            selector.NumberSelectorConfig(
                min=0.0,
                max=10.0,
                step=0.1,
                unit_of_measurement="°C",
                mode=selector.NumberSelectorMode.BOX,
            )
        ),
        vol.Required(CONF_FREEZER_LIMIT, default=DEFAULT_FREEZER_LIMIT_C): (
            selector.NumberSelector(
                selector.NumberSelectorConfig(
                    min=-30.0,
                    max=-5.0,
                    step=0.5,
                    unit_of_measurement="°C",
                    mode=selector.NumberSelectorMode.BOX,
                )
            )
        ),
        vol.Required(CONF_LEARNING_PERIOD, default=DEFAULT_LEARNING_PERIOD_H): (
            selector.NumberSelector(
                selector.NumberSelectorConfig(
                    min=1.0,
                    max=336.0,
                    step=1.0,
                    unit_of_measurement="h",
                    mode=selector.NumberSelectorMode.BOX,
                )
            )
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


VISIT_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_VISIT_FROM): selector.TimeSelector(),
        vol.Optional(CONF_VISIT_UNTIL): selector.TimeSelector(),
        vol.Optional(CONF_VISIT_DAYS, default=list(WEEKDAYS)): selector.SelectSelector(
            selector.SelectSelectorConfig(
                options=list(WEEKDAYS), multiple=True, translation_key="weekday"
            )
        ),
    }
)


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


class FridgeCareOptionsFlow(OptionsFlowWithReload):
    """Let the owner tune how FridgeCare judges and reports this fridge."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the tunables; saving reloads the entry with the new settings.

        A fridge that sends tickets also gets the owner's preferred visit hours.
        """
        schema = OPTIONS_SCHEMA
        if self.config_entry.data.get(CONF_SERVICE_URL):
            schema = schema.extend(VISIT_SCHEMA.schema)
        errors: dict[str, str] = {}
        if user_input is not None and not (errors := validate_visit_hours(user_input)):
            return self.async_create_entry(data=user_input)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self.config_entry.options
            ),
            errors=errors,
        )
