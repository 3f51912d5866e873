"""Console sessions: a signed, expiring cookie, and the CSRF tokens of the forms.

No session table: the cookie carries ``username|expiry|mac``, the MAC keyed from the service key,
so every server process accepts it. The MAC also covers the agent's session stamp (their session
epoch and password hash, never sent): signing out or a new password changes the stamp and ends
every earlier cookie. Forms carry a token derived from the cookie; the sign-in form, before there
is a session, one derived from a random cookie of its own (double submit). The cookies are
``SameSite=Strict`` and ``HttpOnly``, and ``Secure`` when the console is served over HTTPS.

Everything a request sends is compared as bytes: a cookie holds whatever the client put there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final

COOKIE: Final = "fridgecare_session"
LOGIN_COOKIE: Final = "fridgecare_login"
LIFETIME_SECONDS: Final = 8 * 3600


def _mac(key: bytes, text: str) -> str:
    digest = hmac.digest(key, text.encode(errors="surrogateescape"), hashlib.sha256)
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def same(given: str, expected: str) -> bool:
    """Constant-time comparison of what a client sent with what it should be, as bytes."""
    return hmac.compare_digest(
        given.encode(errors="surrogateescape"), expected.encode(errors="surrogateescape")
    )


def issue(key: bytes, username: str, stamp: str, now: float) -> str:
    """Return a session cookie value for ``username``, bound to their current session stamp."""
    payload = f"{username}|{int(now) + LIFETIME_SECONDS}"
    return f"{payload}|{_mac(key, f'{payload}|{stamp}')}"


def claimed_user(cookie: str | None) -> str | None:
    """Return the user name a cookie claims, unchecked (to look up their stamp)."""
    if not cookie or cookie.count("|") != 2:
        return None
    return cookie.split("|", 1)[0]


def is_valid(key: bytes, cookie: str, stamp: str | None, now: float) -> bool:
    """Whether a cookie was issued by this service, for this stamp, and has not expired."""
    if stamp is None or cookie.count("|") != 2:
        return False
    username, expiry, mac = cookie.split("|")
    if not same(mac, _mac(key, f"{username}|{expiry}|{stamp}")):
        return False
    return expiry.isascii() and expiry.isdigit() and int(expiry) >= now


def csrf_token(key: bytes, cookie: str) -> str:
    """Return the form token matching a session cookie."""
    return _mac(key, f"csrf|{cookie}")


def new_login_nonce() -> str:
    """Return a random value for the sign-in form's own cookie."""
    return secrets.token_urlsafe(24)


def login_token(key: bytes, nonce: str) -> str:
    """Return the sign-in form's token matching its cookie."""
    return _mac(key, f"login|{nonce}")
