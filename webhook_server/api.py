"""The HTTP API under ``/api/v1``: ticket intake and status, appliance admin, health.

Handlers only read the request, call the service's parts (appliances, intake, the ticket read
model, the roster) and answer; the rules live in those modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import logging
from typing import Final
from urllib.parse import quote

from aiohttp import web
import msgspec

from webhook_server import __version__, read_model
from webhook_server.appliances import UnknownApplianceError
from webhook_server.contract import (
    MAX_BODY_BYTES,
    Appliance,
    Health,
    Ticket,
    decode_ticket,
    encode,
    field_errors,
)
from webhook_server.problems import (
    ADMIN_DISABLED,
    ALREADY_REGISTERED,
    AMBIGUOUS_TICKET_ID,
    INVALID_SIGNATURE,
    MALFORMED_REQUEST,
    NOT_FOUND,
    TOO_LARGE,
    UNAUTHORIZED,
    UNSUPPORTED_MEDIA_TYPE,
    VALIDATION_FAILED,
    ProblemError,
)
from webhook_server.protocol import SignatureError, SignedMessage, verify
from webhook_server.roster import Roster, load_roster
from webhook_server.runtime import Runtime, runtime
from webhook_server.security import same_token
from webhook_server.store import repository
from webhook_server.store.base import UniqueViolationError
from webhook_server.store.rows import TicketKey

_LOGGER = logging.getLogger(__name__)

routes = web.RouteTableDef()

_APPLIANCE: Final = msgspec.json.Decoder(Appliance)
_ROSTER: Final = msgspec.json.Decoder(Roster)


def _json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=encode(data), status=status, content_type="application/json", headers=headers
    )


async def _body(request: web.Request) -> bytes:
    """Return the raw body, with the size and media-type problems."""
    if request.content_type != "application/json":
        raise ProblemError(
            UNSUPPORTED_MEDIA_TYPE, f"got {request.content_type or 'no content type'}"
        )
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise ProblemError(TOO_LARGE, f"at most {MAX_BODY_BYTES} bytes")
    return await request.read()


def _decoded[T](decode: Callable[[bytes], T], body: bytes) -> T:
    """Return the body as the contract's type (400 if not JSON, 422 naming the field if not it)."""
    try:
        return decode(body)
    except msgspec.ValidationError as err:
        raise ProblemError(VALIDATION_FAILED, str(err), errors=field_errors(err)) from err
    except msgspec.DecodeError as err:
        raise ProblemError(MALFORMED_REQUEST, str(err)) from err


def _require_admin(request: web.Request) -> Runtime:
    service = runtime(request)
    token = service.settings.admin_token
    if token is None:
        raise ProblemError(
            ADMIN_DISABLED, "start the server with --admin-token or FRIDGECARE_ADMIN_TOKEN"
        )
    if not _has_admin_token(request, token):
        raise ProblemError(UNAUTHORIZED, "send Authorization: Bearer <admin token>")
    return service


def _has_admin_token(request: web.Request, token: str | None) -> bool:
    given = request.headers.get("Authorization", "")
    return token is not None and given.startswith("Bearer ") and same_token(given[7:], token)


@dataclass(frozen=True, slots=True)
class CheckedTicket:
    """A ticket that passed every check of its request: media type, size, contract, signature."""

    ticket: Ticket
    appliance_id: str
    message: SignedMessage


async def checked_ticket(request: web.Request, service: Runtime | None = None) -> CheckedTicket:
    """Run the checks of a ticket request; raise the problem of the first that fails.

    On its own (nothing stored), this is the floor the benchmark measures intake against.
    """
    service = service or runtime(request)
    body = await _body(request)
    ticket = _decoded(decode_ticket, body)
    appliance = await service.appliances.keys(
        ticket.appliance.manufacturer, ticket.appliance.serial
    )
    try:
        message = verify(request.headers, body, appliance.keys, now=service.clock())
    except SignatureError as err:
        raise ProblemError(INVALID_SIGNATURE, str(err)) from err
    return CheckedTicket(ticket, appliance.appliance_id, message)


@routes.post("/api/v1/tickets")
async def post_ticket(request: web.Request) -> web.Response:
    """Accept a signed ticket: check it, then store, triage, book and answer."""
    service = runtime(request)
    service.intake.admit()  # shed load before spending anything on the request
    checked = await checked_ticket(request, service)
    ticket_id = checked.ticket.ticket_id
    result = await service.intake.submit(checked.ticket, checked.appliance_id)
    if result.status == 201:
        _LOGGER.info("ticket accepted", extra={"ticket_id": ticket_id})
    return web.Response(
        body=result.body,
        status=result.status,
        content_type="application/json",
        headers={"Location": f"/api/v1/tickets/{quote(ticket_id, safe=':')}"},
    )


@routes.get("/api/v1/tickets/{ticket_id}")
async def get_ticket(request: web.Request) -> web.Response:
    """Return the state of a ticket, for its appliance (signed, empty body) or the admin.

    The signature says whose ticket it is: only the appliance that sent a ticket can read it
    (another appliance using the same id reads its own). A signed read is good once. Only the
    admin learns that a ticket does not exist; anyone else gets the 401 of a bad signature.
    """
    service = runtime(request)
    ticket_id = request.match_info["ticket_id"]
    async with service.database.read() as conn:
        candidates = [row.key for row in await repository.tickets_with_id(conn, ticket_id)]
    if _has_admin_token(request, service.settings.admin_token):
        key = _admins_ticket(candidates, request.query.get("appliance_id"))
    else:
        key = await _signed_readers_ticket(request, service, candidates)
    async with service.database.read() as conn:
        found = await read_model.detail(conn, key, service.zones)
    if found is None:  # closed and gone meanwhile: not a case today, but never a 500
        raise ProblemError(NOT_FOUND, f"no ticket {ticket_id}")
    return _json(found.state)


def _admins_ticket(candidates: list[TicketKey], appliance_id: str | None) -> TicketKey:
    if appliance_id is not None:
        candidates = [key for key in candidates if key.appliance_id == appliance_id]
    if not candidates:
        raise ProblemError(NOT_FOUND, "no such ticket")
    if len(candidates) > 1:
        appliances = ", ".join(key.appliance_id for key in candidates)
        raise ProblemError(AMBIGUOUS_TICKET_ID, f"add ?appliance_id= one of {appliances}")
    return candidates[0]


async def _signed_readers_ticket(
    request: web.Request, service: Runtime, candidates: list[TicketKey]
) -> TicketKey:
    """Return the ticket among ``candidates`` whose appliance signed the read (remembered once)."""
    error = SignatureError("no signature matches this appliance's secrets")
    for key in candidates:
        keys = (await service.appliances.keys_by_id(key.appliance_id)).keys
        try:
            message = verify(request.headers, b"", keys, now=service.clock())
        except SignatureError as err:
            error = err
            continue
        await service.signed_reads.admit(key.appliance_id, message)
        return key
    if not candidates:  # no ticket: the same answers as for a wrong signature
        try:
            verify(request.headers, b"", [], now=service.clock())
        except SignatureError as err:
            error = err
    raise ProblemError(INVALID_SIGNATURE, str(error))


@routes.post("/api/v1/appliances")
async def post_appliance(request: web.Request) -> web.Response:
    """Register an appliance and issue its first signing secret (shown only in this answer)."""
    service = _require_admin(request)
    appliance = _decoded(_APPLIANCE.decode, await _body(request))
    try:
        credentials = await service.appliances.register(appliance)
    except UniqueViolationError as err:
        raise ProblemError(ALREADY_REGISTERED, "rotate its secret instead") from err
    location = {"Location": f"/api/v1/appliances/{credentials.appliance_id}"}
    return _json(credentials, 201, location)


@routes.post("/api/v1/appliances/{appliance_id}/secrets")
async def rotate_secret(request: web.Request) -> web.Response:
    """Issue a new secret; the previous ones keep working for the rotation grace period."""
    service = _require_admin(request)
    appliance_id = request.match_info["appliance_id"]
    try:
        return _json(await service.appliances.rotate(appliance_id), 201)
    except UnknownApplianceError as err:
        raise ProblemError(NOT_FOUND, f"no appliance {appliance_id}") from err


@routes.post("/api/v1/appliances/{appliance_id}/revocation")
async def revoke_secrets(request: web.Request) -> web.Response:
    """End every secret of an appliance now, for a secret that leaked; then rotate to go on."""
    service = _require_admin(request)
    appliance_id = request.match_info["appliance_id"]
    try:
        return _json(await service.appliances.revoke(appliance_id))
    except UnknownApplianceError as err:
        raise ProblemError(NOT_FOUND, f"no appliance {appliance_id}") from err


@routes.put("/api/v1/technicians")
async def put_technicians(request: web.Request) -> web.Response:
    """Create or update service zones and technicians from a roster."""
    service = _require_admin(request)
    roster = _decoded(_ROSTER.decode, await _body(request))
    try:
        loaded = await load_roster(service.database, roster, now=service.clock())
    except ValueError as err:
        raise ProblemError(VALIDATION_FAILED, str(err)) from err
    service.intake.forget_roster()
    return _json({"loaded": loaded})


@routes.get("/api/v1/health")
async def health(request: web.Request) -> web.Response:
    """Liveness and database reachability."""
    service = runtime(request)
    try:
        async with service.database.read() as conn:
            await conn.fetchrow("SELECT 1 AS ok")
    except Exception:
        _LOGGER.exception("health check: database unavailable")
        body = Health(status="degraded", database="unavailable", version=__version__)
        return _json(body, 503)
    return _json(Health(status="ok", database="ok", version=__version__))
