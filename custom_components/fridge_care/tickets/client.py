"""Talking to the manufacturer's ticket service: signed requests and what their answers mean.

Plain aiohttp, no Home Assistant: the caller brings the session. Every answer becomes one of four
outcomes, so the caller never reads HTTP statuses: :class:`Answered`, :class:`TryLater` (network
failure, timeout, a busy or shedding service, with the wait it asked for in ``Retry-After``),
:class:`SignatureRefused` and :class:`Refused` (the ticket itself is wrong: do not send it again).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
import json
import time
from typing import Any, Final

import aiohttp

from .protocol import signature_headers

TICKETS_PATH: Final = "/api/v1/tickets"
REQUEST_TIMEOUT: Final = aiohttp.ClientTimeout(total=30)
LONGEST_RETRY_AFTER_S: Final = 86_400.0
"""A ``Retry-After`` beyond a day is taken as a day: a typo must not park a ticket for weeks."""
_TRY_LATER_STATUSES: Final = frozenset({408, 409, 425, 429})


@dataclass(frozen=True, slots=True)
class Answered:
    """The service took the ticket (or knows it): its answer, as its contract shapes it."""

    answer: dict[str, Any]


@dataclass(frozen=True, slots=True)
class TryLater:
    """Not now: unreachable, timed out or busy. ``retry_after`` is the service's wait, if any."""

    reason: str
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class SignatureRefused:
    """401: the appliance's secret is not the service's any more."""


@dataclass(frozen=True, slots=True)
class Refused:
    """The service refused the ticket itself; ``problem`` is its RFC 9457 document, if any."""

    status: int
    problem: dict[str, Any] | None

    @property
    def detail(self) -> str:
        """The service's reason, in its own words."""
        problem = self.problem or {}
        return str(problem.get("detail") or problem.get("title") or self.status)


type Outcome = Answered | TryLater | SignatureRefused | Refused


def retry_after_seconds(header: str | None, now: float) -> float | None:
    """Read a ``Retry-After`` header (seconds, or an HTTP date) as seconds from ``now``."""
    if not header:
        return None
    header = header.strip()
    if header.isascii() and header.isdigit():
        seconds = float(header)
    else:
        try:
            seconds = parsedate_to_datetime(header).timestamp() - now
        except TypeError, ValueError:
            return None
    return min(max(seconds, 0.0), LONGEST_RETRY_AFTER_S)


class TicketClient:
    """One appliance's signed requests to its manufacturer's ticket service."""

    def __init__(self, session: aiohttp.ClientSession, url: str, secret: str) -> None:
        """Send to the service at ``url``, signing with the appliance's ``whsec_`` secret."""
        self._session = session
        self._base = url.rstrip("/")
        self._secret = secret

    async def async_send(self, ticket: Mapping[str, Any]) -> Outcome:
        """POST one ticket; its id is the webhook id, so a retry is the same message signed anew."""
        body = json.dumps(ticket, ensure_ascii=False, separators=(",", ":")).encode()
        return await self._async_call("POST", TICKETS_PATH, str(ticket["ticket_id"]), body)

    async def async_look_up(self, ticket_id: str) -> Outcome:
        """GET a ticket's current state: an agent may have moved or closed its visit."""
        return await self._async_call("GET", f"{TICKETS_PATH}/{ticket_id}", ticket_id, b"")

    async def _async_call(self, method: str, path: str, message_id: str, body: bytes) -> Outcome:
        now = time.time()
        headers = signature_headers(self._secret, message_id, int(now), body)
        if body:
            headers["Content-Type"] = "application/json"
        try:
            async with self._session.request(
                method,
                self._base + path,
                data=body or None,
                headers=headers,
                timeout=REQUEST_TIMEOUT,
            ) as response:
                status = response.status
                answer = await _json_object(response)
                retry_after = retry_after_seconds(response.headers.get("Retry-After"), now)
        except (aiohttp.ClientError, TimeoutError) as err:
            return TryLater(str(err) or type(err).__name__)
        if status in (200, 201) and answer is not None:
            return Answered(answer)
        if status == 401:
            return SignatureRefused()
        if status in _TRY_LATER_STATUSES or status >= 500 or (answer is None and status < 400):
            return TryLater(f"HTTP {status}", retry_after)
        return Refused(status, answer)


async def _json_object(response: aiohttp.ClientResponse) -> dict[str, Any] | None:
    """Return the answer's JSON object, or None when it has none (a proxy's error page)."""
    try:
        answer = await response.json(content_type=None)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None
