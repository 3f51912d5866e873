"""Console pages: login, the ticket list with filters, a ticket with its actions."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Final

from aiohttp import web
import jinja2
import orjson
from yarl import URL

from webhook_server import dispatch
from webhook_server.console import auth, formats
from webhook_server.protocol import FAULT_CODES, SEVERITIES, TICKET_STATUSES
from webhook_server.security import check_password
from webhook_server.services import Services, services
from webhook_server.store import repository

_TEMPLATES: Final = jinja2.Environment(
    loader=jinja2.PackageLoader("webhook_server.console", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_TEMPLATES.filters.update(
    when=formats.when, span=formats.span, duration=formats.duration, number=formats.number
)
_SESSION_KEY: Final = "agent-console-session"
_UNKNOWN_USER_HASH: Final = "$2b$12$RtelwT/Kq8BcBg8b1TG4D.3zw7mB4PzIfSGZgkPFgaI/UYrBycQU6"
"""A bcrypt hash (cost 12, as ``hash_password`` makes) of a random password nobody knows.

Login checks an unknown user's password against it, so the answer takes as long as for a known
user with a wrong password and the timing does not tell which user names exist.
"""
_MAX_SLOT_START_DIGITS: Final = 12


def _key(service: Services) -> bytes:
    return service.secret_box.derive(_SESSION_KEY)


def _page(name: str, status: int = 200, **context: object) -> web.Response:
    html = _TEMPLATES.get_template(name).render(**context)
    return web.Response(text=html, status=status, content_type="text/html")


async def _agent(request: web.Request) -> tuple[Services, str, str]:
    """Return the services, the signed-in agent and their form token; or go to the login page."""
    service = services(request)
    cookie = request.cookies.get(auth.COOKIE)
    username = auth.claimed_user(cookie)
    stamp = None
    if username is not None:
        async with service.database.read() as conn:
            stamp = await repository.agent_session_stamp(conn, username)
    if (
        cookie is None
        or username is None
        or not auth.is_valid(_key(service), cookie, stamp, service.clock())
    ):
        raise web.HTTPSeeOther("/console/login")
    return service, username, auth.csrf_token(_key(service), cookie)


async def _checked_form(request: web.Request) -> tuple[Services, str, Any]:
    service, username, csrf = await _agent(request)
    form = await request.post()
    if form.get("csrf") != csrf:
        raise web.HTTPForbidden(text="stale form: reload the page")
    return service, username, form


async def login_page(request: web.Request) -> web.Response:
    """Show the login form."""
    return _page("login.html", error=None)


async def login(request: web.Request) -> web.Response:
    """Check the agent's password and start a session."""
    service = services(request)
    form = await request.post()
    username = str(form.get("username", ""))
    password = str(form.get("password", ""))
    async with service.database.read() as conn:
        hashed = await repository.agent_password_hash(conn, username)
        stamp = await repository.agent_session_stamp(conn, username)
    matches = await asyncio.to_thread(check_password, password, hashed or _UNKNOWN_USER_HASH)
    if hashed is None or stamp is None or not matches:
        return _page("login.html", status=401, error="Wrong user name or password.")
    response = web.HTTPSeeOther("/console/")
    response.set_cookie(
        auth.COOKIE,
        auth.issue(_key(service), username, stamp, service.clock()),
        httponly=True,
        samesite="Strict",
        secure=request.secure,
        max_age=auth.LIFETIME_SECONDS,
        path="/console",
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    """End the agent's sessions: this cookie and any other they still have."""
    service, username, _ = await _checked_form(request)
    async with service.database.transaction() as conn:
        await repository.end_agent_sessions(conn, username)
    response = web.HTTPSeeOther("/console/login")
    response.del_cookie(auth.COOKIE, path="/console")
    raise response


def headline(service: Services, row: dict[str, Any]) -> str:
    """One line an agent can read out: fault, model, part, zone, visit."""
    payload = orjson.loads(row["payload"])
    triage = orjson.loads(row["triage"])
    component = triage["component"] or payload["fault"].get("component") or row["code"]
    parts = [f"ticket {row['ticket_id']}: {component} on model {payload['appliance']['model']}"]
    if triage["part"]:
        parts.append(f"part {triage['part']}")
    parts.append(f"zone {row['zone']}")
    if row.get("slot_start") is not None:
        when = formats.when(row["slot_start"], service.catalog.timezone)
        parts.append(f"booked {when} ({row['technician_name']})")
    else:
        parts.append(row["status"].replace("_", " "))
    return ", ".join(parts)


async def ticket_list(request: web.Request) -> web.Response:
    """Tickets, newest first, filtered by status, zone, severity and fault code."""
    service, _, csrf = await _agent(request)
    filters = {name: request.query.get(name, "") for name in repository.TICKET_FILTERS}
    async with service.database.read() as conn:
        rows = await repository.list_tickets(conn, filters)
    tickets = [dict(row, headline=headline(service, row)) for row in rows]
    return _page(
        "tickets.html",
        tickets=tickets,
        filters=filters,
        choices={
            "status": TICKET_STATUSES,
            "severity": SEVERITIES,
            "code": sorted(set(FAULT_CODES) | service.catalog.codes),
        },
        csrf=csrf,
        tz=service.catalog.timezone,
    )


async def ticket_page(request: web.Request) -> web.Response:
    """One ticket: diagnosis, evidence, part, booking, messages, actions."""
    service, _, csrf = await _agent(request)
    ticket_id = request.match_info["ticket_id"]
    async with service.database.read() as conn:
        record = await repository.ticket_record(conn, ticket_id)
        if record is None:
            raise web.HTTPNotFound(text=f"no ticket {ticket_id}")
        booking = await repository.booking_of(conn, ticket_id)
        messages = await repository.notices_for(conn, ticket_id)
    slots = await dispatch.free_slots(service.database, service.catalog, ticket_id, service.clock())
    row = dict(record, **(booking or {}))
    tz = service.catalog.timezone
    return _page(
        "ticket.html",
        ticket=record,
        headline=headline(service, row),
        payload=orjson.loads(record["payload"]),
        triage=orjson.loads(record["triage"]),
        booking=booking,
        messages=messages,
        slots=[
            {
                "value": f"{slot.technician.technician_id}|{int(slot.start.timestamp())}",
                "label": f"{formats.when(slot.start.timestamp(), tz)} — {slot.technician.name}",
            }
            for slot in slots
        ],
        error=request.query.get("error"),
        csrf=csrf,
        tz=tz,
    )


async def reschedule(request: web.Request) -> web.Response:
    """Move the visit to the chosen free slot."""
    service, _, form = await _checked_form(request)
    ticket_id = request.match_info["ticket_id"]
    technician_id, _, start = str(form.get("slot", "")).partition("|")
    # ASCII digits only, and few: str.isdigit() also takes "²", and int() of 5000 digits raises.
    if not (start.isascii() and start.isdigit() and len(start) <= _MAX_SLOT_START_DIGITS):
        raise web.HTTPSeeOther(_ticket_url(ticket_id, "choose a slot"))
    try:
        await dispatch.reschedule(
            service.database, service.catalog, ticket_id, technician_id, int(start), service.clock()
        )
    except dispatch.DispatchError as err:
        raise web.HTTPSeeOther(_ticket_url(ticket_id, str(err))) from err
    raise web.HTTPSeeOther(_ticket_url(ticket_id))


async def close(request: web.Request) -> web.Response:
    """Close the ticket."""
    service, _, _ = await _checked_form(request)
    ticket_id = request.match_info["ticket_id"]
    try:
        await dispatch.close_ticket(service.database, service.catalog, ticket_id, service.clock())
    except dispatch.DispatchError as err:
        raise web.HTTPSeeOther(_ticket_url(ticket_id, str(err))) from err
    raise web.HTTPSeeOther(_ticket_url(ticket_id))


def _ticket_url(ticket_id: str, error: str | None = None) -> str:
    url = URL("/console/tickets/") / ticket_id
    return str(url.with_query(error=error) if error else url)


def setup(app: web.Application) -> None:
    """Add the console routes and its stylesheet."""
    app.router.add_static("/console/static", Path(__file__).parent / "static")
    app.router.add_get("/console/login", login_page)
    app.router.add_post("/console/login", login)
    app.router.add_post("/console/logout", logout)
    app.router.add_get("/console/", ticket_list)
    app.router.add_get("/console/tickets/{ticket_id}", ticket_page)
    app.router.add_post("/console/tickets/{ticket_id}/reschedule", reschedule)
    app.router.add_post("/console/tickets/{ticket_id}/close", close)
