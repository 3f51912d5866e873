"""Replays: the same signed request twice is refused; a retry signed anew is answered."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import hashlib
import json
from typing import Any

from aiohttp.test_utils import TestClient
import pytest
from standardwebhooks import Webhook

from tests.webhook_server.conftest import (
    MONDAY_9AM,
    Clock,
    make_ticket,
    post_ticket,
    register,
    signed_headers,
)
from webhook_server import intake as intake_module, protocol
from webhook_server.app import create_app
from webhook_server.contract import PROBLEM
from webhook_server.services import SERVICES
from webhook_server.settings import Settings

REPLAYED = "urn:fridgecare:problem:replayed-request"


async def _count(client: TestClient[Any, Any], table: str) -> int:
    async with client.app[SERVICES].database.read() as conn:
        row = await conn.fetchrow(f"SELECT COUNT(*) AS n FROM {table}")
    assert row is not None
    return int(row["n"])


async def _assert_replay_problem(response: Any) -> None:
    assert response.status == 401
    assert response.content_type == "application/problem+json"
    problem = PROBLEM(await response.json())
    assert problem["type"] == REPLAYED
    assert problem["title"] == "This signed request was already received"
    assert "new webhook-timestamp" in problem["detail"]


async def test_exact_replay_is_a_401_problem_and_stores_nothing_more(
    client: TestClient[Any, Any],
) -> None:
    secret = await register(client)
    ticket = make_ticket()
    body = json.dumps(ticket)
    # Signed by the reference implementation, as an appliance would.
    headers = {
        "Content-Type": "application/json",
        "webhook-id": ticket["ticket_id"],
        "webhook-timestamp": str(int(MONDAY_9AM)),
        "webhook-signature": Webhook(secret).sign(
            ticket["ticket_id"], datetime.fromtimestamp(MONDAY_9AM, UTC), body
        ),
    }
    first = await client.post("/api/v1/tickets", data=body, headers=headers)
    assert first.status == 201
    replay = await client.post("/api/v1/tickets", data=body, headers=headers)
    await _assert_replay_problem(replay)
    assert (await _count(client, "tickets"), await _count(client, "notices")) == (1, 1)


async def test_replay_with_reshuffled_signature_header_is_still_a_replay(
    client: TestClient[Any, Any],
) -> None:
    """What is remembered is the signed content, not the header an attacker can rewrite."""
    secret = await register(client)
    body = json.dumps(make_ticket())
    headers = signed_headers(secret, body)
    assert (await client.post("/api/v1/tickets", data=body, headers=headers)).status == 201
    reshuffled = dict(headers, **{"webhook-signature": f"v1,AAAA {headers['webhook-signature']}"})
    await _assert_replay_problem(
        await client.post("/api/v1/tickets", data=body, headers=reshuffled)
    )


async def test_retry_signed_again_gets_the_stored_answer(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    ticket = make_ticket()
    first = await post_ticket(client, secret, ticket)
    await _assert_replay_problem(await post_ticket(client, secret, ticket))
    retry = await post_ticket(client, secret, ticket, at=MONDAY_9AM + 1)
    assert (first.status, retry.status) == (201, 200)
    assert await retry.read() == await first.read()
    # The retry is itself a signed message: sending it once more is a replay too.
    await _assert_replay_problem(await post_ticket(client, secret, ticket, at=MONDAY_9AM + 1))
    changed = dict(ticket, integration_version="0.2.0")
    reused = await post_ticket(client, secret, changed, at=MONDAY_9AM + 2)
    assert reused.status == 422
    assert (await reused.json())["type"] == "urn:fridgecare:problem:idempotency-key-reused"


async def test_concurrent_copies_of_one_signed_request_are_one_ticket(
    client: TestClient[Any, Any],
) -> None:
    secret = await register(client)
    ticket = make_ticket()
    answers = await asyncio.gather(*(post_ticket(client, secret, ticket) for _ in range(4)))
    assert sorted(answer.status for answer in answers) == [201, 401, 401, 401]
    for answer in answers:
        if answer.status == 401:
            await _assert_replay_problem(answer)
    assert await _count(client, "tickets") == 1


async def test_replayed_signed_status_read_is_a_401(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    ticket = make_ticket()
    created = await (await post_ticket(client, secret, ticket)).json()
    path = f"/api/v1/tickets/{ticket['ticket_id']}"
    headers = signed_headers(secret, "", msg_id="status-1", at=MONDAY_9AM + 5)
    read = await client.get(path, headers=headers)
    assert read.status == 200
    assert await read.json() == created
    await _assert_replay_problem(await client.get(path, headers=headers))
    again = signed_headers(secret, "", msg_id="status-1", at=MONDAY_9AM + 6)
    assert (await client.get(path, headers=again)).status == 200
    copies = await asyncio.gather(
        *(client.get(path, headers=signed_headers(secret, "", msg_id="s-2")) for _ in range(3))
    )
    assert sorted(copy.status for copy in copies) == [200, 401, 401]


async def test_remembered_messages_are_pruned_after_the_tolerance(
    client: TestClient[Any, Any], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = await register(client)
    tickets = [make_ticket() for _ in range(5)]
    for ticket in tickets:
        assert (await post_ticket(client, secret, ticket)).status == 201
    assert await _count(client, "signed_messages") == 5

    # Still inside tolerance + slack: nothing may be forgotten yet, replays stay refused.
    clock.now = MONDAY_9AM + protocol.TOLERANCE_SECONDS
    await _assert_replay_problem(await post_ticket(client, secret, tickets[0]))
    assert (await post_ticket(client, secret, make_ticket(), at=clock.now)).status == 201
    assert await _count(client, "signed_messages") == 6

    # Past it (and the prune interval): the old ones go, a few at a time when there are many.
    monkeypatch.setattr(intake_module, "PRUNE_LIMIT", 3)
    clock.now = MONDAY_9AM + 2 * protocol.TOLERANCE_SECONDS
    late = clock.now
    assert (await post_ticket(client, secret, make_ticket(), at=late)).status == 201
    assert await _count(client, "signed_messages") == 4  # 3 of the 5 old ones pruned
    assert (await post_ticket(client, secret, make_ticket(), at=late)).status == 201
    assert await _count(client, "signed_messages") == 3  # the 2 others pruned at once
    # A pruned message cannot come back: its timestamp is outside the tolerance now.
    stale = await post_ticket(client, secret, tickets[0])
    assert stale.status == 401
    assert (await stale.json())["type"] == "urn:fridgecare:problem:invalid-signature"


async def test_replay_to_another_instance_on_the_same_database_is_refused(
    aiohttp_client: Any, settings: Settings, clock: Clock
) -> None:
    """Two service instances (as two processes would) on one database share what they saw."""
    first = await aiohttp_client(create_app(settings, clock=clock))
    second = await aiohttp_client(create_app(settings, clock=clock))
    secret = await register(first)
    ticket = make_ticket()
    body = json.dumps(ticket)
    headers = signed_headers(secret, body, msg_id=ticket["ticket_id"])
    created = await first.post("/api/v1/tickets", data=body, headers=headers)
    assert created.status == 201
    await _assert_replay_problem(await second.post("/api/v1/tickets", data=body, headers=headers))
    retry = await post_ticket(second, secret, ticket, at=MONDAY_9AM + 1)
    assert retry.status == 200
    assert await retry.read() == await created.read()

    path = f"/api/v1/tickets/{ticket['ticket_id']}"
    read = signed_headers(secret, "", msg_id="status-1", at=MONDAY_9AM + 2)
    assert (await second.get(path, headers=read)).status == 200
    await _assert_replay_problem(await first.get(path, headers=read))
    assert await _count(first, "tickets") == 1


def test_verify_names_the_signed_content() -> None:
    secret = protocol.new_signing_secret()
    body = b'{"a": 1}'
    signature = protocol.signature_headers(secret, "msg_1", 1_780_000_000, body)[
        "webhook-signature"
    ]
    headers = {"webhook-id": "msg_1", "webhook-timestamp": "1780000000"}
    keys = [protocol.signing_key(secret)]
    message = protocol.verify(
        headers | {"webhook-signature": signature}, body, keys, now=1_780_000_000
    )
    assert message == protocol.SignedMessage(
        "msg_1", 1_780_000_000, hashlib.sha256(b"msg_1.1780000000." + body).hexdigest()
    )
    extra = f"v1,AAAA {signature}"
    assert protocol.verify(headers | {"webhook-signature": extra}, body, keys, now=1_780_000_000)
    assert message == protocol.verify(
        headers | {"webhook-signature": extra}, body, keys, now=1_780_000_000
    )
