"""Versioned, JSON-safe persistence of the engine's state.

Home Assistant keeps the state in a Store across restarts, so every stateful part turns itself into
plain JSON values (no NaN or infinity, which JSON cannot carry) and back, exactly.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Self


class StateVersionError(ValueError):
    """The saved state comes from an unknown version or is damaged; start afresh."""


class Persistent:
    """Mixin for a part whose state is its ``_STATE`` attributes (JSON values or deques of them).

    Deques are saved as lists and restored with the maxlen the constructor gives them, so a
    restored part has the same bounded memory as a fresh one.
    """

    __slots__ = ()
    _STATE: ClassVar[tuple[str, ...]]
    _ROWS: ClassVar[dict[str, Callable[[Iterable[Any]], tuple[Any, ...]]]] = {}  # row types

    def to_dict(self) -> dict[str, Any]:
        """Return the part's state as JSON values."""
        out: dict[str, Any] = {}
        for name in self._STATE:
            value = getattr(self, name)
            if isinstance(value, (deque, list)):  # a copy: the Store may write it later
                value = [list(v) if isinstance(v, (tuple, list)) else v for v in value]
            out[name] = value
        return out

    def restore(self, data: object) -> Self:
        """Load a saved state into this freshly made part; raise StateVersionError if damaged."""
        kind = type(self).__name__
        if not isinstance(data, dict) or set(data) != set(self._STATE):
            raise StateVersionError(f"{kind}: saved fields do not match")
        for name in self._STATE:
            current, value = getattr(self, name), data[name]
            if isinstance(current, (deque, list)):
                if not isinstance(value, list):
                    raise StateVersionError(f"{kind}.{name}: expected a list")
                if isinstance(current, deque):
                    make = self._ROWS.get(name, tuple)
                    try:
                        rows = [make(v) if isinstance(v, list) else v for v in value]
                    except TypeError as err:
                        raise StateVersionError(f"{kind}.{name}: damaged rows") from err
                    value = deque(rows, maxlen=current.maxlen)
            elif isinstance(value, list) and current is None:  # a learned list of numbers
                if not all(isinstance(v, (int, float)) for v in value):
                    raise StateVersionError(f"{kind}.{name}: expected numbers")
            elif isinstance(value, (list, dict, str)):
                raise StateVersionError(f"{kind}.{name}: expected a number")
            setattr(self, name, value)
        return self
