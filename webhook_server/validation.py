"""Compile voluptuous schemas into fast checks, with voluptuous itself the arbiter.

Validating a ticket with voluptuous costs tens of microseconds, mostly in its generic machinery
(paths, error lists, candidate sorting per key). :func:`compile_schema` walks the same schema
objects once and builds nested closures that do only the checks, so the contract is still
written once in :mod:`webhook_server.contract`.

The closures are a fast path, never a second opinion: whenever anything fails or looks unusual
(a wrong type, a missing or extra key, a validator raising, a construct the compiler does not
model) the check calls the voluptuous schema on the original data and returns or raises
whatever it does, so errors and their paths are voluptuous' own. The fast path only has to be
right about data that voluptuous accepts, and must never accept data that voluptuous rejects.

Inside the closures, ``_Reject``, ``vol.Invalid`` and ``ValueError`` mean "voluptuous would
raise ``Invalid`` here"; alternatives (``Any``, list items) and dict values catch only those,
so any other exception climbs to the top and hands the data to voluptuous. Where voluptuous
would let a ``ValueError`` escape (a literal's ``!=``, a key's hash), the closures turn it into
``_Fallback`` first. Validator settings (``Length.max``, ``In.container``...) are read once, at
compile time: schemas are treated as immutable, as the contract's are.
"""

# ruff: noqa: ANN401 - checks take and return any value, as voluptuous' validators do

from __future__ import annotations

from collections.abc import Callable, Mapping
import copy
import inspect
from typing import Any, NamedTuple, NoReturn

import voluptuous as vol

_PRIMITIVE_TYPES = (bool, bytes, int, str, float, complex)
"""Key types voluptuous matches by equality (its ``candidates_by_key``)."""

type _Check = Callable[[Any], Any]


class _Reject(Exception):  # noqa: N818 - a signal inside the fast path, not an error
    """Voluptuous would raise ``Invalid`` for this value."""


class _Fallback(Exception):  # noqa: N818
    """The fast path cannot tell; let voluptuous decide."""


_REJECTED = (_Reject, vol.Invalid, ValueError)
"""What a rejection looks like: a plain callable's ``Invalid`` or ``ValueError`` (which
voluptuous' ``_compile_scalar`` turns into ``Invalid``) pass through uncaught to save a frame."""


class _Node(NamedTuple):
    """A compiled check and whether its failures stay at its own path.

    ``shallow`` mirrors voluptuous' list rule: an item failing an alternative with an error
    *deeper* than the item stops the list, so only shallow alternatives may be skipped.
    """

    check: _Check
    shallow: bool


def compile_schema(schema: vol.Schema) -> Callable[[object], dict[str, Any]]:
    """Return ``check(data)``: ``schema(data)``'s result, fast for data that is valid.

    Typed for the usual mapping schema; for other schemas it returns what ``schema`` returns.
    """
    if type(schema) is not vol.Schema or _refers_to_self(schema.schema):
        return schema  # a subclass may override __call__; Self: recursion is voluptuous' job
    fast = _compile(schema.schema, schema.required, schema.extra).check

    def check(data: object) -> dict[str, Any]:
        try:
            return fast(data)  # type: ignore[no-any-return]
        except Exception:  # any doubt: voluptuous decides, and raises its own errors
            return schema(data)  # type: ignore[no-any-return]

    return check


def _refers_to_self(node: Any) -> bool:
    """Whether ``vol.Self`` occurs anywhere the compiler could hand to a copied sub-schema."""
    if node is vol.Self:
        return True
    if isinstance(node, Mapping):
        children: list[Any] = [*node.keys(), *node.values()]
    elif isinstance(node, list | tuple | set | frozenset):
        children = list(node)
    elif isinstance(node, vol.Marker | vol.Schema):
        children = [node.schema]
    else:  # All, Any, Union, SomeOf...
        validators = getattr(node, "validators", ())
        children = list(validators) if isinstance(validators, list | tuple) else []
    return any(_refers_to_self(child) for child in children)


def _compile(node: Any, required: bool, extra: int) -> _Node:
    """Compile one schema node as ``Schema._compile`` would, in the same order of cases.

    ``required`` and ``extra`` are the settings voluptuous compiles plain dicts with: the
    enclosing ``Schema``'s, except that ``All``/``Any`` compile their validators with their own
    ``required``.
    """
    if node is vol.Extra:
        return _Node(_identity, shallow=True)
    if node is vol.Self:
        return _Node(_always_fallback, shallow=False)
    if hasattr(node, "__voluptuous_compile__"):
        if type(node) in (vol.All, vol.Any) and node.discriminant is None:
            subs = [_compile(sub, node.required, extra) for sub in node.validators]
            shallow = node.msg is not None or all(sub.shallow for sub in subs)
            checks = [sub.check for sub in subs]
            if type(node) is vol.Any:
                return _Node(_any(checks), shallow)
            head = node.validators[:2]
            if (
                len(head) == 2
                and type(head[0]) is type
                and not hasattr(head[0], "__voluptuous_compile__")
                and type(head[1]) is vol.Length
            ):
                checks[:2] = [_length(head[1], head[0])]  # All(str, Length(...)): one frame
            return _Node(_all(checks), shallow)
        return _via_voluptuous(node, required, extra)
    if isinstance(node, vol.Object):
        return _via_voluptuous(node, required, extra)
    if isinstance(node, Mapping):
        return _compile_dict(node, required, extra)
    if isinstance(node, list | tuple):
        return _compile_sequence(node, tuple if isinstance(node, tuple) else list, required, extra)
    if isinstance(node, set | frozenset):
        return _via_voluptuous(node, required, extra)
    if inspect.isclass(node):
        return _Node(_instance_of(node), shallow=True)
    if type(node) is vol.Schema:
        return _compile(node.schema, node.required, node.extra)
    builtin = _BUILTINS.get(type(node))
    if builtin is not None:
        return _Node(builtin(node), shallow=True)
    if callable(node):  # its Invalid or ValueError is a rejection, as in _compile_scalar
        return _Node(node, shallow=False)
    return _Node(_equal_to(node), shallow=True)


def _identity(value: Any) -> Any:
    return value


def _always_fallback(value: Any) -> NoReturn:
    """``Self`` recursion is left to voluptuous."""
    raise _Fallback


def _via_voluptuous(node: Any, required: bool, extra: int) -> _Node:
    """Check a node the compiler does not model with a voluptuous schema of the same settings.

    A copy, because compiling ``All``-like validators stores state on the object. A
    ``ValueError`` escaping it escapes voluptuous too, so it is no rejection.
    """
    sub = vol.Schema(copy.copy(node), required=required, extra=extra)

    def check(value: Any) -> Any:
        try:
            return sub(value)
        except ValueError:
            raise _Fallback from None

    return _Node(check, shallow=False)


def _delegate(validator: Callable[[Any], Any], value: Any) -> NoReturn:
    """Let the validator say how the value fails (its fast test did), as voluptuous would."""
    validator(value)  # raises Invalid (or ValueError, which voluptuous makes Invalid)
    raise _Fallback  # the fast test and the validator disagree


def _exactly(test: Callable[[Any], bool]) -> _Check:
    """Pass a value ``test`` allows, refuse one it does not.

    An error in the test itself is not one voluptuous would make Invalid: voluptuous runs.
    """

    def check(value: Any) -> Any:
        try:
            same = test(value)
        except Exception:
            raise _Fallback from None
        if same:
            return value
        raise _Reject

    return check


def _instance_of(kind: type) -> _Check:
    return _exactly(lambda value: isinstance(value, kind))


def _equal_to(literal: Any) -> _Check:
    return _exactly(lambda value: not value != literal)  # noqa: SIM202 - voluptuous' very test


def _all(checks: list[_Check]) -> _Check:
    """Each check in turn, the output of one the input of the next."""
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks

        def check_two(value: Any) -> Any:
            return second(first(value))

        return check_two
    if len(checks) == 3:
        first, second, third = checks

        def check_three(value: Any) -> Any:
            return third(second(first(value)))

        return check_three

    def check(value: Any) -> Any:
        for one in checks:
            value = one(value)
        return value

    return check


def _any(checks: list[_Check]) -> _Check:
    """Return the first check's result that passes, in order, whatever the depth of failures."""

    def check(value: Any) -> Any:
        for one in checks:
            try:
                return one(value)
            except _REJECTED:
                pass
        raise _Reject

    return check


def _guarded(validator: Any, accepts: Callable[[Any], bool], kind: type[Any] = object) -> _Check:
    """Pass a value ``accepts`` allows; otherwise the validator itself decides (and reports).

    ``kind``: an ``isinstance`` test that ``All`` put before the validator, fused into it.
    """

    def check(value: Any) -> Any:
        if not isinstance(value, kind):
            raise _Reject
        try:
            if accepts(value):
                return value
        except Exception:  # noqa: S110 - the validator reports it below
            pass
        return _delegate(validator, value)

    return check


def _in(validator: vol.In) -> _Check:
    container = validator.container
    return _guarded(validator, lambda value: value in container)


def _length(validator: vol.Length, kind: type[Any] = object) -> _Check:
    """``Length``, optionally after an ``isinstance`` test that ``All`` put before it."""
    low, high = validator.min, validator.max

    def accepts(value: Any) -> bool:
        size = len(value)
        return bool((low is None or size >= low) and (high is None or size <= high))

    return _guarded(validator, accepts, kind)


def _range(validator: vol.Range) -> _Check:
    low, high = validator.min, validator.max
    low_in, high_in = validator.min_included, validator.max_included

    def accepts(value: Any) -> bool:
        return bool(
            (low is None or (value >= low if low_in else value > low))
            and (high is None or (value <= high if high_in else value < high))
        )

    return _guarded(validator, accepts)


def _match(validator: vol.Match) -> _Check:
    return _guarded(validator, lambda value: bool(validator.pattern.match(value)))


_BUILTINS: dict[type, Callable[[Any], _Check]] = {
    vol.In: _in,
    vol.Length: _length,
    vol.Range: _range,
    vol.Match: _match,
}
"""Validators with a known, side-effect-free test; on failure the validator itself reports."""


def _compile_sequence(
    schema: list[Any] | tuple[Any, ...], kind: type[Any], required: bool, extra: int
) -> _Node:
    """Each item must pass one of the alternatives, tried in order (``_compile_sequence``)."""
    alternatives = [_compile(sub, required, extra) for sub in schema]
    last = len(alternatives) - 1

    def check(data: Any) -> Any:
        if type(data) is not kind:
            raise _Fallback if isinstance(data, kind) else _Reject
        if not alternatives:
            if data:
                raise _Reject
            return data
        out = []
        failed = False
        for item in data:
            for index, (one, shallow) in enumerate(alternatives):
                try:
                    value = one(item)
                except _REJECTED:
                    if not shallow and index < last:
                        raise _Fallback from None  # voluptuous may stop here with this error
                    continue
                if value is not vol.Remove:
                    out.append(value)
                break
            else:
                failed = True  # keep going: a later item may raise something else
        if failed:
            raise _Reject
        return out if kind is list else kind(out)

    return _Node(check, shallow=False)


def _compile_dict(schema: Mapping[Any, Any], required: bool, extra: int) -> _Node:
    """Keys that are literals (maybe ``Required``/``Optional``) or types; else voluptuous.

    Mirrors ``_compile_mapping``: defaults are filled in for absent keys and validated like
    given values; a type key takes any key that is an instance, in schema order; every key is
    checked even after a failure, as voluptuous does, so no other exception is missed.
    """
    literals: dict[Any, _Check] = {}
    kinds: list[tuple[type, _Check]] = []
    defaults: list[tuple[Any, Callable[[], Any], _Check]] = []
    must_have: set[Any] = set()
    for key, sub in schema.items():
        value = _compile(sub, required, extra).check
        if type(key) in _PRIMITIVE_TYPES:
            literal, marker = key, None
        elif type(key) in (vol.Required, vol.Optional) and type(key.schema) in _PRIMITIVE_TYPES:
            literal, marker = key.schema, key
        elif inspect.isclass(key) and not required and not hasattr(key, "__voluptuous_compile__"):
            kinds.append((key, value))
            continue
        else:  # Remove, Exclusive, Inclusive, callables, Extra, required type keys...
            return _via_voluptuous(schema, required, extra)
        literals[literal] = value
        if marker is not None and not isinstance(marker.default, vol.Undefined):
            defaults.append((literal, marker.default, value))
        elif isinstance(key, vol.Required) or (required and not isinstance(key, vol.Optional)):
            must_have.add(literal)
    required_keys = frozenset(must_have)
    allow = extra == vol.ALLOW_EXTRA
    drop = extra == vol.REMOVE_EXTRA and not kinds  # a failed type key is an error even then
    lookup = literals.get
    every_key_known = not kinds and extra not in (vol.ALLOW_EXTRA, vol.REMOVE_EXTRA)
    n_literals = len(literals)

    def check(data: Any) -> Any:
        if type(data) is not dict:
            raise _Fallback if isinstance(data, dict) else _Reject
        out = {}
        failed = False
        for key, item in data.items():
            try:
                one = lookup(key)
                if one is None:
                    for kind, by_kind in kinds:
                        if isinstance(key, kind):
                            one = by_kind
                            break
            except Exception:
                raise _Fallback from None  # voluptuous would not make this Invalid
            if one is not None:
                try:
                    out[key] = one(item)
                except _REJECTED:
                    failed = True  # keep going: a later value may raise something else
            elif allow:
                out[key] = item
            elif not drop:
                failed = True
        for literal, factory, one in defaults:
            if literal not in data:
                try:
                    default = factory()
                except Exception:
                    raise _Fallback from None
                try:
                    out[literal] = one(default)
                except _REJECTED:
                    failed = True
        if failed:
            raise _Reject
        if (
            required_keys
            and not (every_key_known and len(data) == n_literals)  # then it has all of them
            and not data.keys() >= required_keys
        ):
            raise _Reject
        return out

    return _Node(check, shallow=False)
