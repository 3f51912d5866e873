"""The agent console: login, list with filters, ticket page, reschedule and close."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
import re
import time
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient
import asyncpg
import pytest

from tests.webhook_server.conftest import POSTGRES_DSN, Clock, make_ticket, post_ticket, register
from webhook_server import dispatch
from webhook_server.app import create_app
from webhook_server.booking import Slot
from webhook_server.console import auth, formats
from webhook_server.security import hash_password
from webhook_server.services import SERVICES
from webhook_server.settings import Settings
from webhook_server.store import repository


async def add_agent(client: TestClient[Any, Any], username: str = "alice") -> None:
    async with client.app[SERVICES].database.transaction() as conn:
        await repository.upsert_agent(conn, username, hash_password("s3cret-pass", rounds=4), 0)


async def login(client: TestClient[Any, Any]) -> None:
    await add_agent(client)
    response = await client.post(
        "/console/login", data={"username": "alice", "password": "s3cret-pass"}
    )
    assert response.status == 200  # followed the redirect to the list
    assert "<h1>Tickets</h1>" in await response.text()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


async def test_console_needs_login(client: TestClient[Any, Any]) -> None:
    response = await client.get("/console/", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/console/login"
    await add_agent(client)
    wrong = await client.post("/console/login", data={"username": "alice", "password": "nope"})
    assert wrong.status == 401
    assert "Wrong user name or password" in await wrong.text()


async def test_agent_sees_diagnosed_ticket_and_can_filter(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    booked = make_ticket()
    unknown = make_ticket(fault__code="ice_maker_jam", fault__severity="info")
    await post_ticket(client, secret, booked)
    await post_ticket(client, secret, unknown)
    await login(client)
    html = await (await client.get("/console/")).text()
    assert booked["ticket_id"] in html and unknown["ticket_id"] in html
    assert (
        f"ticket {booked['ticket_id']}: compressor start relay on model FC-FD-900, "
        "part FC-P-2002 start relay PTC, zone madrid-centro, booked Mon 1 Jun 2026, 10:30 UTC"
        " (Ana García)"
    ) in html
    assert '<span class="badge status-human_review">human review</span>' in html
    assert '<span class="badge severity-info">info</span>' in html
    assert "Mon 1 Jun 2026, 09:00 UTC" in html  # received
    filtered = await (await client.get("/console/", params={"status": "human_review"})).text()
    assert unknown["ticket_id"] in filtered and booked["ticket_id"] not in filtered
    by_code = await (await client.get("/console/", params={"code": "short_cycling"})).text()
    assert "No tickets match." in by_code

    page = await (await client.get(f"/console/tickets/{booked['ticket_id']}")).text()
    assert '<th scope="row">start attempts per hour</th><td>18</td>' in page
    assert "<td>0.05</td>" in page
    assert "FC-P-2002 start relay PTC" in page
    assert '<dd id="deadline">Wed 3 Jun 2026, 09:00 UTC</dd>' in page
    assert '<dd id="unsafe">unknown</dd>' in page
    assert "Mon 1 Jun 2026, 10:30\N{EN DASH}11:30 UTC with Ana García" in page
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d", page)  # no raw RFC 3339 times
    assert "is booked for 2026-06-01 10:30" in page  # the customer message


async def test_reschedule_and_close(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    ticket = make_ticket()
    await post_ticket(client, secret, ticket)
    await login(client)
    url = f"/console/tickets/{ticket['ticket_id']}"
    page = await (await client.get(url)).text()
    options = re.findall(r'<option value="([^"]+)">', page)
    target = options[3]
    response = await client.post(f"{url}/reschedule", data={"csrf": _csrf(page), "slot": target})
    page = await response.text()
    async with client.app[SERVICES].database.read() as conn:
        booking = await repository.booking_of(conn, ticket["ticket_id"])
    assert booking is not None
    assert f"{booking['technician_id']}|{booking['slot_start']}" == target
    assert "your visit with" in page

    taken = await client.post(f"{url}/reschedule", data={"csrf": _csrf(page), "slot": target})
    assert "not free" in await taken.text()
    forged = await client.post(f"{url}/close", data={"csrf": "forged"})
    assert forged.status == 403

    closed = await client.post(f"{url}/close", data={"csrf": _csrf(page)})
    page = await closed.text()
    assert 'id="status" class="badge status-closed">closed<' in page
    assert "No visit booked." in page
    again = await client.post(f"{url}/close", data={"csrf": _csrf(page)})
    assert "is closed" in await again.text()


async def test_logout_ends_session(client: TestClient[Any, Any]) -> None:
    await login(client)
    page = await (await client.get("/console/")).text()
    await client.post("/console/logout", data={"csrf": _csrf(page)})
    response = await client.get("/console/", allow_redirects=False)
    assert response.status == 303


async def test_unknown_ticket_page_is_404(client: TestClient[Any, Any]) -> None:
    await login(client)
    assert (await client.get("/console/tickets/nope")).status == 404


def test_session_cookie_cannot_be_forged_or_outlive_expiry() -> None:
    from webhook_server.console import auth

    key, stamp, now = b"k" * 32, "0|$2b$hash", time.time()
    cookie = auth.issue(key, "alice", stamp, now)
    assert auth.claimed_user(cookie) == "alice"
    assert auth.is_valid(key, cookie, stamp, now)
    assert not auth.is_valid(key, cookie.replace("alice", "mallory"), stamp, now)
    assert not auth.is_valid(key, cookie, stamp, now + auth.LIFETIME_SECONDS + 1)
    assert not auth.is_valid(key, cookie, "1|$2b$hash", now)  # signed out since
    assert not auth.is_valid(key, cookie, None, now)  # no such agent any more
    assert auth.claimed_user("garbage") is None
    assert not auth.is_valid(b"x" * 32, cookie, stamp, now)


async def test_signing_out_or_a_new_password_ends_earlier_sessions(
    client: TestClient[Any, Any],
) -> None:
    """A copied or forgotten cookie stops working once its agent signs out or changes password."""
    await login(client)
    kept = client.session.cookie_jar.filter_cookies(client.make_url("/console/"))[auth.COOKIE]
    page = await (await client.get("/console/")).text()
    response = await client.post("/console/logout", data={"csrf": _csrf(page)})
    assert response.status == 200  # back at the login page
    client.session.cookie_jar.update_cookies(
        {auth.COOKIE: kept.value}, client.make_url("/console/")
    )
    response = await client.get("/console/", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/console/login")

    await login(client)
    assert (await client.get("/console/", allow_redirects=False)).status == 200
    await add_agent(client)  # a password reset: a new hash
    response = await client.get("/console/", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/console/login")


@pytest.mark.browser
async def test_console_in_headless_chromium(client: TestClient[Any, Any]) -> None:
    playwright_api = pytest.importorskip("playwright.async_api")
    secret = await register(client)
    ticket = make_ticket()
    await post_ticket(client, secret, ticket)
    await add_agent(client)
    base = str(client.make_url("/"))
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        try:
            page = await browser.new_page(viewport={"width": 1300, "height": 900})
            await page.goto(f"{base}console/login")
            await page.fill("input[name=username]", "alice")
            await page.fill("input[name=password]", "s3cret-pass")
            await page.click("button[type=submit]")
            await page.wait_for_selector("#tickets")
            await page.select_option("select[name=status]", "booked")
            await page.click("#filters button")
            booked_badge = page.locator("#tickets .badge.status-booked")
            colour = await booked_badge.evaluate("e => getComputedStyle(e).backgroundColor")
            assert colour == "rgb(218, 251, 225)"  # the stylesheet is served and applied
            await page.click(f"text={ticket['ticket_id']}")
            assert "FC-P-2002" in await page.inner_text("#part")
            diagnosis = await page.locator("#diagnosis").bounding_box()
            booking = await page.locator("#booking").bounding_box()
            assert diagnosis and booking and booking["x"] > diagnosis["x"] + diagnosis["width"]
            for url in (page.url, f"{base}console/"):  # a phone: one column, no sideways scrolling
                await page.set_viewport_size({"width": 400, "height": 800})
                await page.goto(url)
                assert await page.evaluate("document.documentElement.scrollWidth") <= 400
            await page.go_back()
            await page.set_viewport_size({"width": 1300, "height": 900})
            before = await page.inner_text("#booking")
            await page.click("#reschedule button")
            await page.wait_for_selector("#messages")
            after = await page.inner_text("#booking")
            assert after != before
            await page.click("#close button")
            await page.wait_for_selector("#status.status-closed")
        finally:
            await browser.close()


async def test_agent_can_book_a_ticket_that_went_to_human_review(
    client: TestClient[Any, Any],
) -> None:
    secret = await register(client)
    ticket = make_ticket(fault__code="ice_maker_jam")
    await post_ticket(client, secret, ticket)
    await login(client)
    url = f"/console/tickets/{ticket['ticket_id']}"
    page = await (await client.get(url)).text()
    assert "No visit booked." in page
    first = re.findall(r'<option value="([^"]+)">', page)[0]
    response = await client.post(f"{url}/reschedule", data={"csrf": _csrf(page), "slot": first})
    page = await response.text()
    assert 'id="status" class="badge status-booked">booked<' in page
    no_slot = await client.post(f"{url}/reschedule", data={"csrf": _csrf(page), "slot": ""})
    assert "choose a slot" in await no_slot.text()


async def test_stylesheet_is_served_without_login(client: TestClient[Any, Any]) -> None:
    response = await client.get("/console/static/console.css")
    assert response.status == 200
    assert response.content_type == "text/css"
    assert ".severity-critical" in await response.text()


async def test_times_are_shown_in_the_service_time_zone(
    aiohttp_client: Any, settings: Settings, clock: Clock
) -> None:
    client = await aiohttp_client(
        create_app(replace(settings, timezone="Europe/Madrid"), clock=clock)
    )
    secret = await register(client)
    ticket = make_ticket(fault__time_to_unsafe_s=8100)
    await post_ticket(client, secret, ticket)
    await login(client)
    html = await (await client.get("/console/")).text()
    assert "Times in Europe/Madrid" in html
    assert "booked Mon 1 Jun 2026, 12:30 CEST (Ana García)" in html
    page = await (await client.get(f"/console/tickets/{ticket['ticket_id']}")).text()
    assert '<dd id="unsafe">2 h 15 min</dd>' in page
    assert '<dd id="deadline">Mon 1 Jun 2026, 13:10 CEST</dd>' in page  # detected + 2 h 15 min
    assert "Mon 1 Jun 2026, 12:30\N{EN DASH}13:30 CEST with Ana García" in page
    assert '<option value="tech-ana|' in page and "CEST — Ana García</option>" in page


def test_formats_for_people() -> None:
    madrid = ZoneInfo("Europe/Madrid")
    assert formats.when("2026-11-25T02:05:00.123456+00:00", madrid) == "Wed 25 Nov 2026, 03:05 CET"
    assert formats.when(0, ZoneInfo("America/Sao_Paulo")) == "Wed 31 Dec 1969, 21:00 UTC-03"
    late = datetime(2026, 6, 1, 21, 30, tzinfo=UTC).timestamp()
    assert formats.span(late, late + 3600, madrid) == (
        "Mon 1 Jun 2026, 23:30 CEST \N{EN DASH} Tue 2 Jun 2026, 00:30 CEST"
    )
    assert [formats.duration(s) for s in (None, 8100, 2700, 7200, 90000, 0, -5)] == [
        "unknown", "2 h 15 min", "45 min", "2 h", "1 d 1 h", "0 min", "0 min"
    ]  # fmt: skip
    assert [formats.number(v) for v in (0.1 + 0.2, 18.0, 0.05, 1234.5678, 12, -2.5, 1e-5)] == [
        "0.3", "18", "0.05", "1,235", "12", "-2.5", "0.00001"
    ]  # fmt: skip
    assert [formats.number(v) for v in (True, float("nan"), "n/a")] == ["True", "nan", "n/a"]


async def _booked_ticket(client: TestClient[Any, Any]) -> tuple[str, list[Slot]]:
    """A booked ticket and free slots to move it to."""
    secret = await register(client)
    ticket = make_ticket()
    await post_ticket(client, secret, ticket)
    service = client.app[SERVICES]
    slots = await dispatch.free_slots(
        service.database, service.catalog, ticket["ticket_id"], service.clock()
    )
    return ticket["ticket_id"], slots


async def _assert_still_closed(client: TestClient[Any, Any], ticket_id: str) -> None:
    async with client.app[SERVICES].database.read() as conn:
        record = await repository.ticket_record(conn, ticket_id)
        booking = await repository.booking_of(conn, ticket_id)
        messages = await repository.notices_for(conn, ticket_id)
    assert record is not None and record["status"] == "closed"
    assert booking is None
    assert "closed" in messages[-1]["body"] and "visit with" not in messages[-1]["body"]


async def test_reschedule_that_read_the_ticket_before_a_close_does_not_reopen_it(
    client: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reschedule saw the ticket open, then a close committed: the close must win."""
    ticket_id, slots = await _booked_ticket(client)
    service = client.app[SERVICES]
    async with service.database.read() as conn:
        stale = await repository.ticket_record(conn, ticket_id)
    await dispatch.close_ticket(service.database, service.catalog, ticket_id, service.clock())
    async with service.database.read() as conn:
        notices_after_close = len(await repository.notices_for(conn, ticket_id))

    async def stale_record(conn: object, wanted: str) -> dict[str, Any] | None:
        return stale

    monkeypatch.setattr(repository, "ticket_record", stale_record)
    with pytest.raises(dispatch.DispatchError, match="is closed"):
        await _reschedule(service, ticket_id, slots[3])
    monkeypatch.undo()
    await _assert_still_closed(client, ticket_id)
    async with service.database.read() as conn:
        assert len(await repository.notices_for(conn, ticket_id)) == notices_after_close


async def _reschedule(service: Any, ticket_id: str, slot: Any) -> None:
    """Move a ticket to ``slot`` as the console's reschedule action does."""
    await dispatch.reschedule(
        service.database,
        service.catalog,
        ticket_id,
        slot.technician.technician_id,
        int(slot.start.timestamp()),
        service.clock(),
    )


async def test_reschedule_racing_a_close_on_postgres_waits_and_finds_it_closed(
    client: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two transactions: the close holds its row until the reschedule is seen waiting on it."""
    service = client.app[SERVICES]
    if service.database.dialect != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: there is no race")
    ticket_id, slots = await _booked_ticket(client)
    cancel = repository.cancel_appointment
    close_holds_lock = asyncio.Event()

    async def cancel_then_wait_for_reschedule(conn: Any, wanted: str) -> None:
        await cancel(conn, wanted)
        pid = (await conn.fetchrow("SELECT pg_backend_pid() AS pid"))["pid"]
        close_holds_lock.set()
        monitor = await asyncpg.connect(POSTGRES_DSN)
        try:
            for _ in range(200):
                if await monitor.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
                    pid,
                ):
                    return
                await asyncio.sleep(0.05)
        finally:
            await monitor.close()
        raise AssertionError("the reschedule never waited for the close")

    monkeypatch.setattr(repository, "cancel_appointment", cancel_then_wait_for_reschedule)
    closing = asyncio.create_task(
        dispatch.close_ticket(service.database, service.catalog, ticket_id, service.clock())
    )
    await close_holds_lock.wait()
    with pytest.raises(dispatch.DispatchError, match="is closed"):
        await _reschedule(service, ticket_id, slots[3])
    await closing
    await _assert_still_closed(client, ticket_id)
