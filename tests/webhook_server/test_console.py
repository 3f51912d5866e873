"""The agent console as a dispatcher uses it: queue, search, paging, a ticket, its actions."""

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

from tests.webhook_server.conftest import (
    MONDAY_9AM,
    POSTGRES_DSN,
    Clock,
    make_ticket,
    post_ticket,
    register,
)
from webhook_server.app import create_app
from webhook_server.console import auth, formats
from webhook_server.dispatch import DispatchError, FreeSlot
from webhook_server.runtime import RUNTIME
from webhook_server.security import hash_password
from webhook_server.settings import Settings
from webhook_server.store import repository
from webhook_server.store.rows import TicketKey

PASSWORD = "s3cret-pass"


async def add_agent(
    client: TestClient[Any, Any], username: str = "alice", zones: tuple[str, ...] = ()
) -> None:
    """An agent of ``zones``; none: a supervisor."""
    async with client.app[RUNTIME].database.transaction() as conn:
        await repository.upsert_agent(
            conn,
            username,
            hash_password(PASSWORD, rounds=4),
            0,
            role="agent" if zones else "supervisor",
            zones=zones,
        )


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, name
    return match.group(1)


async def sign_in(
    client: TestClient[Any, Any], username: str = "alice", password: str = PASSWORD
) -> Any:
    """Post the sign-in form as a browser would: its page first, for the form's token."""
    form = await (await client.get("/console/login")).text()
    data = {"username": username, "password": password, "token": _field(form, "token")}
    return await client.post("/console/login", data=data)


async def login(client: TestClient[Any, Any], username: str = "alice", **agent: Any) -> str:
    """Add the agent, sign in, and return the ticket list's HTML."""
    await add_agent(client, username, **agent)
    response = await sign_in(client, username)
    assert response.status == 200  # followed the redirect to the list
    html = await response.text()
    assert "<h1>Tickets</h1>" in html
    return html


async def _key(client: TestClient[Any, Any], ticket: dict[str, Any]) -> TicketKey:
    async with client.app[RUNTIME].database.read() as conn:
        (row,) = await repository.tickets_with_id(conn, ticket["ticket_id"])
    return row.key


async def _key_path(client: TestClient[Any, Any], ticket: dict[str, Any]) -> str:
    key = await _key(client, ticket)
    return f"{key.appliance_id}/{key.ticket_id}"


async def _url(client: TestClient[Any, Any], ticket: dict[str, Any]) -> str:
    key = await _key(client, ticket)
    return f"/console/tickets/{key.appliance_id}/{key.ticket_id}"


def _slot_values(html: str) -> list[str]:
    return re.findall(r'<option value="([^"|]+\|\d+)"', html)


async def test_console_needs_login(client: TestClient[Any, Any]) -> None:
    response = await client.get("/console/", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/console/login"
    await add_agent(client)
    wrong = await sign_in(client, "alice", "nope")
    assert wrong.status == 401
    assert "Wrong user name or password" in await wrong.text()


async def test_the_queue_shows_local_times_contacts_and_what_is_most_urgent(
    client: TestClient[Any, Any], clock: Clock
) -> None:
    secret = await register(client)
    booked = make_ticket(customer__contact="+34 611 222 333")
    unknown = make_ticket(fault__code="ice_maker_jam", fault__severity="info")
    unsafe_soon = {"fault__code": "cooling_failure", "fault__time_to_unsafe_s": 600.0}
    late = make_ticket(**unsafe_soon)  # booked at Ana's first slot, after the deadline
    overdue = make_ticket(**unsafe_soon, customer__zone="lisboa")  # nobody works there
    for ticket in (booked, unknown, late, overdue):
        assert (await post_ticket(client, secret, ticket)).status == 201
    clock.now += 3600  # the 10-minute deadline has passed
    html = await login(client)
    rows = re.findall(r'<a href="/console/tickets/[^"]+">([^<]+)</a>', html)
    assert rows == [ticket["ticket_id"] for ticket in (overdue, unknown, late, booked)]
    assert '<span class="marker marker-overdue">Overdue by 55 min</span>' in html
    assert '<span class="marker marker-late">Visit 1 h 25 min after the deadline</span>' in html
    assert '<span class="marker marker-due">Due in 6 d 23 h</span>' in html
    assert "+34 611 222 333" in html
    assert "Mon 1 Jun 2026, 12:00 CEST · Luis Romero" in html  # the visit, Madrid time
    assert "Mon 1 Jun 2026, 11:00 CEST" in html  # received 09:00 UTC
    assert '<span class="badge status-human_review">human review</span>' in html
    filtered = await (await client.get("/console/", params={"status": "human_review"})).text()
    assert unknown["ticket_id"] in filtered and booked["ticket_id"] not in filtered
    by_code = await (await client.get("/console/", params={"code": "short_cycling"})).text()
    assert "No tickets match." in by_code


@pytest.mark.parametrize(
    "search", ["ticket_id", "SN-0002", "611 222 333", "+34-611-222-333", "ana@example.es"]
)
async def test_search_finds_a_ticket_by_id_serial_phone_or_email(
    client: TestClient[Any, Any], search: str
) -> None:
    first = await register(client)
    second = await register(
        client, {"manufacturer": "FridgeCo", "model": "FC-1", "serial": "SN-0002"}
    )
    other = make_ticket()
    wanted = make_ticket(
        appliance__serial="SN-0002",
        appliance__model="FC-1",
        customer__contact="ana@example.es" if "@" in search else "+34 611 222 333",
    )
    await post_ticket(client, first, other)
    await post_ticket(client, second, wanted)
    await login(client)
    query = wanted["ticket_id"] if search == "ticket_id" else search
    html = await (await client.get("/console/", params={"q": query})).text()
    assert wanted["ticket_id"] in html and other["ticket_id"] not in html
    assert "1\N{EN DASH}1 of 1" in html


async def test_paging_goes_past_the_first_page(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    tickets = [make_ticket(fault__code="ice_maker_jam") for _ in range(55)]
    for ticket in tickets:
        await post_ticket(client, secret, ticket)
    html = await login(client)
    assert "1\N{EN DASH}50 of 55" in html
    first_page = set(re.findall(r">(ep-[0-9a-f]+)</a>", html))
    older = re.search(r'<a id="older" href="([^"]+)"', html)
    assert older is not None and "newer" not in html.split("</table>")[1]
    second = await (await client.get(older.group(1).replace("&amp;", "&"))).text()
    assert "51\N{EN DASH}55 of 55" in second
    second_page = set(re.findall(r">(ep-[0-9a-f]+)</a>", second))
    assert first_page | second_page == {t["ticket_id"] for t in tickets}
    assert not first_page & second_page
    assert 'id="newer"' in second and 'id="older"' not in second


async def test_a_ticket_page_shows_the_customer_the_diagnosis_and_local_times(
    client: TestClient[Any, Any],
) -> None:
    secret = await register(client)
    window = {"start": "2026-06-02T15:00:00Z", "end": "2026-06-02T18:00:00Z"}
    ticket = make_ticket(customer__preferred_windows=[window])
    await post_ticket(client, secret, ticket)
    await login(client)
    page = await (await client.get(await _url(client, ticket))).text()
    assert '<a href="tel:+34600000000">+34600000000</a>' in page
    assert "Tue 2 Jun 2026, 17:00\N{EN DASH}20:00 CEST" in page  # the preferred window
    assert '<th scope="row">start attempts per hour</th><td>18</td>' in page
    assert "FC-P-2002 start relay PTC" in page
    assert '<dd id="deadline">Wed 3 Jun 2026, 11:00 CEST</dd>' in page
    assert '<dd id="unsafe">unknown</dd>' in page
    assert "Tue 2 Jun 2026, 18:00\N{EN DASH}19:00 CEST with Luis Romero" in page  # in the window
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d", page)  # no raw RFC 3339 times
    assert "A technician will come tomorrow at 6 pm" in page  # the customer's SMS


async def test_moving_the_visit_and_closing_tell_the_customer(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    ticket = make_ticket(customer__language="es")
    await post_ticket(client, secret, ticket)
    await login(client)
    url = await _url(client, ticket)
    page = await (await client.get(url)).text()
    target = _slot_values(page)[3]
    response = await client.post(f"{url}/book", data={"csrf": _field(page, "csrf"), "slot": target})
    page = await response.text()
    async with client.app[RUNTIME].database.read() as conn:
        booking = await repository.booking_of(conn, await _key(client, ticket))
    assert booking is not None
    assert f"{booking.technician_id}|{booking.slot_start}" == target
    assert "hemos cambiado la visita: el técnico pasará" in page

    taken = await client.post(f"{url}/book", data={"csrf": _field(page, "csrf"), "slot": target})
    assert "That slot is not free any more" in await taken.text()
    forged = await client.post(f"{url}/close", data={"csrf": "forged"})
    assert forged.status == 403

    closed = await client.post(f"{url}/close", data={"csrf": _field(page, "csrf")})
    page = await closed.text()
    assert 'id="status" class="badge status-closed">closed<' in page
    assert "No visit booked." in page
    assert "hemos cerrado el aviso de tu nevera: la visita" in page
    again = await client.post(f"{url}/close", data={"csrf": _field(page, "csrf")})
    assert "This ticket is closed." in await again.text()


async def test_error_codes_show_known_words_only(client: TestClient[Any, Any]) -> None:
    """Hostile test #6: ``?error=`` showed whatever text an attacker put in a link."""
    secret = await register(client)
    ticket = make_ticket()
    await post_ticket(client, secret, ticket)
    await login(client)
    url = await _url(client, ticket)
    page = await (await client.get(url, params={"error": "Call +1 900 FAKE-SUPPORT"})).text()
    assert "FAKE-SUPPORT" not in page and 'role="alert"' not in page
    page = await (await client.get(url, params={"error": "slot-not-free"})).text()
    assert "That slot is not free any more: pick another." in page


async def test_a_slot_after_the_deadline_is_marked_and_needs_the_customers_agreement(
    client: TestClient[Any, Any],
) -> None:
    """It offered a slot 37 h late on a critical ticket without a word."""
    secret = await register(client)
    ticket = make_ticket(fault__code="cooling_failure", fault__severity="critical")
    answer = await (await post_ticket(client, secret, ticket)).json()
    assert answer["status"] == "booked"  # Ana, today
    await login(client)
    url = await _url(client, ticket)
    page = await (await client.get(url)).text()
    assert '<optgroup label="After the deadline: the customer must agree">' in page
    late = re.findall(r'<option value="([^"]+)" class="late">[^<]*\((\d+ h[^)]*) late\)', page)
    assert late, page
    value, _ = late[0]
    refused = await client.post(f"{url}/book", data={"csrf": _field(page, "csrf"), "slot": value})
    assert "That slot is after the deadline" in await refused.text()
    agreed = await client.post(
        f"{url}/book", data={"csrf": _field(page, "csrf"), "slot": value, "late_ok": "1"}
    )
    assert agreed.status == 200
    html = await (await client.get("/console/")).text()
    assert '<span class="marker marker-late">Visit' in html  # the queue says it is late


async def test_no_slot_before_the_deadline_says_so_and_the_late_booking_is_marked(
    client: TestClient[Any, Any],
) -> None:
    secret = await register(client)
    ticket = make_ticket(fault__code="cooling_failure", fault__time_to_unsafe_s=600.0)
    await post_ticket(client, secret, ticket)
    await login(client)
    page = await (await client.get(await _url(client, ticket))).text()
    assert 'id="no-slot-in-time"' in page
    assert "No technician is free before the deadline (Mon 1 Jun 2026, 11:05 CEST)." in page
    assert (  # booked by the intake all the same, at the earliest: the dispatcher may move it
        '<p class="warning" id="booked-late" role="status">Booked 1 h 25 min after the deadline:'
        " no technician was free sooner. Move the visit forward if an earlier slot frees up.</p>"
    ) in page


async def test_a_ticket_for_human_review_gets_its_fault_then_a_visit(
    client: TestClient[Any, Any],
) -> None:
    """Human review was a dead end: now the agent names the fault (or a skill), then books."""
    secret = await register(client)
    ticket = make_ticket(fault__code="ice_maker_jam", customer__language="es")
    await post_ticket(client, secret, ticket)
    await login(client)
    url = await _url(client, ticket)
    page = await (await client.get(url)).text()
    assert 'id="retriage"' in page and "No visit booked." in page
    csrf = _field(page, "csrf")
    unknown = await client.post(f"{url}/retriage", data={"csrf": csrf, "code": "no_such_code"})
    assert "That fault code is not in the catalog." in await unknown.text()
    response = await client.post(f"{url}/retriage", data={"csrf": csrf, "code": "defrost_failure"})
    page = await response.text()
    assert 'id="status" class="badge status-needs_dispatch">needs dispatch<' in page
    assert "FC-P-3001 defrost heater" in page
    values = _slot_values(page)
    assert values and all(value.split("|")[0] in {"tech-luis", "tech-elena"} for value in values)
    booked = await client.post(f"{url}/book", data={"csrf": csrf, "slot": values[0]})
    page = await booked.text()
    assert 'id="status" class="badge status-booked">booked<' in page
    assert "para cambiar la resistencia de desescarche" in page  # the customer is told
    no_slot = await client.post(f"{url}/book", data={"csrf": csrf, "slot": ""})
    assert "Choose a slot." in await no_slot.text()


async def test_a_skill_alone_is_enough_to_book_an_unknown_fault(
    client: TestClient[Any, Any],
) -> None:
    secret = await register(client)
    ticket = make_ticket(fault__code="ice_maker_jam")
    await post_ticket(client, secret, ticket)
    await login(client)
    url = await _url(client, ticket)
    page = await (await client.get(url)).text()
    csrf = _field(page, "csrf")
    nothing = await client.post(f"{url}/retriage", data={"csrf": csrf})
    assert "Choose a fault code or a skill." in await nothing.text()
    page = await (
        await client.post(f"{url}/retriage", data={"csrf": csrf, "skill": "sealed_system"})
    ).text()
    technicians = {value.split("|")[0] for value in _slot_values(page)}
    assert technicians == {"tech-ana", "tech-elena"}  # those with the sealed-system skill
    assert "ice maker jam" in page  # the fault stays what the appliance said


async def test_agents_see_their_zones_and_supervisors_all(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    madrid = make_ticket()
    barcelona = make_ticket(customer__zone="barcelona")
    await post_ticket(client, secret, madrid)
    await post_ticket(client, secret, barcelona)
    html = await login(client, "bcn", zones=("barcelona",))
    assert barcelona["ticket_id"] in html and madrid["ticket_id"] not in html
    assert "Your zones: barcelona" in html
    url = await _url(client, madrid)
    assert (await client.get(url)).status == 404
    csrf = _field(html, "csrf")
    assert (await client.post(f"{url}/close", data={"csrf": csrf})).status == 404
    searched = await (await client.get("/console/", params={"q": madrid["ticket_id"]})).text()
    assert "No tickets match." in searched
    await client.post("/console/logout", data={"csrf": csrf})
    boss = await login(client, "boss")
    assert madrid["ticket_id"] in boss and barcelona["ticket_id"] in boss
    assert "All zones (supervisor)" in boss


async def test_the_console_speaks_spanish(client: TestClient[Any, Any]) -> None:
    secret = await register(client)
    ticket = make_ticket()
    await post_ticket(client, secret, ticket)
    await add_agent(client)
    form = await (
        await client.get("/console/login", headers={"Accept-Language": "es-ES,es;q=0.9"})
    ).text()
    assert "Iniciar sesión" in form and 'lang="es"' in form
    await sign_in(client)
    html = await (await client.get("/console/", params={"lang": "es"})).text()
    assert "<h1>Incidencias</h1>" in html and "con cita" in html
    assert "lun 1 jun 2026, 12:00 CEST · Luis Romero" in html
    page = await (await client.get(await _url(client, ticket))).text()  # the cookie remembers
    assert "relé de arranque del compresor" in page and "Mover la visita a" in page
    english = await (await client.get("/console/", params={"lang": "en"})).text()
    assert "<h1>Tickets</h1>" in english


async def test_logout_ends_session(client: TestClient[Any, Any]) -> None:
    page = await login(client)
    await client.post("/console/logout", data={"csrf": _field(page, "csrf")})
    response = await client.get("/console/", allow_redirects=False)
    assert response.status == 303


async def test_unknown_ticket_page_is_404(client: TestClient[Any, Any]) -> None:
    await login(client)
    assert (await client.get("/console/tickets/apl_x/nope")).status == 404
    assert (await client.get("/console/tickets/nope")).status == 404


def test_session_cookie_cannot_be_forged_or_outlive_expiry() -> None:
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
    assert not auth.is_valid(key, "alice|1|é", stamp, now)  # hostile test #1: no TypeError


async def test_signing_out_or_a_new_password_ends_earlier_sessions(
    client: TestClient[Any, Any],
) -> None:
    """A copied or forgotten cookie stops working once its agent signs out or changes password."""
    page = await login(client)
    kept = client.session.cookie_jar.filter_cookies(client.make_url("/console/"))[auth.COOKIE]
    response = await client.post("/console/logout", data={"csrf": _field(page, "csrf")})
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


async def test_stylesheet_is_served_without_login(client: TestClient[Any, Any]) -> None:
    response = await client.get("/console/static/console.css")
    assert response.status == 200
    assert response.content_type == "text/css"
    assert ".severity-critical" in await response.text()


async def test_a_zone_without_a_time_zone_reads_in_the_services_own(
    settings: Settings, clock: Clock, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(
        create_app(replace(settings, timezone="America/Sao_Paulo"), clock=clock)
    )
    secret = await register(client)
    await client.put(
        "/api/v1/technicians",
        json={
            "technicians": [
                {"id": "t-br", "name": "Bea", "zones": ["sp"], "skills": ["electrical"]}
            ]
        },
        headers={"Authorization": "Bearer admin-token-for-tests"},
    )
    ticket = make_ticket(customer__zone="sp", fault__time_to_unsafe_s=8100)
    await post_ticket(client, secret, ticket)
    await login(client)
    page = await (await client.get(await _url(client, ticket))).text()
    assert '<dd id="unsafe">2 h 15 min</dd>' in page
    assert '<dd id="deadline">Mon 1 Jun 2026, 08:10 UTC-03</dd>' in page  # detected + 2 h 15 min


def test_formats_for_people() -> None:
    madrid = ZoneInfo("Europe/Madrid")
    assert formats.when("2026-11-25T02:05:00.123456+00:00", madrid) == "Wed 25 Nov 2026, 03:05 CET"
    assert formats.when(0, madrid, "es") == "jue 1 ene 1970, 01:00 CET"
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


async def _booked_ticket(client: TestClient[Any, Any]) -> tuple[TicketKey, list[FreeSlot]]:
    """A booked ticket and free slots to move it to."""
    secret = await register(client)
    ticket = make_ticket()
    await post_ticket(client, secret, ticket)
    key = await _key(client, ticket)
    service = client.app[RUNTIME]
    return key, await service.dispatcher.free_slots(key, service.clock())


async def _assert_still_closed(client: TestClient[Any, Any], key: TicketKey) -> None:
    async with client.app[RUNTIME].database.read() as conn:
        row = await repository.ticket(conn, key)
        booking = await repository.booking_of(conn, key)
        messages = await repository.messages_for(conn, key)
    assert row is not None and row.status == "closed"
    assert booking is None
    assert messages[-1].event == "closed"


async def _move(service: Any, key: TicketKey, choice: FreeSlot) -> None:
    """Move a ticket to ``choice`` as the console's book action does."""
    technician_id, start = choice.value.split("|")
    await service.dispatcher.book(key, technician_id, int(start), service.clock(), late_ok=True)


async def test_a_move_that_read_the_ticket_before_a_close_does_not_reopen_it(
    client: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The move saw the ticket open, then a close committed: the close must win."""
    key, slots = await _booked_ticket(client)
    service = client.app[RUNTIME]
    async with service.database.read() as conn:
        stale = await repository.ticket(conn, key)
    await service.dispatcher.close(key, service.clock())
    async with service.database.read() as conn:
        messages_after_close = len(await repository.messages_for(conn, key))

    async def stale_row(conn: object, wanted: TicketKey) -> Any:
        return stale

    monkeypatch.setattr(repository, "ticket", stale_row)
    with pytest.raises(DispatchError, match="ticket-closed"):
        await _move(service, key, slots[3])
    monkeypatch.undo()
    await _assert_still_closed(client, key)
    async with service.database.read() as conn:
        assert len(await repository.messages_for(conn, key)) == messages_after_close


async def test_a_move_racing_a_close_on_postgres_waits_and_finds_it_closed(
    client: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two transactions: the close holds its row until the move is seen waiting on it."""
    service = client.app[RUNTIME]
    if service.database.dialect != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: there is no race")
    key, slots = await _booked_ticket(client)
    cancel = repository.cancel_appointment
    close_holds_lock = asyncio.Event()

    async def cancel_then_wait_for_the_move(conn: Any, wanted: TicketKey) -> None:
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
        raise AssertionError("the move never waited for the close")

    monkeypatch.setattr(repository, "cancel_appointment", cancel_then_wait_for_the_move)
    closing = asyncio.create_task(service.dispatcher.close(key, service.clock()))
    await close_holds_lock.wait()
    with pytest.raises(DispatchError, match="ticket-closed"):
        await _move(service, key, slots[3])
    await closing
    await _assert_still_closed(client, key)


async def test_the_deadline_and_now_are_the_zones_even_around_midnight_utc(
    settings: Settings, aiohttp_client: Any
) -> None:
    """At 23:30 UTC it is already tomorrow in Madrid: a critical ticket's day is Madrid's."""
    clock = Clock(datetime(2026, 6, 1, 23, 30, tzinfo=UTC).timestamp())
    client = await aiohttp_client(create_app(settings, clock=clock))
    secret = await register(client)
    ticket = make_ticket(fault__severity="critical", customer__language="es")
    answer = await (await post_ticket(client, secret, ticket, at=clock.now)).json()
    assert answer["triage"]["local_deadline"] == "2026-06-02T23:59:59+02:00"
    assert "hoy a las" in answer["notice"]  # Tuesday in Madrid, the visit the same day
    assert clock.now > MONDAY_9AM


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.mark.browser
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", {"booked": "booked", "book": "Book", "move": "Move visit", "close": "Close ticket"}),
        (
            "es",
            {
                "booked": "con cita",
                "book": "Dar cita",
                "move": "Mover visita",
                "close": "Cerrar incidencia",
            },
        ),
    ],
)
async def test_a_dispatchers_round_in_headless_chromium(
    client: TestClient[Any, Any], language: str, words: dict[str, str]
) -> None:
    """Sign in, find the urgent ticket, diagnose it, book it late with consent, move, close."""
    playwright_api = pytest.importorskip("playwright.async_api")
    secret = await register(client)
    long_id = "FC-" + "x" * 125  # the longest id the contract takes
    booked = make_ticket(ticket_id=long_id)
    review = make_ticket(fault__code="ice_maker_jam", customer__contact="+34 699 000 111")
    for ticket in (booked, review):
        assert (await post_ticket(client, secret, ticket)).status == 201
    await add_agent(client)
    base = str(client.make_url("/"))
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            context = await browser.new_context(
                locale="es-ES" if language == "es" else "en-GB",
                viewport={"width": 1300, "height": 900},
            )
            page = await context.new_page()
            await page.goto(f"{base}console/login")
            assert await page.get_attribute("html", "lang") == language
            await page.fill("input[name=username]", "alice")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_selector("#tickets")
            # The most urgent first: the ticket nobody can book yet, then the booked one.
            first_row = page.locator("#tickets tbody tr").first
            assert review["ticket_id"] in await first_row.inner_text()
            badge = page.locator("#tickets .badge.status-booked")
            assert await badge.inner_text() == words["booked"]
            colour = await badge.evaluate("e => getComputedStyle(e).backgroundColor")
            assert colour == "rgb(218, 251, 225)"  # the stylesheet is served and applied
            # A 128-character id wraps: the list never gets wider than the window.
            for width in (1300, 400):
                await page.set_viewport_size({"width": width, "height": 900})
                assert await page.evaluate("document.documentElement.scrollWidth") <= width
            await page.set_viewport_size({"width": 1300, "height": 900})
            await page.fill("input[name=q]", "699 000 111")  # found by the customer's phone
            await page.click("#filters button")
            await page.click(f"text={review['ticket_id']}")
            assert "+34 699 000 111" in await page.inner_text("#contact")
            await page.select_option("#code", "compressor_start_failure")
            await page.click("#retriage button")
            await page.wait_for_selector("#book")
            assert "FC-P-2002" in await page.inner_text("#part")
            assert await page.inner_text("#book button") == words["book"]
            await page.click("#book button")
            await page.wait_for_selector("#status.status-booked")
            assert await page.inner_text("#book button") == words["move"]
            before = await page.inner_text("#booking")
            await page.select_option("#slot", index=2)
            await page.click("#book button")
            await page.wait_for_selector("#messages")
            assert await page.inner_text("#booking") != before
            assert "we have moved your visit" in await page.inner_text(
                "#messages"
            )  # the customer's
            await page.set_viewport_size({"width": 400, "height": 800})  # a phone: one column
            assert await page.evaluate("document.documentElement.scrollWidth") <= 400
            await page.click("#close button")
            await page.wait_for_selector("#status.status-closed")
            for path in ("console/", f"console/tickets/{await _key_path(client, booked)}"):
                await page.goto(f"{base}{path}")
                assert await page.evaluate("document.documentElement.scrollWidth") <= 400
        finally:
            await browser.close()
