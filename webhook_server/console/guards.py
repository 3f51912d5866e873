"""What every console answer carries, and the forms it refuses, against framing and forgery.

Each page is sent with a Content Security Policy that allows only the console's own stylesheet
and forms and no framing (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for older
browsers), ``Cache-Control: no-store`` (customer details stay out of caches) and ``nosniff``.
A form posted from another site is refused before its handler runs: its ``Origin`` (or
``Sec-Fetch-Site``) must be this console's.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from webhook_server.problems import Handler

HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add :data:`HEADERS` to every console answer, redirects and errors included."""
    try:
        response = await handler(request)
    except web.HTTPException as err:
        err.headers.update(HEADERS)
        raise
    response.headers.update(HEADERS)
    return response


@web.middleware
async def refuse_foreign_origin(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a form another site posts here (403), whatever cookies came with it."""
    if request.method not in ("GET", "HEAD"):
        origin = request.headers.get("Origin")
        own = f"{request.scheme}://{request.host}"
        if (origin is not None and origin != own) or request.headers.get(
            "Sec-Fetch-Site"
        ) == "cross-site":
            raise web.HTTPForbidden(text="this form must be sent from the console itself")
    return await handler(request)
