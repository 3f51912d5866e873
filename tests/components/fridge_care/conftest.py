"""Fixtures for the FridgeCare integration tests."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from datetime import UTC, datetime
import logging
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.fridge_care.analysis.model import FaultCode, Role
from custom_components.fridge_care.const import (
    CONF_MANUFACTURER,
    CONF_MODEL,
    CONF_NAME,
    CONF_SERIAL_NUMBER,
    DOMAIN,
)
from fridge_sim import FaultInjection, Sample, Scenario, simulate

FRIDGE_TEMP = "sensor.kitchen_fridge_temperature"
FREEZER_TEMP = "sensor.kitchen_freezer_temperature"
AMBIENT_TEMP = "sensor.kitchen_temperature"
POWER = "sensor.fridge_plug_power"
DOOR = "binary_sensor.fridge_door"

APPLIANCE = {
    CONF_NAME: "Kitchen fridge",
    CONF_MANUFACTURER: "Acme",
    CONF_MODEL: "CoolMaster 3000",
    CONF_SERIAL_NUMBER: "SN-0042",
}
SOURCES = {
    "fridge_temp": FRIDGE_TEMP,
    "freezer_temp": FREEZER_TEMP,
    "ambient_temp": AMBIENT_TEMP,
    "compressor_power": POWER,
    "door": DOOR,
}


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
def auto_enable_custom_integrations(enable_custom_integrations: None) -> Generator[None]:
    """Let Home Assistant load custom_components/fridge_care in every test."""
    return


def write_source_states(hass: HomeAssistant) -> None:
    """Give the fridge's sensors a first reading, in the units a typical install reports."""
    hass.states.async_set(
        FRIDGE_TEMP, "3.5", {"unit_of_measurement": "°C", "device_class": "temperature"}
    )
    hass.states.async_set(
        FREEZER_TEMP, "0.5", {"unit_of_measurement": "°F", "device_class": "temperature"}
    )
    hass.states.async_set(
        AMBIENT_TEMP, "21.0", {"unit_of_measurement": "°C", "device_class": "temperature"}
    )
    hass.states.async_set(POWER, "0.09", {"unit_of_measurement": "kW", "device_class": "power"})
    hass.states.async_set(DOOR, "off", {"device_class": "door"})


@pytest.fixture
def source_states(hass: HomeAssistant) -> None:
    """Source sensors with a first reading."""
    write_source_states(hass)


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """Options with a short learning period so tests reach a learned baseline quickly."""
    return {
        "sensitivity": 1.0,
        "fridge_limit_c": 4.4,
        "freezer_limit_c": -12.0,
        "learning_period_h": 24.0,
        "notify": ["cooling", "compressor", "defrost", "door", "sensors", "power"],
    }


@pytest.fixture
def config_entry(entry_options: dict[str, Any]) -> MockConfigEntry:
    """A fridge entry with every source sensor chosen."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=APPLIANCE[CONF_NAME],
        unique_id="acme:sn-0042",
        data={**APPLIANCE, **SOURCES},
        options=entry_options,
    )


def fridge_device(hass: HomeAssistant) -> dr.DeviceEntry:
    """The test fridge's device, found by its identifier (the entry's unique id)."""
    (device,) = dr.async_get(hass).async_get_devices(identifiers={(DOMAIN, "acme:sn-0042")})
    return device


ROLE_ENTITIES = {
    Role.FRIDGE_TEMP: (FRIDGE_TEMP, {"unit_of_measurement": "°C", "device_class": "temperature"}),
    Role.FREEZER_TEMP: (FREEZER_TEMP, {"unit_of_measurement": "°F", "device_class": "temperature"}),
    Role.AMBIENT_TEMP: (AMBIENT_TEMP, {"unit_of_measurement": "°C", "device_class": "temperature"}),
    Role.COMPRESSOR_POWER: (POWER, {"unit_of_measurement": "kW", "device_class": "power"}),
    Role.DOOR: (DOOR, {"device_class": "door"}),
}


def as_state(role: Role, value: float | None) -> str:
    """Render a simulator reading the way the source integration would report it."""
    if value is None:
        return STATE_UNAVAILABLE
    if role is Role.DOOR:
        return STATE_ON if value >= 0.5 else STATE_OFF
    if role is Role.FREEZER_TEMP:
        return f"{value * 9 / 5 + 32:.2f}"  # this freezer sensor reports °F
    if role is Role.COMPRESSOR_POWER:
        return f"{value / 1000:.4f}"  # and this plug reports kW
    return f"{value:.2f}"


def set_source(hass: HomeAssistant, role: Role, value: float | None) -> None:
    """Write one simulated reading to its source entity."""
    entity_id, attributes = ROLE_ENTITIES[role]
    hass.states.async_set(entity_id, as_state(role, value), attributes)


class FridgeDriver:
    """Plays a simulated fridge into Home Assistant while moving the clock.

    Sources change as the simulator says; the clock jumps to each sample, and every
    ``evaluate_every`` seconds the pending timers (the monitor's evaluation) are fired.
    """

    def __init__(
        self, hass: HomeAssistant, freezer: FrozenDateTimeFactory, evaluate_every: float = 600.0
    ) -> None:
        self.hass = hass
        self.freezer = freezer
        self.evaluate_every = evaluate_every
        self.now = START
        self._samples: list[Sample] = []
        self._next = 0
        # Automations parked in a wait_for_trigger keep a task open, which would make
        # hass.async_block_till_done() wait forever on a frozen clock; such tests settle by
        # letting the loop spin instead.
        self.wait_for_all_tasks = True

    async def settle(self) -> None:
        """Let pending callbacks and tasks run."""
        if self.wait_for_all_tasks:
            await self.hass.async_block_till_done()
        else:
            for _ in range(100):
                await asyncio.sleep(0)

    def load(self, samples: list[Sample]) -> None:
        """Queue a simulation to play."""
        self._samples = samples
        self._next = 0

    async def start_at(self, at: float) -> None:
        """Set the clock to the simulation's start."""
        self.freezer.move_to(datetime.fromtimestamp(at, UTC))
        self.now = at

    async def tick(self, to: float) -> None:
        """Let the fed states reach the monitor, then move the clock to ``to`` and run timers."""
        await self.settle()
        self.freezer.move_to(datetime.fromtimestamp(to, UTC))
        self.now = to
        async_fire_time_changed(self.hass)
        await self.settle()

    async def play(self, until: float | None = None) -> None:
        """Feed the queued samples up to ``until`` (all by default), evaluating as time passes.

        The clock ends at ``until`` (or a minute after the last sample); a later call carries
        on with the rest.
        """
        next_evaluation = self.now + self.evaluate_every
        while self._next < len(self._samples):
            sample = self._samples[self._next]
            if until is not None and sample.at > until:
                break
            while sample.at >= next_evaluation:
                await self.tick(next_evaluation)
                next_evaluation += self.evaluate_every
            self.freezer.move_to(datetime.fromtimestamp(sample.at, UTC))
            self.now = sample.at
            set_source(self.hass, sample.role, sample.value)
            self._next += 1
        await self.tick(until if until is not None else self.now + 61.0)


@pytest.fixture
def driver(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> FridgeDriver:
    """A driver for simulated fridges."""
    return FridgeDriver(hass, freezer)


def simulated(days: float, *faults: FaultInjection, seed: int = 1, **kwargs: Any) -> list[Sample]:
    """Simulate a fridge with every sensor for ``days``, starting at START."""
    return simulate(Scenario(seed=seed, days=days, start=START, faults=faults, **kwargs))


START = 1_700_000_000.0


async def set_up_fridge(hass: HomeAssistant, entry: MockConfigEntry, driver: FridgeDriver) -> None:
    """Start the clock at the simulation's start and load the fridge's entry."""
    await driver.start_at(START)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


DOOR_OPEN_AT = START + 4.0 * 3600


def door_left_open_samples(open_h: float = 1.0) -> list[Sample]:
    """Half a day of a fridge whose door is left open four hours in, for ``open_h`` hours."""
    return simulated(0.5, FaultInjection(FaultCode.DOOR_LEFT_OPEN, start_h=4.0, duration_h=open_h))


@pytest.fixture
async def door_left_open(
    hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver
) -> MockConfigEntry:
    """A loaded fridge whose door was left open 30 minutes ago (and is shut an hour after)."""
    driver.load(
        simulated(0.5, FaultInjection(FaultCode.DOOR_LEFT_OPEN, start_h=4.0, duration_h=1.0))
    )
    await set_up_fridge(hass, config_entry, driver)
    await driver.play(until=DOOR_OPEN_AT + 1800)
    assert hass.states.get("binary_sensor.kitchen_fridge_door_problem").state == "on"
    return config_entry


BLUEPRINTS = Path(__file__).parents[3] / "blueprints" / "automation" / "fridge_care"


def use_blueprint(
    hass: HomeAssistant, config_dir: Path, name: str, inputs: dict[str, Any]
) -> dict[str, Any]:
    """Install the repository's blueprints in a config folder and return an automation using one."""
    hass.config.config_dir = str(config_dir)
    target = config_dir / "blueprints" / "automation" / "fridge_care"
    target.mkdir(parents=True)
    for path in BLUEPRINTS.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return {"use_blueprint": {"path": f"fridge_care/{name}", "input": inputs}}
