"""The service as operators meet it: command line, health, OpenAPI, rosters, catalog."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import Any
import urllib.request

from aiohttp import web
from aiohttp.test_utils import TestClient
import pytest

from tests.webhook_server.conftest import admin_headers, make_ticket, post_ticket, register
from webhook_server import openapi
from webhook_server.cli import main
from webhook_server.contract import HEALTH
from webhook_server.logs import JsonFormatter, configure_logging
from webhook_server.problems import problem_middleware
from webhook_server.protocol import FAULT_CODES
from webhook_server.settings import Settings, parse
from webhook_server.store import open_database
from webhook_server.triage import Catalog

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_is_up_to_date() -> None:
    assert openapi.committed_text() == openapi.rendered(), (
        "run: python -m webhook_server openapi > webhook_server/openapi.json"
    )


def test_every_problem_the_api_returns_is_documented() -> None:
    document = openapi.document()
    described = json.dumps(document["paths"])
    from webhook_server.problems import PROBLEMS

    for kind in PROBLEMS:
        if kind.slug != "method-not-allowed":
            assert kind.uri in described, kind.slug


async def test_openapi_and_health_are_served(client: TestClient[Any, Any]) -> None:
    served = await (await client.get("/openapi.json")).json()
    assert served == openapi.document()
    assert served["openapi"] == "3.1.0"
    health = await client.get("/api/v1/health")
    assert health.status == 200
    assert HEALTH(await health.json()).database == "ok"


def test_catalog_covers_every_fault_code() -> None:
    catalog = Catalog.load(None)
    assert set(FAULT_CODES) <= catalog.codes


def test_invalid_catalog_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "catalog.yaml"
    bad.write_text("urgency: {}\n")
    with pytest.raises(ValueError, match="invalid fault catalog"):
        Catalog.load(bad)


async def test_admin_loads_technicians(client: TestClient[Any, Any]) -> None:
    roster = {
        "technicians": [
            {"id": "tech-new", "name": "New Tech", "zones": ["valencia"], "skills": ["general"]}
        ]
    }
    response = await client.put("/api/v1/technicians", json=roster, headers=admin_headers())
    assert (response.status, await response.json()) == (200, {"loaded": 1})
    bad = {
        "technicians": [
            {"id": "x", "name": "X", "zones": ["z"], "skills": ["s"], "hours": "18:00-08:00"}
        ]
    }
    response = await client.put("/api/v1/technicians", json=bad, headers=admin_headers())
    assert response.status == 422
    assert "must end after they start" in (await response.json())["detail"]


def test_settings_come_from_flags_then_environment() -> None:
    env = {"FRIDGECARE_PORT": "9000", "FRIDGECARE_ADMIN_TOKEN": "t", "FRIDGECARE_SEED_DEMO": "yes"}
    settings = parse(["--db", "sqlite:///x.db"], env)
    assert (settings.port, settings.admin_token, settings.seed_demo) == (9000, "t", True)
    assert parse(["--port", "9100"], env).port == 9100
    with pytest.raises(SystemExit):
        parse(["--timezone", "Mars/Olympus"], {})


def test_cli_tools(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path}/cli.db"
    env = {"FRIDGECARE_AGENT_PASSWORD": "long-enough-pw"}
    assert main(["add-agent", "bob", "--supervisor", "--db", db], env) == 0
    assert main(["add-agent", "ana", "--zone", "z1", "--zone", "z2", "--db", db], env) == 0
    short = {"FRIDGECARE_AGENT_PASSWORD": "short"}
    assert main(["add-agent", "eve", "--supervisor", "--db", db], short) == 2
    roster = tmp_path / "technicians.json"
    roster.write_text(
        json.dumps(
            {"technicians": [{"id": "t1", "name": "T", "zones": ["z"], "skills": ["general"]}]}
        )
    )
    assert main(["load-technicians", str(roster), "--db", db], {}) == 0
    assert main(["load-technicians", str(tmp_path / "missing.yaml"), "--db", db], {}) == 1
    assert main(["openapi", "--check"], {}) == 0
    assert main(["openapi"], {}) == 0
    out = capsys.readouterr().out
    assert "agent bob (every zone) can sign in" in out and "loaded 1 technicians" in out
    assert "agent ana (z1, z2) can sign in" in out
    assert '"openapi": "3.1.0"' in out


def test_cli_global_options_go_before_or_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"FRIDGECARE_AGENT_PASSWORD": "long-enough-pw"}
    before, after = f"sqlite:///{tmp_path}/before.db", f"sqlite:///{tmp_path}/after.db"
    assert main(["--db", before, "add-agent", "alice", "--supervisor"], env) == 0
    assert main(["add-agent", "bob", "--supervisor", "--db", after], env) == 0
    last_wins = ["--db", before, "add-agent", "--db", after, "carol", "--zone", "z"]
    assert main(last_wins, env) == 0
    roster = tmp_path / "technicians.json"
    roster.write_text(
        json.dumps(
            {"technicians": [{"id": "t1", "name": "T", "zones": ["z"], "skills": ["general"]}]}
        )
    )
    assert main(["--db", before, "load-technicians", str(roster)], {}) == 0
    assert main(["--log-level", "WARNING", "openapi", "--check"], {}) == 0
    assert main(["openapi", "--check", "--timezone", "Europe/Madrid"], {}) == 0
    out = capsys.readouterr().out
    assert out.count("can sign in") == 3 and "loaded 1 technicians" in out

    async def agents(url: str) -> list[str]:
        database = await open_database(url)
        try:
            async with database.read() as conn:
                rows = await conn.fetch("SELECT username FROM agents ORDER BY username")
                return [row["username"] for row in rows]
        finally:
            await database.close()

    assert asyncio.run(agents(before)) == ["alice"]
    assert asyncio.run(agents(after)) == ["bob", "carol"]
    with pytest.raises(SystemExit):
        main(["--db", before, "add-agent", "--supervisor"], env)  # the user name is required
    with pytest.raises(SystemExit):
        main(["--db", before, "add-agent", "erin"], env)  # and a role: zones or supervisor
    with pytest.raises(SystemExit):
        main(["add-agent", "dave", "--supervisor", "--no-such-option"], env)
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_command_starts_serves_and_shuts_down_gracefully(tmp_path: Path) -> None:
    port = _free_port()
    env = dict(os.environ, FRIDGECARE_ADMIN_TOKEN="tok", PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "webhook_server",
            "--db",
            "sqlite:///tickets.db",
            "--port",
            str(port),
            "--seed-demo",
        ],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health") as answer:
                    assert json.load(answer)["status"] == "ok"
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        _, logs = process.communicate(timeout=20)
    assert process.returncode == 0
    assert (tmp_path / "tickets.db").exists() and (tmp_path / "fridgecare.key").exists()
    oct_mode = (tmp_path / "fridgecare.key").stat().st_mode & 0o777
    assert oct_mode == 0o600
    first = json.loads(logs.splitlines()[0])
    assert first["level"] == "INFO" and "message" in first


def test_logs_are_json_lines_with_extra_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "webhook_server.x", "levelname": "INFO", "msg": "ticket %s", "args": ("A",)}
    )
    record.ticket_id = "A"
    error = RuntimeError("boom")
    record.exc_info = (RuntimeError, error, None)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "ticket A"
    assert line["ticket_id"] == "A"
    assert "RuntimeError: boom" in line["exception"]
    configure_logging("warning")
    assert logging.getLogger().level == logging.WARNING


def test_secret_key_file_is_created_once_private(tmp_path: Path) -> None:
    settings = Settings(secret_key_file=tmp_path / "keys" / "service.key")
    sealed = settings.secret_box().seal("whsec_abc")
    assert (tmp_path / "keys" / "service.key").stat().st_mode & 0o777 == 0o600
    assert settings.secret_box().open(sealed) == "whsec_abc"


@pytest.mark.parametrize(
    ("url", "message"),
    [("mysql://x/y", "unsupported database URL"), ("sqlite://", "names a file")],
)
async def test_bad_database_url_is_a_clear_error(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        await open_database(url)


async def test_unexpected_error_is_a_500_problem_without_traceback(aiohttp_client: Any) -> None:
    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals")

    app = web.Application(middlewares=[problem_middleware])
    app.router.add_get("/api/v1/broken", broken)
    app.router.add_get("/console/page", broken)
    client = await aiohttp_client(app)
    response = await client.get("/api/v1/broken")
    assert response.status == 500
    assert "secret internals" not in await response.text()
    assert (await client.get("/console/missing")).content_type == "text/plain"


async def test_a_booked_technicians_slot_grid_cannot_move(client: TestClient[Any, Any]) -> None:
    """New hours that would shift the grid under a booked visit are refused; a later end is not.

    The unique (technician, slot start) key only rules out double booking on one grid.
    """
    secret = await register(client)
    answer = await post_ticket(client, secret, make_ticket())
    booking = (await answer.json())["booking"]
    assert booking["technician_id"] == "tech-luis"
    luis = {
        "id": "tech-luis",
        "name": "Luis Romero",
        "zones": ["madrid-centro"],
        "skills": ["electrical"],
        "timezone": "Europe/Madrid",
    }

    moved = {"technicians": [luis | {"hours": "12:20-20:00"}]}
    response = await client.put("/api/v1/technicians", json=moved, headers=admin_headers())
    assert response.status == 422
    assert "1 visits booked" in (await response.json())["detail"]
    elsewhere = {"technicians": [luis | {"hours": "12:00-20:00", "timezone": "Europe/London"}]}
    response = await client.put("/api/v1/technicians", json=elsewhere, headers=admin_headers())
    assert response.status == 422

    longer = {"technicians": [luis | {"hours": "12:00-21:00"}]}
    response = await client.put("/api/v1/technicians", json=longer, headers=admin_headers())
    assert (response.status, await response.json()) == (200, {"loaded": 1})
    status = await client.get(
        f"/api/v1/tickets/{answer.headers['Location'].rsplit('/', 1)[1]}", headers=admin_headers()
    )
    assert (await status.json())["booking"] == booking
