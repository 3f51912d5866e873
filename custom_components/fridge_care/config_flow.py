"""Config, options, reconfigure and reauth flows: the fridge, its sensors, its ticket service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.core import callback

from .const import (
    CONF_MANUFACTURER,
    CONF_NAME,
    CONF_SERIAL_NUMBER,
    CONF_SERVICE_URL,
    CONF_SIGNING_SECRET,
    DOMAIN,
)
from .forms import (
    APPLIANCE_SCHEMA,
    OPTIONS_SCHEMA,
    SECRET_SCHEMA,
    SERVICE_SCHEMA,
    TICKET_OPTIONS_SCHEMA,
    appliance_of,
    async_unseen_faults,
    chosen_service,
    chosen_sources,
    sources_schema,
    validate_service,
    validate_sources,
    validate_visit_hours,
)


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
        """Tune sensitivity, food-safety limits, learning, notifications and service requests."""
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
            step_id="sensors", data_schema=sources_schema(user_input or {}), errors=errors
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
            {"name": self._appliance[CONF_NAME]},
        )

    async def _async_service_form(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        current: Mapping[str, Any],
        finish: Callable[[dict[str, str]], ConfigFlowResult],
        placeholders: dict[str, str],
    ) -> ConfigFlowResult:
        """Show the ticket-service form (pre-filled from ``current``); ``finish`` once valid.

        It also says which faults the chosen sensors cannot see, before anything is saved.
        """
        errors: dict[str, str] = {}
        if user_input is not None:
            service = chosen_service(user_input)
            if not (errors := await validate_service(self.hass, service)):
                return finish(service)
        unseen = await async_unseen_faults(self.hass, self._sources)
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(SERVICE_SCHEMA, user_input or current),
            errors=errors,
            description_placeholders={**placeholders, "unseen": unseen or "—"},
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


class FridgeCareOptionsFlow(OptionsFlowWithReload):
    """Let the owner tune how FridgeCare judges and reports this fridge."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the tunables; saving reloads the entry with the new settings.

        A fridge that sends tickets also gets who decides to send them and the preferred
        visit hours.
        """
        schema = OPTIONS_SCHEMA
        if self.config_entry.data.get(CONF_SERVICE_URL):
            schema = schema.extend(TICKET_OPTIONS_SCHEMA.schema)
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
