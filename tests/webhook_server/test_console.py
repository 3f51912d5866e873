"""The agent console: login, list with filters, ticket page, reschedule and close."""

from __future__ import annotations

import re
import time
from typing import Any

from aiohttp.test_utils import TestClient
import pytest

from tests.webhook_server.conftest import make_ticket, post_ticket, register
from webhook_server.security import hash_password
from webhook_server.services import SERVICES
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
        "part FC-P-2002 start relay PTC, zone madrid-centro, booked 2026-06-01 10:30 (Ana García)"
    ) in html
    filtered = await (await client.get("/console/", params={"status": "human_review"})).text()
    assert unknown["ticket_id"] in filtered and booked["ticket_id"] not in filtered
    by_code = await (await client.get("/console/", params={"code": "short_cycling"})).text()
    assert "No tickets match." in by_code

    page = await (await client.get(f"/console/tickets/{booked['ticket_id']}")).text()
    assert "start_attempts_per_hour" in page and "18.0" in page
    assert "FC-P-2002 start relay PTC" in page
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
    assert 'id="status" class="status-closed"' in page
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

    key = b"k" * 32
    cookie = auth.issue(key, "alice", time.time())
    assert auth.user_of(key, cookie, time.time()) == "alice"
    assert auth.user_of(key, cookie.replace("alice", "mallory"), time.time()) is None
    assert auth.user_of(key, cookie, time.time() + auth.LIFETIME_SECONDS + 1) is None
    assert auth.user_of(key, "garbage", time.time()) is None
    assert auth.user_of(b"x" * 32, cookie, time.time()) is None


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
            page = await browser.new_page()
            await page.goto(f"{base}console/login")
            await page.fill("input[name=username]", "alice")
            await page.fill("input[name=password]", "s3cret-pass")
            await page.click("button[type=submit]")
            await page.wait_for_selector("#tickets")
            await page.select_option("select[name=status]", "booked")
            await page.click("#filters button")
            await page.click(f"text={ticket['ticket_id']}")
            assert "FC-P-2002" in await page.inner_text("#part")
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
    assert 'id="status" class="status-booked"' in page
    no_slot = await client.post(f"{url}/reschedule", data={"csrf": _csrf(page), "slot": ""})
    assert "choose a slot" in await no_slot.text()
