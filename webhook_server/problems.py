"""RFC 9457 problem details: every error the API can return, declared once.

The OpenAPI document lists each route's problems from :data:`PROBLEMS`, and the middleware turns
a raised :class:`ProblemError` (or an unexpected exception) into ``application/problem+json``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
import logging
from typing import Final

from aiohttp import web
from msgspec import UNSET

from webhook_server.contract import FieldError, Problem, encode

_LOGGER = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE: Final = "application/problem+json"


@dataclass(frozen=True, slots=True)
class ProblemType:
    """One kind of problem: its URI slug, HTTP status and fixed title."""

    slug: str
    status: int
    title: str

    @property
    def uri(self) -> str:
        """The problem type URI."""
        return f"urn:fridgecare:problem:{self.slug}"


MALFORMED_REQUEST: Final = ProblemType("malformed-request", 400, "The body is not valid JSON")
INVALID_SIGNATURE: Final = ProblemType("invalid-signature", 401, "The webhook signature is invalid")
UNAUTHORIZED: Final = ProblemType("unauthorized", 401, "Credentials are missing or wrong")
ADMIN_DISABLED: Final = ProblemType(
    "admin-disabled", 403, "The admin API is disabled: no admin token is configured"
)
NOT_FOUND: Final = ProblemType("not-found", 404, "No such resource")
METHOD_NOT_ALLOWED: Final = ProblemType("method-not-allowed", 405, "Method not allowed here")
IN_PROGRESS: Final = ProblemType(
    "request-in-progress", 409, "A delivery with this ticket id is still being processed"
)
DUPLICATE_SIGNED_MESSAGE: Final = ProblemType(
    "duplicate-signed-message", 409, "This signed request was already received: sign it anew"
)
AMBIGUOUS_TICKET_ID: Final = ProblemType(
    "ambiguous-ticket-id", 409, "Several appliances use this ticket id: name the appliance"
)
ALREADY_REGISTERED: Final = ProblemType(
    "already-registered", 409, "This appliance is already registered"
)
TOO_LARGE: Final = ProblemType("payload-too-large", 413, "The body is too large")
UNSUPPORTED_MEDIA_TYPE: Final = ProblemType(
    "unsupported-media-type", 415, "The body must be application/json"
)
VALIDATION_FAILED: Final = ProblemType(
    "validation-failed", 422, "The body does not match the contract"
)
KEY_REUSED: Final = ProblemType(
    "idempotency-key-reused", 422, "This ticket id was already used with a different body"
)
BUSY: Final = ProblemType(
    "too-many-requests", 429, "The service is at capacity: retry after the given seconds"
)
HEADERS_TOO_LARGE: Final = ProblemType(
    "header-fields-too-large", 431, "A request header, or all of them, is too large"
)
INTERNAL: Final = ProblemType("internal-error", 500, "The service failed; retry later")
UNAVAILABLE: Final = ProblemType("unavailable", 503, "The database is unavailable")

PROBLEMS: Final = (
    MALFORMED_REQUEST,
    INVALID_SIGNATURE,
    UNAUTHORIZED,
    ADMIN_DISABLED,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    IN_PROGRESS,
    DUPLICATE_SIGNED_MESSAGE,
    AMBIGUOUS_TICKET_ID,
    ALREADY_REGISTERED,
    TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    VALIDATION_FAILED,
    KEY_REUSED,
    BUSY,
    HEADERS_TOO_LARGE,
    INTERNAL,
    UNAVAILABLE,
)


class ProblemError(Exception):
    """Raise to answer with a problem document (and headers such as ``Retry-After``)."""

    def __init__(
        self,
        kind: ProblemType,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or kind.title)
        self.kind = kind
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})

    def response(self, instance: str) -> web.Response:
        """Return the ``application/problem+json`` response for this problem."""
        body = Problem(
            type=self.kind.uri,
            title=self.kind.title,
            status=self.kind.status,
            instance=instance,
            detail=self.detail or UNSET,
            errors=self.errors if self.errors is not None else UNSET,
        )
        return web.Response(
            status=self.kind.status,
            body=encode(body),
            content_type=PROBLEM_CONTENT_TYPE,
            headers=self.headers,
        )


type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTTP_PROBLEMS: Final = {
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    413: TOO_LARGE,
}
_KEPT_HEADERS: Final = ("Allow",)
"""Headers of aiohttp's own errors that the problem keeps (405 must say what is allowed)."""


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer API errors as problem documents; never leak a traceback to the caller."""
    try:
        return await handler(request)
    except ProblemError as problem:
        return problem.response(request.path)
    except web.HTTPException as err:
        kind = _HTTP_PROBLEMS.get(err.status)
        if kind is None or not request.path.startswith("/api/"):
            raise
        kept = {name: err.headers[name] for name in _KEPT_HEADERS if name in err.headers}
        return ProblemError(kind, headers=kept).response(request.path)
    except Exception:
        _LOGGER.exception("unhandled error", extra={"path": request.path})
        return ProblemError(INTERNAL).response(request.path)
