"""Convert tracebase's refrigerator and freezer days into the replay command's wide CSV, gzipped.

tracebase (https://github.com/areinhardt/tracebase, ODbL 1.0) keeps one file per appliance-day,
``complete/{Refrigerator,Freezer}/[dev_]<ID>_YYYY.MM.DD.csv``, each line
``DD/MM/YYYY HH:MM:SS;<1 s mean W>;<8 s mean W>`` in Europe/Berlin local time. Every appliance's
days become one ``<kind>_<ID>.csv.gz`` (header ``time,compressor_power``) holding the 1 s power
the way a Home Assistant smart plug that pushes on change, with no heartbeat, would have
reported it: a new state only when the value moves by more than max(2 W, 10 %) from the last
state reported, rounded to 0.1 W. Where the meter fell silent for more than 10 minutes (within
a day, or days missing between files) the plug is ``unavailable`` from one second after its
last reading and reports its next reading when it comes back. ``recordings.json`` lists what
was converted from which files. Usage::

    python -m fridge_sim.tracebase TRACEBASE_CHECKOUT tests/data/real/tracebase --commit SHA
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
import gzip
import io
import json
from pathlib import Path
import re
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
KINDS = {"Refrigerator": "fridge", "Freezer": "freezer"}
DAY_FILE = re.compile(r"^(?:dev_)?(?P<id>[^_]+)_(?P<day>\d{4}\.\d{2}\.\d{2})\.csv$")

Report = tuple[float, float | None]  # (POSIX seconds, watts; None = unavailable)


def read_day(lines: Iterable[str]) -> list[tuple[float, float]]:
    """Return one day file's (POSIX seconds, 1 s mean watts), local time resolved across DST.

    In the autumn hour that happens twice the clock goes back; readings after that step take
    the second (``fold=1``) meaning of their local time.
    """
    samples: list[tuple[float, float]] = []
    previous: datetime | None = None
    repeated_hour = False
    for line in lines:
        if not line.strip():
            continue
        stamp, watts, _ = line.split(";")
        local = datetime.strptime(stamp.strip(), "%d/%m/%Y %H:%M:%S")  # noqa: DTZ007
        if previous is not None and local < previous:
            repeated_hour = True
        previous = local
        moment = local.replace(tzinfo=BERLIN, fold=int(repeated_hour))
        samples.append((moment.timestamp(), float(watts)))
    return samples


def plug_reports(
    samples: Iterable[tuple[float, float]],
    *,
    delta_w: float = 2.0,
    delta_rel: float = 0.1,
    silent_s: float = 600.0,
) -> list[Report]:
    """Return what a push-on-change plug without heartbeat reports for time-ordered samples."""
    reports: list[Report] = []
    last: float | None = None
    last_at: float | None = None
    for at, raw in samples:
        watts = round(raw, 1)
        if last_at is not None and at - last_at > silent_s:
            reports.append((last_at + 1.0, None))
            last = None
        if last is None or abs(watts - last) > max(delta_w, delta_rel * abs(last)):
            reports.append((at, watts))
            last = watts
        last_at = at
    return reports


def write_csv_gz(path: Path, reports: Sequence[Report]) -> None:
    """Write the wide CSV, gzipped reproducibly (no name or time in the gzip header)."""
    lines = ["time,compressor_power"]
    for at, watts in reports:
        when = datetime.fromtimestamp(at, BERLIN).isoformat()
        lines.append(f"{when},{'unavailable' if watts is None else f'{watts:g}'}")
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
        io.TextIOWrapper(packed, encoding="utf-8", newline="") as text,
    ):
        text.write("\n".join(lines) + "\n")


def find_days(root: Path) -> dict[tuple[str, str], list[tuple[date, Path]]]:
    """Every (kind, appliance ID) in ``root/complete`` with its days, in order."""
    found: dict[tuple[str, str], list[tuple[date, Path]]] = defaultdict(list)
    for folder, kind in KINDS.items():
        for path in sorted((root / "complete" / folder).glob("*.csv")):
            match = DAY_FILE.match(path.name)
            if match is None or path.stat().st_size == 0:
                continue
            day = datetime.strptime(match["day"], "%Y.%m.%d").date()  # noqa: DTZ007
            found[kind, match["id"]].append((day, path))
    return {key: sorted(days) for key, days in sorted(found.items())}


def convert(root: Path, out: Path, commit: str) -> list[dict[str, object]]:
    """Convert every appliance under ``root`` into ``out``; write and return the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    recordings: list[dict[str, object]] = []
    for (kind, appliance), days in find_days(root).items():
        samples: list[tuple[float, float]] = []
        for _, path in days:
            with path.open(encoding="utf-8") as handle:
                samples.extend(read_day(handle))
        samples.sort(key=lambda sample: sample[0])
        reports = plug_reports(samples)
        name = f"{kind}_{appliance}.csv.gz"
        write_csv_gz(out / name, reports)
        recordings.append(
            {
                "file": name,
                "appliance": appliance,
                "kind": kind,
                "days": len(days),
                "first_day": days[0][0].isoformat(),
                "last_day": days[-1][0].isoformat(),
                "roles": ["compressor_power"],
                "states": sum(watts is not None for _, watts in reports),
                "unavailable": sum(watts is None for _, watts in reports),
                "source_files": [path.relative_to(root).as_posix() for _, path in days],
            }
        )
    manifest = {
        "source": "https://github.com/areinhardt/tracebase",
        "commit": commit,
        "licence": "ODbL-1.0 (database), DbCL-1.0 (contents); see LICENSE and README.md",
        "conversion": "1 s mean W; push on change > max(2 W, 10 %), 0.1 W; unavailable > 10 min",
        "recordings": recordings,
    }
    (out / "recordings.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return recordings


def main(argv: Sequence[str] | None = None) -> int:
    """Run the conversion; print one line per recording."""
    parser = argparse.ArgumentParser(prog="python -m fridge_sim.tracebase", description=__doc__)
    parser.add_argument("source", type=Path, help="a checkout of areinhardt/tracebase")
    parser.add_argument("out", type=Path, help="where the .csv.gz files and manifest go")
    parser.add_argument("--commit", required=True, help="the tracebase commit converted")
    args = parser.parse_args(argv)
    for entry in convert(args.source, args.out, args.commit):
        size = (args.out / str(entry["file"])).stat().st_size
        print(f"{entry['file']:28} {entry['days']:>3} days {entry['states']:>7} states {size:>8} B")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
