"""How big a request may be, set here rather than left to aiohttp's defaults.

aiohttp's parser refuses a header line over ``max_field_size`` before any handler runs, with a
``text/plain`` 400 and an ERROR traceback logged per request: a cheap way to flood the log. So
the parser's limits are set well above what the service accepts, and a middleware refuses what
lies between with a 431 problem document (RFC 6585) and no traceback. What is larger still is
refused by the parser, and its log record is cut to one line at DEBUG level.
"""

from __future__ import annotations

import logging
from typing import Final

from aiohttp import http_exceptions, web

from webhook_server.problems import HEADERS_TOO_LARGE, Handler, ProblemError

MAX_HEADER_BYTES: Final = 8190
"""Largest request header the service reads (name and value); a signature header is ~50 bytes."""
MAX_ALL_HEADERS_BYTES: Final = 16 * 1024
"""Largest sum of a request's headers."""
PARSER_LINE_BYTES: Final = 64 * 1024
"""The longest header line (and request line) aiohttp's parser itself takes."""
PARSER_MAX_HEADERS: Final = 128
PARSER_LIMITS: Final = {
    "max_field_size": PARSER_LINE_BYTES,
    "max_line_size": PARSER_LINE_BYTES,
    "max_headers": PARSER_MAX_HEADERS,
}
"""The same, as keyword arguments of aiohttp's server (``web.run_app``, the test server)."""


@web.middleware
async def header_limits(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a request whose headers are too large: 431 problem+json."""
    total = 0
    for name, value in request.raw_headers:
        size = len(name) + len(value)
        if size > MAX_HEADER_BYTES:
            raise ProblemError(
                HEADERS_TOO_LARGE,
                f"the {name.decode(errors='replace')[:40]} header has {size} bytes:"
                f" at most {MAX_HEADER_BYTES}",
            )
        total += size
    if total > MAX_ALL_HEADERS_BYTES:
        raise ProblemError(
            HEADERS_TOO_LARGE, f"the headers have {total} bytes: at most {MAX_ALL_HEADERS_BYTES}"
        )
    return await handler(request)


class ParserErrorsInOneLine(logging.Filter):
    """aiohttp's record of a request its parser refused: one DEBUG line, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Shorten parser errors; let every other record through unchanged."""
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, http_exceptions.HttpProcessingError):
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            record.msg, record.args = "refused a malformed request: %s", (error.message,)
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def quiet_parser_errors() -> None:
    """Install :class:`ParserErrorsInOneLine` on aiohttp's server logger (once)."""
    logger = logging.getLogger("aiohttp.server")
    if not any(isinstance(item, ParserErrorsInOneLine) for item in logger.filters):
        logger.addFilter(ParserErrorsInOneLine())
