"""Several server processes on one PostgreSQL: no double booking, one ticket per id."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
import json
import os
from pathlib import Path
import socket
import subprocess
import sys
import time
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests.webhook_server.conftest import APPLIANCE, make_ticket, signed_headers
from webhook_server.app import create_app
from webhook_server.runtime import RUNTIME
from webhook_server.security import SecretBox
from webhook_server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres
RACE_ROSTER = {
    "technicians": [
        {
            "id": f"racer-{index}",
            "name": f"Racer {index}",
            "zones": ["race"],
            "skills": ["electrical"],
            "hours": "00:00-23:59",
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        }
        for index in range(3)
    ]
}
"""Three round-the-clock technicians: the tickets compete for their slots, whatever the hour."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def servers(db: str, count: int, tmp_path: Path) -> Iterator[list[str]]:
    """``count`` server processes on one database; the first seeds the demo roster."""
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        FRIDGECARE_ADMIN_TOKEN="race",
        FRIDGECARE_SECRET_KEY=SecretBox.new_key().decode(),
        FRIDGECARE_LOG_LEVEL="WARNING",
    )
    processes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for index in range(count):
            port = _free_port()
            flags = ["--seed-demo"] if index == 0 else []
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "webhook_server",
                        "--db",
                        db,
                        "--port",
                        str(port),
                        *flags,
                    ],
                    cwd=tmp_path,
                    env=env,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
            _wait_healthy(urls[-1])
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            assert process.wait(timeout=20) == 0


def _wait_healthy(url: str) -> None:
    import urllib.request

    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health"):
                return
        except OSError:
            assert time.monotonic() < deadline, f"{url} did not start"
            time.sleep(0.1)


async def _post(session: aiohttp.ClientSession, url: str, secret: str, ticket: Any) -> Any:
    body = json.dumps(ticket)
    headers = signed_headers(secret, body, msg_id=ticket["ticket_id"], at=time.time())
    async with session.post(f"{url}/api/v1/tickets", data=body, headers=headers) as response:
        return response.status, await response.json()


async def test_three_processes_never_double_book(postgres_url: str, tmp_path: Path) -> None:
    with servers(postgres_url, 3, tmp_path) as urls:
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{urls[0]}/api/v1/appliances",
                json=APPLIANCE,
                headers={"Authorization": "Bearer race"},
            ) as response:
                secret = (await response.json())["secret"]
            async with session.put(
                f"{urls[0]}/api/v1/technicians",
                json=RACE_ROSTER,
                headers={"Authorization": "Bearer race"},
            ) as response:
                assert response.status == 200
            # One zone, one skill: every ticket competes for the same technicians' slots.
            tickets = [make_ticket(customer__zone="race") for _ in range(90)]
            answers = await asyncio.gather(
                *(_post(session, urls[i % 3], secret, t) for i, t in enumerate(tickets))
            )
            duplicate = make_ticket(customer__zone="race")
            repeats = await asyncio.gather(
                *(_post(session, url, secret, duplicate) for url in urls)
            )

    refused = [state for status, state in answers if status != 201]
    assert not refused, refused
    booked = [state["booking"] for _, state in answers if state["booking"]]
    slots = [(b["technician_id"], b["start"]) for b in booked]
    assert len(slots) == len(set(slots)), "a technician was double-booked"
    assert len(booked) > 30
    assert sorted(status for status, _ in repeats).count(201) == 1
    bodies = {
        json.dumps(state, sort_keys=True) for status, state in repeats if status in (200, 201)
    }
    assert len(bodies) == 1

    conn = await asyncpg.connect(
        postgres_url.split("?", maxsplit=1)[0],
        server_settings={"search_path": postgres_url.split("search_path=")[1]},
    )
    try:
        tickets_stored = await conn.fetchval("SELECT COUNT(*) FROM tickets")
        pairs = await conn.fetchval(
            "SELECT COUNT(*) FROM (SELECT technician_id, slot_start FROM appointments"
            " GROUP BY 1, 2 HAVING COUNT(*) > 1) d"
        )
    finally:
        await conn.close()
    assert tickets_stored == 91
    assert pairs == 0


async def test_same_tickets_to_two_servers_at_once_are_stored_once(
    postgres_url: str, aiohttp_client: Any
) -> None:
    """Two service instances (as two processes would) on one database, same deliveries."""
    settings = Settings(
        db=postgres_url,
        admin_token="race",
        secret_key=SecretBox.new_key().decode(),
        reuse_port=True,
        seed_demo=True,
    )
    first = await aiohttp_client(create_app(settings))
    second = await aiohttp_client(create_app(settings))
    response = await first.post(
        "/api/v1/appliances", json=APPLIANCE, headers={"Authorization": "Bearer race"}
    )
    secret = (await response.json())["secret"]
    await first.put(
        "/api/v1/technicians", json=RACE_ROSTER, headers={"Authorization": "Bearer race"}
    )
    tickets = [make_ticket(customer__zone="race") for _ in range(25)]

    async def deliver(client: Any, ticket: dict[str, Any], attempt: int) -> tuple[int, bytes]:
        body = json.dumps(ticket)
        at = time.time() + attempt
        headers = signed_headers(secret, body, msg_id=ticket["ticket_id"], at=at)
        answer = await client.post("/api/v1/tickets", data=body, headers=headers)
        return answer.status, await answer.read()

    answers = await asyncio.gather(
        *(
            deliver(client, ticket, attempt)
            for ticket in tickets
            for attempt, client in enumerate((first, second))
        )
    )
    for one, other in zip(answers[::2], answers[1::2], strict=True):
        assert sorted((one[0], other[0])) == [200, 201]
        assert one[1] == other[1]
    async with first.app[RUNTIME].database.read() as conn:
        row = await conn.fetchrow("SELECT COUNT(*) AS n FROM tickets")
    assert row is not None and row["n"] == 25
