"""Tests for the ticket coordinator: from a confirmed fault to the technician's visit.

The service is mocked at the HTTP level, but every ticket sent is checked against the service's
own contract and its signature against the reference ``standardwebhooks`` package, and every
mocked answer against the contract's answer schema (``common``). The fridge reports the faults
each test stages, so these tests do not depend on how a fault is detected.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from standardwebhooks import Webhook

from custom_components.fridge_care.const import DOMAIN, EVENT_TICKET
from custom_components.fridge_care.tickets.coordinator import TicketCoordinator
from custom_components.fridge_care.tickets.delivery import (
    FIRST_RETRY_S,
    FOLLOW_UP_INTERVAL,
    spread_wait,
)
from webhook_server.contract import TICKET_STATE

from .common import (
    OPTIONS,
    SECRET,
    SENDS_TICKETS,
    STATUS_URLS,
    TICKETS_URL,
    StagedFaults,
    answer,
    book_everything,
    fault_message,
    fault_notification,
    issue,
    relay_episode,
    sent_tickets,
    settle,
    ticket_of,
)

TICKET_SENSOR = "sensor.kitchen_fridge_service_ticket"
VISIT_SENSOR = "sensor.kitchen_fridge_technician_visit"


pytestmark = SENDS_TICKETS


@pytest.fixture
async def fridge(
    hass: HomeAssistant, staged_faults: StagedFaults, init_integration: MockConfigEntry
) -> MockConfigEntry:
    """The fridge, loaded, reporting whatever faults the test stages."""
    return init_integration


def _tickets(entry: MockConfigEntry) -> TicketCoordinator:
    tickets = entry.runtime_data.tickets
    assert tickets is not None
    return tickets


async def _later(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await settle(hass)


class _FaultReturns:
    """The relay fault coming back, each time as a new episode, some time later."""

    def __init__(
        self,
        hass: HomeAssistant,
        fridge: MockConfigEntry,
        staged_faults: StagedFaults,
        freezer: FrozenDateTimeFactory,
        aioclient_mock: AiohttpClientMocker,
    ) -> None:
        self._hass, self._fridge, self._staged = hass, fridge, staged_faults
        self._freezer, self._service = freezer, aioclient_mock

    async def after(self, delay: timedelta) -> int:
        """Bring the fault back ``delay`` later; return how many tickets were sent so far."""
        self._freezer.tick(delay)
        episode_id = f"compressor_start_failure-{int(datetime.now(UTC).timestamp())}-1"
        await self._staged.async_report(self._hass, self._fridge, relay_episode(episode_id))
        return len(sent_tickets(self._service))


# --- booked: the sensors and the fault's notification tell the same story -------------------


async def test_booked_ticket_shows_the_visit_and_tells_the_owner(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    booking_service: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """The booking reaches the sensors and the fault's one notification, in the home's zone.

    Evaluated twice, the same episode sends one ticket.
    """
    await hass.config.async_set_time_zone("Europe/Madrid")
    await staged_faults.async_report(hass, fridge, relay_episode())
    await staged_faults.async_report(hass, fridge, relay_episode())

    assert [sent["ticket_id"] for sent in sent_tickets(aioclient_mock)] == [
        booking_service["ticket_id"]
    ]
    state = hass.states.get(TICKET_SENSOR)
    assert state.state == "booked"
    assert state.attributes["ticket_id"] == booking_service["ticket_id"]
    assert state.attributes["technician"] == "Ana García"
    assert state.attributes["part"] == "RLY-PTC-220"
    assert "comes at 16:00" in state.attributes["notice"]
    assert hass.states.get(VISIT_SENSOR).state == "2023-11-15T16:00:00+00:00"
    notice = fault_notification(hass, fridge, "compressor_start_failure")
    assert notice is not None
    assert notice["title"] == "Kitchen fridge: the compressor fails to start"
    # 16:00 UTC is 17:00 in Madrid, the day after the fault (22:13 UTC, 23:13 in Madrid).
    assert "a technician, Ana García, comes tomorrow at 17:00" in notice["message"]
    assert "They bring: RLY-PTC-220." in notice["message"]
    assert "call a technician" not in notice["message"]


async def test_a_visit_moved_or_closed_by_the_manufacturer_shows_at_home(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    booking_service: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Open tickets are looked up again: a new time or a closed ticket reaches home."""
    await hass.config.async_set_time_zone("Europe/Madrid")
    await staged_faults.async_report(hass, fridge, relay_episode())
    status_url = f"{TICKETS_URL}/{booking_service['ticket_id']}"

    async def follow_up(state: dict[str, Any] | None = None, **mock: Any) -> None:
        aioclient_mock.clear_requests()
        if state is not None:
            TICKET_STATE(state)
            mock["json"] = state
        aioclient_mock.get(status_url, **mock)
        await _later(hass, freezer, FOLLOW_UP_INTERVAL.total_seconds())

    await follow_up(exc=aiohttp.ClientConnectionError())  # unreachable: nothing changes
    assert hass.states.get(VISIT_SENSOR).state == "2023-11-15T16:00:00+00:00"

    moved = answer(booking_service)
    moved["booking"] = {
        **moved["booking"],
        "start": "2023-11-16T09:00:00Z",
        "end": "2023-11-16T10:30:00Z",
    }
    moved["notice"] = "Ana García now comes on Thursday at 09:00."
    await follow_up(moved)
    method, url, body, headers = aioclient_mock.mock_calls[0]
    assert (method, str(url), body) == ("GET", status_url, None)
    signed_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    assert headers["webhook-signature"] == Webhook(SECRET).sign(
        booking_service["ticket_id"], signed_at, ""
    )
    assert hass.states.get(VISIT_SENSOR).state == "2023-11-16T09:00:00+00:00"
    assert "comes tomorrow at 10:00" in fault_message(
        hass, fridge, "compressor_start_failure"
    )  # 09:00 UTC, seen after midnight

    await follow_up({**moved, "status": "closed"})
    assert hass.states.get(TICKET_SENSOR).state == "closed"
    await follow_up(moved)  # closed: not looked up any more
    assert aioclient_mock.call_count == 0
    assert hass.states.get(TICKET_SENSOR).state == "closed"


async def test_follow_up_with_a_refused_signature_asks_for_the_secret(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    booking_service: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A secret renewed after the booking shows on the next look-up, as re-authentication."""
    await staged_faults.async_report(hass, fridge, relay_episode())
    aioclient_mock.clear_requests()
    aioclient_mock.get(f"{TICKETS_URL}/{booking_service['ticket_id']}", status=401, json={})
    await _later(hass, freezer, FOLLOW_UP_INTERVAL.total_seconds())
    assert _tickets(fridge).delivery.auth_failed
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


# --- nothing is lost: retries, Retry-After, restarts, refusals ------------------------------


async def test_network_failure_keeps_the_ticket_and_retries_with_growing_pauses(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Unreachable or busy: the ticket waits on disk and goes once the service is back."""
    ticket_id = ticket_of()["ticket_id"]
    aioclient_mock.post(TICKETS_URL, exc=aiohttp.ClientConnectionError("refused"))
    await staged_faults.async_report(hass, fridge, relay_episode())
    tickets = _tickets(fridge)
    assert tickets.delivery.retry_in == FIRST_RETRY_S
    assert hass.states.get(TICKET_SENSOR).state == "sending"

    aioclient_mock.clear_requests()
    aioclient_mock.post(TICKETS_URL, status=503, text="busy")
    await _later(hass, freezer, spread_wait(ticket_id, FIRST_RETRY_S) + 1)
    assert tickets.delivery.retry_in == 2 * FIRST_RETRY_S
    assert len(tickets.book.pending) == 1

    book_everything(aioclient_mock, ticket_of())
    await _later(hass, freezer, spread_wait(ticket_id, 2 * FIRST_RETRY_S) + 1)
    assert tickets.book.pending == {}
    assert tickets.delivery.retry_in is None
    assert hass.states.get(TICKET_SENSOR).state == "booked"


@pytest.mark.parametrize(
    "retry_after", ["120", "Tue, 14 Nov 2023 22:15:20 GMT"], ids=["seconds", "http-date"]
)
async def test_a_shedding_service_is_left_alone_as_long_as_it_asks(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    retry_after: str,
) -> None:
    """429 with Retry-After (a regional power cut brings thousands of fridges back at once).

    The fridge waits what the service asked (stretched by its own spread), not its own
    half-minute; even an evaluation or a reload in between sends nothing; then it goes.
    """
    ticket_id = ticket_of()["ticket_id"]
    aioclient_mock.post(
        TICKETS_URL,
        status=429,
        json={"type": "about:blank", "title": "Too many requests", "status": 429},
        headers={"Retry-After": retry_after},
    )
    await staged_faults.async_report(hass, fridge, relay_episode())
    tickets = _tickets(fridge)
    assert tickets.delivery.retry_in == 120.0
    assert tickets.book.retry_at == pytest.approx(
        datetime.now(UTC).timestamp() + spread_wait(ticket_id, 120.0)
    )

    book_everything(aioclient_mock, ticket_of())
    await _later(hass, freezer, 60)
    assert await hass.config_entries.async_reload(fridge.entry_id)
    await settle(hass)
    assert sent_tickets(aioclient_mock) == []  # asked to wait two minutes: still waiting
    assert hass.states.get(TICKET_SENSOR).state == "sending"

    await _later(hass, freezer, spread_wait(ticket_id, 120.0) - 60 + 1)
    assert [sent["ticket_id"] for sent in sent_tickets(aioclient_mock)] == [ticket_id]
    assert hass.states.get(TICKET_SENSOR).state == "booked"


async def test_waiting_ticket_survives_a_restart(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A ticket that could not go before Home Assistant stopped goes when it starts again."""
    aioclient_mock.post(TICKETS_URL, exc=TimeoutError())
    await staged_faults.async_report(hass, fridge, relay_episode())
    assert await hass.config_entries.async_unload(fridge.entry_id)
    await settle(hass)

    book_everything(aioclient_mock, ticket_of())
    freezer.tick(timedelta(minutes=5))  # the wait asked for is over while Home Assistant is down
    assert await hass.config_entries.async_setup(fridge.entry_id)
    await settle(hass)
    assert [sent["ticket_id"] for sent in sent_tickets(aioclient_mock)] == [
        ticket_of()["ticket_id"]
    ]
    assert hass.states.get(TICKET_SENSOR).state == "booked"


async def test_refused_ticket_is_kept_and_shown_as_a_repair(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A 422 sets the ticket aside with the service's reason; a later success clears it."""
    aioclient_mock.post(
        TICKETS_URL,
        status=422,
        json={"type": "about:blank", "title": "Invalid ticket", "detail": "unknown zone"},
        headers={"Content-Type": "application/problem+json"},
    )
    await staged_faults.async_report(hass, fridge, relay_episode())
    tickets = _tickets(fridge)
    ticket_id = ticket_of()["ticket_id"]
    assert tickets.book.rejected[ticket_id]["status"] == 422
    assert tickets.book.pending == {}
    assert hass.states.get(TICKET_SENSOR).state == "rejected"
    refused = issue(hass, fridge, "ticket_rejected")
    assert refused is not None
    assert refused.translation_placeholders["detail"] == "unknown zone"
    assert f"refused the request (ticket {ticket_id})" in fault_message(
        hass, fridge, "compressor_start_failure"
    )

    freezer.tick(timedelta(days=8))  # the fault comes back as a new episode
    other = relay_episode("compressor_start_failure-1700090000-1")
    aioclient_mock.clear_requests()
    aioclient_mock.post(TICKETS_URL, status=200, json=answer(ticket_of(other), "needs_dispatch"))
    aioclient_mock.get(STATUS_URLS, json=answer(ticket_of(other), "needs_dispatch"))
    await staged_faults.async_report(hass, fridge)
    await staged_faults.async_report(hass, fridge, other)
    assert hass.states.get(TICKET_SENSOR).state == "needs_dispatch"
    assert hass.states.get(VISIT_SENSOR).state == "unknown"
    assert issue(hass, fridge, "ticket_rejected") is None


async def test_answer_without_json_is_retried(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A proxy's error page (not the service's JSON) counts as "not yet", never as an answer."""
    aioclient_mock.post(TICKETS_URL, status=502, text="<html>Bad gateway</html>")
    await staged_faults.async_report(hass, fridge, relay_episode())
    tickets = _tickets(fridge)
    assert len(tickets.book.pending) == 1
    assert tickets.delivery.retry_in == FIRST_RETRY_S


# --- one fault, one visit ------------------------------------------------------------------


async def test_a_fault_that_comes_back_before_the_visit_books_nothing_more(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    booking_service: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The relay fault clears and returns: the booked visit covers it; after the visit, anew.

    Every evaluation hands over every active fault: each episode is judged once.
    """
    await hass.config.async_set_time_zone("Europe/Madrid")
    freezer.move_to("2023-11-15T09:00:00+00:00")
    await staged_faults.async_report(hass, fridge, relay_episode())
    again = relay_episode("compressor_start_failure-1700039000-1")
    await staged_faults.async_report(hass, fridge, again)
    await staged_faults.async_report(hass, fridge, again)  # a minute later: still covered
    assert len(sent_tickets(aioclient_mock)) == 1
    assert "Ana García, comes today at 17:00" in fault_message(
        hass, fridge, "compressor_start_failure"
    )  # the visit covers it

    freezer.move_to("2023-11-15T18:00:00+00:00")  # the visit (16:00-17:30) is over
    third = relay_episode("compressor_start_failure-1700071200-1")
    await staged_faults.async_report(hass, fridge, third)
    assert len(sent_tickets(aioclient_mock)) == 2
    assert _tickets(fridge).book.latest == ticket_of(third)["ticket_id"]


async def test_a_ticket_without_a_visit_stays_open_for_a_week(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A dispatcher's ticket covers the fault for a week; old answers are not kept forever."""
    monkeypatch.setattr("custom_components.fridge_care.tickets.book.KEPT_TICKETS", 1)
    aioclient_mock.post(TICKETS_URL, status=201, json=answer(ticket_of(), "needs_dispatch"))
    aioclient_mock.get(STATUS_URLS, json=answer(ticket_of(), "needs_dispatch"))
    await staged_faults.async_report(hass, fridge, relay_episode())
    assert "a dispatcher will contact you" in fault_message(
        hass, fridge, "compressor_start_failure"
    )

    returns = _FaultReturns(hass, fridge, staged_faults, freezer, aioclient_mock)
    assert await returns.after(timedelta(days=6)) == 1  # tickets sent so far
    assert await returns.after(timedelta(days=2)) == 2
    book = _tickets(fridge).book
    assert list(book.answers) == [book.latest]  # only the newest answer is kept


async def test_updating_the_ticket_sensor_shows_a_dispatchers_booking_at_once(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """ "Update entity" on the ticket looks it up now: no waiting 30 minutes for the visit."""
    aioclient_mock.post(TICKETS_URL, status=201, json=answer(ticket_of(), "needs_dispatch"))
    await staged_faults.async_report(hass, fridge, relay_episode())
    assert hass.states.get(TICKET_SENSOR).state == "needs_dispatch"

    aioclient_mock.get(STATUS_URLS, json=answer(ticket_of()))  # the dispatcher has booked it
    assert await async_setup_component(hass, "homeassistant", {})
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": TICKET_SENSOR}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(TICKET_SENSOR).state == "booked"
    assert hass.states.get(VISIT_SENSOR).state != "unknown"
    assert "a technician, Ana García, comes" in fault_message(
        hass, fridge, "compressor_start_failure"
    )


async def test_a_visit_time_without_a_time_zone_is_not_shown_nor_trusted(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A booking with no offset could be any zone's: no visit time, and a week's cover.

    The fault coming back is still judged (no crash, no lost ticket): covered for a week, as a
    ticket without a visit, then ticketed anew.
    """
    freezer.move_to("2023-11-15T09:00:00+00:00")
    booked = answer(ticket_of())
    booked["booking"] = {
        **booked["booking"],
        "start": "2023-11-15T16:00:00",
        "end": "2023-11-15T17:30:00",
    }
    aioclient_mock.post(TICKETS_URL, status=201, json=booked)
    aioclient_mock.get(STATUS_URLS, json=booked)
    await staged_faults.async_report(hass, fridge, relay_episode())
    assert hass.states.get(TICKET_SENSOR).state == "booked"
    visit = hass.states.get(VISIT_SENSOR)
    assert visit.state == "unknown"
    assert visit.attributes["technician"] == "Ana García"
    assert "missing timezone" not in caplog.text
    assert "will tell you when they come" in fault_message(hass, fridge, "compressor_start_failure")

    returns = _FaultReturns(hass, fridge, staged_faults, freezer, aioclient_mock)
    assert await returns.after(timedelta(minutes=1)) == 1  # tickets sent so far
    assert await returns.after(timedelta(days=8)) == 2
    book = _tickets(fridge).book
    assert book.answers[book.latest]["status"] == "booked"


# --- the owner decides ---------------------------------------------------------------------


async def test_an_unconfirmed_fault_is_told_but_not_sent(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    booking_service: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Only a confirmed fault becomes a ticket; before, the owner hears it is being checked."""
    unconfirmed = replace(relay_episode(), confirmed_at=None)
    await staged_faults.async_report(hass, fridge, unconfirmed)
    assert sent_tickets(aioclient_mock) == []
    assert "making sure this lasts" in fault_message(hass, fridge, "compressor_start_failure")
    assert hass.states.get("binary_sensor.kitchen_fridge_needs_service").state == "off"

    await staged_faults.async_report(hass, fridge, relay_episode())  # confirmed now
    assert len(sent_tickets(aioclient_mock)) == 1
    assert hass.states.get("binary_sensor.kitchen_fridge_needs_service").state == "on"


ASK_FIRST = {**OPTIONS, "service_requests": "ask"}


@pytest.mark.parametrize("entry_options", [ASK_FIRST])
async def test_ask_first_waits_for_the_owner(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    booking_service: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Ask me first: the request waits, the owner is asked, Request service sends it."""
    events = async_capture_events(hass, EVENT_TICKET)
    await staged_faults.async_report(hass, fridge, relay_episode())
    ticket_id = booking_service["ticket_id"]
    assert sent_tickets(aioclient_mock) == []
    assert hass.states.get(TICKET_SENSOR).state == "awaiting_approval"
    assert [(event.data["status"], event.data["ticket_id"]) for event in events] == [
        ("awaiting_approval", ticket_id)
    ]
    assert "press *Request service*" in fault_message(hass, fridge, "compressor_start_failure")
    assert hass.states.get("switch.kitchen_fridge_automatic_service_requests") is None

    await hass.services.async_call(
        "button", "press", {"entity_id": "button.kitchen_fridge_request_service"}, blocking=True
    )
    await settle(hass)
    assert [sent["ticket_id"] for sent in sent_tickets(aioclient_mock)] == [ticket_id]
    assert hass.states.get(TICKET_SENSOR).state == "booked"
    assert [event.data["status"] for event in events] == ["awaiting_approval", "booked"]


@pytest.mark.parametrize("entry_options", [ASK_FIRST])
async def test_a_request_not_approved_goes_when_its_fault_clears(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Not now, then the fault clears: nothing is left waiting, and nothing can be sent."""
    await staged_faults.async_report(hass, fridge, relay_episode())
    assert hass.states.get(TICKET_SENSOR).state == "awaiting_approval"
    await staged_faults.async_report(hass, fridge)
    assert _tickets(fridge).book.proposed == {}
    assert hass.states.get(TICKET_SENSOR).state == "unknown"
    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            "button",
            "press",
            {"entity_id": "button.kitchen_fridge_request_service"},
            blocking=True,
        )
    assert error.value.translation_key == "no_service_needed"
    assert sent_tickets(aioclient_mock) == []


async def test_pausing_automatic_requests_makes_faults_wait(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    booking_service: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Switched off, a fault waits for approval; switched on again, it goes; it survives reloads."""
    switch = "switch.kitchen_fridge_automatic_service_requests"
    assert hass.states.get(switch).state == "on"
    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    await settle(hass)
    assert await hass.config_entries.async_reload(fridge.entry_id)
    await settle(hass)
    assert hass.states.get(switch).state == "off"

    await staged_faults.async_report(hass, fridge, relay_episode())
    assert sent_tickets(aioclient_mock) == []
    assert hass.states.get(TICKET_SENSOR).state == "awaiting_approval"

    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    await settle(hass)
    assert [sent["ticket_id"] for sent in sent_tickets(aioclient_mock)] == [
        booking_service["ticket_id"]
    ]
    assert hass.states.get(TICKET_SENSOR).state == "booked"


@pytest.mark.parametrize("entry_options", [{**OPTIONS, "service_requests": "never"}])
async def test_never_sends_unless_the_owner_asks(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    booking_service: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Never: a confirmed fault is told (with what to do), not sent; the action still can."""
    await staged_faults.async_report(hass, fridge, relay_episode())
    assert sent_tickets(aioclient_mock) == []
    assert hass.states.get(TICKET_SENSOR).state == "unknown"
    assert "call a technician" in fault_message(hass, fridge, "compressor_start_failure")

    response = await hass.services.async_call(
        DOMAIN,
        "request_service",
        {"config_entry_id": fridge.entry_id},
        blocking=True,
        return_response=True,
    )
    await settle(hass)
    assert response == {"tickets": [booking_service["ticket_id"]]}
    assert hass.states.get(TICKET_SENSOR).state == "booked"
    with pytest.raises(ServiceValidationError) as error:  # its ticket is open now
        await hass.services.async_call(
            DOMAIN, "request_service", {"config_entry_id": fridge.entry_id}, blocking=True
        )
    assert error.value.translation_key == "no_service_needed"
