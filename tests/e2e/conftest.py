"""The end-to-end fixture: the main job, as scripts/develop runs it, in a temporary folder."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
import sys

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from main_job import MainJob, Options, copy_config, free_port  # noqa: E402

FAULT_AFTER_MIN = 1.0
"""The simulated fault comes a minute after start (scripts/develop --fault-after 1)."""
SPEED = 8.0
"""The simulated fridge lives 8 times faster than the clock (scripts/develop --speed 8)."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """Keep each phase's report on the test, so the fixture knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def main_job(request: pytest.FixtureRequest, tmp_path: Path) -> Generator[MainJob]:
    """The real ticket service and the real Home Assistant on a copy of config/, free ports.

    Both are stopped however the test ends; when it fails, their logs are printed.
    """
    config = copy_config(tmp_path)
    options = Options(
        port=free_port(),
        service_port=free_port(),
        fault_after_min=FAULT_AFTER_MIN,
        speed=SPEED,
        config_dir=config,
        state_dir=tmp_path / "state",
        hass_log=tmp_path / "hass-console.log",
    )
    job = MainJob(options)
    try:
        with job.running():
            yield job
    finally:
        report = getattr(request.node, "report_call", None)
        if report is None or report.failed:
            logs = (
                options.hass_log,
                config / "home-assistant.log",
                job.service_dir / "service.log",
            )
            for log in logs:
                if log is not None and log.exists():
                    print(f"\n----- {log} -----\n{log.read_text(errors='replace')[-20000:]}")
