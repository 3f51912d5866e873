"""What the FridgeCare tests share besides fixtures: the test fridge, its service, helpers."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import replace
from datetime import UTC, datetime
import json
from pathlib import Path
import re
import shutil
from typing import Any

from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import persistent_notification
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from standardwebhooks import Webhook

from custom_components.fridge_care.analysis.catalog import CATALOG
from custom_components.fridge_care.analysis.model import (
    FaultCode,
    FaultEpisode,
    HealthReport,
    Role,
    Status,
)
from custom_components.fridge_care.const import DOMAIN
from custom_components.fridge_care.tickets.payload import Appliance, Customer, build_ticket
from fridge_sim import FaultInjection, Sample, Scenario, simulate
from tests.ticket_samples import relay_failure
from webhook_server.contract import TICKET, TICKET_STATE

START = 1_700_000_000.0
"""Every test starts its clock here (2023-11-14 22:13:20 UTC)."""

FRIDGE_TEMP = "sensor.kitchen_fridge_temperature"
FREEZER_TEMP = "sensor.kitchen_freezer_temperature"
AMBIENT_TEMP = "sensor.kitchen_temperature"
POWER = "sensor.fridge_plug_power"
DOOR = "binary_sensor.fridge_door"

APPLIANCE = {
    "name": "Kitchen fridge",
    "manufacturer": "Acme",
    "model": "CoolMaster 3000",
    "serial_number": "SN-0042",
}
SOURCES = {
    "fridge_temp": FRIDGE_TEMP,
    "freezer_temp": FREEZER_TEMP,
    "ambient_temp": AMBIENT_TEMP,
    "compressor_power": POWER,
    "door": DOOR,
}
ROLE_ENTITIES = {
    Role.FRIDGE_TEMP: (FRIDGE_TEMP, {"unit_of_measurement": "°C", "device_class": "temperature"}),
    Role.FREEZER_TEMP: (FREEZER_TEMP, {"unit_of_measurement": "°F", "device_class": "temperature"}),
    Role.AMBIENT_TEMP: (AMBIENT_TEMP, {"unit_of_measurement": "°C", "device_class": "temperature"}),
    Role.COMPRESSOR_POWER: (POWER, {"unit_of_measurement": "kW", "device_class": "power"}),
    Role.DOOR: (DOOR, {"device_class": "door"}),
}
"""Each source entity with the attributes a typical install reports (a °F freezer, a kW plug)."""
FIRST_READINGS = {
    FRIDGE_TEMP: "3.5",
    FREEZER_TEMP: "0.5",
    AMBIENT_TEMP: "21.0",
    POWER: "0.09",
    DOOR: STATE_OFF,
}

OPTIONS = {
    "sensitivity": 1.0,
    "fridge_limit_c": 4.4,
    "freezer_limit_c": -12.0,
    "learning_period_h": 24.0,  # short, so tests reach a learned baseline quickly
    "notify": ["cooling", "compressor", "defrost", "door", "sensors", "power"],
}
SECRET = "whsec_" + base64.b64encode(b"fridgecare-test-secret-24b").decode()
SERVICE = "http://service.test"
TICKETS_URL = f"{SERVICE}/api/v1/tickets"
STATUS_URLS = re.compile(rf"{TICKETS_URL}/FC-\w+")
"""Where open tickets are looked up again (every 30 minutes)."""
SERVICE_DATA = {
    "service_url": SERVICE,
    "signing_secret": SECRET,
    "service_zone": "madrid-centro",
    "contact": "+34 600 000 000",
}
VISIT_START = "2023-11-15T16:00:00Z"
WITH_SERVICE = {**APPLIANCE, **SOURCES, **SERVICE_DATA}
SENDS_TICKETS = pytest.mark.parametrize("entry_data", [WITH_SERVICE], ids=["sends tickets"])
"""Mark: the test fridge sends its tickets to the manufacturer's service."""
SIMULATED = pytest.mark.parametrize("initial_readings", [{}], ids=["simulated"])
"""Mark: the sensors have no reading before a simulated fridge's start."""
BLUEPRINTS = Path(__file__).parents[3] / "blueprints" / "automation" / "fridge_care"
DOOR_OPEN_AT = START + 4.0 * 3600


def write_source_states(hass: HomeAssistant, readings: dict[str, str] = FIRST_READINGS) -> None:
    """Give the fridge's sensors a reading, in the units a typical install reports."""
    for entity_id, attributes in ROLE_ENTITIES.values():
        if entity_id in readings:
            hass.states.async_set(entity_id, readings[entity_id], attributes)


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


def simulated(days: float, *faults: FaultInjection, seed: int = 1, **kwargs: Any) -> list[Sample]:
    """Simulate a fridge with every sensor for ``days``, starting at START."""
    return simulate(Scenario(seed=seed, days=days, start=START, faults=faults, **kwargs))


def door_left_open_samples(open_h: float = 1.0) -> list[Sample]:
    """Half a day of a fridge whose door is left open four hours in, for ``open_h`` hours."""
    return simulated(0.5, FaultInjection(FaultCode.DOOR_LEFT_OPEN, start_h=4.0, duration_h=open_h))


class FridgeDriver:
    """Plays a simulated fridge into Home Assistant while moving the clock.

    Sources change as the simulator says; the clock jumps to each sample, and every
    ``evaluate_every`` seconds the pending timers (the fridge's evaluation) are fired.
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
        # waiting for the background tasks alone (the evaluations) instead.
        self.wait_for_all_tasks = True

    async def settle(self) -> None:
        """Let pending callbacks and tasks run, the evaluations in the executor too."""
        await settle(self.hass, parked_automations=not self.wait_for_all_tasks)

    def load(self, samples: list[Sample]) -> None:
        """Queue a simulation to play."""
        self._samples = samples
        self._next = 0

    async def tick(self, to: float) -> None:
        """Let the fed states reach the fridge, then move the clock to ``to`` and run timers."""
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
            entity_id, attributes = ROLE_ENTITIES[sample.role]
            self.hass.states.async_set(entity_id, as_state(sample.role, sample.value), attributes)
            self._next += 1
        await self.tick(until if until is not None else self.now + 61.0)


async def settle(hass: HomeAssistant, *, parked_automations: bool = False) -> None:
    """Let everything started run to its end.

    Evaluations and ticket deliveries are background tasks, which ``async_block_till_done``
    leaves alone unless told. An automation parked in a ``wait_for_trigger`` keeps a task open
    for good on a frozen clock: with ``parked_automations``, only background tasks are awaited.
    """
    if not parked_automations:
        await hass.async_block_till_done(wait_background_tasks=True)
        return
    # Awaited, not slept on: the loop's clock is frozen, so a sleep would never end. What runs
    # in the executor (a plain future among the tasks, unlike a parked automation) is awaited too.
    while True:
        for _ in range(20):
            await asyncio.sleep(0)
        pending = [task for task in hass._background_tasks if not task.done()] + [
            job for job in hass._tasks if not isinstance(job, asyncio.Task) and not job.done()
        ]
        if not pending:
            return
        await asyncio.wait(pending)


async def async_setup_integration(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Load a fridge's entry (the ``init_integration`` fixture, or a test that adds it late)."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)


def fridge_device(hass: HomeAssistant) -> dr.DeviceEntry:
    """The test fridge's device, found by its identifier (the entry's unique id)."""
    (device,) = dr.async_get(hass).async_get_devices(identifiers={(DOMAIN, "acme:sn-0042")})
    return device


def notifications(hass: HomeAssistant) -> dict[str, persistent_notification.Notification]:
    """The persistent notifications on screen, by id."""
    return dict(persistent_notification._async_get_or_create_notifications(hass))


def fault_notification(
    hass: HomeAssistant, entry: MockConfigEntry, code: str
) -> persistent_notification.Notification | None:
    """The notification of one fault of the test fridge, if shown."""
    return notifications(hass).get(f"{DOMAIN}_{entry.entry_id}_{code}")


def fault_message(hass: HomeAssistant, entry: MockConfigEntry, code: str) -> str:
    """The message of one fault's notification, which must be shown."""
    notice = fault_notification(hass, entry, code)
    assert notice is not None, f"no notification for {code}"
    return notice["message"]


def issue(hass: HomeAssistant, entry: MockConfigEntry, name: str) -> ir.IssueEntry | None:
    """The test fridge's repair issue ``name`` (e.g. ``source_removed_ambient_temp``), if raised."""
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{entry.entry_id}_{name}")


async def async_silence(hass: HomeAssistant, driver: FridgeDriver, entity_id: str) -> None:
    """Make a source unavailable for over an hour, with evaluations all along."""
    hass.states.async_set(entity_id, "unavailable")
    await driver.tick(driver.now + 3700)
    await driver.tick(driver.now + 61)


async def async_calendar_events(
    hass: HomeAssistant, entity_id: str, start: str, days: int = 7
) -> list[dict[str, Any]]:
    """The calendar's events from ``start`` (RFC 3339) over ``days``."""
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {"entity_id": entity_id, "start_date_time": start, "duration": {"days": days}},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return list(response[entity_id]["events"])  # type: ignore[call-overload]


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


# --- a fault worth a ticket, and the mocked manufacturer's service --------------------------


def episode_of(code: FaultCode, episode_id: str | None = None) -> FaultEpisode:
    """A confirmed episode of ``code``, as the catalog describes it, detected an hour in."""
    spec = CATALOG[code]
    return FaultEpisode(
        episode_id=episode_id or f"{code.value}-{int(START + 3600)}-1",
        code=code,
        family=spec.family,
        severity=spec.severity,
        confidence=0.9,
        summary=spec.summary,
        component=spec.component,
        part=spec.part,
        ticket_worthy=spec.ticket_worthy,
        onset_at=START + 3000.0,
        detected_at=START + 3600.0,
        confirmed_at=START + 3600.0,
    )


def relay_episode(episode_id: str = "compressor_start_failure-1700003600-1") -> FaultEpisode:
    """A confirmed compressor start failure: a ticket, if the owner allows."""
    episode = relay_failure(episode_id, onset_at=START + 3000.0, detected_at=START + 3600.0)
    return replace(episode, confirmed_at=episode.detected_at)


def report_with(*active: FaultEpisode, time_to_unsafe_s: float | None = 5400.0) -> HealthReport:
    """A health report in which ``active`` are the active faults."""
    return HealthReport(
        at=START + 3600.0,
        status=Status.FAULT if active else Status.OK,
        health_score=20.0 if active else 95.0,
        learning_progress=1.0,
        duty_cycle=0.42,
        starts_per_hour=6.0,
        running_power_w=95.0,
        time_to_unsafe_s=time_to_unsafe_s,
        freezer_time_to_unsafe_s=None,
        food_exposure_s=0.0,
        last_defrost_at=START - 7200.0,
        defrost_interval_s=None,
        energy_24h_kwh=1.3,
        healthy_energy_24h_kwh=1.0,
        active=active,
    )


def ticket_of(episode: FaultEpisode | None = None, language: str = "en") -> dict[str, Any]:
    """The ticket an episode of the test fridge becomes (its id is what the service keys on)."""
    return build_ticket(
        episode or relay_episode(),
        Appliance("Acme", "CoolMaster 3000", "SN-0042"),
        Customer("madrid-centro", language, "+34 600 000 000"),
        time_to_unsafe_s=5400.0,
        version="0.1.0",
    )


def answer(ticket: dict[str, Any], status: str = "booked") -> dict[str, Any]:
    """The service's answer to a ticket, as its contract shapes it."""
    answered = {
        "ticket_id": ticket["ticket_id"],
        "status": status,
        "received_at": "2023-11-14T23:00:00Z",
        "triage": {
            "known_fault": True,
            "component": "compressor start relay",
            "part": "RLY-PTC-220",
            "skill": "sealed_system",
            "deadline": "2023-11-15T23:59:00Z",
        },
        "booking": {
            "technician_id": "tech-ana",
            "technician_name": "Ana García",
            "start": VISIT_START,
            "end": "2023-11-15T17:30:00Z",
            "zone": "madrid-centro",
        }
        if status == "booked"
        else None,
        "notice": f"{ticket['ticket_id']}: Ana García comes at 16:00 to replace RLY-PTC-220.",
    }
    TICKET_STATE(answered)
    return answered


def book_everything(aioclient_mock: AiohttpClientMocker, ticket: dict[str, Any]) -> None:
    """From now on the mocked service books ``ticket`` (and shows it when looked up)."""
    aioclient_mock.clear_requests()
    aioclient_mock.post(TICKETS_URL, status=201, json=answer(ticket))
    aioclient_mock.get(STATUS_URLS, json=answer(ticket))


def sent_tickets(aioclient_mock: AiohttpClientMocker) -> list[dict[str, Any]]:
    """Every ticket posted so far, each checked against the contract and its signature."""
    tickets = []
    for method, url, data, headers in aioclient_mock.mock_calls:
        if method != "POST" or str(url) != TICKETS_URL:
            continue
        signed = {key.lower(): value for key, value in headers.items()}
        # Checked as of when it was signed: a test's clock may have moved on since.
        with freeze_time(datetime.fromtimestamp(int(signed["webhook-timestamp"]), UTC)):
            Webhook(SECRET).verify(data, signed)
        ticket = json.loads(data)
        TICKET(ticket)
        tickets.append(ticket)
    return tickets


class StagedFaults(list[FaultEpisode]):
    """The active faults the fridge reports at each evaluation (the ``staged_faults`` fixture)."""

    time_to_unsafe_s: float | None = 5400.0
    """What the reports say of the food: unsafe in 90 minutes unless a test says otherwise."""

    async def async_report(
        self,
        hass: HomeAssistant,
        entry: MockConfigEntry,
        *active: FaultEpisode,
        parked_automations: bool = False,
    ) -> None:
        """Make these the active faults and have the fridge evaluate now."""
        self[:] = active
        await entry.runtime_data.fridge.async_refresh()
        await settle(hass, parked_automations=parked_automations)
