"""Console hardening: sign-in throttling and its token, framing, caching, origins, cookies.

Several tests reproduce what a hostile black-box test of the service found (its numbers in the
docstrings); each failed before the fix.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import logging
import re
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
import pytest

from tests.webhook_server.conftest import Clock, make_ticket, post_ticket, register
from tests.webhook_server.test_console import (
    PASSWORD,
    _field,
    _key,
    _url,
    add_agent,
    login,
    sign_in,
)
from webhook_server.app import create_app
from webhook_server.console import auth, throttle, views
from webhook_server.runtime import RUNTIME
from webhook_server.security import check_password
from webhook_server.settings import Settings
from webhook_server.store import repository


async def test_a_cookie_holding_any_text_is_a_sign_in_not_a_500(
    client: TestClient[Any, Any],
) -> None:
    """Hostile test #1: ``fridgecare_session=alice|1|é`` (a real agent's name) gave a 500."""
    await add_agent(client)
    for value in ("alice|1|é", "alice|é|x", "alice|1|\udcff"):
        client.session.cookie_jar.update_cookies({auth.COOKIE: value}, client.make_url("/console/"))
        response = await client.get("/console/", allow_redirects=False)
        assert (response.status, response.headers["Location"]) == (303, "/console/login")


async def test_every_console_answer_forbids_framing_caching_and_sniffing(
    client: TestClient[Any, Any],
) -> None:
    """Hostile test #6: no CSP frame-ancestors or X-Frame-Options (Close could be framed), no
    ``Cache-Control: no-store``, no ``nosniff``."""
    secret = await register(client)
    ticket = make_ticket()
    await post_ticket(client, secret, ticket)
    pages = [
        await client.get("/console/login"),
        await client.get("/console/", allow_redirects=False),
    ]
    await login(client)
    pages += [await client.get("/console/"), await client.get(await _url(client, ticket))]
    pages.append(await client.get("/console/static/console.css"))
    for response in pages:
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Content-Type-Options"] == "nosniff"


async def test_wrong_passwords_lock_the_account_even_against_the_right_one(
    client: TestClient[Any, Any], clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """Hostile test #7: 30 wrong passwords in 9 s, then the right one worked; nothing logged."""
    await add_agent(client)
    caplog.set_level(logging.INFO, logger="webhook_server.console.views")
    for _ in range(throttle.ACCOUNT_LIMIT):
        assert (await sign_in(client, "alice", "wrong")).status == 401
    locked = await sign_in(client, "alice", PASSWORD)
    assert locked.status == 429
    assert 0 < int(locked.headers["Retry-After"]) <= throttle.LOCK_SECONDS
    assert "Too many failed sign-ins: try again in 15 min." in await locked.text()
    failures = [r for r in caplog.records if r.getMessage() == "console sign-in failed"]
    assert len(failures) == throttle.ACCOUNT_LIMIT
    assert all(getattr(r, "username", None) == "alice" for r in failures)
    assert getattr(failures[-1], "account_locked", None) is True
    assert any(
        r.getMessage() == "console sign-in refused: too many failures" for r in caplog.records
    )

    clock.now += throttle.LOCK_SECONDS + 1  # the lock ends
    assert (await sign_in(client, "alice", PASSWORD)).status == 200
    assert any(r.getMessage() == "console sign-in" for r in caplog.records)


async def test_an_address_that_keeps_failing_waits_whatever_names_it_tries(
    client: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "check_password", lambda password, hashed: False)  # fast
    for number in range(throttle.ADDRESS_LIMIT):
        assert (await sign_in(client, f"guess-{number}", "x")).status == 401
    assert (await sign_in(client, "one-more", "x")).status == 429


async def test_the_sign_in_form_needs_its_token_and_forms_their_own_origin(
    client: TestClient[Any, Any],
) -> None:
    """Hostile test #7: no CSRF token on the sign-in form, a foreign Origin accepted."""
    await add_agent(client)
    bare = await client.post("/console/login", data={"username": "alice", "password": PASSWORD})
    assert bare.status == 403
    form = await (await client.get("/console/login")).text()
    data = {"username": "alice", "password": PASSWORD, "token": _field(form, "token")}
    foreign = await client.post(
        "/console/login", data=data, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status == 403
    cross = await client.post("/console/login", data=data, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status == 403
    own = str(client.make_url("/")).rstrip("/")
    signed_in = await client.post("/console/login", data=data, headers={"Origin": own})
    assert signed_in.status == 200 and "<h1>Tickets</h1>" in await signed_in.text()
    page = await (await client.get("/console/")).text()
    logout = await client.post(
        "/console/logout", data={"csrf": _field(page, "csrf")}, headers={"Origin": "null"}
    )
    assert logout.status == 403


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
        response = await sign_in(client, username, "nope")
        answers.append((response.status, await response.text(), auth.COOKIE in response.cookies))
    assert [answer[0] for answer in answers] == [401, 401]
    assert answers[0][1].replace("alice", "") == answers[1][1].replace("mallory", "")
    assert not answers[0][2] and not answers[1][2]
    assert len(checked) == 2
    assert checked[1] == views._UNKNOWN_USER_HASH
    assert checked[1].startswith("$2b$12$")  # the cost real hashes have


async def test_a_password_too_long_for_bcrypt_is_a_refused_login(
    client: TestClient[Any, Any],
) -> None:
    """bcrypt refuses more than 72 bytes outright: that is a wrong password, not a 500."""
    await add_agent(client)
    assert (await sign_in(client, "alice", "x" * 100)).status == 401


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
    url = await _url(client, ticket)
    key = await _key(client, ticket)
    page = await (await client.get(url)).text()
    async with client.app[RUNTIME].database.read() as conn:
        before = await repository.booking_of(conn, key)
    response = await client.post(
        f"{url}/book",
        data={"csrf": _field(page, "csrf"), "slot": f"tech-ana|{start}"},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"].endswith("?error=choose-slot")
    async with client.app[RUNTIME].database.read() as conn:
        assert await repository.booking_of(conn, key) == before


async def _session_cookie(client: TestClient[Any, Any]) -> str:
    await add_agent(client)
    page = await client.get("/console/login")
    nonce = page.cookies[auth.LOGIN_COOKIE].value  # sent back by hand: a Secure one is not
    response = await client.post(  # sent over this plain-HTTP test connection by the cookie jar
        "/console/login",
        data={
            "username": "alice",
            "password": PASSWORD,
            "token": _field(await page.text(), "token"),
        },
        headers={"Cookie": f"{auth.LOGIN_COOKIE}={nonce}"},
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
    settings: Settings, clock: Clock, aiohttp_client: Any
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
    assert re.search(r"; Secure(;|$)", await _session_cookie(client))
