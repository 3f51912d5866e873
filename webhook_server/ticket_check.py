"""A hand-compiled check of the ticket contract for the common case: a valid ticket.

Validating a ticket with :data:`~webhook_server.contract.TICKET` walks voluptuous' generic
machinery (a few dozen nested validator calls per ticket), one of the largest costs of an intake
in the event loop. :func:`validate_ticket` checks the same rules with plain Python and returns the
very same dictionary (defaults for missing optional keys come last, as with voluptuous). It never
reports an error itself: whatever it cannot vouch for goes to ``TICKET``, which stays the
authority and words the 422 problem. So the fast path could only be wrong by accepting a ticket
``TICKET`` would refuse; the tests compare the two on valid tickets and many broken ones.
"""

from __future__ import annotations

import re
from typing import Any, Final

import voluptuous as vol

from webhook_server.contract import LANGUAGES, SEVERITIES, TICKET, number, timestamp

_IDENTIFIER: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
_FAULT_CODE: Final = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP: Final = frozenset({"ticket_id", "appliance", "customer", "fault", "integration_version"})
_APPLIANCE: Final = frozenset({"manufacturer", "model", "serial"})
_CUSTOMER: Final = frozenset({"zone", "language", "contact", "preferred_windows"})
_FAULT: Final = frozenset(
    {
        "code",
        "severity",
        "confidence",
        "summary",
        "component",
        "part",
        "onset_at",
        "detected_at",
        "time_to_unsafe_s",
        "evidence",
    }
)
_FAULT_REQUIRED: Final = _FAULT - {"component", "part", "time_to_unsafe_s"}
_WINDOW: Final = frozenset({"start", "end"})


class _UnsureError(Exception):
    """The fast path cannot vouch for this ticket: ``TICKET`` decides."""


def validate_ticket(data: object) -> dict[str, Any]:
    """Return ``TICKET(data)``, computed without voluptuous when ``data`` is a valid ticket.

    Raises ``vol.MultipleInvalid`` exactly as ``TICKET`` does for an invalid one.
    """
    try:
        return _ticket(data)
    except (_UnsureError, vol.Invalid, TypeError, ValueError, OverflowError):
        result: dict[str, Any] = TICKET(data)
        return result


def _text(value: object, max_length: int) -> str:
    if type(value) is not str or not 1 <= len(value) <= max_length:
        raise _UnsureError
    return value


def _number(value: object, low: float, high: float | None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _UnsureError
    result = number(value)
    if not result >= low or (high is not None and not result <= high):
        raise _UnsureError
    return result


def _mapping(value: object, allowed: frozenset[str], required: frozenset[str]) -> dict[str, Any]:
    if type(value) is not dict or not value.keys() <= allowed or not required <= value.keys():
        raise _UnsureError
    return value


def _ticket(data: object) -> dict[str, Any]:
    raw = _mapping(data, _TOP, _TOP)
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "ticket_id":
            if _IDENTIFIER.match(_text(value, 128)) is None:
                raise _UnsureError
            out[key] = value
        elif key == "appliance":
            appliance = _mapping(value, _APPLIANCE, _APPLIANCE)
            out[key] = {name: _text(item, 64) for name, item in appliance.items()}
        elif key == "customer":
            out[key] = _customer(value)
        elif key == "fault":
            out[key] = _fault(value)
        else:
            out[key] = _text(value, 32)
    return out


def _customer(value: object) -> dict[str, Any]:
    customer = _mapping(value, _CUSTOMER, frozenset({"zone"}))
    out: dict[str, Any] = {}
    for key, item in customer.items():
        if key == "zone":
            out[key] = _text(item, 64)
        elif key == "language":
            if item not in LANGUAGES or type(item) is not str:
                raise _UnsureError
            out[key] = item
        elif key == "contact":
            out[key] = _text(item, 254)
        else:
            if type(item) is not list or len(item) > 14:
                raise _UnsureError
            out[key] = [_window(window) for window in item]
    out.setdefault("language", "en")
    out.setdefault("preferred_windows", [])
    return out


def _window(value: object) -> dict[str, Any]:
    window = _mapping(value, _WINDOW, _WINDOW)
    return {key: timestamp(item) for key, item in window.items()}


def _fault(value: object) -> dict[str, Any]:
    fault = _mapping(value, _FAULT, _FAULT_REQUIRED)
    out: dict[str, Any] = {}
    for key, item in fault.items():
        if key == "code":
            if _FAULT_CODE.match(_text(item, 64)) is None:
                raise _UnsureError
            out[key] = item
        elif key == "severity":
            if item not in SEVERITIES or type(item) is not str:
                raise _UnsureError
            out[key] = item
        elif key == "confidence":
            out[key] = _number(item, 0, 1)
        elif key == "summary":
            out[key] = _text(item, 500)
        elif key in {"component", "part"}:
            out[key] = _text(item, 128)
        elif key in {"onset_at", "detected_at"}:
            out[key] = timestamp(item)
        elif key == "time_to_unsafe_s":
            out[key] = None if item is None else _number(item, 0, None)
        else:
            out[key] = _evidence(item)
    out.setdefault("time_to_unsafe_s", None)
    return out


def _evidence(value: object) -> dict[str, float]:
    if type(value) is not dict or len(value) > 64:
        raise _UnsureError
    out = {}
    for key, item in value.items():
        if type(key) is not str:
            raise _UnsureError
        out[key] = number(item)
    return out
