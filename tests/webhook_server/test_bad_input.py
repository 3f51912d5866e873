"""Hostile or odd input: a 4xx problem for its sender, never a 500 or a failed batch."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import json
from typing import Any

from aiohttp.test_utils import TestClient
import msgspec
import pytest

from tests.webhook_server.conftest import (
    ADMIN_TOKEN,
    APPLIANCE,
    MONDAY_9AM,
    admin_headers,
    make_ticket,
    post_ticket,
    register,
    signed_headers,
)
from webhook_server import protocol, security
from webhook_server.contract import TICKET, Problem, decode_ticket
from webhook_server.runtime import RUNTIME
from webhook_server.triage import Catalog


async def _stored_ids(client: TestClient[Any, Any]) -> list[str]:
    async with client.app[RUNTIME].database.read() as conn:
        return [row["ticket_id"] for row in await conn.fetch("SELECT ticket_id FROM tickets")]


async def _validation_problem(response: Any) -> list[str]:
    """Assert a 422 validation problem document; return the paths it names."""
    assert (response.status, response.content_type) == (422, "application/problem+json")
    problem = msgspec.convert(await response.json(), Problem)
    assert problem.type == "urn:fridgecare:problem:validation-failed"
    assert isinstance(problem.errors, list)
    return [error.path for error in problem.errors]


def _onset(value: str) -> datetime:
    return decode_ticket(json.dumps(make_ticket(fault__onset_at=value)).encode()).fault.onset_at


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-06-01T08:30:00Z", datetime(2026, 6, 1, 8, 30, tzinfo=UTC)),
        ("2026-06-01t08:30:00z", datetime(2026, 6, 1, 8, 30, tzinfo=UTC)),
        ("2026-06-01T10:30:00.5+02:00", datetime(2026, 6, 1, 8, 30, 0, 500000, tzinfo=UTC)),
        ("2000-01-01T00:00:00+01:00", datetime(1999, 12, 31, 23, 0, tzinfo=UTC)),
        # msgspec also reads RFC 3339's space separator and an offset without its colon
        ("2026-06-01 08:30:00Z", datetime(2026, 6, 1, 8, 30, tzinfo=UTC)),
        ("2026-06-01T10:30:00+0200", datetime(2026, 6, 1, 8, 30, tzinfo=UTC)),
    ],
)
def test_rfc3339_date_times_are_taken(value: str, expected: datetime) -> None:
    assert _onset(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "20260601T083000Z",  # ISO 8601 basic form
        "2026-W23-1T08:30:00Z",  # week date
        "2026-06-01T08:30Z",  # no seconds
        "2026-06-01T08:30:00",  # no offset
        "2026-06-01T08:30:00Z\n",
        "\uff12\uff10\uff12\uff16-06-01T08:30:00Z",  # fullwidth digits
        "2026-13-01T08:30:00Z",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59Z",
        "1999-12-31T23:59:59Z",
        "2101-01-01T00:00:00Z",
    ],
)
def test_other_date_times_are_invalid(value: str) -> None:
    with pytest.raises(msgspec.ValidationError):
        _onset(value)


@pytest.mark.parametrize(
    "change",
    [
        {"fault__onset_at": "0001-01-01T00:00:00+01:00"},
        {"fault__detected_at": "9999-12-31T23:59:59Z", "fault__time_to_unsafe_s": 10},
        {"fault__time_to_unsafe_s": 1e300},
        {"fault__time_to_unsafe_s": 30 * 86400 + 1},
        {
            "customer__preferred_windows": [
                {"start": "0001-01-01T00:00:00Z", "end": "0001-01-01T00:30:00Z"}
            ]
        },
    ],
)
async def test_far_out_dates_and_durations_are_422(
    client: TestClient[Any, Any], change: dict[str, Any]
) -> None:
    secret = await register(client)
    assert await _validation_problem(await post_ticket(client, secret, make_ticket(**change)))
    assert await _stored_ids(client) == []


async def test_longest_time_to_unsafe_is_taken(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    ticket = make_ticket(fault__time_to_unsafe_s=30 * 86400)
    assert (await post_ticket(client, secret, ticket)).status == 201


async def test_a_ticket_whose_planning_fails_fails_alone(
    client: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected error planning one ticket is that ticket's 500; its batch is stored."""
    secret = await register(client)
    await post_ticket(client, secret, make_ticket())  # warm the caches: one batch below
    real = Catalog.triage

    def triage(self: Catalog, ticket: Any, received_at: datetime, timezone: Any) -> Any:
        if ticket.ticket_id == "bad-1":
            raise OverflowError("date value out of range")
        return real(self, ticket, received_at, timezone)

    monkeypatch.setattr(Catalog, "triage", triage)
    intake = client.app[RUNTIME].intake
    before = intake.batches
    tickets = [make_ticket() for _ in range(5)]
    tickets.insert(2, make_ticket(ticket_id="bad-1"))
    answers = await asyncio.gather(*(post_ticket(client, secret, t) for t in tickets))
    assert [answer.status for answer in answers] == [201, 201, 500, 201, 201, 201]
    assert (await answers[2].json())["type"] == "urn:fridgecare:problem:internal-error"
    assert intake.batches - before < len(tickets)  # they did share a batch
    good = {t["ticket_id"] for t in tickets} - {"bad-1"}
    assert good <= set(await _stored_ids(client))
    assert "bad-1" not in await _stored_ids(client)
    failed = [r for r in caplog.records if r.getMessage() == "ticket planning failed"]
    assert [getattr(r, "ticket_id", None) for r in failed] == ["bad-1"]


@pytest.mark.parametrize(
    "change",
    [{"ticket_id": "nl-1\n"}, {"fault__code": "cooling_failure\n"}],
)
async def test_trailing_newline_is_not_a_match(
    client: TestClient[Any, Any], change: dict[str, Any]
) -> None:
    """Python's ``$`` matches before a final newline; the contract means the whole string."""
    secret = await register(client)
    body = json.dumps(make_ticket(**change))
    headers = signed_headers(secret, body, msg_id="nl-1")  # a header can hold no newline
    response = await client.post("/api/v1/tickets", data=body, headers=headers)
    assert await _validation_problem(response)
    assert await _stored_ids(client) == []


def test_the_contract_check_of_json_values_also_refuses_a_trailing_newline() -> None:
    ticket = json.loads(json.dumps(make_ticket(ticket_id="nl-1")))
    assert TICKET(ticket).ticket_id == "nl-1"
    with pytest.raises(msgspec.ValidationError, match="newline"):
        TICKET({**ticket, "ticket_id": "nl-1\n"})


async def test_non_ascii_signature_is_401(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    body = json.dumps(make_ticket())
    headers = signed_headers(secret, body) | {"webhook-signature": "v1,é"}
    response = await client.post("/api/v1/tickets", data=body, headers=headers)
    assert (response.status, response.content_type) == (401, "application/problem+json")


def test_header_bytes_that_are_not_utf8_fail_verification() -> None:
    """aiohttp hands such bytes on as surrogate escapes, which do not encode."""
    secret = protocol.new_signing_secret()
    key = protocol.signing_key(secret)
    stamp = int(MONDAY_9AM)
    headers = {
        "webhook-id": "ab\udcff",
        "webhook-timestamp": str(stamp),
        "webhook-signature": protocol.signature_headers(secret, "ab", stamp, b"")[
            "webhook-signature"
        ],
    }
    with pytest.raises(protocol.SignatureError, match="UTF-8"):
        protocol.verify(headers, b"", [key], now=MONDAY_9AM)
    headers["webhook-signature"] = "v1,\udcff\udcfe"
    with pytest.raises(protocol.SignatureError):
        protocol.verify(headers, b"", [key], now=MONDAY_9AM)


def test_a_token_that_is_not_utf8_or_ascii_matches_nothing() -> None:
    assert not security.same_token("ab\udcff", "ab")
    assert not security.same_token("é", "e")
    assert security.same_token("é", "é")


async def test_non_ascii_admin_token_is_401(client: TestClient[Any, Any]) -> None:
    response = await client.post(
        "/api/v1/appliances", json=APPLIANCE, headers={"Authorization": "Bearer é"}
    )
    assert (response.status, response.content_type) == (401, "application/problem+json")


async def test_unknown_ticket_is_401_without_admin_token(client: TestClient[Any, Any]) -> None:
    """Only the admin learns whether a ticket id exists."""
    secret = await register(client)
    ticket = make_ticket()
    assert (await post_ticket(client, secret, ticket)).status == 201
    for ticket_id in (ticket["ticket_id"], "missing-1"):
        unsigned = await client.get(f"/api/v1/tickets/{ticket_id}")
        assert unsigned.status == 401
        assert (await unsigned.json())["type"] == "urn:fridgecare:problem:invalid-signature"
    signed = await client.get(
        "/api/v1/tickets/missing-1", headers=signed_headers(secret, "", msg_id="read-1")
    )
    assert signed.status == 401
    assert (await signed.json())["type"] == "urn:fridgecare:problem:invalid-signature"
    wrong_token = await client.get(
        "/api/v1/tickets/missing-1", headers={"Authorization": f"Bearer {ADMIN_TOKEN}x"}
    )
    assert wrong_token.status == 401
    missing = await client.get("/api/v1/tickets/missing-1", headers=admin_headers())
    assert missing.status == 404


@pytest.mark.parametrize("zone", ["America", 5, pytest.param("x" * 300, id="long")])
async def test_technician_with_a_bad_time_zone_is_422(
    client: TestClient[Any, Any], zone: object
) -> None:
    roster = {
        "technicians": [
            {"id": "tech-z", "name": "Zed", "zones": ["z"], "skills": ["x"], "timezone": zone}
        ]
    }
    response = await client.put("/api/v1/technicians", json=roster, headers=admin_headers())
    assert (response.status, response.content_type) == (422, "application/problem+json")
    assert (await response.json())["type"] == "urn:fridgecare:problem:validation-failed"
