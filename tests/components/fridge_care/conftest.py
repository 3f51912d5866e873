"""Fixtures for the FridgeCare integration tests (helpers and constants are in ``common``)."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from datetime import UTC, datetime
import logging
from typing import Any
from unittest.mock import PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from syrupy.assertion import SnapshotAssertion

from custom_components.fridge_care import PLATFORMS
from custom_components.fridge_care.analysis.engine import Engine
from custom_components.fridge_care.analysis.model import FaultEpisode, HealthReport
from custom_components.fridge_care.const import DOMAIN

from .common import (
    APPLIANCE,
    FIRST_READINGS,
    OPTIONS,
    SERVICE_DATA,
    SOURCES,
    START,
    STATUS_URLS,
    TICKETS_URL,
    FridgeDriver,
    StagedFaults,
    answer,
    async_setup_integration,
    report_with,
    simulated,
    ticket_of,
    write_source_states,
)


class _DeprecationReports(logging.Handler):
    """Collects what Home Assistant logs when code uses something it deprecated."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.name == "homeassistant.helpers.frame" or "deprecated" in message.lower():
            self.reports.append(f"{record.name}: {message}")


@pytest.fixture(autouse=True)
def fail_on_deprecation() -> Generator[None]:
    """Fail any test during which Home Assistant reports a deprecated use, so the next is seen."""
    handler = _DeprecationReports()
    logging.getLogger().addHandler(handler)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(handler)
    assert not handler.reports, "Home Assistant reported deprecated use:\n" + "\n".join(
        handler.reports
    )


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/fridge_care in every test."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots that leave out what changes every run (ids, contexts), as core's tests do.

    The test harness declares the same fixture, but syrupy's own, registered later, wins.
    """
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create every entity enabled, the disabled-by-default ones too (for snapshots)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """The owner's options: every fault family notified, a day of learning."""
    return OPTIONS


@pytest.fixture
def entry_data() -> dict[str, Any]:
    """The fridge: the appliance and every source sensor (modules with tickets add a service)."""
    return {**APPLIANCE, **SOURCES}


@pytest.fixture
def config_entry(entry_data: dict[str, Any], entry_options: dict[str, Any]) -> MockConfigEntry:
    """The fridge's config entry, not loaded."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=entry_data["name"],
        unique_id="acme:sn-0042",
        data=entry_data,
        options=entry_options,
    )


@pytest.fixture
def initial_readings() -> dict[str, str]:
    """The sensors' readings before the fridge is set up (a simulation starts with none)."""
    return FIRST_READINGS


@pytest.fixture
def platforms() -> list[Platform]:
    """The platforms to load (a snapshot module loads one)."""
    return PLATFORMS


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    initial_readings: dict[str, str],
    platforms: list[Platform],
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> MockConfigEntry:
    """The fridge, loaded at START with its sensors' first readings.

    Its HTTP session is the mocked one: a test tells ``aioclient_mock`` how the service answers.
    """
    freezer.move_to(datetime.fromtimestamp(START, UTC))
    write_source_states(hass, initial_readings)
    with patch("custom_components.fridge_care.PLATFORMS", platforms):
        await async_setup_integration(hass, config_entry)
    return config_entry


@pytest.fixture
def source_states(hass: HomeAssistant) -> None:
    """The sensors' first readings, for tests that do not load the fridge themselves."""
    write_source_states(hass)


@pytest.fixture
def registered_sources(hass: HomeAssistant) -> er.EntityRegistry:
    """The source sensors, registered as a real integration would."""
    registry = er.async_get(hass)
    for entity_id in SOURCES.values():
        domain, object_id = entity_id.split(".")
        registry.async_get_or_create(domain, "zigbee", object_id, suggested_object_id=object_id)
    return registry


@pytest.fixture
def driver(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> FridgeDriver:
    """A driver for simulated fridges (load the fridge with ``initial_readings`` empty)."""
    return FridgeDriver(hass, freezer)


@pytest.fixture
async def learned(
    hass: HomeAssistant, init_integration: MockConfigEntry, driver: FridgeDriver
) -> MockConfigEntry:
    """A simulated fridge that has finished learning (a day and a bit)."""
    driver.load(simulated(1.1))
    await driver.play()
    assert hass.states.get("sensor.kitchen_fridge_status").state == "ok"
    return init_integration


@pytest.fixture
def staged_faults() -> Generator[StagedFaults]:
    """Make each evaluation report the faults the test stages, instead of the engine's verdict.

    For tests of what the integration does with a fault, independent of how it is detected.
    """
    staged = StagedFaults()
    previous: list[tuple[FaultEpisode, ...]] = [()]

    def evaluate(
        engine: Engine, readings: list[Any], now: float, snapshot: bool
    ) -> tuple[HealthReport, None]:
        active, before = tuple(staged), previous[0]
        previous[0] = active
        report = replace(
            report_with(*active, time_to_unsafe_s=staged.time_to_unsafe_s),
            at=now,
            detected=tuple(episode for episode in active if episode not in before),
            cleared=tuple(episode for episode in before if episode not in active),
        )
        return report, None

    with patch("custom_components.fridge_care.coordinator.evaluate", evaluate):
        yield staged


@pytest.fixture
def service_entry_data() -> dict[str, Any]:
    """A fridge whose tickets go to the manufacturer's service."""
    return {**APPLIANCE, **SOURCES, **SERVICE_DATA}


@pytest.fixture
def booking_service(aioclient_mock: AiohttpClientMocker) -> dict[str, Any]:
    """The mocked service books the relay failure's ticket (and shows it when looked up)."""
    booked = ticket_of()
    aioclient_mock.post(TICKETS_URL, status=201, json=answer(booked))
    aioclient_mock.get(STATUS_URLS, json=answer(booked))
    return booked
