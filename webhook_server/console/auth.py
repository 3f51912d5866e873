"""Console sessions: a signed, expiring cookie, and a CSRF token bound to it.

No session table: the cookie carries ``username|expiry|mac``, the MAC keyed from the service key,
so every server process accepts it. Forms carry a token derived from the cookie; the cookie is
``SameSite=Strict`` and ``HttpOnly`` as well, and ``Secure`` when the console is served over HTTPS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Final

COOKIE: Final = "fridgecare_session"
LIFETIME_SECONDS: Final = 8 * 3600


def _mac(key: bytes, text: str) -> str:
    digest = hmac.digest(key, text.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue(key: bytes, username: str, now: float) -> str:
    """Return a session cookie value for ``username``."""
    payload = f"{username}|{int(now) + LIFETIME_SECONDS}"
    return f"{payload}|{_mac(key, payload)}"


def user_of(key: bytes, cookie: str | None, now: float) -> str | None:
    """Return the agent a cookie belongs to, or None if it is missing, forged or expired."""
    if not cookie or cookie.count("|") != 2:
        return None
    username, expiry, mac = cookie.split("|")
    if not hmac.compare_digest(mac, _mac(key, f"{username}|{expiry}")):
        return None
    if not expiry.isdigit() or int(expiry) < now:
        return None
    return username


def csrf_token(key: bytes, cookie: str) -> str:
    """Return the form token matching a session cookie."""
    return _mac(key, f"csrf|{cookie}")
