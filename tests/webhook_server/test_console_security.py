"""Console hardening: no user enumeration at login, strict slot form, Secure cookie on HTTPS."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import re
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
import pytest

from tests.webhook_server.conftest import Clock, make_ticket, post_ticket, register
from tests.webhook_server.test_console import add_agent, login
from webhook_server.app import create_app
from webhook_server.console import auth, views
from webhook_server.security import check_password
from webhook_server.services import SERVICES
from webhook_server.settings import Settings
from webhook_server.store import repository


async def test_unknown_user_costs_a_password_check_and_gets_the_same_answer(
    client: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Skipping bcrypt for unknown users would tell them apart by response time."""
    checked: list[str] = []

    def recording_check(password: str, hashed: str) -> bool:
        checked.append(hashed)
        return check_password(password, hashed)

    monkeypatch.setattr(views, "check_password", recording_check)
    await add_agent(client)
    answers = []
    for username in ("alice", "mallory"):
        response = await client.post(
            "/console/login", data={"username": username, "password": "nope"}
        )
        answers.append((response.status, await response.text(), auth.COOKIE in response.cookies))
    assert answers[0] == answers[1]
    assert answers[0][0] == 401 and not answers[0][2]
    assert len(checked) == 2
    assert checked[1] == views._UNKNOWN_USER_HASH
    assert checked[1].startswith("$2b$12$")  # the cost real hashes have


async def test_a_password_too_long_for_bcrypt_is_a_refused_login(
    client: TestClient[Any, Any],
) -> None:
    """bcrypt refuses more than 72 bytes outright: that is a wrong password, not a 500."""
    await add_agent(client)
    response = await client.post(
        "/console/login", data={"username": "alice", "password": "x" * 100}
    )
    assert response.status == 401


@pytest.mark.parametrize(
    "start", ["²", "\uff11\uff12", "9" * 5000, "1" * 13, "-1", " 1", ""], ids=lambda s: repr(s)[:12]
)
async def test_slot_form_refuses_what_is_not_a_short_ascii_number(
    client: TestClient[Any, Any], start: str
) -> None:
    secret = await register(client)
    ticket = make_ticket()
    await post_ticket(client, secret, ticket)
    await login(client)
    url = f"/console/tickets/{ticket['ticket_id']}"
    page = await (await client.get(url)).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    async with client.app[SERVICES].database.read() as conn:
        before = await repository.booking_of(conn, ticket["ticket_id"])
    response = await client.post(
        f"{url}/reschedule",
        data={"csrf": csrf.group(1), "slot": f"tech-ana|{start}"},
        allow_redirects=False,
    )
    assert response.status == 303
    assert "choose+a+slot" in response.headers["Location"]
    async with client.app[SERVICES].database.read() as conn:
        assert await repository.booking_of(conn, ticket["ticket_id"]) == before


async def _session_cookie(client: TestClient[Any, Any]) -> str:
    await add_agent(client)
    response = await client.post(
        "/console/login",
        data={"username": "alice", "password": "s3cret-pass"},
        allow_redirects=False,
    )
    assert response.status == 303
    header = next(
        value
        for value in response.headers.getall("Set-Cookie")
        if value.startswith(f"{auth.COOKIE}=")
    )
    assert "HttpOnly" in header and "SameSite=Strict" in header
    return header


async def test_session_cookie_is_not_secure_over_plain_http(client: TestClient[Any, Any]) -> None:
    assert "Secure" not in await _session_cookie(client)


async def test_session_cookie_is_secure_over_https(
    aiohttp_client: Any, settings: Settings, clock: Clock
) -> None:
    """Behind TLS the browser must never send the session over plain HTTP."""

    @web.middleware
    async def as_https(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        return await handler(request.clone(scheme="https"))

    app = create_app(settings, clock=clock)
    app.middlewares.append(as_https)
    client = await aiohttp_client(app)
    assert "Secure" in await _session_cookie(client)
