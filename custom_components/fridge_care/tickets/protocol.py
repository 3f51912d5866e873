"""The ticket protocol both sides speak: its vocabulary and its Standard Webhooks signature.

Written once. The integration imports it from here; the manufacturer service imports the same
file as ``webhook_server.protocol`` (a symbolic link to this one), because HACS ships only this
folder and the service must run without Home Assistant. So this module imports nothing but the
standard library.

Signing follows https://www.standardwebhooks.com: ``webhook-signature`` holds one or more
space-separated ``v1,<base64 HMAC-SHA256>`` over ``"{webhook-id}.{webhook-timestamp}.{body}"``,
keyed with the base64 part of a ``whsec_…`` secret. The integration signs each try of a ticket
with the ticket id as ``webhook-id`` and a new timestamp, so a retry is a fresh message.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import hashlib
import hmac
import secrets
from typing import Final

FAULT_CODES: Final = (
    "cooling_failure",
    "compressor_start_failure",
    "short_cycling",
    "power_fluctuation",
    "defrost_failure",
    "door_seal_leak",
    "door_left_open",
    "condenser_fouling",
    "sensor_fault",
    "unsafe_temperature",
    "power_outage",
)
"""Every fault the engine names; a ticket carries one (the engine's ``FaultCode`` values)."""
SEVERITIES: Final = ("info", "warning", "critical")
LANGUAGES: Final = ("en", "es")
"""Languages the service words its customer messages in."""
TICKET_STATUSES: Final = ("booked", "needs_dispatch", "human_review", "closed")

SECRET_PREFIX: Final = "whsec_"  # noqa: S105  (a format prefix, not a secret)
MIN_SECRET_BYTES: Final = 16
TOLERANCE_SECONDS: Final = 5 * 60
"""How far a ``webhook-timestamp`` may be from the receiver's clock, either way."""


class SignatureError(Exception):
    """The request is not signed by the appliance it claims to come from."""


@dataclass(frozen=True, slots=True)
class SignedMessage:
    """A verified signed request, as a receiver's replay guard remembers it.

    ``digest`` is the SHA-256 of the signed content: the same signed message sent again has the
    same digest whatever else of the request changed (extra signatures, header order), while a
    sender's retry, re-signed with a new timestamp, does not.
    """

    webhook_id: str
    timestamp: int
    digest: str


def secret_key(secret: str) -> bytes:
    """Return the key inside a ``whsec_…`` secret; ValueError if it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a signing secret starts with whsec_")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError) as err:
        raise ValueError("a signing secret is whsec_ followed by base64") from err
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(f"a signing secret holds at least {MIN_SECRET_BYTES} bytes")
    return key


def is_signing_secret(secret: str) -> bool:
    """Whether ``secret`` is a usable ``whsec_…`` secret."""
    try:
        secret_key(secret)
    except ValueError:
        return False
    return True


def new_signing_secret() -> str:
    """Return a fresh ``whsec_`` secret holding 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signing_key(secret: str) -> hmac.HMAC:
    """Return HMAC-SHA256 keyed with a ``whsec_`` secret, to be copied for each message.

    Keyed once per secret: a one-shot ``hmac.digest`` has OpenSSL look the algorithm up and key
    it again on every call, which a receiver checking thousands of requests notices.
    """
    return hmac.new(secret_key(secret), digestmod=hashlib.sha256)


def signature_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Return the three headers that sign ``body`` as message ``message_id`` at ``timestamp``."""
    mac = _mac(signing_key(secret), _signed_content(message_id, str(timestamp), body))
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
    }


def verify(
    headers: Mapping[str, str], body: bytes, keys: Iterable[hmac.HMAC], *, now: float
) -> SignedMessage:
    """Check a signed request against any of ``keys`` (:func:`signing_key`); return the message.

    Raises :class:`SignatureError` with a reason safe to show the caller: missing or malformed
    headers, a timestamp outside the tolerance, or no match. A message inside the tolerance may
    still be a replay: the caller checks that against the messages already received.
    """
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    header = headers.get("webhook-signature", "")
    if not msg_id or not stamp or not header:
        raise SignatureError("webhook-id, webhook-timestamp and webhook-signature are required")
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise SignatureError("webhook-timestamp must be Unix seconds")
    if abs(now - int(stamp)) > TOLERANCE_SECONDS:
        raise SignatureError("webhook-timestamp is outside the 5-minute tolerance")
    offered = []
    for part in header.split(" "):
        version, _, value = part.partition(",")
        if version == "v1" and value:
            try:
                offered.append(base64.b64decode(value, validate=True))
            except ValueError:  # binascii.Error, or a plain ValueError for non-ASCII text
                continue
    if not offered:
        raise SignatureError("webhook-signature has no v1,<base64> signature")
    try:
        signed = _signed_content(msg_id, stamp, body)
    except UnicodeEncodeError as err:  # header bytes that are not UTF-8 (surrogate escapes)
        raise SignatureError("webhook-id must be UTF-8 text") from err
    for key in keys:
        expected = _mac(key, signed)
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return SignedMessage(msg_id, int(stamp), hashlib.sha256(signed).hexdigest())
    raise SignatureError("no signature matches this appliance's secrets")


def _signed_content(msg_id: str, timestamp: str, body: bytes) -> bytes:
    return f"{msg_id}.{timestamp}.".encode() + body


def _mac(key: hmac.HMAC, signed: bytes) -> bytes:
    """Return the HMAC of ``signed`` under ``key``, computed on a copy so the key can be reused."""
    mac = key.copy()
    mac.update(signed)
    return mac.digest()
