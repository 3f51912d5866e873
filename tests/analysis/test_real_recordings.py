"""Real, healthy appliances (tests/data/real/): the engine may raise no ticket on any of them.

The appliances were healthy, so a confirmed, ticket-worthy episode on any recording is a false
ticket. Among them are the cases the first engine failed on: dev_D331DA (16 W standby, 30 W lamp
plateaus), dev_98C08A (long runs, days missing) and dev_D32131 (23-26 W lamp plateaus taken as
failed starts while learning), and dev_D325D9, which never cycles.
"""

from __future__ import annotations

import gzip
import io
from itertools import pairwise
import json
from pathlib import Path

import pytest

from custom_components.fridge_care.analysis.model import Role
from custom_components.fridge_care.analysis.replay import Reading, read_csv
from fridge_sim.real import DATA, Recording, describe, false_tickets, load, main, recordings, run
from fridge_sim.tracebase import plug_reports, read_day, write_csv_gz


def _cases() -> list[object]:
    return [pytest.param(recording, id=recording.name) for recording in recordings()]


@pytest.mark.parametrize("recording", _cases())
def test_no_ticket_on_a_healthy_appliance(recording: Recording) -> None:
    tickets = false_tickets(run(load(recording)))
    assert not tickets, "\n".join(describe(episode) for episode in tickets)


def test_every_recording_is_listed_licensed_and_power_only() -> None:
    found = recordings()
    assert {"tracebase/fridge_98C08A", "tracebase/fridge_D32131"} <= {r.name for r in found}
    assert sum(r.days for r in found if r.name.startswith("tracebase/")) >= 150
    for manifest_path in DATA.glob("*/recordings.json"):
        folder = manifest_path.parent
        assert (folder / "LICENSE").is_file()
        assert (folder / "README.md").is_file()
        entries = json.loads(manifest_path.read_text(encoding="utf-8"))["recordings"]
        assert {p.name for p in folder.glob("*.csv.gz")} == {e["file"] for e in entries}
        for entry in entries:
            with gzip.open(folder / entry["file"], "rt", encoding="utf-8") as handle:
                assert handle.readline().strip() == "time," + ",".join(entry["roles"])
            assert len(entry["source_files"]) == entry["days"]


def test_the_plug_reports_on_change_only_and_goes_unavailable_in_gaps() -> None:
    samples = [(0.0, 0.0), (1.0, 2.0), (2.0, 120.0), (3.0, 125.0), (4.0, 133.0), (5.0, 0.04)]
    samples += [(5.0 + 600.0, 0.0), (2000.0, 0.0), (2001.0, 1.0)]
    assert plug_reports(samples) == [
        (0.0, 0.0),  # first reading
        (2.0, 120.0),  # 2 W is not more than 2 W; 120 W is
        (4.0, 133.0),  # 125 is within 10 % of 120; 133 is not
        (5.0, 0.0),  # rounded to 0.1 W
        (606.0, None),  # 1395 s without a reading: unavailable one second after the last
        (2000.0, 0.0),  # back: the first reading is reported even though it did not change
    ]


def test_day_files_take_berlin_time_across_both_dst_changes() -> None:
    autumn = ["30/10/2011 02:30:00;10;10\r\n", "30/10/2011 02:30:00;11;10\r\n", "\n"]
    autumn += ["30/10/2011 02:10:00;12;12\r\n", "30/10/2011 03:00:00;13;13\r\n"]
    times = [at for at, _ in read_day(autumn)]
    assert [int(b - a) for a, b in pairwise(times)] == [0, 2400, 3000]
    assert read_day(["25/03/2012 01:59:59; 151; 156", "25/03/2012 03:00:00;147;151"]) == [
        (1332637199.0, 151.0),
        (1332637200.0, 147.0),
    ]


def test_converted_files_replay_as_written(tmp_path: Path) -> None:
    path = tmp_path / "fridge_X.csv.gz"
    write_csv_gz(path, [(1332637199.0, 151.0), (1332637200.0, 14.5), (1332637800.0, None)])
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        text = handle.read()
    assert text.splitlines()[1:] == [
        "2012-03-25T01:59:59+01:00,151",
        "2012-03-25T03:00:00+02:00,14.5",
        "2012-03-25T03:10:00+02:00,unavailable",
    ]
    assert read_csv(io.StringIO(text), {}) == [
        Reading(1332637199.0, Role.COMPRESSOR_POWER, 151.0),
        Reading(1332637200.0, Role.COMPRESSOR_POWER, 14.5),
        Reading(1332637800.0, Role.COMPRESSOR_POWER, None),
    ]


def test_results_command_prints_each_recording(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fridge_995DED"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tracebase/fridge_995DED (fridge, 2 days): ")
    assert out.rstrip().endswith("1 recordings, 2 days, 0 false tickets")
