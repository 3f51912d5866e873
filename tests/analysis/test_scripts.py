"""Smoke tests of the evaluation and benchmark behind scripts/evaluate and scripts/bench."""

from __future__ import annotations

import pytest

from custom_components.fridge_care.analysis.model import FaultCode, Role
from fridge_sim import FaultInjection, Scenario
from fridge_sim.bench import main as bench_main
from fridge_sim.evaluation import CLASS_WINDOWS, Job, build_suite, run_job, summarise


def test_suite_is_labelled_and_worth_a_fridge_year() -> None:
    jobs = build_suite(quick=False, seeds=20, healthy_fridges=15, healthy_days=30.0)
    healthy = [j for j in jobs if j.fault is None]
    assert sum(j.scenario.days for j in healthy) >= 365
    assert {j.fault for j in jobs if j.fault} == set(CLASS_WINDOWS)
    assert any(Role.COMPRESSOR_POWER not in j.scenario.roles for j in jobs)
    assert any(Role.DOOR not in j.scenario.roles for j in jobs)
    assert all(j.scenario.outages_per_day > 0 for j in healthy)


def test_outcomes_are_scored_and_summarised() -> None:
    door = Job(
        Scenario(seed=3, days=0.5, faults=(FaultInjection(FaultCode.DOOR_LEFT_OPEN, start_h=4.0),)),
        FaultCode.DOOR_LEFT_OPEN,
    )
    healthy = Job(Scenario(seed=4, days=0.5), None)
    outcomes = [run_job(door), run_job(healthy)]
    assert outcomes[0].delay_h is not None and outcomes[0].delay_h < 0.25
    assert outcomes[1].false_codes == ()
    text = "\n".join(summarise(outcomes))
    assert "false ticket-worthy alarms: 0" in text
    assert "door_left_open" in text


def test_bench_prints_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_main(["--days", "0.05"]) == 0
    out = capsys.readouterr().out
    for section in ("[ingest]", "[evaluate]", "[restore]", "[replay]"):
        assert section in out
    assert "µs" in out
    with pytest.raises(SystemExit):
        bench_main(["nonsense"])
