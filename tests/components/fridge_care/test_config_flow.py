"""Tests for adding, tuning, reconfiguring and re-authenticating a fridge through the UI flows."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from standardwebhooks import Webhook

from custom_components.fridge_care.const import DOMAIN

from .common import (
    APPLIANCE,
    DOOR,
    FREEZER_TEMP,
    FRIDGE_TEMP,
    POWER,
    SECRET,
    SENDS_TICKETS,
    SERVICE,
    SERVICE_DATA,
    SOURCES,
    TICKETS_URL,
    StagedFaults,
    answer,
    relay_episode,
    sent_tickets,
    ticket_of,
)

pytestmark = pytest.mark.usefixtures("source_states")
HEALTH_URL = f"{SERVICE}/api/v1/health"


async def _flow_at(hass: HomeAssistant, step: str, sources: dict[str, str] = SOURCES) -> str:
    """Start adding the test fridge and walk to ``step`` ("sensors" or "service")."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], APPLIANCE)
    if step == "service":
        result = await hass.config_entries.flow.async_configure(result["flow_id"], sources)
    assert result["step_id"] == step
    return str(result["flow_id"])


async def test_user_flow_creates_and_loads_entry(hass: HomeAssistant) -> None:
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
    assert result["description_placeholders"]["unseen"] == "—"  # every fault can be seen

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Kitchen fridge"
    assert result["data"] == {**APPLIANCE, **SOURCES}
    entry = result["result"]
    assert entry.unique_id == "acme:sn-0042"
    assert entry.state is ConfigEntryState.LOADED


async def test_user_flow_same_serial_aborts(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """The same appliance (maker + serial, any case or spacing) cannot be added twice."""
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**APPLIANCE, "manufacturer": " ACME ", "serial_number": "sn-0042"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_user_flow_validates_sensors(hass: HomeAssistant) -> None:
    """Bad sensor choices are explained per field and nothing is lost on retry."""
    hass.states.async_set("sensor.odd_unit", "5", {"unit_of_measurement": "%"})
    flow_id = await _flow_at(hass, "sensors")

    result = await hass.config_entries.flow.async_configure(flow_id, {"door": DOOR})
    assert result["errors"] == {"base": "no_main_sensor"}

    result = await hass.config_entries.flow.async_configure(
        flow_id, {"fridge_temp": "sensor.missing", "freezer_temp": "sensor.odd_unit", "door": DOOR}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {
        "fridge_temp": "entity_not_found",
        "freezer_temp": "unit_not_convertible",
    }

    result = await hass.config_entries.flow.async_configure(
        flow_id, {"freezer_temp": FREEZER_TEMP, "compressor_power": POWER}
    )
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {**APPLIANCE, "freezer_temp": FREEZER_TEMP, "compressor_power": POWER}


async def test_a_plug_alone_is_accepted_and_its_blind_spots_are_named(
    hass: HomeAssistant,
) -> None:
    """The smart plug, the sensor most homes put on a fridge, is enough to add it.

    Before saving, the owner reads which faults a plug cannot see.
    """
    flow_id = await _flow_at(hass, "sensors")
    result = await hass.config_entries.flow.async_configure(flow_id, {"compressor_power": POWER})
    assert result["step_id"] == "service"
    assert result["description_placeholders"] == {
        "name": "Kitchen fridge",
        "unseen": "Door seal leak, Door left open, Unsafe temperature",
    }
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {**APPLIANCE, "compressor_power": POWER}
    assert result["result"].state is ConfigEntryState.LOADED


async def test_reconfigure_changes_sensors(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Reconfigure swaps sensors, keeps the appliance and reloads the entry."""
    result = await init_integration.start_reconfigure_flow(hass)
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
    assert result["description_placeholders"]["unseen"].startswith("Compressor start failure")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert dict(init_integration.data) == {**APPLIANCE, "fridge_temp": FRIDGE_TEMP, "door": DOOR}
    assert init_integration.state is ConfigEntryState.LOADED


async def test_reconfigure_accepts_the_plug_alone(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Going down to the plug alone is a valid sensor set on reconfigure too."""
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"compressor_power": POWER}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert dict(init_integration.data) == {**APPLIANCE, "compressor_power": POWER}


async def test_options_flow_saves_and_reloads(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Changing options stores them and reloads the entry so they take effect."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert "service_requests" not in result["data_schema"].schema  # no service: no requests
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
    assert dict(init_integration.options) == new_options
    assert init_integration.state is ConfigEntryState.LOADED


async def test_options_flow_rejects_out_of_range_values(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Values outside the sliders' ranges are refused and the options stay as they were."""
    before = dict(init_integration.options)
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"], {**before, "sensitivity": 5.0}
        )
    assert dict(init_integration.options) == before


# --- the manufacturer's service -------------------------------------------------------------


async def test_service_step_checks_settings_then_the_service(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """Bad settings are explained per field; an unreachable service is said so; then it saves."""
    flow_id = await _flow_at(hass, "service")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"service_url": "ftp://x", "signing_secret": "secret"}
    )
    assert result["errors"] == {
        "service_url": "invalid_url",
        "signing_secret": "invalid_secret",
        "service_zone": "zone_required",
    }

    aioclient_mock.get(HEALTH_URL, exc=aiohttp.ClientConnectionError())
    result = await hass.config_entries.flow.async_configure(flow_id, SERVICE_DATA)
    assert result["errors"] == {"base": "cannot_connect"}

    aioclient_mock.clear_requests()
    aioclient_mock.get(HEALTH_URL, status=503)
    result = await hass.config_entries.flow.async_configure(flow_id, SERVICE_DATA)
    assert result["errors"] == {"base": "cannot_connect"}

    aioclient_mock.clear_requests()
    aioclient_mock.get(HEALTH_URL, json={"status": "ok"})
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**SERVICE_DATA, "service_url": f" {SERVICE} "}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {**APPLIANCE, **SOURCES, **SERVICE_DATA}
    assert result["result"].state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "unknown"


@pytest.mark.parametrize("url", ["https://a:b", "http://service.test:99999"])
async def test_service_step_explains_a_mistyped_address(hass: HomeAssistant, url: str) -> None:
    """An address with a bad port is a field error to correct, not an unknown error."""
    flow_id = await _flow_at(hass, "service")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**SERVICE_DATA, "service_url": url}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "service"
    assert result["errors"] == {"service_url": "invalid_url"}


@SENDS_TICKETS
async def test_reconfigure_can_turn_forwarding_off(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Clearing the address stops forwarding and removes the ticket coordinator."""
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], SOURCES)
    assert result["step_id"] == "reconfigure_service"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"service_url": "", "signing_secret": SECRET}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert dict(init_integration.data) == {**APPLIANCE, **SOURCES}
    assert init_integration.runtime_data.tickets is None


@SENDS_TICKETS
async def test_refused_signature_asks_for_a_new_secret_and_keeps_the_ticket(
    hass: HomeAssistant,
    staged_faults: StagedFaults,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A 401 starts re-authentication; the new secret sends the ticket that waited."""
    aioclient_mock.post(
        TICKETS_URL, status=401, json={"type": "about:blank", "title": "Bad signature"}
    )
    await staged_faults.async_report(hass, init_integration, relay_episode())
    tickets = init_integration.runtime_data.tickets
    assert tickets is not None
    assert tickets.delivery.auth_failed
    assert list(tickets.book.pending) == [ticket_of()["ticket_id"]]
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "sending"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]

    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"signing_secret": "whsec_nope"}
    )
    assert result["errors"] == {"signing_secret": "invalid_secret"}

    new_secret = "whsec_" + base64.b64encode(b"fridgecare-rotated-secret").decode()
    aioclient_mock.clear_requests()
    aioclient_mock.get(HEALTH_URL, json={"status": "ok"})
    aioclient_mock.post(TICKETS_URL, status=201, json=answer(ticket_of()))
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"signing_secret": new_secret}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    assert init_integration.data["signing_secret"] == new_secret
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "booked"
    posted = [call for call in aioclient_mock.mock_calls if call[0] == "POST"]
    assert len(posted) == 1
    Webhook(new_secret).verify(posted[0][2], {k.lower(): v for k, v in posted[0][3].items()})


async def test_options_for_a_fridge_that_sends_tickets(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    service_entry: MockConfigEntry,
    entry_options: dict[str, Any],
    staged_faults: StagedFaults,
    booking_service: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Who decides and the visit hours are asked, checked, saved and sent with the next ticket."""
    await hass.config.async_set_time_zone("Europe/Madrid")
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert "visit_from" not in result["data_schema"].schema

    freezer.move_to("2026-11-30T16:30:00+00:00")  # Monday 17:30 in Madrid
    service_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(service_entry.entry_id)
    await hass.async_block_till_done()
    result = await hass.config_entries.options.async_init(service_entry.entry_id)
    assert "visit_from" in result["data_schema"].schema
    assert "service_requests" in result["data_schema"].schema
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**entry_options, "visit_from": "20:00:00", "visit_until": "16:00:00"}
    )
    assert result["errors"] == {"base": "visit_hours"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**entry_options, "visit_from": "16:00:00", "visit_until": "20:00:00", "visit_days": []},
    )
    assert result["errors"] == {"visit_days": "visit_days"}
    hours = {"visit_from": "16:00:00", "visit_until": "20:00:00", "visit_days": ["mon", "tue"]}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**entry_options, **hours}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(service_entry.options) == {
        **entry_options,
        "service_requests": "automatic",
        **hours,
    }

    await staged_faults.async_report(hass, service_entry, relay_episode())
    assert sent_tickets(aioclient_mock)[0]["customer"]["preferred_windows"] == [
        {"start": "2026-11-30T16:30:00Z", "end": "2026-11-30T19:00:00Z"},
        {"start": "2026-12-01T15:00:00Z", "end": "2026-12-01T19:00:00Z"},
    ]


@pytest.fixture
def service_entry(
    service_entry_data: dict[str, Any], entry_options: dict[str, Any]
) -> MockConfigEntry:
    """A second entry for the same fridge, whose tickets go to the manufacturer's service."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Kitchen fridge",
        unique_id="acme:sn-0044",
        data=service_entry_data,
        options=entry_options,
    )
