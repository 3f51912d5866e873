"""Tests for the technicians' visits in Home Assistant's calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import automation
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.fridge_care.tickets.delivery import FOLLOW_UP_INTERVAL

from .common import (
    SENDS_TICKETS,
    StagedFaults,
    answer,
    async_calendar_events,
    relay_episode,
    settle,
)

CALENDAR = "calendar.kitchen_fridge_technician_visits"


pytestmark = SENDS_TICKETS


@pytest.fixture
async def booked(
    hass: HomeAssistant,
    staged_faults: StagedFaults,
    init_integration: MockConfigEntry,
    booking_service: dict[str, Any],
) -> dict[str, Any]:
    """The relay failure's visit, booked for 2023-11-15 16:00-17:30 UTC."""
    await staged_faults.async_report(hass, init_integration, relay_episode())
    return booking_service


async def _events(hass: HomeAssistant) -> list[dict[str, Any]]:
    return await async_calendar_events(hass, CALENDAR, "2023-11-14T00:00:00Z")


async def test_the_visit_is_an_event_moved_or_cancelled_with_it(
    hass: HomeAssistant,
    booked: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Who comes, for what, with which part; a moved visit moves; a cancelled one goes."""
    (event,) = await _events(hass)
    assert event["summary"] == "Kitchen fridge: technician visit (Ana García)"
    assert event["description"] == (
        f"Ticket {booked['ticket_id']}\nFault: Compressor start failure\nPart: RLY-PTC-220"
    )
    assert (event["start"], event["end"]) == (
        "2023-11-15T16:00:00+00:00",
        "2023-11-15T17:30:00+00:00",
    )

    moved = answer(booked)
    moved["booking"] = {
        **moved["booking"],
        "start": "2023-11-16T09:00:00Z",
        "end": "2023-11-16T10:00:00Z",
    }
    for state in (moved, {**moved, "status": "closed"}):  # moved, then cancelled
        aioclient_mock.clear_requests()
        aioclient_mock.get(f"http://service.test/api/v1/tickets/{booked['ticket_id']}", json=state)
        freezer.tick(FOLLOW_UP_INTERVAL)
        async_fire_time_changed(hass)
        await settle(hass)
        if state is moved:
            assert [event["start"] for event in await _events(hass)] == [
                "2023-11-16T09:00:00+00:00"
            ]
    assert await _events(hass) == []
    assert hass.states.get(CALENDAR).state == "off"


async def test_a_calendar_trigger_fires_when_the_technician_arrives(
    hass: HomeAssistant, booked: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    """Calendar triggers work on visits: for example, turn the porch light on."""
    calls = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: {
                "triggers": {"trigger": "calendar", "event": "start", "entity_id": CALENDAR},
                "actions": {
                    "action": "test.automation",
                    "data": {"summary": "{{ trigger.calendar_event.summary }}"},
                },
            }
        },
    )
    arrival = datetime(2023, 11, 15, 16, 0, tzinfo=UTC)
    while datetime.now(UTC) < arrival + timedelta(minutes=1):
        freezer.tick(timedelta(minutes=15))
        async_fire_time_changed(hass)
        await settle(hass)
    assert [call.data["summary"] for call in calls] == [
        "Kitchen fridge: technician visit (Ana García)"
    ]
    assert hass.states.get(CALENDAR).state == "on"
