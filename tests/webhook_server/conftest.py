"""Fixtures for the manufacturer service: one app per test on SQLite and on PostgreSQL.

Run this folder in its own pytest process without Home Assistant's plugin:
``pytest -p no:homeassistant tests/webhook_server``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
import json
import os
from pathlib import Path
import secrets
from typing import Any
import uuid

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
import asyncpg
import pytest
from standardwebhooks import Webhook

from webhook_server.app import create_app
from webhook_server.limits import PARSER_LIMITS
from webhook_server.security import SecretBox
from webhook_server.settings import Settings
from webhook_server.store import repository
from webhook_server.store.base import Connection
from webhook_server.store.rows import ApplianceRow, AppointmentRow, TicketRow

# The local test server has no TLS: asking for it on each connection (asyncpg's default,
# sslmode=prefer) only opens a race in asyncpg when a connection attempt is cancelled midway
# (a pool timeout on a busy machine), which the Home Assistant test harness reports as an error.
POSTGRES_DSN = os.environ.get(
    "FRIDGECARE_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test?sslmode=disable"
)
ADMIN_TOKEN = "admin-token-for-tests"
MONDAY_9AM = datetime(2026, 6, 1, 9, 0, tzinfo=UTC).timestamp()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_9AM)


async def _postgres_schema() -> str:
    """A fresh schema on the test PostgreSQL, or skip (fail under CI) loudly."""
    schema = f"fc_test_{uuid.uuid4().hex[:12]}"
    try:
        conn = await asyncpg.connect(POSTGRES_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError) as err:
        message = f"PostgreSQL NOT REACHABLE at {POSTGRES_DSN} ({err!r}): postgres tests NOT RUN"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()
    return schema


async def _drop_schema(schema: str) -> None:
    conn = await asyncpg.connect(POSTGRES_DSN)
    try:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await conn.close()


def schema_url(schema: str) -> str:
    """The test DSN with its search_path set to ``schema``."""
    separator = "&" if "?" in POSTGRES_DSN else "?"
    return f"{POSTGRES_DSN}{separator}search_path={schema}"


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A PostgreSQL URL whose search_path is a schema of its own, dropped afterwards."""
    schema = await _postgres_schema()
    yield schema_url(schema)
    await _drop_schema(schema)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The same test on both backends."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/tickets.db"
        return
    schema = await _postgres_schema()
    yield schema_url(schema)
    await _drop_schema(schema)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        db=db_url,
        admin_token=ADMIN_TOKEN,
        secret_key=SecretBox.new_key().decode(),
        secret_key_file=tmp_path / "unused.key",
        seed_demo=True,
        timezone="UTC",
    )


@pytest.fixture
async def client(
    settings: Settings, clock: Clock, aiohttp_client: Any
) -> AsyncIterator[TestClient[Any, Any]]:
    yield await served(
        aiohttp_client, create_app(settings, clock=clock, courier_poll_interval=0.05)
    )


def catalog_changed(tmp_path: Path, old: str, new: str) -> Path:
    """Write the shipped catalog with ``old`` replaced by ``new``; return its path."""
    shipped = (resources.files("webhook_server") / "catalog.yaml").read_text()
    assert old in shipped, old
    path = tmp_path / "catalog.yaml"
    path.write_text(shipped.replace(old, new))
    return path


@pytest.fixture
async def client_booking_nothing_late(
    settings: Settings, clock: Clock, aiohttp_client: Any, tmp_path: Path
) -> AsyncIterator[TestClient[Any, Any]]:
    """The service with ``late_booking_hours: 0``: no slot by the deadline, a dispatcher books."""
    catalog = catalog_changed(tmp_path, "late_booking_hours: 48", "late_booking_hours: 0")
    app = create_app(replace(settings, catalog=catalog), clock=clock, courier_poll_interval=0.05)
    yield await served(aiohttp_client, app)


async def served(aiohttp_client: Any, app: web.Application) -> TestClient[Any, Any]:
    """A test client of ``app`` served as the command serves it (the parser's limits too)."""
    server = TestServer(app)
    await server.start_server(**PARSER_LIMITS)  # TestServer(**kwargs) would drop them
    client: TestClient[Any, Any] = await aiohttp_client(server)
    return client


def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


APPLIANCE = {"manufacturer": "FridgeCo", "model": "FC-FD-900", "serial": "SN-0001"}


async def register(client: TestClient[Any, Any], appliance: dict[str, str] | None = None) -> str:
    """Register an appliance through the admin API; return its whsec_ secret."""
    response = await client.post(
        "/api/v1/appliances", json=appliance or APPLIANCE, headers=admin_headers()
    )
    assert response.status == 201, await response.text()
    return str((await response.json())["secret"])


def make_ticket(**changes: Any) -> dict[str, Any]:
    """Return a valid ticket; keys like ``fault__code`` change nested fields."""
    ticket: dict[str, Any] = {
        "ticket_id": f"ep-{secrets.token_hex(6)}",
        "appliance": dict(APPLIANCE),
        "customer": {"zone": "madrid-centro", "language": "en", "contact": "+34600000000"},
        "fault": {
            "code": "compressor_start_failure",
            "severity": "warning",
            "confidence": 0.87,
            "summary": "Compressor tries to start and trips every 3 minutes",
            "component": "compressor relay",
            "part": "start relay",
            "onset_at": "2026-06-01T06:00:00Z",
            "detected_at": "2026-06-01T08:55:00Z",
            "time_to_unsafe_s": None,
            "evidence": {"start_attempts_per_hour": 18.0, "duty_cycle": 0.05},
        },
        "integration_version": "0.1.0",
    }
    for key, value in changes.items():
        *path, last = key.split("__")
        target = ticket
        for part in path:
            target = target[part]
        target[last] = value
    return ticket


def signed_headers(
    secret: str, body: str, *, msg_id: str = "msg-1", at: float = MONDAY_9AM
) -> dict[str, str]:
    """Standard Webhooks headers made with the reference ``standardwebhooks`` package."""
    timestamp = datetime.fromtimestamp(at, UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at)),
        "webhook-signature": Webhook(secret).sign(msg_id, timestamp, body),
        "Content-Type": "application/json",
    }


async def post_ticket(
    client: TestClient[Any, Any], secret: str, ticket: dict[str, Any], *, at: float = MONDAY_9AM
) -> Any:
    body = json.dumps(ticket)
    headers = signed_headers(secret, body, msg_id=ticket.get("ticket_id", "x"), at=at)
    return await client.post("/api/v1/tickets", data=body, headers=headers)


async def book_behind_the_back(
    conn: Connection,
    technician_id: str,
    start: int,
    *,
    zone: str = "madrid-centro",
    appliance_id: str | None = None,
) -> None:
    """Book a slot as another server process would: a ticket of its own, and its appointment.

    With no ``appliance_id``, an appliance of its own is registered first.
    """
    if appliance_id is None:
        appliance_id = "apl_other"
        other = ApplianceRow(
            appliance_id=appliance_id, manufacturer="M", model="X", serial="1", created_at=0
        )
        await repository.insert_appliance(conn, other)
    ticket = TicketRow(
        appliance_id=appliance_id,
        ticket_id="other",
        request_hash="h",
        status="booked",
        code="sensor_fault",
        severity="info",
        zone=zone,
        language="en",
        serial="1",
        contact_key=None,
        deadline=start,
        payload="{}",
        triage="{}",
        response="{}",
        received_at=start,
        updated_at=start,
    )
    await repository.insert_tickets(conn, [ticket], [])
    appointment = AppointmentRow(
        appliance_id=appliance_id,
        ticket_id="other",
        technician_id=technician_id,
        slot_start=start,
        slot_end=start + 3600,
    )
    await repository.book_slots(conn, [appointment])
