"""The compiled checks answer exactly as voluptuous does, and fast for valid data."""

from __future__ import annotations

from collections import OrderedDict
import copy
import random
import re
from typing import Any

import pytest
import voluptuous as vol

from webhook_server.contract import TICKET
from webhook_server.validation import compile_schema

BENCH_TICKET: dict[str, Any] = {
    "ticket_id": "bench-ab12cd34-7",
    "appliance": {"manufacturer": "BenchCo", "model": "FC-FD-900", "serial": "BENCH-1"},
    "customer": {"zone": "zone-07", "language": "es"},
    "fault": {
        "code": "defrost_failure",
        "severity": "info",
        "confidence": 0.9,
        "summary": "Benchmark fault",
        "onset_at": "2026-06-01T06:00:00Z",
        "detected_at": "2026-06-01T08:55:00Z",
        "time_to_unsafe_s": None,
        "evidence": {"duty_cycle": 0.61, "start_attempts_per_hour": 4.0},
    },
    "integration_version": "bench",
}

FULL_TICKET: dict[str, Any] = {
    "ticket_id": "ep:2026.06.01-x_1",
    "appliance": {"manufacturer": "Acme", "model": "FC-200", "serial": "SN-42"},
    "customer": {
        "zone": "north",
        "contact": "+34 600 000 000",
        "preferred_windows": [
            {"start": "2026-06-02T08:00:00+02:00", "end": "2026-06-02T12:00:00+02:00"},
            {"start": "2026-06-03T14:00:00Z", "end": "2026-06-03T18:00:00Z"},
        ],
    },
    "fault": {
        "code": "compressor_start_failure",
        "severity": "critical",
        "confidence": 1,
        "summary": "Compressor does not start",
        "component": "start relay",
        "part": "PTC-9",
        "onset_at": "2026-06-01T06:00:00+00:00",
        "detected_at": "2026-06-01T07:00:00Z",
        "time_to_unsafe_s": 3600,
        "evidence": {},
    },
    "integration_version": "1.4.0",
}

TICKETS = [BENCH_TICKET, FULL_TICKET]


def outcome(check: Any, data: Any) -> tuple[str, Any]:
    """What a check does with data: ("ok", result), ("invalid", errors) or another exception."""
    try:
        return "ok", check(data)
    except vol.MultipleInvalid as err:
        return "invalid", sorted(str(item) for item in err.errors)
    except Exception as err:  # a validator's own bug must surface the same way
        return type(err).__name__, str(err)


def assert_same(schema: vol.Schema, data: Any) -> tuple[str, Any]:
    check = compile_schema(schema)
    expected = outcome(schema, copy.deepcopy(data))
    assert outcome(check, data) == expected, data
    return expected


class CountingSchema(vol.Schema):
    """A schema that counts voluptuous' own validations."""

    calls = 0

    def __call__(self, data: Any) -> Any:
        CountingSchema.calls += 1
        return super().__call__(data)  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("ticket", TICKETS, ids=["bench", "full"])
def test_valid_ticket_same_result_with_defaults_and_coercions(ticket: dict[str, Any]) -> None:
    compiled = compile_schema(TICKET)(copy.deepcopy(ticket))
    assert compiled == TICKET(copy.deepcopy(ticket))
    assert isinstance(compiled["fault"]["confidence"], float)
    assert compiled["fault"]["onset_at"].utcoffset().total_seconds() == 0
    assert "language" in compiled["customer"]
    assert "preferred_windows" in compiled["customer"]
    assert "time_to_unsafe_s" in compiled["fault"]


def test_valid_ticket_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    original = vol.Schema.__call__

    def counting(self: vol.Schema, data: object) -> Any:
        calls.append(data)
        return original(self, data)  # type: ignore[no-untyped-call]

    check = compile_schema(TICKET)
    monkeypatch.setattr(vol.Schema, "__call__", counting)
    for ticket in TICKETS:
        check(copy.deepcopy(ticket))
    assert calls == []  # not TICKET, not APPLIANCE, not TIME_WINDOW
    bad = {**BENCH_TICKET, "extra": 1}
    with pytest.raises(vol.MultipleInvalid):
        check(bad)
    assert calls[0] is bad  # an extra key: voluptuous decides


def test_ticket_errors_are_voluptuous_own() -> None:
    ticket = copy.deepcopy(BENCH_TICKET)
    ticket["fault"]["confidence"] = 2
    del ticket["appliance"]["serial"]
    kind, errors = assert_same(TICKET, ticket)
    assert kind == "invalid"
    assert errors == [
        "required key not provided @ data['appliance']['serial']",
        "value must be at most 1 for dictionary value @ data['fault']['confidence']",
    ]


# Randomized differential test: mutate valid tickets, compare with voluptuous.

GARBAGE: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    10**30,
    -(10**30),
    1.5,
    -0.5,
    float("inf"),
    float("nan"),
    "",
    "x",
    "x" * 300,
    "not a time",
    "2026-06-01T06:00:00",
    "2026-13-01T06:00:00Z",
    "es",
    "info",
    "ABC",
    "a b",
    [],
    [1],
    [{"start": "2026-06-01T06:00:00Z", "end": "2026-06-01T07:00:00Z"}] * 15,
    {},
    {"start": "2026-06-01T06:00:00Z"},
    {"a": {"b": [None]}},
    {1: 2},
    ("tuple",),
    b"bytes",
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside nested dicts and lists."""
    found: list[tuple[Any, ...]] = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


def mutate(ticket: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One to three random changes: drop, add, replace, duplicate."""
    data = copy.deepcopy(ticket)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(_paths(data))
        if not path:
            continue
        parent, last = _at(data, path[:-1]), path[-1]
        move = rng.randrange(5)
        if move == 0 and isinstance(parent, dict):
            del parent[last]
        elif move == 1 and isinstance(parent, dict):
            parent[rng.choice(["extra", "Zone", "language", "contact", 7])] = rng.choice(GARBAGE)
        elif move == 2 and isinstance(parent, list):
            parent.extend(copy.deepcopy(parent) * rng.randint(1, 8))
        else:
            parent[last] = copy.deepcopy(rng.choice(GARBAGE))
    return data


def test_random_mutations_agree_with_voluptuous() -> None:
    rng = random.Random(20260601)
    check = compile_schema(TICKET)
    seen = {"ok": 0, "invalid": 0}
    for _ in range(3000):
        data = mutate(rng.choice(TICKETS), rng)
        expected = outcome(TICKET, copy.deepcopy(data))
        assert outcome(check, data) == expected, data
        seen[expected[0]] += 1
    assert seen["ok"] > 100
    assert seen["invalid"] > 1000


# Each construct on a small schema.


def positive(value: Any) -> Any:
    if not value > 0:
        raise ValueError("not positive")
    return value * 2


def deep_error(value: Any) -> Any:
    raise vol.Invalid("deep", path=["inner"])


def explode(value: Any) -> Any:
    raise TypeError("boom")


class Even:
    """A validator class the compiler does not know."""

    def __call__(self, value: Any) -> Any:
        if value % 2:
            raise vol.Invalid("odd")
        return value


class Picky(type):
    """A metaclass whose isinstance test fails: voluptuous lets the ValueError escape."""

    def __instancecheck__(cls, instance: object) -> bool:
        raise ValueError("no isinstance")


class PickyType(metaclass=Picky):
    pass


def refuse(value: Any, validators: Any) -> Any:
    raise ValueError("a discriminant's ValueError is no Invalid")


def drop_none(value: Any) -> Any:
    return vol.Remove if value is None else value


def no_default() -> Any:
    raise ZeroDivisionError


class Weird:
    """Data that cannot be compared: voluptuous lets the ValueError escape."""

    def __eq__(self, other: object) -> bool:
        raise ValueError("no comparing")

    __ne__ = __eq__

    def __hash__(self) -> int:
        return hash("a")


CASES: list[tuple[Any, list[Any]]] = [
    (str, ["a", 1, None, b"b"]),
    (int, [1, True, 1.0, "1"]),
    (bool, [True, 0]),
    (float, [1.0, 1]),
    (None, [None, 0, ""]),
    (1, [1, 1.0, True, 2]),
    ("en", ["en", "es"]),
    (positive, [1, -1, "x", None]),
    (Even(), [2, 3, "x"]),
    (vol.Coerce(int), ["3", "x"]),
    (vol.All(str, vol.Length(min=2, max=3)), ["ab", "a", "abcd", 12, ["a", "b"]]),
    (vol.All(vol.Length(min=1), vol.Length(max=1)), ["a", [], [1], {"k": 1}, None, 5]),
    (vol.All(), [1]),
    (vol.All(int, positive, vol.Range(max=10)), [1, 5, 6, -1]),
    (vol.Any(None, vol.All(float, vol.Range(min=0))), [None, 1.5, -1.0, 1]),
    (vol.Any(), [1]),
    (vol.Any(int, str, msg="nope"), [1, "a", None]),
    (vol.Maybe(str), [None, "a", 1]),
    (vol.In(["a", "b"]), ["a", "c", None, ["a"], {}]),
    (vol.In([1, "a"]), [1, 2, "b"]),
    (vol.In({"a": 1}), ["a", "b", [], {}]),
    (vol.All(int, int, int, int), [1, "x"]),
    (vol.Any(PickyType, int), [1]),
    ([drop_none], [[1, None, 2]]),
    ({vol.Optional("a", default=no_default): int}, [{}, {"a": 1}]),
    (vol.Any({vol.Optional("a", default=no_default): int, "b": int}, dict), [{"b": "x"}]),
    (vol.Range(min=0, max=1), [0, 1, 0.5, -1, 2, "x", None, True]),
    (vol.Range(min=0, max=1, min_included=False, max_included=False), [0, 1, 0.5]),
    (vol.Range(), [5, "x", None]),
    (vol.Range(min=2), [1, 3]),
    (vol.Match(r"^[a-z]+$"), ["abc", "ABC", 1, None, b"abc"]),
    (vol.Match(re.compile(rb"^a")), [b"ab", "ab", b"b"]),
    ([int], [[1, 2], [], [1, "a"], (1,), "12", None]),
    ([int, str], [[1, "a"], [1, None]]),
    ([vol.Any(int, str)], [[1, "a"], [None]]),
    ([{"a": int}, int], [[{"a": 1}, 2], [{"a": "x"}], [{"b": 1}], [3]]),
    ([deep_error, int], [[1]]),
    ([], [[], [1], None]),
    ((int, str), [(1, "a"), [1], (None,)]),
    ({str: int}, [{"a": 1}, {1: 1}, {"a": "x"}, {}, []]),
    ({str: int, int: str}, [{"a": 1, 2: "b"}, {2: 2}, {None: 1}]),
    ({"a": int, str: str}, [{"a": 1, "b": "c"}, {"a": "x"}]),
    ({vol.Required("a"): int, vol.Optional("b"): str}, [{"a": 1}, {"b": "x"}, {"a": 1, "b": 2}]),
    ({vol.Optional("a", default=list): [int]}, [{}, {"a": [1]}, {"a": 1}]),
    ({vol.Optional("a", default="x"): vol.In(["y"])}, [{}, {"a": "y"}]),
    ({vol.Required("a", default=5): int}, [{}, {"a": 6}]),
    ({vol.Optional("a", default=None): vol.Any(None, int)}, [{}, {"a": 1}]),
    ({"a": {"b": {"c": int}}}, [{"a": {"b": {"c": 1}}}, {"a": {"b": {"c": "x"}}}, {"a": {}}]),
    ({1: int, 2.5: str}, [{1: 1, 2.5: "a"}, {1.0: 1}, {True: 1}, {1: "x"}]),
    ({"a": vol.Schema({"b": int})}, [{"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}]),
    ({"a": vol.Extra}, [{"a": object}]),
    ({"a": vol.Required(int)}, [{"a": 1}, {"a": "x"}]),
    ({"a": explode}, [{"a": 1}, {"a": 1, "b": 2}]),
    (vol.Any({"a": explode, "b": int}, {"b": int}), [{"a": 1, "b": "x"}, {"b": 1}]),
    (vol.Any({"a": int}, str), [{"a": "x"}, OrderedDict(a=1), "s"]),
    ([int], [[1], type("L", (list,), {})([1])]),
    ({vol.Remove("r"): int, "a": int}, [{"a": 1, "r": 2}, {"a": 1, "r": "x"}]),
    ({vol.Exclusive("a", "g"): int, vol.Exclusive("b", "g"): int}, [{"a": 1}, {"a": 1, "b": 2}]),
    ({vol.Optional(str): int}, [{"a": 1}, {"a": "x"}]),
    ({"a": int, vol.Required("a"): str}, [{"a": 1}, {"a": "x"}]),
    ({vol.Extra: int, "a": str}, [{"a": "x", "b": 1}]),
    (vol.Union({"t": "a"}, {"t": "b"}, discriminant=lambda v, alts: alts), [{"t": "b"}, 1]),
    (vol.Any(int, discriminant=lambda v, alts: alts), [1, "x"]),
    (vol.Any(vol.Union(str, discriminant=refuse), int), [1]),
    (vol.Object({"a": int}), [1]),
    ({int}, [{1, 2}, {"a"}, [1]]),
    (vol.All(vol.Length(max=1), str), ["a", "ab"]),
    (vol.All(vol.Schema, str), ["a", vol.Schema(int)]),
    (vol.Clamp(min=0, max=5), [-1, 9, "x"]),
    (1, [Weird()]),
    (vol.Any(1, int), [Weird()]),
    ({"a": int}, [{Weird(): 1}]),
    (vol.Any({"a": int}, dict), [{Weird(): 1}]),
    ({"a": vol.Any(None, vol.Self)}, [{"a": {"a": None}}, {"a": 1}]),
    ({vol.Remove("r"): int, "n": {"a": vol.Any(None, vol.Self)}}, [{"n": {"a": {"n": None}}}]),
]


@pytest.mark.parametrize(("schema", "samples"), CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_construct_agrees_with_voluptuous(schema: Any, samples: list[Any]) -> None:
    for data in samples:
        assert_same(vol.Schema(schema), data)


@pytest.mark.parametrize("extra", [vol.ALLOW_EXTRA, vol.REMOVE_EXTRA, vol.PREVENT_EXTRA, 7])
@pytest.mark.parametrize("required", [False, True])
def test_extra_and_required_settings(extra: int, required: bool) -> None:
    schemas = [
        {"a": int, vol.Optional("b"): str, "c": {"d": int}},
        {str: int},
        {"a": vol.All({"b": int})},
        {"a": vol.Any({"b": int}, None)},
    ]
    samples = [
        {"a": 1, "c": {"d": 1}},
        {"a": 1, "x": 2, "c": {"d": 1, "e": 2}},
        {"c": {}},
        {1: 1},
        {"a": {"b": 1}},
        {"a": {"b": 1, "z": 1}},
        {"a": {}},
        {},
    ]
    for schema in schemas:
        for data in samples:
            assert_same(vol.Schema(schema, extra=extra, required=required), data)


def test_nested_schemas_compiled_and_schema_subclasses_called_as_they_are() -> None:
    CountingSchema.calls = 0
    inner = CountingSchema({"b": int})  # a subclass: the compiler calls it as it is
    outer = vol.Schema({"a": vol.Schema({"b": int}), "i": inner, "l": [vol.Schema({"c": str})]})
    check = compile_schema(outer)
    calls_before = CountingSchema.calls
    assert check({"a": {"b": 1}, "i": {"b": 2}, "l": [{"c": "x"}]}) == {
        "a": {"b": 1},
        "i": {"b": 2},
        "l": [{"c": "x"}],
    }
    assert CountingSchema.calls == calls_before + 1


def test_schema_subclass_is_returned_as_is() -> None:
    schema = CountingSchema({"a": int})
    assert compile_schema(schema) is schema


def test_self_reference_is_left_to_voluptuous() -> None:
    schema = vol.Schema({"n": [vol.Required(vol.Any(int, vol.Self))]})
    assert compile_schema(schema) is schema
    inner = vol.Schema({"a": int})
    assert compile_schema(vol.Schema({"i": inner})) is not inner


def test_self_in_a_dict_value_position_falls_back() -> None:
    from webhook_server import validation

    node = validation._compile({"a": vol.Self}, required=False, extra=vol.PREVENT_EXTRA)
    with pytest.raises(validation._Fallback):
        node.check({"a": 1})


def test_compiled_check_does_not_change_the_schema_objects() -> None:
    union = vol.Union({"t": "a"}, {"t": "b"}, discriminant=lambda v, alts: alts)
    schema = vol.Schema({"u": union})
    compiled_before = union._compiled
    check = compile_schema(schema)
    assert union._compiled is compiled_before
    assert check({"u": {"t": "a"}}) == schema({"u": {"t": "a"}})


def test_validator_disagreeing_with_its_fast_test_falls_back() -> None:
    length = vol.Length(max=1)
    check = compile_schema(vol.Schema(length))
    length.max = 5  # the compiler read 1; voluptuous reads 5 and has the last word
    assert outcome(check, "abc") == ("ok", "abc")
