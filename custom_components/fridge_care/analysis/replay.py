r"""Replay recorded fridge history through the fault engine and print the fault episodes it finds.

Usage, from the repository root::

    python -m custom_components.fridge_care.analysis.replay history.csv
    python -m custom_components.fridge_care.analysis.replay export.csv \\
        --map sensor.kitchen_fridge=fridge_temp --map sensor.fridge_plug_power=compressor_power

INPUT is either a wide CSV (``time`` then any of fridge_temp, freezer_temp, compressor_power,
door, ambient_temp; an empty cell means no new reading, ``unavailable`` that the sensor went
away) or Home Assistant's History CSV export (``entity_id,state,last_changed``) with ``--map``;
a name ending in ``.gz`` is read through gzip.
Output: JSON Lines on stdout, one object per fault episode in detection order. A malformed file
is reported on stderr with its line number and exit status 2.

This module deliberately does not import Home Assistant, so owners can run it on any machine with
the engine's dependencies.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
import contextlib
import csv
from datetime import UTC, datetime
import gzip
import json
import math
from pathlib import Path
import sys
from typing import Any, NamedTuple, TextIO

from .engine import Engine
from .model import COMPARTMENT_ROLES, EngineConfig, FaultEpisode, Role

WATCHING_ROLES = COMPARTMENT_ROLES | {Role.COMPRESSOR_POWER}
"""A fridge is watched through a compartment's thermometer, or through its smart plug alone."""

EXIT_OK = 0
EXIT_BAD_INPUT = 2
_UNAVAILABLE = frozenset({"unavailable", "unknown", "none", "null", "nan"})
_DOOR_WORDS = {"1": 1.0, "0": 0.0, "on": 1.0, "off": 0.0, "open": 1.0, "closed": 0.0}
_HISTORY_HEADER = ("entity_id", "state", "last_changed")


class ReplayError(ValueError):
    """The input cannot be replayed; the message names the line."""


class Reading(NamedTuple):
    """One sensor reading from the file."""

    at: float
    role: Role
    value: float | None


def parse_time(text: str, line: int) -> float:
    """POSIX seconds from epoch seconds or ISO 8601 with a UTC offset."""
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds):
            raise ReplayError(f"line {line}: time {text!r} is not a finite number")
        return seconds
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ReplayError(
            f"line {line}: time {text!r} is neither epoch seconds nor ISO 8601"
        ) from None
    if moment.tzinfo is None:
        raise ReplayError(f"line {line}: time {text!r} has no UTC offset (add +00:00 or Z)")
    return moment.timestamp()


def parse_value(role: Role, text: str, line: int) -> float | None:
    """Return a reading in the role's unit; None when the sensor is unavailable."""
    word = text.strip().lower()
    if word in _UNAVAILABLE:
        return None
    if role is Role.DOOR:
        if word in _DOOR_WORDS:
            return _DOOR_WORDS[word]
        with contextlib.suppress(ValueError):
            if (number := float(word)) in (0.0, 1.0):  # 1.0 / 0.0, as a script may write them
                return number
        raise ReplayError(f"line {line}: door state {text!r} is not 1/0, on/off or open/closed")
    try:
        value = float(word)
    except ValueError:
        raise ReplayError(f"line {line}: {role.value} value {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ReplayError(f"line {line}: {role.value} value {text!r} is not a finite number")
    return value


def parse_mapping(pairs: Iterable[str]) -> dict[str, Role]:
    """``entity_id=role`` pairs from ``--map``."""
    mapping: dict[str, Role] = {}
    roles = ", ".join(role.value for role in Role)
    for pair in pairs:
        entity, sep, role = pair.partition("=")
        if not sep or not entity.strip():
            raise ReplayError(f"--map {pair!r}: expected entity_id=role")
        try:
            mapping[entity.strip()] = Role(role.strip())
        except ValueError:
            raise ReplayError(f"--map {pair!r}: role must be one of {roles}") from None
    return mapping


def read_wide(rows: Iterable[tuple[int, list[str]]], header: list[str]) -> list[Reading]:
    """Read the wide format's (line number, row) pairs after the header."""
    try:
        roles = [Role(name.strip()) for name in header[1:]]
    except ValueError as err:
        raise ReplayError(
            f"line 1: unknown column ({err}); use {[r.value for r in Role]}"
        ) from None
    if len(set(roles)) != len(roles):
        raise ReplayError("line 1: a column appears twice")
    readings: list[Reading] = []
    for line, row in rows:
        if not row:
            continue
        if len(row) != len(header):
            raise ReplayError(f"line {line}: expected {len(header)} fields, found {len(row)}")
        at = parse_time(row[0], line)
        for role, cell in zip(roles, row[1:], strict=True):
            if cell.strip():
                readings.append(Reading(at, role, parse_value(role, cell, line)))
    return readings


def read_history(rows: Iterable[tuple[int, list[str]]], mapping: dict[str, Role]) -> list[Reading]:
    """Read Home Assistant's History export; entities not in ``mapping`` are skipped."""
    if not mapping:
        raise ReplayError("line 1: a History export needs --map entity_id=role for its sensors")
    readings: list[Reading] = []
    for line, row in rows:
        if not row:
            continue
        if len(row) != len(_HISTORY_HEADER):
            raise ReplayError(f"line {line}: expected 3 fields, found {len(row)}")
        entity, state, changed = row
        role = mapping.get(entity.strip())
        if role is not None:
            readings.append(
                Reading(parse_time(changed, line), role, parse_value(role, state, line))
            )
    return readings


def read_csv(lines: Iterable[str], mapping: dict[str, Role]) -> list[Reading]:
    """Read either format, told apart by the header; return readings sorted by time."""
    reader = csv.reader(lines, strict=True)
    rows = ((reader.line_num, row) for row in reader)
    try:
        header = next(reader, None)
        if header is None:
            raise ReplayError("line 1: the file is empty")
        names = tuple(name.strip().lower() for name in header)
        if names == _HISTORY_HEADER:
            readings = read_history(rows, mapping)
        elif names and names[0] == "time":
            readings = read_wide(rows, [name.strip() for name in header])
        else:
            raise ReplayError(
                "line 1: header must start with 'time' (wide format) or be "
                "'entity_id,state,last_changed' (History export)"
            )
    except csv.Error as err:
        raise ReplayError(f"line {reader.line_num}: {err}") from None
    readings.sort(key=lambda reading: reading.at)
    return readings


def replay(
    readings: Sequence[tuple[float, Role, float | None]],
    config: EngineConfig,
    every_s: float = 60.0,
    until: float | None = None,
) -> list[FaultEpisode]:
    """Feed time-ordered readings to a fresh engine, evaluating every ``every_s`` s of history.

    Evaluation goes on ``until`` the recording's end when it is known (as Home Assistant goes on
    evaluating after a sensor's last state), else to the last reading. Returns every episode in
    detection order, in its final state (cleared or still active).
    """
    engine = Engine(config)
    latest: dict[str, FaultEpisode] = {}

    def collect(at: float) -> None:
        report = engine.evaluate(at)
        for episode in (*report.detected, *report.active, *report.cleared):
            latest[episode.episode_id] = episode

    if not readings:
        return []
    due = readings[0][0] + every_s
    ingest = engine.ingest
    for at, role, value in readings:
        while at > due:
            collect(due)
            due += every_s
        ingest(role, at, value)
    end = readings[-1][0] if until is None else max(until, readings[-1][0])
    while due < end:
        collect(due)
        due += every_s
    collect(end)
    return list(latest.values())


def _iso(at: float | None) -> str | None:
    return None if at is None else datetime.fromtimestamp(at, UTC).isoformat()


def episode_json(episode: FaultEpisode) -> dict[str, Any]:
    """Return the JSON object printed for one episode (times in ISO 8601, UTC)."""
    return {
        **episode.as_dict(),
        "onset_at": _iso(episode.onset_at),
        "detected_at": _iso(episode.detected_at),
        "cleared_at": _iso(episode.cleared_at),
    }


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.fridge_care.analysis.replay",
        description="Replay fridge sensor history through FridgeCare's fault engine.",
    )
    parser.add_argument("input", type=Path, help="wide CSV or Home Assistant History CSV export")
    parser.add_argument(
        "--map", action="append", default=[], metavar="ENTITY=ROLE", help="History export only"
    )
    parser.add_argument("--sensitivity", type=float, default=1.0)
    parser.add_argument("--learning-hours", type=float, default=72.0)
    parser.add_argument("--fridge-limit", type=float, default=4.4)
    parser.add_argument("--freezer-limit", type=float, default=-12.0)
    parser.add_argument("--every", type=float, default=60.0, help="seconds between evaluations")
    return parser.parse_args(argv)


def open_text(path: Path) -> TextIO:
    """Open an input file as text for the csv module; ``.gz`` files are decompressed on the fly."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", newline="", encoding="utf-8")
    return path.open(newline="", encoding="utf-8")


def _load(path: Path, mapping: dict[str, Role], every_s: float) -> list[Reading]:
    """Read and check the input before any analysis starts."""
    if not every_s > 0:
        raise ReplayError("--every must be positive")
    with open_text(path) as handle:
        readings = read_csv(handle, mapping)
    if not {reading.role for reading in readings} & WATCHING_ROLES:
        raise ReplayError(
            "no fridge_temp, freezer_temp or compressor_power readings: nothing to analyse"
        )
    return readings


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return the exit status."""
    args = _arguments(argv)
    try:
        readings = _load(args.input, parse_mapping(args.map), args.every)
    except (ReplayError, OSError, EOFError, UnicodeDecodeError) as err:
        sys.stderr.write(f"replay: {args.input}: {err}\n")
        return EXIT_BAD_INPUT
    roles = frozenset(reading.role for reading in readings)
    config = EngineConfig(
        roles=roles,
        sensitivity=args.sensitivity,
        fridge_limit_c=args.fridge_limit,
        freezer_limit_c=args.freezer_limit,
        learning_period_h=args.learning_hours,
    )
    for episode in replay(readings, config, args.every):
        sys.stdout.write(json.dumps(episode_json(episode)) + "\n")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
