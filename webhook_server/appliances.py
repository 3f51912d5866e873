"""Appliances and their signing secrets: register, rotate, revoke, and the keys that verify.

Secrets are stored encrypted (:class:`~webhook_server.security.SecretBox`) because verifying a
signature needs them in clear. A rotation keeps the previous secrets valid for a grace period
(the appliance picks the new one up meanwhile); a revocation ends every secret at once, for a
secret that leaked. Each process keeps an appliance's keys for a few seconds: a rotation or a
revocation takes effect at once in the process that made it, and within that time in the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
import hmac
import logging
import secrets
import time
from typing import Final

from webhook_server.contract import Appliance, ApplianceCredentials, Revocation, utc
from webhook_server.protocol import new_signing_secret, signing_key
from webhook_server.security import SecretBox
from webhook_server.store import repository
from webhook_server.store.base import Database
from webhook_server.store.rows import ApplianceRow

_LOGGER = logging.getLogger(__name__)

ROTATION_GRACE: Final = timedelta(hours=24)
"""How long an appliance's old secret keeps working after a new one is issued."""
KEY_CACHE_SECONDS: Final = 10.0
"""How long a process trusts the keys it read (the longest a revocation waits elsewhere)."""


class UnknownApplianceError(Exception):
    """No appliance has that id."""


@dataclass(frozen=True, slots=True)
class ApplianceKeys:
    """An appliance's id and the keyed HMACs of its live secrets (none for an unknown one)."""

    appliance_id: str
    keys: list[hmac.HMAC]


_NO_KEYS: Final = ApplianceKeys("", [])


class ApplianceRegistry:
    """Registered appliances and the keys their requests are verified with."""

    def __init__(
        self, database: Database, secret_box: SecretBox, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._database = database
        self._secret_box = secret_box
        self._clock = clock
        self._by_serial: dict[tuple[str, str], tuple[float, ApplianceKeys]] = {}
        self._by_id: dict[str, tuple[float, ApplianceKeys]] = {}

    async def register(self, appliance: Appliance) -> ApplianceCredentials:
        """Register an appliance and issue its first secret (UniqueViolationError if known)."""
        now = int(self._clock())
        row = ApplianceRow(
            appliance_id="apl_" + secrets.token_hex(8),
            manufacturer=appliance.manufacturer,
            model=appliance.model,
            serial=appliance.serial,
            created_at=now,
        )
        secret = new_signing_secret()
        async with self._database.transaction() as conn:
            await repository.insert_appliance(conn, row)
            await repository.add_secret(
                conn, row.appliance_id, self._secret_box.seal(secret), now, now
            )
        _LOGGER.info("appliance registered", extra={"appliance_id": row.appliance_id})
        return _credentials(row, secret, None)

    async def rotate(self, appliance_id: str) -> ApplianceCredentials:
        """Issue a new secret; the previous ones keep working for :data:`ROTATION_GRACE`."""
        secret = new_signing_secret()
        now = int(self._clock())
        expire = now + int(ROTATION_GRACE.total_seconds())
        async with self._database.transaction() as conn:
            row = await repository.appliance_by_id(conn, appliance_id)
            if row is None:
                raise UnknownApplianceError(appliance_id)
            await repository.add_secret(
                conn, appliance_id, self._secret_box.seal(secret), now, expire
            )
        self._forget(row)
        _LOGGER.info("appliance secret rotated", extra={"appliance_id": appliance_id})
        return _credentials(row, secret, expire)

    async def revoke(self, appliance_id: str) -> Revocation:
        """End every secret of the appliance now (one leaked); register a new one by rotating."""
        now = int(self._clock())
        async with self._database.transaction() as conn:
            row = await repository.appliance_by_id(conn, appliance_id)
            if row is None:
                raise UnknownApplianceError(appliance_id)
            revoked = await repository.expire_secrets(conn, appliance_id, now)
        self._forget(row)
        _LOGGER.warning(
            "appliance secrets revoked", extra={"appliance_id": appliance_id, "secrets": revoked}
        )
        return Revocation(appliance_id=appliance_id, revoked_secrets=revoked, revoked_at=utc(now))

    async def keys(self, manufacturer: str, serial: str) -> ApplianceKeys:
        """Return the keys of the appliance with this serial; none if it is not registered."""
        cached = self._by_serial.get((manufacturer, serial))
        if cached is not None and self._clock() - cached[0] < KEY_CACHE_SECONDS:
            return cached[1]
        async with self._database.read() as conn:
            row = await repository.appliance_by_serial(conn, manufacturer, serial)
        return _NO_KEYS if row is None else await self._load(row)

    async def keys_by_id(self, appliance_id: str) -> ApplianceKeys:
        """Return the keys of the appliance with this id; none if it is not registered."""
        cached = self._by_id.get(appliance_id)
        if cached is not None and self._clock() - cached[0] < KEY_CACHE_SECONDS:
            return cached[1]
        async with self._database.read() as conn:
            row = await repository.appliance_by_id(conn, appliance_id)
        return _NO_KEYS if row is None else await self._load(row)

    async def _load(self, row: ApplianceRow) -> ApplianceKeys:
        async with self._database.read() as conn:
            sealed = await repository.live_secrets(conn, row.appliance_id, int(self._clock()))
        found = ApplianceKeys(
            row.appliance_id, [signing_key(self._secret_box.open(item)) for item in sealed]
        )
        read_at = self._clock()
        self._by_serial[(row.manufacturer, row.serial)] = (read_at, found)
        self._by_id[row.appliance_id] = (read_at, found)
        return found

    def _forget(self, row: ApplianceRow) -> None:
        self._by_serial.pop((row.manufacturer, row.serial), None)
        self._by_id.pop(row.appliance_id, None)


def _credentials(
    row: ApplianceRow, secret: str, previous_expire_at: int | None
) -> ApplianceCredentials:
    return ApplianceCredentials(
        appliance_id=row.appliance_id,
        manufacturer=row.manufacturer,
        model=row.model,
        serial=row.serial,
        secret=secret,
        previous_secrets_expire_at=None if previous_expire_at is None else utc(previous_expire_at),
    )
