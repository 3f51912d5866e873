"""Signed ticket intake: verification, validation, idempotency, triage and booking."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import json
from typing import Any

from aiohttp.test_utils import TestClient
import msgspec
import pytest

from tests.webhook_server.conftest import (
    MONDAY_9AM,
    Clock,
    admin_headers,
    book_behind_the_back,
    make_ticket,
    post_ticket,
    register,
    signed_headers,
)
from webhook_server.contract import TICKET_STATE, Problem
from webhook_server.runtime import RUNTIME
from webhook_server.store import repository
from webhook_server.store.base import RetryableTransactionError

FRIDAY_6PM_MADRID = datetime(2026, 6, 5, 16, 0, tzinfo=UTC).timestamp()


def problem_of(body: object) -> Problem:
    return msgspec.convert(body, Problem)


async def test_ticket_is_booked_with_part_and_technician(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    ticket = make_ticket()
    response = await post_ticket(client, secret, ticket)
    assert response.status == 201, await response.text()
    state = TICKET_STATE(await response.json())
    assert state.status == "booked"
    assert state.triage.part == "FC-P-2002 start relay PTC"  # french_door family
    assert state.triage.skill == "electrical"
    booking = state.booking
    assert booking is not None
    # 09:00Z is 11:00 in Madrid; + 1 h lead = 12:00, when Luis's afternoon shift starts.
    assert booking.technician_id == "tech-luis"
    assert booking.start == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    assert booking.end == datetime(2026, 6, 1, 11, 0, tzinfo=UTC)
    assert booking.local_start.isoformat() == "2026-06-01T12:00:00+02:00"  # type: ignore[union-attr]
    assert booking.timezone == "Europe/Madrid"
    assert "today at 12 pm" in state.notice
    assert response.headers["Location"] == f"/api/v1/tickets/{ticket['ticket_id']}"


async def test_same_ticket_twice_gives_one_ticket_and_same_answer(
    client: TestClient[Any, Any],
) -> None:
    secret = await register(client)
    ticket = make_ticket()
    first = await post_ticket(client, secret, ticket)
    second = await post_ticket(client, secret, ticket, at=MONDAY_9AM + 30)
    assert (first.status, second.status) == (201, 200)
    assert await first.read() == await second.read()


async def test_same_id_different_body_is_a_422_problem(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    ticket = make_ticket()
    await post_ticket(client, secret, ticket)
    ticket["fault"]["summary"] = "something else"
    response = await post_ticket(client, secret, ticket)
    assert response.status == 422
    assert response.content_type == "application/problem+json"
    problem = problem_of(await response.json())
    assert problem.type == "urn:fridgecare:problem:idempotency-key-reused"


async def test_concurrent_duplicates_one_booked_other_told_to_retry(
    client: TestClient[Any, Any],
) -> None:
    secret = await register(client)
    ticket = make_ticket()
    # Several workers each sign their own attempt (a new timestamp): retries, not replays.
    answers = await asyncio.gather(
        *(post_ticket(client, secret, ticket, at=MONDAY_9AM + i) for i in range(4))
    )
    statuses = sorted(answer.status for answer in answers)
    assert statuses.count(201) == 1
    assert set(statuses) <= {200, 201, 409}
    for answer in answers:
        if answer.status == 409:
            assert (await answer.json())["type"] == "urn:fridgecare:problem:request-in-progress"
    status = await client.get(f"/api/v1/tickets/{ticket['ticket_id']}", headers=admin_headers())
    assert (await status.json())["status"] == "booked"


async def test_critical_ticket_books_today(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    response = await post_ticket(
        client, secret, make_ticket(fault__severity="critical", fault__code="cooling_failure")
    )
    state = await response.json()
    assert state["triage"]["deadline"] == "2026-06-01T21:59:59Z"  # the end of the day in Madrid
    assert state["triage"]["local_deadline"] == "2026-06-01T23:59:59+02:00"
    assert state["booking"]["start"].startswith("2026-06-01")


UNSAFE_SOON = {"fault__code": "cooling_failure", "fault__time_to_unsafe_s": 600.0}
"""Unsafe at 09:05 UTC: nobody can arrive in time (the earliest visit is 10:00, after the lead)."""


@pytest.mark.parametrize(
    ("language", "notice"),
    [
        (
            "en",
            "Hello, we detected that your fridge has stopped cooling properly. No technician is"
            " free in time, so one will come today at 12:30 pm to repair the cooling circuit."
            " Keep the doors shut: a full freezer stays frozen about 48 h, the fridge until today"
            " at 11:05 am. Before then, move meat, fish and dairy somewhere cold.",
        ),
        (
            "es",
            "Hola, detectamos que tu nevera ha dejado de enfriar bien. Ningún técnico llega a"
            " tiempo: pasará uno hoy a las 12:30 para reparar el circuito de frío. Mantén las"
            " puertas cerradas: un congelador lleno aguanta unas 48 h; la nevera, hasta hoy a las"
            " 11:05. Antes, lleva carne, pescado y lácteos a otro sitio frío.",
        ),
    ],
)
async def test_no_slot_by_the_deadline_books_the_earliest_one_after_it(
    client: TestClient[Any, Any], language: str, notice: str
) -> None:
    """The food is unsafe at 09:05: Ana's 12:30 (Madrid) slot is booked at once, marked late."""
    secret = await register(client)
    ticket = make_ticket(**UNSAFE_SOON, customer__language=language)
    state = await (await post_ticket(client, secret, ticket)).json()
    assert state["status"] == "booked"
    assert state["triage"]["deadline"] == "2026-06-01T09:05:00Z"
    assert (state["booking"]["technician_id"], state["booking"]["start"]) == (
        "tech-ana",
        "2026-06-01T10:30:00Z",
    )
    assert state["notice"] == notice


async def test_no_late_booking_leaves_it_to_a_dispatcher(
    client_booking_nothing_late: TestClient[Any, Any],
) -> None:
    """``late_booking_hours: 0``: nothing by the deadline is ``needs_dispatch``, as before."""
    secret = await register(client_booking_nothing_late)
    response = await post_ticket(client_booking_nothing_late, secret, make_ticket(**UNSAFE_SOON))
    state = await response.json()
    assert state["status"] == "needs_dispatch"
    assert state["booking"] is None
    assert "will call you" in state["notice"]


async def test_no_slot_within_the_late_window_needs_dispatch(
    client: TestClient[Any, Any], clock: Clock
) -> None:
    """Barcelona, Friday 18:00: Marta's next slot, Monday 09:00, is 63 h after the deadline."""
    clock.now = FRIDAY_6PM_MADRID
    secret = await register(client)
    ticket = make_ticket(
        **UNSAFE_SOON,
        customer__zone="barcelona",
        fault__detected_at=datetime.fromtimestamp(FRIDAY_6PM_MADRID, UTC).isoformat(),
    )
    state = await (await post_ticket(client, secret, ticket, at=FRIDAY_6PM_MADRID)).json()
    assert (state["status"], state["booking"]) == ("needs_dispatch", None)
    assert "will call you" in state["notice"]
    async with client.app[RUNTIME].database.read() as conn:
        (row,) = await repository.tickets_with_id(conn, ticket["ticket_id"])
    free = await client.app[RUNTIME].dispatcher.free_slots(row.key, clock.now)
    assert free[0].slot.start == datetime(2026, 6, 8, 7, 0, tzinfo=UTC)  # Monday 09:00, Madrid


async def test_unknown_fault_code_goes_to_human_review(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    response = await post_ticket(client, secret, make_ticket(fault__code="ice_maker_jam"))
    state = await response.json()
    assert (response.status, state["status"], state["booking"]) == (201, "human_review", None)
    assert state["triage"]["known_fault"] is False


async def test_no_technician_in_zone_escalates(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    response = await post_ticket(client, secret, make_ticket(customer__zone="lisboa"))
    assert (await response.json())["status"] == "needs_dispatch"


async def test_spanish_customer_gets_spanish_notice(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    response = await post_ticket(client, secret, make_ticket(customer__language="es"))
    notice = (await response.json())["notice"]
    assert notice == (
        "Hola, detectamos que el compresor de tu nevera no consigue arrancar. Un técnico pasará"
        " hoy a las 12:00 para cambiar el relé de arranque del compresor. Mientras tanto, mantén"
        " la puerta de la nevera cerrada."
    )


async def test_preferred_window_is_honoured(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    window = {"start": "2026-06-02T14:00:00Z", "end": "2026-06-02T16:00:00Z"}
    response = await post_ticket(client, secret, make_ticket(customer__preferred_windows=[window]))
    booking = (await response.json())["booking"]
    assert "2026-06-02T14:00:00Z" <= booking["start"] <= "2026-06-02T15:00:00Z"


async def test_bookings_never_share_a_technician_slot(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    tickets = [make_ticket(fault__severity="info") for _ in range(30)]  # a week to book in
    answers = await asyncio.gather(*(post_ticket(client, secret, t) for t in tickets))
    bookings = [(await a.json())["booking"] for a in answers]
    slots = [(b["technician_id"], b["start"]) for b in bookings if b]
    assert len(slots) == len(set(slots)) == 30


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"fault__confidence": 1.5}, "/fault/confidence"),
        ({"fault__severity": "urgent"}, "/fault/severity"),
        ({"fault__onset_at": "yesterday"}, "/fault/onset_at"),
        ({"fault__onset_at": "2026-06-01T06:00:00"}, "/fault/onset_at"),
        ({"fault__evidence": {"duty_cycle": "high"}}, "/fault/evidence/*"),
        ({"customer__language": "fr"}, "/customer/language"),
        ({"ticket_id": "has spaces"}, "/ticket_id"),
        ({"surprise": 1}, "/"),
    ],
)
async def test_invalid_ticket_is_a_422_naming_the_field(
    client: TestClient[Any, Any], change: dict[str, Any], path: str
) -> None:
    secret = await register(client)
    response = await post_ticket(client, secret, make_ticket(**change))
    assert response.status == 422
    problem = problem_of(await response.json())
    assert problem.type == "urn:fridgecare:problem:validation-failed"
    assert isinstance(problem.errors, list)
    assert path in [error.path for error in problem.errors]


async def test_get_status_signed_by_appliance(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    ticket = make_ticket()
    created = await (await post_ticket(client, secret, ticket)).json()
    headers = signed_headers(secret, "", msg_id="status-1")
    response = await client.get(f"/api/v1/tickets/{ticket['ticket_id']}", headers=headers)
    assert response.status == 200
    assert await response.json() == created
    unsigned = await client.get(f"/api/v1/tickets/{ticket['ticket_id']}")
    assert unsigned.status == 401
    missing = await client.get("/api/v1/tickets/nope", headers=admin_headers())
    assert missing.status == 404


async def test_bad_requests_are_problems_not_crashes(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    headers = signed_headers(secret, "{not json")
    response = await client.post("/api/v1/tickets", data="{not json", headers=headers)
    assert (response.status, response.content_type) == (400, "application/problem+json")

    response = await client.post(
        "/api/v1/tickets", data="x", headers={"Content-Type": "text/plain"}
    )
    assert response.status == 415

    big = json.dumps(make_ticket(fault__summary="x" * 70_000))
    response = await client.post("/api/v1/tickets", data=big, headers=signed_headers(secret, big))
    assert response.status == 413
    assert (await response.json())["type"] == "urn:fridgecare:problem:payload-too-large"

    response = await client.get("/api/v1/nothing-here")
    assert response.status == 404
    assert response.content_type == "application/problem+json"
    response = await client.delete("/api/v1/health")
    assert response.status == 405


async def test_concurrent_tickets_share_commits(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    intake = client.app[RUNTIME].intake
    before = intake.batches
    answers = await asyncio.gather(*(post_ticket(client, secret, make_ticket()) for _ in range(40)))
    assert all(answer.status == 201 for answer in answers)
    assert intake.batches - before < 40  # group commit: fewer transactions than tickets


async def test_storage_failure_is_a_500_problem_and_nothing_is_acknowledged(
    client: TestClient[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    secret = await register(client)
    await post_ticket(client, secret, make_ticket())  # warm the key cache
    await client.app[RUNTIME].database.close()
    response = await post_ticket(client, secret, make_ticket())
    assert response.status == 500
    assert (await response.json())["type"] == "urn:fridgecare:problem:internal-error"
    assert "group commit failed" in caplog.text
    health = await client.get("/api/v1/health")
    assert health.status == 503
    assert (await health.json())["database"] == "unavailable"


async def test_slot_taken_behind_the_service_back_is_not_double_booked(
    client: TestClient[Any, Any],
) -> None:
    """Another process books the slot this one believes free: the batch retries ticket by ticket."""
    secret = await register(client)
    first = await (await post_ticket(client, secret, make_ticket())).json()
    assert (first["booking"]["technician_id"], first["booking"]["start"]) == (
        "tech-luis",
        "2026-06-01T10:00:00Z",
    )
    taken_at = int(datetime(2026, 6, 1, 10, 30, tzinfo=UTC).timestamp())  # Ana's 12:30
    async with client.app[RUNTIME].database.transaction() as conn:  # "another process"
        await book_behind_the_back(conn, "tech-ana", taken_at)
    second = await (await post_ticket(client, secret, make_ticket())).json()
    booking = second["booking"]
    assert (booking["technician_id"], booking["start"]) == ("tech-luis", "2026-06-01T11:30:00Z")


async def _stored_ids(client: TestClient[Any, Any]) -> list[str]:
    async with client.app[RUNTIME].database.read() as conn:
        return [row["ticket_id"] for row in await conn.fetch("SELECT ticket_id FROM tickets")]


async def test_a_deadlocked_write_is_tried_again_and_stored_once(
    client: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database gives up on a write (deadlock): the batch goes again, then ticket by ticket."""
    secret = await register(client)
    real = repository.insert_tickets
    failures = iter(range(4))  # every batch attempt and the first lone attempt fail

    async def deadlocking(*args: Any, **kwargs: Any) -> None:
        if next(failures, None) is not None:
            raise RetryableTransactionError("deadlock detected")
        await real(*args, **kwargs)

    monkeypatch.setattr(repository, "insert_tickets", deadlocking)
    ticket = make_ticket()
    response = await post_ticket(client, secret, ticket)
    assert response.status == 201
    assert (await response.json())["status"] == "booked"
    assert await _stored_ids(client) == [ticket["ticket_id"]]


async def test_endless_contention_is_a_503_to_retry_and_stores_nothing(
    client: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = await register(client)

    async def always_deadlocked(*args: Any, **kwargs: Any) -> None:
        raise RetryableTransactionError("deadlock detected")

    monkeypatch.setattr(repository, "insert_tickets", always_deadlocked)
    response = await post_ticket(client, secret, make_ticket())
    assert response.status == 503
    assert "contention" in (await response.json())["detail"]
    assert await _stored_ids(client) == []
