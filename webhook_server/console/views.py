"""Console pages: sign-in, the ticket queue with search and filters, a ticket with its actions.

Handlers read the request and call the service's parts: the ticket read model and queue
(:mod:`webhook_server.read_model`, :mod:`webhook_server.store.repository`), the dispatcher
(:mod:`webhook_server.dispatch`) and the agents' records. Every time shown is local to the
ticket's service zone; every word is in the agent's language (:mod:`.texts`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import logging
from pathlib import Path
from typing import Any, Final

from aiohttp import web
import jinja2
from multidict import MultiDictProxy
from yarl import URL

from webhook_server import read_model
from webhook_server.console import auth, formats, texts
from webhook_server.console.guards import refuse_foreign_origin, security_headers
from webhook_server.console.throttle import ACCOUNT_LIMIT, LOCK_SECONDS, AddressThrottle
from webhook_server.dispatch import DispatchError
from webhook_server.message_delivery import email_of
from webhook_server.protocol import SEVERITIES, TICKET_STATUSES
from webhook_server.runtime import Runtime, runtime
from webhook_server.security import check_password
from webhook_server.store import repository
from webhook_server.store.repository import QueueRow, TicketQuery
from webhook_server.store.rows import TicketKey

_LOGGER = logging.getLogger(__name__)

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

Sign-in checks an unknown user's password against it, so the answer takes as long as for a
known user with a wrong password and the timing does not tell which user names exist.
"""
_MAX_SLOT_START_DIGITS: Final = 12
PAGE_SIZE: Final = 50
_MAX_PAGE: Final = 10_000
_THROTTLE = web.AppKey("login_throttle", AddressThrottle)


@dataclass(frozen=True, slots=True)
class Agent:
    """The signed-in agent: who, which zones they see (None: all), their form token."""

    username: str
    zones: tuple[str, ...] | None
    csrf: str

    def may_see(self, zone: str) -> bool:
        """Whether the agent works on ``zone``."""
        return self.zones is None or zone in self.zones


def _key(service: Runtime) -> bytes:
    return service.secret_box.derive(_SESSION_KEY)


def _page(request: web.Request, name: str, status: int = 200, **context: object) -> web.Response:
    language = texts.language_of(request)
    html = _TEMPLATES.get_template(name).render(
        t=texts.translator(language), lang=language, path=request.path, **context
    )
    response = web.Response(text=html, status=status, content_type="text/html")
    if request.query.get("lang") in texts.LANGUAGES:
        response.set_cookie(
            texts.LANGUAGE_COOKIE,
            language,
            httponly=True,
            samesite="Strict",
            secure=request.secure,
            max_age=365 * 86400,
            path="/console",
        )
    return response


async def _agent(request: web.Request) -> tuple[Runtime, Agent]:
    """Return the service and the signed-in agent; or go to the sign-in page."""
    service = runtime(request)
    cookie = request.cookies.get(auth.COOKIE)
    username = auth.claimed_user(cookie)
    row = None
    if username is not None:
        async with service.database.read() as conn:
            row = await repository.agent(conn, username)
            zones = await repository.agent_zones(conn, username)
    stamp = None if row is None else f"{row.session_epoch}|{row.password_hash}"
    if (
        cookie is None
        or row is None
        or not auth.is_valid(_key(service), cookie, stamp, service.clock())
    ):
        raise web.HTTPSeeOther("/console/login")
    seen = None if row.role == "supervisor" else zones
    return service, Agent(row.username, seen, auth.csrf_token(_key(service), cookie))


async def _checked_form(request: web.Request) -> tuple[Runtime, Agent, MultiDictProxy[Any]]:
    service, agent = await _agent(request)
    form = await request.post()
    if not auth.same(str(form.get("csrf", "")), agent.csrf):
        raise web.HTTPForbidden(text=texts.translator(texts.language_of(request))["stale_form"])
    return service, agent, form


def _client(request: web.Request) -> str:
    return request.remote or "unknown"


async def login_page(request: web.Request) -> web.Response:
    """Show the sign-in form, with a token bound to a cookie of its own."""
    service = runtime(request)
    nonce = request.cookies.get(auth.LOGIN_COOKIE) or auth.new_login_nonce()
    response = _page(
        request, "login.html", error=None, token=auth.login_token(_key(service), nonce)
    )
    _set_login_cookie(request, response, nonce)
    return response


def _set_login_cookie(request: web.Request, response: web.StreamResponse, nonce: str) -> None:
    response.set_cookie(
        auth.LOGIN_COOKIE,
        nonce,
        httponly=True,
        samesite="Strict",
        secure=request.secure,
        max_age=3600,
        path="/console",
    )


def _refused(
    request: web.Request, token: str, message: str, *, retry_after: int | None = None
) -> web.Response:
    """Return the sign-in form again, with why: 401, or 429 while the sign-in must wait."""
    status = 401 if retry_after is None else 429
    response = _page(request, "login.html", status=status, error=message, token=token)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


async def login(request: web.Request) -> web.Response:
    """Check the agent's password and start a session; count and log what fails."""
    service = runtime(request)
    words = texts.translator(texts.language_of(request))
    form = await request.post()
    nonce = request.cookies.get(auth.LOGIN_COOKIE, "")
    token = auth.login_token(_key(service), nonce)
    client = _client(request)
    if not nonce or not auth.same(str(form.get("token", "")), token):
        _LOGGER.warning("console sign-in without its form token", extra={"client": client})
        raise web.HTTPForbidden(text=words["stale_form"])
    username = str(form.get("username", ""))[:128]
    password = str(form.get("password", ""))
    throttle = request.app[_THROTTLE]
    now = int(service.clock())
    async with service.database.read() as conn:
        agent = await repository.agent(conn, username)
    wait = throttle.wait_seconds(client)
    if agent is not None and agent.locked_until > now:
        wait = max(wait, agent.locked_until - now)
    if wait:
        _LOGGER.warning(
            "console sign-in refused: too many failures",
            extra={"username": username, "client": client, "wait_s": wait},
        )
        message = words["locked"].format(minutes=-(-wait // 60))
        return _refused(request, token, message, retry_after=wait)
    hashed = agent.password_hash if agent is not None else _UNKNOWN_USER_HASH
    matches = await asyncio.to_thread(check_password, password, hashed)
    if agent is None or not matches:
        throttle.failed(client)
        locked_until = 0
        if agent is not None:
            async with service.database.transaction() as conn:
                locked_until = await repository.record_failed_login(
                    conn, username, now, limit=ACCOUNT_LIMIT, lock_seconds=LOCK_SECONDS
                )
        _LOGGER.warning(
            "console sign-in failed",
            extra={
                "username": username,
                "client": client,
                "known_user": agent is not None,
                "account_locked": locked_until > now,
            },
        )
        return _refused(request, token, words["wrong_login"])
    async with service.database.transaction() as conn:
        await repository.clear_failed_logins(conn, username)
    _LOGGER.info("console sign-in", extra={"username": username, "client": client})
    response = web.HTTPSeeOther("/console/")
    stamp = f"{agent.session_epoch}|{agent.password_hash}"
    response.set_cookie(
        auth.COOKIE,
        auth.issue(_key(service), username, stamp, service.clock()),
        httponly=True,
        samesite="Strict",
        secure=request.secure,
        max_age=auth.LIFETIME_SECONDS,
        path="/console",
    )
    response.del_cookie(auth.LOGIN_COOKIE, path="/console")
    raise response


async def logout(request: web.Request) -> web.Response:
    """End the agent's sessions: this cookie and any other they still have."""
    service, agent, _ = await _checked_form(request)
    async with service.database.transaction() as conn:
        await repository.end_agent_sessions(conn, agent.username)
    _LOGGER.info("console sign-out", extra={"username": agent.username})
    response = web.HTTPSeeOther("/console/login")
    response.del_cookie(auth.COOKIE, path="/console")
    raise response


def _ticket_url(key: TicketKey, error: str | None = None) -> str:
    url = URL("/console/tickets/") / key.appliance_id / key.ticket_id
    return str(url.with_query(error=error) if error else url)


@dataclass(frozen=True, slots=True)
class _Marker:
    """How urgent a ticket in the queue is: ``kind`` styles it, ``text`` says it."""

    kind: str
    text: str


def _marker(item: QueueRow, now: int, words: dict[str, str]) -> _Marker | None:
    ticket, booking = item.ticket, item.booking
    if ticket.status in ("needs_dispatch", "human_review"):
        left = ticket.deadline - now
        if left < 0:
            return _Marker("overdue", words["overdue"].format(time=formats.duration(-left)))
        return _Marker("due", words["due_in"].format(time=formats.duration(left)))
    if ticket.status == "booked" and booking is not None and booking.slot_start > ticket.deadline:
        late = formats.duration(booking.slot_start - ticket.deadline)
        return _Marker("late", words["late_visit"].format(time=late))
    return None


def _fault_words(service: Runtime, code: str, language: str) -> str:
    entry = service.catalog.entry(code)
    if entry is None:
        return code.replace("_", " ")
    return entry.component.in_("es" if language == "es" else "en")


def _query(request: web.Request, agent: Agent) -> tuple[TicketQuery, int]:
    query = request.query
    status = query.get("status", "")
    severity = query.get("severity", "")
    page_text = query.get("page", "1")
    page = (
        int(page_text) if page_text.isascii() and page_text.isdigit() and len(page_text) < 6 else 1
    )
    page = min(max(page, 1), _MAX_PAGE)
    return (
        TicketQuery(
            status=status if status in TICKET_STATUSES else "",
            severity=severity if severity in SEVERITIES else "",
            zone=query.get("zone", "")[:64],
            code=query.get("code", "")[:64],
            search=query.get("q", "").strip()[:254],
            zones=agent.zones,
            offset=(page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        ),
        page,
    )


async def ticket_list(request: web.Request) -> web.Response:
    """Tickets, most urgent first, found by id, serial or phone, filtered, a page at a time."""
    service, agent = await _agent(request)
    language = texts.language_of(request)
    words = texts.translator(language)
    query, page = _query(request, agent)
    now = int(service.clock())
    async with service.database.read() as conn:
        await service.zones.refresh(conn)
        total, rows = await repository.ticket_queue(conn, query, now)
    tickets = []
    for item in rows:
        ticket = item.ticket
        payload = read_model.stored_ticket(ticket)
        contact = payload.customer.contact
        tickets.append(
            {
                "row": ticket,
                "url": _ticket_url(ticket.key),
                "tz": service.zones.timezone(ticket.zone),
                "fault": _fault_words(service, ticket.code, language),
                "model": payload.appliance.model,
                "contact": contact if isinstance(contact, str) else "",
                "booking": item.booking,
                "marker": _marker(item, now, words),
            }
        )
    filters = {name: getattr(query, name) for name in repository.TICKET_FILTERS}
    pages = {
        "newer": _page_link(request, page - 1) if page > 1 else None,
        "older": _page_link(request, page + 1) if query.offset + len(rows) < total else None,
        "first": query.offset + 1,
        "last": query.offset + len(rows),
        "total": total,
    }
    return _page(
        request,
        "tickets.html",
        tickets=tickets,
        filters=filters,
        search=query.search,
        pages=pages,
        choices={
            "status": TICKET_STATUSES,
            "severity": SEVERITIES,
            "code": sorted(service.catalog.codes),
        },
        agent=agent,
        csrf=agent.csrf,
    )


def _page_link(request: web.Request, page: int) -> str:
    return str(request.rel_url.update_query(page=page))


def _request_key(request: web.Request) -> TicketKey:
    return TicketKey(request.match_info["appliance_id"], request.match_info["ticket_id"])


async def ticket_page(request: web.Request) -> web.Response:
    """One ticket: diagnosis, customer, visit and free slots, messages, actions."""
    service, agent = await _agent(request)
    language = texts.language_of(request)
    words = texts.translator(language)
    key = _request_key(request)
    async with service.database.read() as conn:
        found = await read_model.detail(conn, key, service.zones)
    if found is None or not agent.may_see(found.row.zone):
        return _page(request, "missing.html", status=404, agent=agent, csrf=agent.csrf)
    now = service.clock()
    slots = [] if found.row.status == "closed" else await service.dispatcher.free_slots(key, now)
    tz = found.timezone
    error = request.query.get("error", "")
    skills = sorted(service.catalog.skills)
    return _page(
        request,
        "ticket.html",
        ticket=found.row,
        key=key,
        url=_ticket_url(key),
        payload=found.ticket,
        triage=found.triage,
        fault=_fault_words(service, found.row.code, language),
        booking=found.booking,
        messages=[(message, email_of(message)) for message in found.messages],
        slots=[
            {
                "value": choice.value,
                "label": f"{formats.when(choice.slot.start, tz, language)} \N{EM DASH} "
                f"{choice.slot.technician.name}",
                "late": None
                if choice.late_by is None
                else words["late_by"].format(time=formats.duration(choice.late_by.total_seconds())),
            }
            for choice in slots
        ],
        none_in_time=bool(slots) and all(choice.late_by is not None for choice in slots),
        codes=[
            (code, _fault_words(service, code, language)) for code in sorted(service.catalog.codes)
        ],
        skills=skills,
        error=words.get(f"error.{error}") if error in texts.ERRORS else None,
        agent=agent,
        csrf=agent.csrf,
        tz=tz,
    )


async def _visible_ticket(request: web.Request, service: Runtime, agent: Agent) -> TicketKey:
    """Return the ticket of the request, if the agent may act on it (else 404)."""
    key = _request_key(request)
    async with service.database.read() as conn:
        row = await repository.ticket(conn, key)
    if row is None or not agent.may_see(row.zone):
        raise web.HTTPNotFound(text="no such ticket")
    return key


async def _act(
    request: web.Request,
    action: Callable[[Runtime, TicketKey, MultiDictProxy[Any]], Awaitable[None]],
    done: str,
) -> web.Response:
    """Run a dispatcher's action on the request's ticket, log it, and show the ticket again.

    A refused action comes back as its error code in the ticket's address.
    """
    service, agent, form = await _checked_form(request)
    key = await _visible_ticket(request, service, agent)
    try:
        await action(service, key, form)
    except DispatchError as err:
        raise web.HTTPSeeOther(_ticket_url(key, err.code)) from err
    _LOGGER.info(done, extra={"username": agent.username, "ticket_id": key.ticket_id})
    raise web.HTTPSeeOther(_ticket_url(key))


async def _book(service: Runtime, key: TicketKey, form: MultiDictProxy[Any]) -> None:
    technician_id, _, start = str(form.get("slot", "")).partition("|")
    # ASCII digits only, and few: str.isdigit() also takes "²", and int() of 5000 digits raises.
    if not (start.isascii() and start.isdigit() and len(start) <= _MAX_SLOT_START_DIGITS):
        raise DispatchError("choose-slot")
    late_ok = form.get("late_ok") == "1"
    await service.dispatcher.book(key, technician_id, int(start), service.clock(), late_ok=late_ok)


async def book(request: web.Request) -> web.Response:
    """Book the visit in the chosen free slot, or move it there."""
    return await _act(request, _book, "visit booked by agent")


async def close(request: web.Request) -> web.Response:
    """Close the ticket."""

    async def closing(service: Runtime, key: TicketKey, form: MultiDictProxy[Any]) -> None:
        await service.dispatcher.close(key, service.clock())

    return await _act(request, closing, "ticket closed by agent")


async def retriage(request: web.Request) -> web.Response:
    """Give a ticket its fault code or the skill it needs, so that it can be booked."""

    async def diagnosing(service: Runtime, key: TicketKey, form: MultiDictProxy[Any]) -> None:
        code = str(form.get("code", "")) or None
        skill = str(form.get("skill", "")) or None
        await service.dispatcher.retriage(key, service.clock(), code=code, skill=skill)

    return await _act(request, diagnosing, "ticket diagnosed by agent")


def console_app() -> web.Application:
    """Return the console as a sub-application: its own security headers and origin check."""
    app = web.Application(middlewares=[security_headers, refuse_foreign_origin])
    app[_THROTTLE] = AddressThrottle()
    app.router.add_static("/static", Path(__file__).parent / "static")
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/", ticket_list)
    app.router.add_get("/tickets/{appliance_id}/{ticket_id}", ticket_page)
    app.router.add_post("/tickets/{appliance_id}/{ticket_id}/book", book)
    app.router.add_post("/tickets/{appliance_id}/{ticket_id}/close", close)
    app.router.add_post("/tickets/{appliance_id}/{ticket_id}/retriage", retriage)
    return app


def setup(app: web.Application) -> None:
    """Mount the console at ``/console/``."""
    app.add_subapp("/console/", console_app())

    async def to_console(request: web.Request) -> web.Response:
        raise web.HTTPPermanentRedirect("/console/")

    app.router.add_get("/console", to_console)
