"""The integration's tickets, built and signed by its own code, against the real service.

The integration's tests check its tickets against the contract with a mocked service; here the
real service (SQLite and PostgreSQL) takes them: one ticket books a technician in the owner's
preferred hours, the integration's retry gets the same answer, and its signed status look-up
reads the booking back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient
import orjson
import pytest

from custom_components.fridge_care.tickets.payload import (
    Appliance,
    Customer,
    build_ticket,
    visit_windows,
)
from custom_components.fridge_care.tickets.protocol import signature_headers
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

TICKETS_PATH = "/api/v1/tickets"


def _relay_failure_ticket() -> dict[str, Any]:
    episode = relay_failure(
        f"compressor_start_failure-{int(MONDAY_9AM)}-SN-0001",
        onset_at=MONDAY_9AM - 1800,
        detected_at=MONDAY_9AM - 600,
    )
    return build_ticket(
        episode,
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


@pytest.mark.usefixtures("socket_enabled")  # the service listens on 127.0.0.1
async def test_integration_ticket_is_booked_retried_and_looked_up(
    client: TestClient[Any, Any],  # noqa: F811
    clock: Clock,  # noqa: F811
) -> None:
    """What the integration sends is booked once; its retry and its look-up read the same."""
    secret = await register(client)
    ticket = _relay_failure_ticket()
    body = orjson.dumps(ticket)  # as Home Assistant's json_bytes writes it

    def signed(payload: bytes) -> dict[str, str]:
        return signature_headers(secret, ticket["ticket_id"], int(clock()), payload)

    first = await client.post(
        TICKETS_PATH, data=body, headers={"Content-Type": "application/json", **signed(body)}
    )
    assert first.status == 201, await first.text()
    answer = await first.json()
    assert answer["status"] == "booked"
    assert answer["triage"]["part"] == "FC-P-2002 start relay PTC"  # FC-FD: french door
    assert answer["booking"]["zone"] == "madrid-centro"
    start = datetime.fromisoformat(answer["booking"]["start"])
    assert start.date() == datetime.fromtimestamp(MONDAY_9AM, UTC).date()  # critical: today
    assert start.hour >= 16  # in the owner's preferred evening window
    assert "relé de arranque" in answer["notice"]  # the customer's language

    clock.now += 40  # the outbox's retry: signed again, later
    again = await client.post(
        TICKETS_PATH, data=body, headers={"Content-Type": "application/json", **signed(body)}
    )
    assert again.status == 200
    assert await again.json() == answer

    clock.now += 1800  # the follow-up: a signed GET with an empty body
    state = await client.get(f"{TICKETS_PATH}/{ticket['ticket_id']}", headers=signed(b""))
    assert state.status == 200, await state.text()
    assert (await state.json())["booking"] == answer["booking"]
