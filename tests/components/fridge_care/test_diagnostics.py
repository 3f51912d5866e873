"""Tests for the diagnostics download: what it shows, and what it never shows."""

from __future__ import annotations

import json

import aiohttp
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.fridge_care.analysis.engine import Engine
from custom_components.fridge_care.analysis.model import FaultCode
from custom_components.fridge_care.diagnostics import async_get_config_entry_diagnostics
from custom_components.fridge_care.tickets.delivery import FIRST_RETRY_S

from .common import (
    SECRET,
    SENDS_TICKETS,
    StagedFaults,
    episode_of,
    relay_episode,
    ticket_of,
)


async def _diagnostics(hass: HomeAssistant, entry: MockConfigEntry) -> dict:
    # Called directly: the HTTP view's token would be "issued in the future" on the frozen clock.
    return json.loads(
        json.dumps(await async_get_config_entry_diagnostics(hass, entry), default=str)
    )


async def test_diagnostics_redact_the_serial(
    hass: HomeAssistant, staged_faults: StagedFaults, init_integration: MockConfigEntry
) -> None:
    """The download explains what FridgeCare sees without giving away the serial number."""
    await staged_faults.async_report(hass, init_integration, episode_of(FaultCode.DOOR_LEFT_OPEN))
    diagnostics = await _diagnostics(hass, init_integration)
    assert diagnostics["entry"]["data"]["serial_number"] == "**REDACTED**"
    assert diagnostics["entry"]["unique_id"] == "**REDACTED**"
    assert "SN-0042" not in json.dumps(diagnostics).upper()
    assert diagnostics["sources"]["compressor_power"]["unit"] == "kW"
    assert diagnostics["sources"]["freezer_temp"]["unit"] == "°F"
    assert [fault["code"] for fault in diagnostics["report"]["active"]] == ["door_left_open"]
    assert diagnostics["engine"]["version"] == Engine.STATE_VERSION
    assert diagnostics["tickets"] is None


@SENDS_TICKETS
async def test_diagnostics_show_the_tickets_but_not_the_secret_or_contact(
    hass: HomeAssistant,
    staged_faults: StagedFaults,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """The tickets are there, the last one that left the home too; the secret never is."""
    aioclient_mock.post("http://service.test/api/v1/tickets", exc=aiohttp.ClientConnectionError())
    await staged_faults.async_report(hass, init_integration, relay_episode())
    diagnostics = await _diagnostics(hass, init_integration)
    text = json.dumps(diagnostics)
    assert SECRET not in text
    assert "SN-0042" not in text
    assert "+34 600 000 000" not in text
    tickets = diagnostics["tickets"]
    assert tickets["retry_in"] == FIRST_RETRY_S
    assert list(tickets["pending"]) == [ticket_of()["ticket_id"]]
    assert tickets["last_sent"] is None  # nothing has reached the service yet
    assert tickets["service_requests"] == "automatic"


@SENDS_TICKETS
async def test_diagnostics_show_the_last_payload_sent(
    hass: HomeAssistant,
    staged_faults: StagedFaults,
    init_integration: MockConfigEntry,
    booking_service: dict,
) -> None:
    """Exactly what left the home, as the privacy section lists it (serial and contact hidden)."""
    await staged_faults.async_report(hass, init_integration, relay_episode())
    last_sent = (await _diagnostics(hass, init_integration))["tickets"]["last_sent"]
    assert last_sent["ticket_id"] == booking_service["ticket_id"]
    assert sorted(last_sent) == [
        "appliance",
        "customer",
        "fault",
        "integration_version",
        "ticket_id",
    ]
    assert last_sent["appliance"] == {
        "manufacturer": "Acme",
        "model": "CoolMaster 3000",
        "serial": "**REDACTED**",
    }
    assert last_sent["customer"] == {
        "zone": "madrid-centro",
        "language": "en",
        "contact": "**REDACTED**",
    }
    assert last_sent["fault"]["code"] == "compressor_start_failure"
