"""Customer notices: queued with the ticket, delivered by the outbox, retried on failure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
import pytest

from tests.webhook_server.conftest import Clock, make_ticket, post_ticket, register
from webhook_server.app import create_app
from webhook_server.notices import render
from webhook_server.services import SERVICES, Services
from webhook_server.settings import Settings


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


async def _notice_rows(client: TestClient[Any, Any]) -> list[dict[str, Any]]:
    services: Services = client.app[SERVICES]
    async with services.database.read() as conn:
        return await conn.fetch("SELECT * FROM notices ORDER BY notice_id")


async def test_default_channel_records_message_as_sent(client: TestClient[Any, Any]) -> None:
    """The console's delivery is the stored row: sent with the ticket, nothing left to do."""
    outbox = client.app[SERVICES].outbox
    await outbox.stop()
    secret = await register(client)
    await post_ticket(client, secret, make_ticket())
    rows = await _notice_rows(client)
    assert (rows[0]["status"], rows[0]["channel"]) == ("sent", "console")
    assert rows[0]["sent_at"] == rows[0]["created_at"]
    assert "is booked for" in rows[0]["body"]
    assert await outbox.deliver_due() == 0


async def test_gateway_failures_are_retried_then_delivered(
    aiohttp_client: Any, settings: Settings, clock: Clock
) -> None:
    gateway = Gateway(failures=2)
    app = web.Application()
    app.router.add_post("/sms", gateway.handle)
    async with TestServer(app) as server:
        url = str(server.make_url("/sms"))
        client = await aiohttp_client(create_app(replace(settings, notify_url=url), clock=clock))
        outbox = client.app[SERVICES].outbox
        await outbox.stop()  # the test drives delivery passes itself
        secret = await register(client)
        ticket = make_ticket(customer__language="es")
        await post_ticket(client, secret, ticket)
        for _ in range(3):
            await outbox.deliver_due()
            clock.now += 3600  # past any backoff
        rows = await _notice_rows(client)
    assert [(r["status"], r["attempts"], r["channel"]) for r in rows] == [("sent", 3, "http")]
    assert len(gateway.received) == 1
    key, body = gateway.received[0]
    assert key == f"notice-{rows[0]['notice_id']}"
    assert body["to"] == "+34600000000"
    assert body["language"] == "es"
    assert body["ticket_id"] == ticket["ticket_id"]


async def test_unreachable_gateway_gives_up_after_max_attempts(
    aiohttp_client: Any, settings: Settings, clock: Clock
) -> None:
    dead_end = replace(settings, notify_url="http://127.0.0.1:9/nothing")
    client = await aiohttp_client(create_app(dead_end, clock=clock))
    outbox = client.app[SERVICES].outbox
    await outbox.stop()
    secret = await register(client)
    await post_ticket(client, secret, make_ticket())
    for _ in range(8):
        await outbox.deliver_due()
        clock.now += 10_000
    rows = await _notice_rows(client)
    assert rows[0]["status"] == "failed"
    assert rows[0]["attempts"] == 8
    assert "unreachable" in rows[0]["last_error"]


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_every_event_renders_in_every_language(language: str) -> None:
    zone = ZoneInfo("Europe/Madrid")
    for event in ("booked", "needs_dispatch", "human_review", "rescheduled", "closed"):
        text = render(event, language, ticket="45B-881", model="X", timezone=zone)
        assert "45B-881" in text
        assert "{" not in text


def test_booked_time_reads_the_same_in_any_time_zone_given() -> None:
    madrid = ZoneInfo("Europe/Madrid")
    start = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, before the clocks go back
    texts = {
        render("booked", "es", ticket="T", technician="Ana", start=moment, timezone=madrid)
        for moment in (start, start.astimezone(madrid), start, start.astimezone(madrid))
    }
    assert len(texts) == 1
    assert "el 2026-10-25 02:30" in texts.pop()
    later = start + timedelta(hours=1)  # 02:30 CET, the second time round
    assert "2026-10-25 02:30" in render(
        "rescheduled", "en", ticket="T", start=later, timezone=madrid
    )
