"""Device conditions: check a fridge's overall status in an automation."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.const import CONF_CONDITION, CONF_DEVICE_ID, CONF_DOMAIN, CONF_TYPE
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import condition, entity_registry as er
from homeassistant.helpers.config_validation import DEVICE_CONDITION_BASE_SCHEMA
from homeassistant.helpers.typing import ConfigType, TemplateVarsType
import probatio as vol

from .analysis.model import Status
from .const import DOMAIN

# Condition type -> the status sensor states that satisfy it.
CONDITIONS: Final[dict[str, frozenset[str]]] = {
    "is_ok": frozenset({Status.OK}),
    "needs_attention": frozenset({Status.ATTENTION, Status.FAULT}),
    "has_fault": frozenset({Status.FAULT}),
    "is_learning": frozenset({Status.LEARNING}),
}

CONDITION_SCHEMA = DEVICE_CONDITION_BASE_SCHEMA.extend(
    {vol.Required(CONF_TYPE): vol.In(CONDITIONS)}
)


def _status_entity_id(hass: HomeAssistant, device_id: str) -> str:
    """Find the fridge's status sensor."""
    for entry in er.async_entries_for_device(er.async_get(hass), device_id):
        if entry.platform == DOMAIN and entry.translation_key == "status":
            return entry.entity_id
    raise HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="status_sensor_missing",
        translation_placeholders={"device_id": device_id},
    )


async def async_get_conditions(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """List the conditions every fridge offers."""
    return [
        {CONF_CONDITION: "device", CONF_DEVICE_ID: device_id, CONF_DOMAIN: DOMAIN, CONF_TYPE: kind}
        for kind in CONDITIONS
    ]


@callback
def async_condition_from_config(
    hass: HomeAssistant, config: ConfigType
) -> condition.ConditionCheckerType:
    """Test the fridge's status sensor against the chosen condition."""
    wanted = CONDITIONS[config[CONF_TYPE]]
    device_id = config[CONF_DEVICE_ID]

    def test_status(hass: HomeAssistant, variables: TemplateVarsType) -> bool:
        """Return whether the fridge's status is one of the wanted ones."""
        state = hass.states.get(_status_entity_id(hass, device_id))
        return state is not None and state.state in wanted

    return test_status
