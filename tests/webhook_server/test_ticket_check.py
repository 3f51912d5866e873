"""The compiled ticket check agrees with the contract's voluptuous schema, field by field."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import voluptuous as vol

from tests.webhook_server.conftest import make_ticket
from webhook_server import ticket_check
from webhook_server.contract import TICKET
from webhook_server.ticket_check import validate_ticket

_ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    1.5,
    2,
    -0.5,
    2**63,
    1e308,
    "",
    "x",
    "x" * 33,
    "x" * 65,
    "x" * 129,
    "x" * 255,
    "x" * 501,
    "en",
    "es",
    "fr",
    "info",
    "warning",
    "critical",
    "door_seal_leak",
    "Bad-Code",
    "ok.id:1-2",
    "-bad-id",
    "ep-1\n",
    "2026-06-01T06:00:00Z",
    "2026-06-01T06:00:00+02:00",
    "2026-06-01T06:00:00",
    "not a date",
    [],
    [{"start": "2026-06-01T06:00:00Z", "end": "2026-06-01T08:00:00Z"}],
    [{"start": "2026-06-01T06:00:00Z"}],
    [{"start": "2026-06-01T06:00:00Z", "end": "2026-06-01T08:00:00Z", "x": 1}],
    [{"start": "2026-06-01T06:00:00Z", "end": "2026-06-01T08:00:00Z"}] * 15,
    {},
    {"a": 1},
    {"a": "1"},
    {"": 1.0},
    {f"k{i}": 1 for i in range(65)},
]


def _paths(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path of a nested ticket dictionary."""
    paths = []
    if isinstance(value, dict):
        for key, item in value.items():
            paths.append((*prefix, key))
            paths.extend(_paths(item, (*prefix, key)))
    return paths


def _variants() -> list[Any]:
    base = make_ticket(
        customer__preferred_windows=[
            {"start": "2026-06-01T10:00:00Z", "end": "2026-06-01T12:00:00+02:00"}
        ],
        fault__time_to_unsafe_s=3600,
    )
    variants: list[Any] = [base, make_ticket(), None, [], "ticket", {**base, "extra": 1}]
    for path in _paths(base):
        *parents, last = path
        removed = copy.deepcopy(base)
        target = removed
        for part in parents:
            target = target[part]
        del target[last]
        variants.append(removed)
        added = copy.deepcopy(base)
        target = added
        for part in parents:
            target = target[part]
        if isinstance(target[last], dict):
            variants.append(copy.deepcopy(added) | {})
            target[last] = {**target[last], "unexpected": 1}
            variants.append(added)
        for odd in _ODD_VALUES:
            changed = copy.deepcopy(base)
            target = changed
            for part in parents:
                target = target[part]
            target[last] = copy.deepcopy(odd)
            variants.append(changed)
    return variants


@pytest.mark.parametrize("data", _variants())
def test_fast_path_agrees_with_the_schema(data: Any) -> None:
    """Whatever the fast path returns, the schema returns too; whatever it refuses, the schema
    decides (and ``validate_ticket`` gives the schema's answer)."""
    try:
        expected: Any = TICKET(copy.deepcopy(data))
    except vol.Invalid:
        expected = vol.Invalid
    try:
        fast: Any = ticket_check._ticket(copy.deepcopy(data))
    except (ticket_check._UnsureError, vol.Invalid, TypeError, ValueError, OverflowError):
        fast = None
    if expected is vol.Invalid:
        assert fast is None
        with pytest.raises(vol.MultipleInvalid):
            validate_ticket(copy.deepcopy(data))
    else:
        assert fast is None or fast == expected
        assert validate_ticket(copy.deepcopy(data)) == expected


def test_ordinary_tickets_take_the_fast_path() -> None:
    windows = [{"start": "2026-06-01T10:00:00Z", "end": "2026-06-01T12:00:00Z"}]
    for ticket in (make_ticket(), make_ticket(customer__preferred_windows=windows)):
        assert ticket_check._ticket(ticket) == TICKET(copy.deepcopy(ticket))
    minimal = make_ticket()
    del minimal["customer"]["language"], minimal["customer"]["contact"]
    del minimal["fault"]["time_to_unsafe_s"], minimal["fault"]["part"]
    fast = ticket_check._ticket(copy.deepcopy(minimal))
    assert fast == TICKET(minimal)
    assert fast["customer"]["language"] == "en"
    assert fast["customer"]["preferred_windows"] == []
    assert fast["fault"]["time_to_unsafe_s"] is None
