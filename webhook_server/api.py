"""The HTTP API under ``/api/v1``: ticket intake and status, appliance admin, health."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import hmac
import logging
import secrets
from typing import Any, Final
from urllib.parse import quote

from aiohttp import web
import orjson
import voluptuous as vol

from webhook_server import __version__
from webhook_server.contract import (
    APPLIANCE_REGISTRATION,
    MAX_BODY_BYTES,
    TICKET,
    isoformat,
    validation_errors,
)
from webhook_server.intake import Receipt, booking_view, request_hash
from webhook_server.problems import (
    ADMIN_DISABLED,
    ALREADY_REGISTERED,
    INVALID_SIGNATURE,
    MALFORMED_REQUEST,
    NOT_FOUND,
    TOO_LARGE,
    UNAUTHORIZED,
    UNSUPPORTED_MEDIA_TYPE,
    VALIDATION_FAILED,
    ProblemError,
)
from webhook_server.protocol import SignatureError, new_signing_secret, verify
from webhook_server.roster import load_roster
from webhook_server.security import same_token
from webhook_server.services import Services, services
from webhook_server.store import repository
from webhook_server.store.base import UniqueViolationError
from webhook_server.validation import compile_schema

_LOGGER = logging.getLogger(__name__)

ROTATION_GRACE: Final = timedelta(hours=24)
"""How long an appliance's old secret keeps working after a new one is issued."""

routes = web.RouteTableDef()

_TICKET_CHECK: Final = compile_schema(TICKET)
"""TICKET as fast closures; voluptuous still decides (and words the errors) for bad tickets."""


def _json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=orjson.dumps(data), status=status, content_type="application/json", headers=headers
    )


async def _json_body(request: web.Request) -> tuple[bytes, Any]:
    """Return the raw body and its parsed JSON, with the size and media-type problems."""
    if request.content_type != "application/json":
        raise ProblemError(
            UNSUPPORTED_MEDIA_TYPE, f"got {request.content_type or 'no content type'}"
        )
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise ProblemError(TOO_LARGE, f"at most {MAX_BODY_BYTES} bytes")
    body = await request.read()
    try:
        return body, orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise ProblemError(MALFORMED_REQUEST, str(err)) from err


def _validate(schema: Callable[[object], dict[str, Any]], data: object) -> dict[str, Any]:
    try:
        result: dict[str, Any] = schema(data)
    except vol.MultipleInvalid as err:
        raise ProblemError(VALIDATION_FAILED, errors=validation_errors(err)) from err
    return result


def _require_admin(request: web.Request) -> Services:
    service = services(request)
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
    """A ticket that passed every check of its request; what intake needs to store it."""

    ticket: dict[str, Any]
    fingerprint: str
    receipt: Receipt


async def checked_ticket(request: web.Request) -> CheckedTicket:
    """Run the checks of a ticket request: media type, size, JSON, signature, schema.

    Raises the problem of the first check that fails. On its own (nothing stored), this is the
    floor the benchmark measures intake against.
    """
    service = services(request)
    body, raw = await _json_body(request)
    appliance = raw.get("appliance") if isinstance(raw, dict) else None
    manufacturer = appliance.get("manufacturer") if isinstance(appliance, dict) else None
    serial = appliance.get("serial") if isinstance(appliance, dict) else None
    if not isinstance(manufacturer, str) or not isinstance(serial, str):
        raise ProblemError(INVALID_SIGNATURE, "the ticket must name its appliance to be verified")
    appliance_id, keys = await service.intake.appliance_keys(manufacturer, serial)
    try:
        message = verify(request.headers, body, keys, now=service.clock())
    except SignatureError as err:
        raise ProblemError(INVALID_SIGNATURE, str(err)) from err
    ticket = _validate(_TICKET_CHECK, raw)
    return CheckedTicket(ticket, request_hash(raw), Receipt(appliance_id, message))


@routes.post("/api/v1/tickets")
async def post_ticket(request: web.Request) -> web.Response:
    """Accept a signed ticket: check it, then store, triage, book and answer."""
    checked = await checked_ticket(request)
    ticket = checked.ticket
    result = await services(request).intake.submit(ticket, checked.fingerprint, checked.receipt)
    if result.status == 201:
        _LOGGER.info("ticket accepted", extra={"ticket_id": ticket["ticket_id"]})
    return web.Response(
        body=result.body,
        status=result.status,
        content_type="application/json",
        headers={"Location": f"/api/v1/tickets/{quote(ticket['ticket_id'], safe=':')}"},
    )


@routes.get("/api/v1/tickets/{ticket_id}")
async def get_ticket(request: web.Request) -> web.Response:
    """Return the current state of a ticket, for its appliance (signed, empty body) or the admin.

    A signed read is remembered like a ticket: the same signed request again is a replay. Only
    the admin learns that a ticket does not exist; anyone else gets the 401 of a bad signature.
    """
    service = services(request)
    ticket_id = request.match_info["ticket_id"]
    async with service.database.read() as conn:
        record = await repository.ticket_record(conn, ticket_id)
    if not _has_admin_token(request, service.settings.admin_token):
        appliance_id, keys = "", list[hmac.HMAC]()
        if record is not None:
            payload = orjson.loads(record["payload"])["appliance"]
            appliance_id, keys = await service.intake.appliance_keys(
                payload["manufacturer"], payload["serial"]
            )
        try:  # no keys for an unknown ticket: the same answers as for a wrong signature
            message = verify(request.headers, b"", keys, now=service.clock())
        except SignatureError as err:
            raise ProblemError(INVALID_SIGNATURE, str(err)) from err
        await service.intake.remember(Receipt(appliance_id, message))
    if record is None:  # only the admin gets here without a ticket
        raise ProblemError(NOT_FOUND, f"no ticket {ticket_id}")
    async with service.database.read() as conn:
        booking = await repository.booking_of(conn, ticket_id)
        notices = await repository.notices_for(conn, ticket_id)
    return _json(ticket_state(record, booking, notices[-1]["body"] if notices else ""))


def ticket_state(
    record: dict[str, Any], booking: dict[str, Any] | None, notice: str
) -> dict[str, Any]:
    """Return the contract's ticket state from stored rows."""
    triage = orjson.loads(record["triage"])
    return {
        "ticket_id": record["ticket_id"],
        "status": record["status"],
        "received_at": isoformat(datetime.fromtimestamp(record["received_at"], UTC)),
        "triage": triage,
        "booking": booking_view(booking, record["zone"]),
        "notice": notice,
    }


@routes.post("/api/v1/appliances")
async def post_appliance(request: web.Request) -> web.Response:
    """Register an appliance and issue its first signing secret (shown only in this answer)."""
    service = _require_admin(request)
    _, raw = await _json_body(request)
    appliance = _validate(APPLIANCE_REGISTRATION, raw)
    appliance_id = "apl_" + secrets.token_hex(8)
    secret = new_signing_secret()
    now = int(service.clock())
    try:
        async with service.database.transaction() as conn:
            await repository.insert_appliance(conn, appliance_id, appliance, now)
            await repository.add_secret(
                conn, appliance_id, service.secret_box.seal(secret), now, now
            )
    except UniqueViolationError as err:
        raise ProblemError(ALREADY_REGISTERED, "rotate its secret instead") from err
    _LOGGER.info("appliance registered", extra={"appliance_id": appliance_id})
    body = {"appliance_id": appliance_id, **appliance, "secret": secret}
    body["previous_secrets_expire_at"] = None
    return _json(body, 201, {"Location": f"/api/v1/appliances/{appliance_id}"})


@routes.post("/api/v1/appliances/{appliance_id}/secrets")
async def rotate_secret(request: web.Request) -> web.Response:
    """Issue a new secret; the previous ones keep working for the rotation grace period."""
    service = _require_admin(request)
    appliance_id = request.match_info["appliance_id"]
    secret = new_signing_secret()
    now = int(service.clock())
    expire = now + int(ROTATION_GRACE.total_seconds())
    async with service.database.transaction() as conn:
        appliance = await repository.appliance_by_id(conn, appliance_id)
        if appliance is None:
            raise ProblemError(NOT_FOUND, f"no appliance {appliance_id}")
        await repository.add_secret(
            conn, appliance_id, service.secret_box.seal(secret), now, expire
        )
    service.intake.forget_keys(appliance["manufacturer"], appliance["serial"])
    _LOGGER.info("appliance secret rotated", extra={"appliance_id": appliance_id})
    fields = ("appliance_id", "manufacturer", "model", "serial")
    body = {key: appliance[key] for key in fields} | {
        "secret": secret,
        "previous_secrets_expire_at": isoformat(datetime.fromtimestamp(expire, UTC)),
    }
    return _json(body, 201)


@routes.put("/api/v1/technicians")
async def put_technicians(request: web.Request) -> web.Response:
    """Create or update technicians from a roster ``{"technicians": [...]}``."""
    service = _require_admin(request)
    _, raw = await _json_body(request)
    try:
        loaded = await load_roster(service.database, raw, now=service.clock())
    except ValueError as err:
        raise ProblemError(VALIDATION_FAILED, str(err)) from err
    service.intake.forget_roster()
    return _json({"loaded": loaded})


@routes.get("/api/v1/health")
async def health(request: web.Request) -> web.Response:
    """Liveness and database reachability."""
    service = services(request)
    try:
        async with service.database.read() as conn:
            await conn.fetchrow("SELECT 1 AS ok")
    except Exception:
        _LOGGER.exception("health check: database unavailable")
        body = {"status": "degraded", "database": "unavailable", "version": __version__}
        return _json(body, 503)
    return _json({"status": "ok", "database": "ok", "version": __version__})
