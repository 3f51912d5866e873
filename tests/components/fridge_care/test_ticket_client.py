"""Tests for the ticket client: what each answer of the service means, and how long to wait."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.fridge_care.tickets.client import (
    LONGEST_RETRY_AFTER_S,
    Answered,
    Outcome,
    Refused,
    SignatureRefused,
    TicketClient,
    TryLater,
    retry_after_seconds,
)
from custom_components.fridge_care.tickets.delivery import spread_wait

from .common import SECRET, SERVICE, TICKETS_URL, answer, ticket_of

NOW = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Tue, 14 Nov 2023 22:15:20 GMT", 120.0),
        ("Tue, 14 Nov 2023 22:00:00 GMT", 0.0),  # already past: now
        ("9999999", LONGEST_RETRY_AFTER_S),  # a typo must not park a ticket for months
        ("soon", None),
        ("-5", None),
    ],
)
def test_retry_after_is_read_in_both_forms(header: str | None, seconds: float | None) -> None:
    """Retry-After comes as seconds or as an HTTP date (RFC 9110)."""
    assert retry_after_seconds(header, NOW) == seconds


@pytest.mark.parametrize(
    ("mock", "expected"),
    [
        ({"status": 201, "json": answer(ticket_of())}, Answered(answer(ticket_of()))),
        ({"status": 200, "json": answer(ticket_of())}, Answered(answer(ticket_of()))),
        ({"status": 401, "json": {}}, SignatureRefused()),
        (
            {"status": 429, "json": {}, "headers": {"Retry-After": "30"}},
            TryLater("HTTP 429", 30.0),
        ),
        (
            {"status": 503, "text": "down", "headers": {"Retry-After": "600"}},
            TryLater("HTTP 503", 600.0),
        ),
        ({"status": 409, "json": {"title": "in flight"}}, TryLater("HTTP 409")),
        ({"status": 502, "text": "<html>Bad gateway</html>"}, TryLater("HTTP 502")),
        ({"status": 200, "text": "<html>a captive portal</html>"}, TryLater("HTTP 200")),
        ({"exc": aiohttp.ClientConnectionError("refused")}, TryLater("refused")),
        ({"exc": TimeoutError()}, TryLater("TimeoutError")),
        (
            {"status": 422, "json": {"title": "Invalid ticket", "detail": "unknown zone"}},
            Refused(422, {"title": "Invalid ticket", "detail": "unknown zone"}),
        ),
    ],
)
async def test_every_answer_is_one_of_four_outcomes(
    aioclient_mock: AiohttpClientMocker, mock: dict[str, Any], expected: Outcome
) -> None:
    """Sent or looked up, an answer is answered, try later, a refused signature or a refusal."""
    aioclient_mock.post(TICKETS_URL, **mock)
    aioclient_mock.get(f"{TICKETS_URL}/FC-1", **mock)
    session = aioclient_mock.create_session(asyncio.get_running_loop())
    client = TicketClient(session, SERVICE + "/", SECRET)
    assert await client.async_send(ticket_of()) == expected
    assert await client.async_look_up("FC-1") == expected
    await session.close()


def test_a_refusal_says_why() -> None:
    """The service's own words, else its title, else the status."""
    assert Refused(422, {"title": "Invalid", "detail": "unknown zone"}).detail == "unknown zone"
    assert Refused(422, {"title": "Invalid"}).detail == "Invalid"
    assert Refused(404, None).detail == "404"


def test_waits_are_spread_by_ticket_within_a_tenth() -> None:
    """Fridges told the same wait come back spread over a tenth of it, each always the same."""
    waits = {spread_wait(f"FC-{n:016X}", 120.0) for n in range(200)}
    assert len(waits) == 200
    assert min(waits) >= 120.0
    assert max(waits) <= 132.0
    assert max(waits) - min(waits) > 10.0
    assert spread_wait("FC-1", 120.0) == spread_wait("FC-1", 120.0)
