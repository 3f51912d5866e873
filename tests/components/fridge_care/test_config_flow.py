"""Tests for adding, tuning and reconfiguring a fridge through the UI flows."""

from __future__ import annotations

import base64

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.fridge_care.const import DOMAIN

from .conftest import APPLIANCE, DOOR, FREEZER_TEMP, FRIDGE_TEMP, POWER, SOURCES


async def test_user_flow_creates_and_loads_entry(hass: HomeAssistant, source_states: None) -> None:
    """A homeowner describes the fridge, picks sensors and gets a loaded entry."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], APPLIANCE)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "sensors"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], SOURCES)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "service"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Kitchen fridge"
    assert result["data"] == {**APPLIANCE, **SOURCES}
    entry = result["result"]
    assert entry.unique_id == "acme:sn-0042"
    assert entry.state is ConfigEntryState.LOADED


async def test_user_flow_same_serial_aborts(
    hass: HomeAssistant, source_states: None, config_entry: MockConfigEntry
) -> None:
    """The same appliance (maker + serial, any case or spacing) cannot be added twice."""
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**APPLIANCE, "manufacturer": " ACME ", "serial_number": "sn-0042"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_user_flow_validates_sensors(hass: HomeAssistant, source_states: None) -> None:
    """Bad sensor choices are explained per field and nothing is lost on retry."""
    hass.states.async_set("sensor.odd_unit", "5", {"unit_of_measurement": "%"})
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], APPLIANCE)

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"door": DOOR})
    assert result["errors"] == {"base": "no_compartment"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"fridge_temp": "sensor.missing", "freezer_temp": "sensor.odd_unit", "door": DOOR},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {
        "fridge_temp": "entity_not_found",
        "freezer_temp": "unit_not_convertible",
    }

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"freezer_temp": FREEZER_TEMP, "compressor_power": POWER}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        **APPLIANCE,
        "freezer_temp": FREEZER_TEMP,
        "compressor_power": POWER,
    }


async def test_reconfigure_changes_sensors(
    hass: HomeAssistant, source_states: None, config_entry: MockConfigEntry
) -> None:
    """Reconfigure swaps sensors, keeps the appliance and reloads the entry."""
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    result = await config_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"fridge_temp": "sensor.gone"}
    )
    assert result["errors"] == {"fridge_temp": "entity_not_found"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"fridge_temp": FRIDGE_TEMP, "door": DOOR}
    )
    assert result["step_id"] == "reconfigure_service"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert dict(config_entry.data) == {**APPLIANCE, "fridge_temp": FRIDGE_TEMP, "door": DOOR}
    assert config_entry.state is ConfigEntryState.LOADED


async def test_options_flow_saves_and_reloads(
    hass: HomeAssistant, source_states: None, config_entry: MockConfigEntry
) -> None:
    """Changing options stores them and reloads the entry so they take effect."""
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    new_options = {
        "sensitivity": 1.5,
        "fridge_limit_c": 5.0,
        "freezer_limit_c": -15.0,
        "learning_period_h": 48.0,
        "notify": ["cooling", "door"],
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], new_options)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(config_entry.options) == new_options
    assert config_entry.state is ConfigEntryState.LOADED


async def test_options_flow_rejects_out_of_range_values(
    hass: HomeAssistant, source_states: None, config_entry: MockConfigEntry
) -> None:
    """Values outside the sliders' ranges are refused and the options stay as they were."""
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    before = dict(config_entry.options)

    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"], {**before, "sensitivity": 5.0}
        )
    assert dict(config_entry.options) == before


@pytest.mark.parametrize("url", ["https://a:b", "http://service.test:99999"])
async def test_service_step_explains_a_mistyped_address(
    hass: HomeAssistant, source_states: None, url: str
) -> None:
    """An address with a bad port is a field error to correct, not an unknown error."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], APPLIANCE)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], SOURCES)
    assert result["step_id"] == "service"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "service_url": url,
            "signing_secret": "whsec_" + base64.b64encode(b"fridgecare-test-secret-24b").decode(),
            "service_zone": "madrid-centro",
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "service"
    assert result["errors"] == {"service_url": "invalid_url"}
