"""Customer messages: queued with the ticket, delivered by the courier, retried on failure."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
import msgspec

from tests.webhook_server.conftest import Clock, make_ticket, post_ticket, register
from webhook_server.app import create_app
from webhook_server.message_delivery import email_of
from webhook_server.runtime import RUNTIME
from webhook_server.settings import Settings
from webhook_server.store.rows import CustomerMessageRow


class Gateway:
    """A real HTTP SMS gateway on loopback that fails the first ``failures`` calls."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[tuple[str, dict[str, Any]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=503)
        self.received.append((request.headers["Idempotency-Key"], await request.json()))
        return web.json_response({"queued": True}, status=202)


async def _message_rows(client: TestClient[Any, Any]) -> list[dict[str, Any]]:
    async with client.app[RUNTIME].database.read() as conn:
        return await conn.fetch("SELECT * FROM customer_messages ORDER BY message_id")


async def test_default_channel_records_message_as_sent(client: TestClient[Any, Any]) -> None:
    """The console's delivery is the stored row: sent with the ticket, nothing left to do."""
    courier = client.app[RUNTIME].courier
    await courier.stop()
    secret = await register(client)
    await post_ticket(client, secret, make_ticket())
    rows = await _message_rows(client)
    assert (rows[0]["status"], rows[0]["channel"]) == ("sent", "console")
    assert rows[0]["sent_at"] == rows[0]["created_at"]
    assert "A technician will come today at 12 pm" in rows[0]["sms"]
    email = email_of(msgspec.convert(rows[0], CustomerMessageRow))
    assert "Luis Romero will come on Monday 1 June 2026" in email.email_body
    assert await courier.deliver_due() == 0


async def test_gateway_failures_are_retried_then_delivered(
    settings: Settings, clock: Clock, aiohttp_client: Any
) -> None:
    gateway = Gateway(failures=2)
    app = web.Application()
    app.router.add_post("/sms", gateway.handle)
    async with TestServer(app) as server:
        url = str(server.make_url("/sms"))
        client = await aiohttp_client(create_app(replace(settings, gateway_url=url), clock=clock))
        courier = client.app[RUNTIME].courier
        await courier.stop()  # the test drives delivery passes itself
        secret = await register(client)
        ticket = make_ticket(customer__language="es")
        await post_ticket(client, secret, ticket)
        for _ in range(3):
            await courier.deliver_due()
            clock.now += 3600  # past any backoff
        rows = await _message_rows(client)
    assert [(r["status"], r["attempts"], r["channel"]) for r in rows] == [("sent", 3, "http")]
    assert len(gateway.received) == 1
    key, body = gateway.received[0]
    assert key == f"message-{rows[0]['message_id']}"
    assert body["to"] == "+34600000000"
    assert body["language"] == "es"
    assert body["ticket_id"] == ticket["ticket_id"]
    assert body["sms"] == body["text"] == rows[0]["sms"]
    assert body["sms"].startswith("Hola, detectamos que el compresor de tu nevera")
    assert body["email_subject"] == "Visita técnica para tu nevera: hoy a las 12:00"
    assert "de 12:00 a 13:00 (hora local, CEST)" in body["email_body"]


async def test_unreachable_gateway_gives_up_after_max_attempts(
    settings: Settings, clock: Clock, aiohttp_client: Any
) -> None:
    dead_end = replace(settings, gateway_url="http://127.0.0.1:9/nothing")
    client = await aiohttp_client(create_app(dead_end, clock=clock))
    courier = client.app[RUNTIME].courier
    await courier.stop()
    secret = await register(client)
    await post_ticket(client, secret, make_ticket())
    for _ in range(8):
        await courier.deliver_due()
        clock.now += 10_000
    rows = await _message_rows(client)
    assert rows[0]["status"] == "failed"
    assert rows[0]["attempts"] == 8
    assert "unreachable" in rows[0]["last_error"]
