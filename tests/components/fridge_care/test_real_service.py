"""The integration against the real manufacturer's service (SQLite and PostgreSQL), over HTTP.

The other tests check tickets against the service's contract with a mocked service; here the real
``webhook_server`` app takes them: the integration's own builder, signer and client book a
technician in the owner's preferred hours; then the whole ticket coordinator, inside Home
Assistant, sends a fault's ticket, shows the booking in its sensors, notification and calendar,
follows the agent's reschedule and cancellation, and waits out a shedding service's Retry-After.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
import re
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.fridge_care.const import DOMAIN
from custom_components.fridge_care.tickets import client as client_module
from custom_components.fridge_care.tickets.client import Answered, TicketClient
from custom_components.fridge_care.tickets.coordinator import TicketCoordinator
from custom_components.fridge_care.tickets.delivery import FOLLOW_UP_INTERVAL
from custom_components.fridge_care.tickets.payload import (
    Appliance,
    Customer,
    build_ticket,
    visit_windows,
)
from tests.ticket_samples import relay_failure
from tests.webhook_server.conftest import (  # the service's own fixtures, on both databases
    APPLIANCE,
    MONDAY_9AM,
    Clock,
    client,  # noqa: F401
    clock,  # noqa: F401
    db_url,  # noqa: F401
    register,
    settings,  # noqa: F401
)
from tests.webhook_server.test_console import login
from webhook_server.app import create_app
from webhook_server.runtime import RUNTIME
from webhook_server.settings import Settings
from webhook_server.store import repository

from .common import (
    OPTIONS,
    StagedFaults,
    async_calendar_events,
    async_setup_integration,
    fault_message,
    settle,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")  # the service listens on 127.0.0.1

CALENDAR = "calendar.fridgeco_fridge_technician_visits"
TICKET_SENSOR = "sensor.fridgeco_fridge_service_ticket"


def _relay_failure() -> Any:
    episode = relay_failure(
        f"compressor_start_failure-{int(MONDAY_9AM)}-1",
        onset_at=MONDAY_9AM - 1800,
        detected_at=MONDAY_9AM - 600,
    )
    return replace(episode, confirmed_at=episode.detected_at)


@pytest.fixture
def service_time(clock: Clock) -> Iterator[None]:  # noqa: F811
    """Home Assistant's time and the ticket client's signing time follow the service's clock.

    Not freezegun: the service is real and in this process, and frozen datetimes would reach
    its JSON and its access log. The event loop keeps real time (see :func:`_later`).
    """
    with (
        patch.object(client_module, "time", SimpleNamespace(time=clock)),
        patch.object(dt_util, "utcnow", lambda: datetime.fromtimestamp(clock.now, UTC)),
        patch.object(
            dt_util,
            "now",
            lambda time_zone=None: datetime.fromtimestamp(
                clock.now, time_zone or dt_util.get_default_time_zone()
            ),
        ),
    ):
        yield


@pytest.mark.usefixtures("service_time")
async def test_the_client_books_retries_and_looks_up(
    client: TestClient[Any, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
) -> None:
    """What the integration builds and signs is booked once; its retry and look-up read the same."""
    secret = await register(client)
    ticket = build_ticket(
        _relay_failure(),
        Appliance(APPLIANCE["manufacturer"], APPLIANCE["model"], APPLIANCE["serial"]),
        Customer(
            "madrid-centro",
            "es",
            "+34600000000",
            # The owner would rather have the visit on weekday evenings (UTC here).
            visit_windows(
                datetime.fromtimestamp(MONDAY_9AM, UTC),
                "16:00",
                "20:00",
                ["mon", "tue", "wed", "thu", "fri"],
            ),
        ),
        time_to_unsafe_s=None,  # food safe for now: the evening window is before the deadline
        version="0.1.0",
    )
    async with ClientSession() as session:
        ticket_client = TicketClient(session, str(client.make_url("/")), secret)
        first = await ticket_client.async_send(ticket)
        assert isinstance(first, Answered), first
        answer = first.answer
        assert answer["status"] == "booked"
        assert answer["triage"]["part"] == "FC-P-2002 start relay PTC"  # FC-FD: french door
        assert answer["booking"]["zone"] == "madrid-centro"
        start = datetime.fromisoformat(answer["booking"]["start"])
        assert start.date() == datetime.fromtimestamp(MONDAY_9AM, UTC).date()  # critical: today
        assert start.hour >= 16  # in the owner's preferred evening window
        assert "relé de arranque" in answer["notice"]  # the customer's language

        clock.now += 40  # the coordinator's retry: signed again, later
        assert await ticket_client.async_send(ticket) == Answered(answer)

        clock.now += 1800  # the follow-up: a signed GET with an empty body
        state = await ticket_client.async_look_up(ticket["ticket_id"])
        assert isinstance(state, Answered), state
        assert state.answer["booking"] == answer["booking"]


# --- the ticket coordinator inside Home Assistant, against the real service ----------------


async def _fridge(hass: HomeAssistant, service: TestClient[Any, Any]) -> MockConfigEntry:
    """The registered FridgeCo fridge, loaded in Home Assistant, sending to ``service``."""
    await hass.config.async_set_time_zone("Europe/Madrid")
    secret = await register(service)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="FridgeCo fridge",
        unique_id="fridgeco:sn-0001",
        data={
            "name": "FridgeCo fridge",
            "manufacturer": APPLIANCE["manufacturer"],
            "model": APPLIANCE["model"],
            "serial_number": APPLIANCE["serial"],
            "fridge_temp": "sensor.fridge_temperature",
            "compressor_power": "sensor.fridge_plug_power",
            "service_url": str(service.make_url("/")),
            "signing_secret": secret,
            "service_zone": "madrid-centro",
        },
        options=OPTIONS,
    )
    await async_setup_integration(hass, entry)
    return entry


async def _later(hass: HomeAssistant, clock: Clock, seconds: float) -> None:  # noqa: F811
    """Move the shared clock, and run every timer.

    The loop's clock keeps real time, so due timers cannot be told apart: all fire, and each
    checks the (moved) time itself, as it would if it fired late.
    """
    clock.now += seconds
    async_fire_time_changed(hass, fire_all=True)
    await settle(hass)


async def _visits(hass: HomeAssistant) -> list[dict[str, Any]]:
    return await async_calendar_events(hass, CALENDAR, "2026-06-01T00:00:00Z", days=8)


async def _console(
    service: TestClient[Any, Any], ticket_id: str, action: str, pick: int | None = None
) -> None:
    """Do what a dispatcher does in the console: book another slot, or close."""
    async with service.app[RUNTIME].database.read() as conn:  # ticket ids are per appliance
        (row,) = await repository.tickets_with_id(conn, ticket_id)
    url = f"/console/tickets/{row.key.appliance_id}/{ticket_id}"
    page = await (await service.get(url)).text()
    form = {"csrf": re.search(r'name="csrf" value="([^"]+)"', page).group(1)}  # type: ignore[union-attr]
    if pick is not None:
        form["slot"] = re.findall(r'<option value="([^"]+)">', page)[pick]
    response = await service.post(f"{url}/{action}", data=form)
    assert response.status == 200, await response.text()


@pytest.mark.usefixtures("service_time")
async def test_a_fault_booked_moved_and_cancelled_by_the_real_service(
    hass: HomeAssistant,
    staged_faults: StagedFaults,
    client: TestClient[Any, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
) -> None:
    """The ticket is booked; the visit shows in the sensors, the notification and the calendar
    in the home's time; the dispatcher's reschedule and cancellation reach home too."""
    entry = await _fridge(hass, client)
    staged_faults.time_to_unsafe_s = None  # the food is safe: a visit later today will do
    await staged_faults.async_report(hass, entry, _relay_failure())
    tickets = entry.runtime_data.tickets
    assert isinstance(tickets, TicketCoordinator)
    assert hass.states.get(TICKET_SENSOR).state == "booked"
    (visit,) = await _visits(hass)
    start = datetime.fromisoformat(visit["start"])
    assert start.date() == datetime.fromtimestamp(MONDAY_9AM, UTC).date()  # critical: today
    assert f"comes today at {_madrid(start)}" in fault_message(
        hass, entry, "compressor_start_failure"
    )

    await login(client)
    await _console(client, tickets.data.current.ticket_id, "book", pick=3)  # type: ignore[union-attr]
    await _later(hass, clock, FOLLOW_UP_INTERVAL.total_seconds())
    (moved,) = await _visits(hass)
    assert moved["start"] != visit["start"]
    assert _madrid(datetime.fromisoformat(moved["start"])) in fault_message(
        hass, entry, "compressor_start_failure"
    )

    await _console(client, tickets.data.current.ticket_id, "close")  # type: ignore[union-attr]
    await _later(hass, clock, FOLLOW_UP_INTERVAL.total_seconds())
    assert hass.states.get(TICKET_SENSOR).state == "closed"
    assert await _visits(hass) == []  # closed before the visit: cancelled


def _madrid(at: datetime) -> str:
    """A visit's time of day in Madrid, as the notification says it."""
    return at.astimezone(ZoneInfo("Europe/Madrid")).strftime("%H:%M")


@pytest.fixture
async def shedding_service(
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[Any, Any]]],
    settings: Settings,  # noqa: F811
    clock: Clock,  # noqa: F811
) -> TestClient[Any, Any]:
    """The real service behind a gate that sheds the first ticket with 429 and Retry-After.

    The service itself does not shed load yet (#15): the gate stands in for a regional power cut.
    """
    shed = [1]

    @web.middleware
    async def gate(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.method == "POST" and request.path == "/api/v1/tickets" and shed[0]:
            shed[0] -= 1
            return web.json_response(
                {"type": "about:blank", "title": "Too many requests", "status": 429},
                status=429,
                headers={"Retry-After": "120"},
            )
        return await handler(request)

    app = create_app(settings, clock=clock, courier_poll_interval=0.05)
    app.middlewares.append(gate)
    return await aiohttp_client(app)


@pytest.mark.usefixtures("service_time")
async def test_a_shedding_service_gets_the_ticket_after_its_retry_after(
    hass: HomeAssistant,
    staged_faults: StagedFaults,
    shedding_service: TestClient[Any, Any],
    clock: Clock,  # noqa: F811
) -> None:
    """429 + Retry-After: 120: nothing is retried before two minutes, the ticket is kept, then
    booked."""
    entry = await _fridge(hass, shedding_service)
    staged_faults.time_to_unsafe_s = None
    await staged_faults.async_report(hass, entry, _relay_failure())
    tickets = entry.runtime_data.tickets
    assert isinstance(tickets, TicketCoordinator)
    assert tickets.delivery.retry_in == 120.0
    assert hass.states.get(TICKET_SENSOR).state == "sending"

    await _later(hass, clock, 100)
    assert hass.states.get(TICKET_SENSOR).state == "sending"
    await _later(hass, clock, 40)  # 140 s: past the wait and its spread (<= 12 s)
    assert hass.states.get(TICKET_SENSOR).state == "booked"
    assert len(await _visits(hass)) == 1
