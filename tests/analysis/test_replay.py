"""The replay command honours its contract: formats, errors naming the line, JSON Lines out."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
import subprocess
import sys

import pytest

from custom_components.fridge_care.analysis.model import EngineConfig, FaultCode, Role
from custom_components.fridge_care.analysis.replay import (
    Reading,
    ReplayError,
    episode_json,
    main,
    parse_mapping,
    parse_time,
    parse_value,
    read_csv,
    replay,
)

ROOT = Path(__file__).resolve().parents[2]


def door_csv(minutes_open: int = 12) -> str:
    lines = ["time,fridge_temp,door"]
    for i in range(90):
        door = ""
        if i == 20:
            door = "on"
        elif i == 20 + minutes_open:
            door = "off"
        lines.append(f"{1_700_000_000 + 60 * i},{3.0 + 0.1 * (i % 2)},{door}")
    return "\n".join(lines) + "\n"


def test_parse_time_accepts_epoch_and_iso_with_offset() -> None:
    assert parse_time("1700000000", 2) == 1_700_000_000.0
    assert parse_time("2023-11-14T22:13:20+00:00", 2) == 1_700_000_000.0
    assert parse_time("2023-11-14T23:13:20+01:00", 2) == 1_700_000_000.0
    assert parse_time("2023-11-14T22:13:20Z", 2) == 1_700_000_000.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yesterday", "line 7: time 'yesterday'"),
        ("2023-11-14T22:13:20", "no UTC offset"),
        ("inf", "finite"),
    ],
)
def test_parse_time_rejects_with_the_line(text: str, message: str) -> None:
    with pytest.raises(ReplayError, match=message):
        parse_time(text, 7)


def test_parse_value() -> None:
    assert parse_value(Role.FRIDGE_TEMP, " 3.5 ", 2) == 3.5
    assert parse_value(Role.COMPRESSOR_POWER, "unavailable", 2) is None
    assert parse_value(Role.FRIDGE_TEMP, "unknown", 2) is None
    assert parse_value(Role.DOOR, "on", 2) == 1.0
    assert parse_value(Role.DOOR, "0", 2) == 0.0
    with pytest.raises(ReplayError, match="line 3: door state 'ajar'"):
        parse_value(Role.DOOR, "ajar", 3)
    with pytest.raises(ReplayError, match="line 4: fridge_temp value 'cold'"):
        parse_value(Role.FRIDGE_TEMP, "cold", 4)
    with pytest.raises(ReplayError, match="finite"):
        parse_value(Role.FRIDGE_TEMP, "inf", 4)


def test_parse_mapping() -> None:
    assert parse_mapping(["sensor.a=fridge_temp", " sensor.b = door"]) == {
        "sensor.a": Role.FRIDGE_TEMP,
        "sensor.b": Role.DOOR,
    }
    with pytest.raises(ReplayError, match="entity_id=role"):
        parse_mapping(["sensor.a"])
    with pytest.raises(ReplayError, match="role must be one of"):
        parse_mapping(["sensor.a=fridge"])


def test_wide_csv_skips_empty_cells_and_sorts() -> None:
    text = "time,fridge_temp,door\n20,3.1,\n10,,open\n30,unavailable,closed\n"
    assert read_csv(io.StringIO(text), {}) == [
        Reading(10.0, Role.DOOR, 1.0),
        Reading(20.0, Role.FRIDGE_TEMP, 3.1),
        Reading(30.0, Role.FRIDGE_TEMP, None),
        Reading(30.0, Role.DOOR, 0.0),
    ]


def test_history_export_uses_the_map() -> None:
    text = (
        "entity_id,state,last_changed\n"
        "sensor.fridge,3.2,2023-11-14T22:13:20.000Z\n"
        "sensor.other,12,2023-11-14T22:13:00.000Z\n"
        "binary_sensor.door,on,2023-11-14T22:13:10.000Z\n"
    )
    mapping = {"sensor.fridge": Role.FRIDGE_TEMP, "binary_sensor.door": Role.DOOR}
    assert read_csv(io.StringIO(text), mapping) == [
        Reading(1_699_999_990.0, Role.DOOR, 1.0),
        Reading(1_700_000_000.0, Role.FRIDGE_TEMP, 3.2),
    ]
    with pytest.raises(ReplayError, match="needs --map"):
        read_csv(io.StringIO(text), {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: the file is empty"),
        ("when,fridge_temp\n", "line 1: header must start with 'time'"),
        ("time,fridge\n", "line 1: unknown column"),
        ("time,door,door\n", "line 1: a column appears twice"),
        ("time,fridge_temp\n1,3\n2,3,4\n", "line 3: expected 2 fields, found 3"),
        ("time,fridge_temp\n1,3\n\n2,warm\n", "line 4: fridge_temp value 'warm'"),
        ("entity_id,state,last_changed\ns.a,1\n", "line 2: expected 3 fields"),
        ('time,fridge_temp\n1,"3\n', "line 2: unexpected end of data"),
    ],
)
def test_malformed_files_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ReplayError, match=message):
        read_csv(io.StringIO(text), {Role.FRIDGE_TEMP.value: Role.FRIDGE_TEMP})


def test_replay_reports_episodes_in_their_final_state() -> None:
    readings = read_csv(io.StringIO(door_csv()), {})
    episodes = replay(readings, EngineConfig(roles=frozenset({Role.FRIDGE_TEMP, Role.DOOR})))
    assert [e.code for e in episodes] == [FaultCode.DOOR_LEFT_OPEN]
    line = episode_json(episodes[0])
    assert line["cleared_at"] is not None
    assert line["detected_at"].endswith("+00:00")
    assert set(line) >= {"code", "detected_at", "severity", "confidence", "summary", "evidence"}
    assert replay([], EngineConfig(roles=frozenset({Role.FRIDGE_TEMP}))) == []


def test_main_writes_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "fridge.csv"
    path.write_text(door_csv(), encoding="utf-8")
    assert main([str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["code"] for line in lines] == ["door_left_open"]


def test_main_replays_a_plug_only_recording(capsys: pytest.CaptureFixture[str]) -> None:
    """The sensor most homes put on a fridge is its plug: a power-only file is replayed."""
    recording = Path(__file__).parents[1] / "data/real/tracebase/fridge_D331DA.csv.gz"
    assert main([str(recording)]) == 0
    episodes = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert not [e for e in episodes if e["ticket_worthy"] and e["confirmed_at"]]


def test_main_refuses_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "door_only.csv"
    path.write_text("time,door\n1,on\n", encoding="utf-8")
    assert main([str(path)]) == 2
    assert "no fridge_temp, freezer_temp or compressor_power" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.csv")]) == 2
    assert main([str(path), "--map", "nonsense"]) == 2
    path.write_text(door_csv(), encoding="utf-8")
    assert main([str(path), "--every", "0"]) == 2
    assert "--every must be positive" in capsys.readouterr().err


def test_main_reads_gzipped_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "fridge.csv.gz"
    path.write_bytes(gzip.compress(door_csv().encode()))
    assert main([str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["code"] for line in lines] == ["door_left_open"]
    path.write_bytes(gzip.compress(door_csv().encode())[:-20])
    assert main([str(path)]) == 2
    assert "replay:" in capsys.readouterr().err
    path.write_bytes(door_csv().encode())
    assert main([str(path)]) == 2


def test_command_runs_from_the_repository_root(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(door_csv(), encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("time,fridge_temp\n1700000000,3.0\nnot-a-time,3.1\n", encoding="utf-8")
    command = [sys.executable, "-m", "custom_components.fridge_care.analysis.replay"]
    done = subprocess.run(
        [*command, str(good)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[0])["code"] == "door_left_open"
    failed = subprocess.run(
        [*command, str(bad)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert failed.returncode == 2
    assert "line 3" in failed.stderr
    assert failed.stdout == ""
