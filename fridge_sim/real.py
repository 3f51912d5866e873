"""Real recordings of healthy appliances (``tests/data/real/``) and what the engine makes of them.

Every recording is listed in its source's ``recordings.json`` and replayed in-process the way
Home Assistant drives the engine (an evaluation a minute) with the configuration a fridge with
only those sensors gets: its roles are the file's columns, learning 72 h. The appliances were
healthy, so every confirmed, ticket-worthy episode is a false ticket. Usage::

    python -m fridge_sim.real                # every recording: days and the episodes raised
    python -m fridge_sim.real fridge_D331DA  # only recordings whose name contains this
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
import json
from pathlib import Path
import time

from custom_components.fridge_care.analysis.model import EngineConfig, FaultEpisode
from custom_components.fridge_care.analysis.replay import Reading, open_text, read_csv, replay

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "real"
LEARNING_H = 72.0


@dataclass(frozen=True, slots=True)
class Recording:
    """One committed recording, as its manifest describes it."""

    name: str  # "<source>/<file stem>", e.g. "tracebase/fridge_D331DA"
    path: Path
    kind: str  # fridge or freezer
    days: int  # days of the source the file covers (gaps excluded)


def recordings(data: Path = DATA) -> list[Recording]:
    """Every recording in every ``recordings.json`` under ``data``."""
    found: list[Recording] = []
    for manifest in sorted(data.glob("*/recordings.json")):
        for entry in json.loads(manifest.read_text(encoding="utf-8"))["recordings"]:
            path = manifest.parent / entry["file"]
            stem = path.name.removesuffix(".gz").removesuffix(".csv")
            found.append(
                Recording(f"{manifest.parent.name}/{stem}", path, entry["kind"], entry["days"])
            )
    return found


def load(recording: Recording) -> list[Reading]:
    """Read the recording's readings, sorted by time."""
    with open_text(recording.path) as handle:
        return read_csv(handle, {})


def run(readings: Sequence[Reading]) -> list[FaultEpisode]:
    """Replay through a fresh engine configured for exactly the sensors the file has."""
    config = EngineConfig(
        roles=frozenset(reading.role for reading in readings), learning_period_h=LEARNING_H
    )
    return replay(readings, config)


def false_tickets(episodes: Sequence[FaultEpisode]) -> list[FaultEpisode]:
    """Keep the episodes that would have become tickets: ticket-worthy and confirmed."""
    return [episode for episode in episodes if episode.ticket_worthy and episode.confirmed]


def describe(episode: FaultEpisode) -> str:
    """One line: code, when detected (UTC), and whether it would have become a ticket."""
    at = datetime.fromtimestamp(episode.detected_at, UTC).strftime("%Y-%m-%d %H:%M")
    ticket = "ticket" if episode.ticket_worthy and episode.confirmed else "no ticket"
    return f"{episode.code.value} detected {at}Z ticket_worthy={episode.ticket_worthy} ({ticket})"


def main(argv: Sequence[str] | None = None) -> int:
    """Print, per recording, its days and every episode the engine raises."""
    parser = argparse.ArgumentParser(prog="python -m fridge_sim.real", description=__doc__)
    parser.add_argument("only", nargs="*", help="run only recordings whose name contains one")
    args = parser.parse_args(argv)
    chosen = [r for r in recordings() if not args.only or any(o in r.name for o in args.only)]
    total_days = total_tickets = 0
    for recording in chosen:
        started = time.perf_counter()
        episodes = run(load(recording))
        tickets = len(false_tickets(episodes))
        total_days += recording.days
        total_tickets += tickets
        print(
            f"{recording.name} ({recording.kind}, {recording.days} days): {len(episodes)} "
            f"episodes, {tickets} false tickets [{time.perf_counter() - started:.1f} s]"
        )
        for episode in episodes:
            print(f"    {describe(episode)}")
    print(f"{len(chosen)} recordings, {total_days} days, {total_tickets} false tickets")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
