"""Standard Webhooks signatures, as the manufacturer service checks them.

``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` keyed with the appliance's
``whsec_…`` secret. The id is the ticket id, the same on every try; each try is signed with a new
timestamp, so the service sees a fresh message, not a replay.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Final

SECRET_PREFIX: Final = "whsec_"  # noqa: S105  (the prefix, not a secret)


def secret_key(secret: str) -> bytes:
    """Return the key inside a ``whsec_…`` secret; ValueError if it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a signing secret starts with whsec_")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as err:
        raise ValueError("a signing secret is whsec_ followed by base64") from err
    if len(key) < 16:
        raise ValueError("a signing secret holds at least 16 bytes")
    return key


def is_signing_secret(secret: str) -> bool:
    """Whether ``secret`` is a usable ``whsec_…`` secret."""
    try:
        secret_key(secret)
    except ValueError:
        return False
    return True


def signature_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Return the three headers that sign ``body`` as message ``message_id`` at ``timestamp``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }
