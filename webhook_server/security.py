"""Secrets at rest and agents' passwords.

Appliances' signing secrets are stored encrypted (Fernet) because verification needs them in
clear; passwords are stored as bcrypt hashes. The signature itself is in
:mod:`webhook_server.protocol`, the module the integration signs with.
"""

from __future__ import annotations

import hashlib
import hmac

import bcrypt
from cryptography.fernet import Fernet, InvalidToken


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
