"""Secrets and signatures: Standard Webhooks verification, secret storage, agent passwords.

Signing follows https://www.standardwebhooks.com: ``webhook-signature`` holds one or more
space-separated ``v1,<base64 HMAC-SHA256>`` over ``"{webhook-id}.{webhook-timestamp}.{body}"``,
keyed with the base64 part of a ``whsec_…`` secret. Secrets are stored encrypted (Fernet) because
verification needs them in clear; passwords are stored as bcrypt hashes.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import hashlib
import hmac
import secrets

import bcrypt
from cryptography.fernet import Fernet, InvalidToken

SECRET_PREFIX = "whsec_"  # noqa: S105  (a format prefix, not a secret)
TOLERANCE_SECONDS = 5 * 60
"""How far a ``webhook-timestamp`` may be from our clock, either way."""


@dataclass(frozen=True, slots=True)
class SignedMessage:
    """A verified signed request, as the replay guard remembers it.

    ``digest`` is the SHA-256 of the signed content ``"{webhook-id}.{webhook-timestamp}.{body}"``:
    the same signed message sent again has the same digest whatever else of the request changed
    (extra signatures, header order), while a sender's retry, re-signed with a new timestamp,
    does not.
    """

    webhook_id: str
    timestamp: int
    digest: str


class SignatureError(Exception):
    """The request is not signed by the appliance it claims to come from."""


def new_signing_secret() -> str:
    """Return a fresh ``whsec_`` secret holding 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key_bytes(secret: str) -> bytes:
    """Return the HMAC key inside a ``whsec_`` secret."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signing_key(secret: str) -> hmac.HMAC:
    """Return HMAC-SHA256 keyed with a ``whsec_`` secret, to be copied for each message.

    Keyed once per secret: a one-shot ``hmac.digest`` has OpenSSL 3 look the algorithm up and
    key it again on every call.
    """
    return hmac.new(secret_key_bytes(secret), digestmod=hashlib.sha256)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return the ``v1,<signature>`` value a sender puts in ``webhook-signature``."""
    mac = _mac(signing_key(secret), _signed_content(msg_id, str(timestamp), body))
    return "v1," + base64.b64encode(mac).decode()


def _signed_content(msg_id: str, timestamp: str, body: bytes) -> bytes:
    return f"{msg_id}.{timestamp}.".encode() + body


def _mac(key: hmac.HMAC, signed: bytes) -> bytes:
    """Return the HMAC of ``signed`` under ``key``, computed on a copy so the key can be reused."""
    mac = key.copy()
    mac.update(signed)
    return mac.digest()


def verify(
    headers: Mapping[str, str], body: bytes, keys: Iterable[hmac.HMAC], *, now: float
) -> SignedMessage:
    """Check a signed request against any of ``keys`` (:func:`signing_key`); return the message.

    Raises :class:`SignatureError` with a reason safe to show the caller: missing or malformed
    headers, a timestamp outside the tolerance, or no match. A message inside the tolerance
    may still be a replay: the caller checks that against the messages already received.
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


class SecretBox:
    """Encrypts signing secrets at rest with the service's Fernet key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._key = key

    @staticmethod
    def new_key() -> bytes:
        """Return a new random Fernet key (urlsafe base64 of 32 bytes)."""
        return Fernet.generate_key()

    def seal(self, secret: str) -> str:
        """Encrypt a secret for storage."""
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, ciphertext: str) -> str:
        """Decrypt a stored secret; a wrong service key is a clear error, not garbage."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as err:
            raise ValueError(
                "stored secret does not decrypt: wrong FRIDGECARE_SECRET_KEY?"
            ) from err

    def derive(self, purpose: str) -> bytes:
        """Return a key for another purpose (session cookies …) derived from the service key."""
        return hmac.digest(self._key, purpose.encode(), hashlib.sha256)


def hash_password(password: str, *, rounds: int = 12) -> str:
    """Return a bcrypt hash of an agent's password."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


PASSWORD_MAX_BYTES = 72
"""bcrypt's limit: it refuses longer passwords outright, so none longer is ever stored."""


def check_password(password: str, hashed: str) -> bool:
    """Whether ``password`` matches a stored bcrypt hash (one too long for bcrypt never does)."""
    secret = password.encode(errors="surrogateescape")
    if len(secret) > PASSWORD_MAX_BYTES:
        return False
    return bcrypt.checkpw(secret, hashed.encode())


def same_token(given: str, expected: str) -> bool:
    """Constant-time comparison of two tokens.

    Header bytes that are not UTF-8 arrive as surrogate escapes: encoded back to those bytes,
    they never match (as in :func:`check_password`).
    """
    return hmac.compare_digest(given.encode(errors="surrogateescape"), expected.encode())
