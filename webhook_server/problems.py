"""RFC 9457 problem details: every error the API can return, declared once.

The OpenAPI document lists each route's problems from :data:`PROBLEMS`, and the middleware turns
a raised :class:`ProblemError` (or an unexpected exception) into ``application/problem+json``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import logging
from typing import Any, Final

from aiohttp import web
import orjson

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
REPLAYED: Final = ProblemType("replayed-request", 401, "This signed request was already received")
UNAUTHORIZED: Final = ProblemType("unauthorized", 401, "Credentials are missing or wrong")
ADMIN_DISABLED: Final = ProblemType(
    "admin-disabled", 403, "The admin API is disabled: no admin token is configured"
)
NOT_FOUND: Final = ProblemType("not-found", 404, "No such resource")
METHOD_NOT_ALLOWED: Final = ProblemType("method-not-allowed", 405, "Method not allowed here")
IN_PROGRESS: Final = ProblemType(
    "request-in-progress", 409, "A delivery with this ticket id is still being processed"
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
INTERNAL: Final = ProblemType("internal-error", 500, "The service failed; retry later")
UNAVAILABLE: Final = ProblemType("unavailable", 503, "The database is unavailable")

PROBLEMS: Final = (
    MALFORMED_REQUEST,
    INVALID_SIGNATURE,
    REPLAYED,
    UNAUTHORIZED,
    ADMIN_DISABLED,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    IN_PROGRESS,
    ALREADY_REGISTERED,
    TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    VALIDATION_FAILED,
    KEY_REUSED,
    INTERNAL,
    UNAVAILABLE,
)


class ProblemError(Exception):
    """Raise to answer with a problem document."""

    def __init__(self, kind: ProblemType, detail: str | None = None, **extra: object) -> None:
        super().__init__(detail or kind.title)
        self.kind = kind
        self.detail = detail
        self.extra = extra

    def response(self, instance: str) -> web.Response:
        """Return the ``application/problem+json`` response for this problem."""
        body: dict[str, Any] = {
            "type": self.kind.uri,
            "title": self.kind.title,
            "status": self.kind.status,
            "instance": instance,
        }
        if self.detail:
            body["detail"] = self.detail
        body.update(self.extra)
        return web.Response(
            status=self.kind.status, body=orjson.dumps(body), content_type=PROBLEM_CONTENT_TYPE
        )


type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTTP_PROBLEMS: Final = {
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    413: TOO_LARGE,
}


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
        return ProblemError(kind).response(request.path)
    except Exception:
        _LOGGER.exception("unhandled error", extra={"path": request.path})
        return ProblemError(INTERNAL).response(request.path)
