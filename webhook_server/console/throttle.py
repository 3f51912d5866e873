"""Sign-in throttling: wrong passwords lock an account for a while, and slow down an address.

An account is locked for :data:`LOCK_SECONDS` after :data:`ACCOUNT_LIMIT` wrong passwords in a
row; the count and the lock are in the database, so every server process honours them, and the
right password does not open a locked account. An address that keeps failing (any user names,
known or not) is refused for a while too: that count is this process's own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
import time
from typing import Final

ACCOUNT_LIMIT: Final = 5
"""Wrong passwords in a row that lock an account."""
LOCK_SECONDS: Final = 15 * 60
ADDRESS_LIMIT: Final = 20
"""Failed sign-ins from one address within :data:`ADDRESS_WINDOW_SECONDS` before it waits."""
ADDRESS_WINDOW_SECONDS: Final = 15 * 60
_ADDRESSES_KEPT: Final = 10_000


class AddressThrottle:
    """Recent failed sign-ins per client address, in this process."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, address: str) -> deque[float]:
        failures = self._failures.get(address, deque())
        cutoff = self._clock() - ADDRESS_WINDOW_SECONDS
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures

    def wait_seconds(self, address: str) -> int:
        """How long the address must wait before it may try again (0: it may now)."""
        failures = self._recent(address)
        if len(failures) < ADDRESS_LIMIT:
            return 0
        return max(1, int(failures[0] + ADDRESS_WINDOW_SECONDS - self._clock()))

    def failed(self, address: str) -> None:
        """Count a failed sign-in from the address."""
        if address not in self._failures and len(self._failures) >= _ADDRESSES_KEPT:
            self._failures.pop(next(iter(self._failures)))  # the oldest address
        failures = self._recent(address)
        failures.append(self._clock())
        self._failures[address] = failures
