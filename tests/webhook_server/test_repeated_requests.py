"""The same signed request again: a ticket's is an idempotent repeat, a status read's a 409.

A client that timed out sends the very same bytes again; that must get the stored answer (200),
or 409 while the first is still in hand, never the 401 a client takes for a refused secret.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import hashlib
import json
from typing import Any

from aiohttp.test_utils import TestClient
import msgspec
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
from webhook_server import protocol, signed_messages
from webhook_server.app import create_app
from webhook_server.contract import Problem
from webhook_server.runtime import RUNTIME
from webhook_server.settings import Settings

DUPLICATE = "urn:fridgecare:problem:duplicate-signed-message"


async def _count(client: TestClient[Any, Any], table: str) -> int:
    async with client.app[RUNTIME].database.read() as conn:
        row = await conn.fetchrow(f"SELECT COUNT(*) AS n FROM {table}")
    assert row is not None
    return int(row["n"])


async def _assert_duplicate_read(response: Any) -> None:
    assert response.status == 409
    assert response.content_type == "application/problem+json"
    problem = msgspec.convert(await response.json(), Problem)
    assert problem.type == DUPLICATE
    assert "new webhook-timestamp" in str(problem.detail)


async def test_twenty_identical_signed_deliveries_at_once_make_one_ticket_and_no_401(
    client: TestClient[Any, Any],
) -> None:
    """Hostile test #9: 20 byte-identical deliveries got 1 x 201 and 19 x 401."""
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
    answers = await asyncio.gather(
        *(client.post("/api/v1/tickets", data=body, headers=headers) for _ in range(20))
    )
    statuses = [answer.status for answer in answers]
    assert statuses.count(201) == 1
    assert set(statuses) <= {200, 201, 409}, statuses
    first = next(answer for answer in answers if answer.status == 201)
    for answer in answers:
        if answer.status == 200:
            assert await answer.read() == await first.read()
        if answer.status == 409:
            assert (await answer.json())["type"] == "urn:fridgecare:problem:request-in-progress"
    late = await client.post("/api/v1/tickets", data=body, headers=headers)
    assert late.status == 200  # the same bytes after the answer: the stored answer
    assert await late.read() == await first.read()
    assert (await _count(client, "tickets"), await _count(client, "customer_messages")) == (1, 1)


async def test_a_retry_signed_anew_gets_the_stored_answer_and_a_changed_one_is_refused(
    client: TestClient[Any, Any],
) -> None:
    secret = await register(client)
    ticket = make_ticket()
    first = await post_ticket(client, secret, ticket)
    retry = await post_ticket(client, secret, ticket, at=MONDAY_9AM + 1)
    assert (first.status, retry.status) == (201, 200)
    assert await retry.read() == await first.read()
    reordered = json.dumps(json.loads(json.dumps(ticket)), sort_keys=True, indent=2)
    headers = signed_headers(secret, reordered, msg_id=ticket["ticket_id"], at=MONDAY_9AM + 2)
    same = await client.post("/api/v1/tickets", data=reordered, headers=headers)
    assert same.status == 200  # the same ticket, written differently
    changed = dict(ticket, integration_version="0.2.0")
    reused = await post_ticket(client, secret, changed, at=MONDAY_9AM + 3)
    assert reused.status == 422
    assert (await reused.json())["type"] == "urn:fridgecare:problem:idempotency-key-reused"


async def test_the_same_signed_status_read_again_is_a_409_never_a_401(
    client: TestClient[Any, Any],
) -> None:
    secret = await register(client)
    ticket = make_ticket()
    created = await (await post_ticket(client, secret, ticket)).json()
    path = f"/api/v1/tickets/{ticket['ticket_id']}"
    headers = signed_headers(secret, "", msg_id="status-1", at=MONDAY_9AM + 5)
    read = await client.get(path, headers=headers)
    assert read.status == 200
    assert await read.json() == created
    await _assert_duplicate_read(await client.get(path, headers=headers))
    reshuffled = dict(headers, **{"webhook-signature": f"v1,AAAA {headers['webhook-signature']}"})
    await _assert_duplicate_read(await client.get(path, headers=reshuffled))
    again = signed_headers(secret, "", msg_id="status-1", at=MONDAY_9AM + 6)
    assert (await client.get(path, headers=again)).status == 200
    copies = await asyncio.gather(
        *(client.get(path, headers=signed_headers(secret, "", msg_id="s-2")) for _ in range(3))
    )
    assert sorted(copy.status for copy in copies) == [200, 409, 409]


async def test_remembered_reads_are_pruned_after_the_tolerance(
    client: TestClient[Any, Any], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = await register(client)
    ticket = make_ticket()
    assert (await post_ticket(client, secret, ticket)).status == 201
    path = f"/api/v1/tickets/{ticket['ticket_id']}"

    async def read(msg_id: str, at: float) -> Any:
        return await client.get(path, headers=signed_headers(secret, "", msg_id=msg_id, at=at))

    for number in range(5):
        assert (await read(f"r-{number}", MONDAY_9AM)).status == 200
    assert await _count(client, "signed_messages") == 5

    # Still inside tolerance + slack: nothing may be forgotten yet, copies stay refused.
    clock.now = MONDAY_9AM + protocol.TOLERANCE_SECONDS
    await _assert_duplicate_read(await read("r-0", MONDAY_9AM))
    assert (await read("r-5", clock.now)).status == 200
    assert await _count(client, "signed_messages") == 6

    # Past it (and the prune interval): the old ones go, a few at a time when there are many.
    monkeypatch.setattr(signed_messages, "PRUNE_LIMIT", 3)
    clock.now = MONDAY_9AM + 2 * protocol.TOLERANCE_SECONDS
    assert (await read("r-6", clock.now)).status == 200
    assert await _count(client, "signed_messages") == 4  # 3 of the 5 old ones pruned
    assert (await read("r-7", clock.now)).status == 200
    assert await _count(client, "signed_messages") == 3  # the 2 others pruned at once
    # A pruned message cannot come back: its timestamp is outside the tolerance now.
    stale = await read("r-0", MONDAY_9AM)
    assert stale.status == 401
    assert (await stale.json())["type"] == "urn:fridgecare:problem:invalid-signature"


async def test_another_instance_on_the_same_database_knows_the_read_and_the_ticket(
    settings: Settings, clock: Clock, aiohttp_client: Any
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
    repeat = await second.post("/api/v1/tickets", data=body, headers=headers)
    assert repeat.status == 200
    assert await repeat.read() == await created.read()

    path = f"/api/v1/tickets/{ticket['ticket_id']}"
    read = signed_headers(secret, "", msg_id="status-1", at=MONDAY_9AM + 2)
    assert (await second.get(path, headers=read)).status == 200
    await _assert_duplicate_read(await first.get(path, headers=read))
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
    assert message == protocol.verify(
        headers | {"webhook-signature": extra}, body, keys, now=1_780_000_000
    )
