"""Tests that nothing a fridge shows outlives its reason: reloads, reconfigures, removal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest.mock import patch

from homeassistant.components import persistent_notification
from homeassistant.components.recorder import Recorder
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.fridge_care import monitor
from custom_components.fridge_care.const import DOMAIN

from .conftest import (
    AMBIENT_TEMP,
    APPLIANCE,
    SOURCES,
    START,
    FridgeDriver,
    set_up_fridge,
    simulated,
    write_source_states,
)
from .test_tickets import (
    SERVICE_DATA,
    STATUS_URLS,
    TICKETS_URL,
    _answer,
    _episode,
    _report,
    _ticket,
)

DOOR_PROBLEM = "binary_sensor.kitchen_fridge_door_problem"


def _notifications(hass: HomeAssistant) -> dict[str, persistent_notification.Notification]:
    return dict(persistent_notification._async_get_or_create_notifications(hass))


def _issue(hass: HomeAssistant, entry: MockConfigEntry, name: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{entry.entry_id}_{name}")


def _door_notice(entry: MockConfigEntry) -> str:
    return f"{DOMAIN}_{entry.entry_id}_door_left_open"


async def _reload_with(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    *,
    data: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
) -> None:
    """Change the entry as its options or reconfigure flow would, then reload it."""
    kwargs: dict[str, Any] = {}
    if data is not None:
        kwargs["data"] = data
    if options is not None:
        kwargs["options"] = options
    hass.config_entries.async_update_entry(entry, **kwargs)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()


# --- fault notices ------------------------------------------------------------------------


async def test_fault_notice_from_before_a_reload_goes_when_the_fault_clears(
    hass: HomeAssistant, door_left_open: MockConfigEntry, driver: FridgeDriver
) -> None:
    """An options change while the door is open must not leave its notice up for good."""
    entry = door_left_open
    assert _issue(hass, entry, "door_left_open") is not None
    assert _door_notice(entry) in _notifications(hass)

    await _reload_with(hass, entry, options={**entry.options, "notify": ["cooling"]})
    await driver.play()
    assert hass.states.get(DOOR_PROBLEM).state == "off"
    assert _issue(hass, entry, "door_left_open") is None
    assert _door_notice(entry) not in _notifications(hass)


async def test_unloading_takes_fault_notices_down_and_setup_raises_them_again(
    hass: HomeAssistant, door_left_open: MockConfigEntry
) -> None:
    """A disabled fridge shows no faults; loaded again, a fault still on is shown again."""
    entry = door_left_open
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert _issue(hass, entry, "door_left_open") is None
    assert _door_notice(entry) not in _notifications(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(DOOR_PROBLEM).state == "on"
    assert _issue(hass, entry, "door_left_open") is not None
    assert _door_notice(entry) in _notifications(hass)


# --- sensor issues ------------------------------------------------------------------------


async def test_silent_sensor_issue_goes_when_the_sensor_is_replaced(
    hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver
) -> None:
    """Swapping a silent sensor for a working one must not leave "gone silent" behind."""
    write_source_states(hass)
    await set_up_fridge(hass, config_entry, driver)
    hass.states.async_set(AMBIENT_TEMP, "unavailable")
    await driver.tick(driver.now + 3700)
    await driver.tick(driver.now + 61)
    assert _issue(hass, config_entry, "source_unavailable_ambient_temp") is not None

    hass.states.async_set("sensor.hall_temperature", "20.0", {"unit_of_measurement": "°C"})
    await _reload_with(
        hass, config_entry, data={**config_entry.data, "ambient_temp": "sensor.hall_temperature"}
    )
    await driver.tick(driver.now + 3700)
    assert _issue(hass, config_entry, "source_unavailable_ambient_temp") is None


def _register_sources(hass: HomeAssistant) -> er.EntityRegistry:
    """Register the source sensors as a real integration would, then give them readings."""
    registry = er.async_get(hass)
    for entity_id in SOURCES.values():
        domain, object_id = entity_id.split(".")
        registry.async_get_or_create(domain, "zigbee", object_id, suggested_object_id=object_id)
    write_source_states(hass)
    return registry


async def _delete_ambient_sensor(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the fridge up, then delete its room sensor the way Home Assistant does."""
    registry = _register_sources(hass)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    registry.async_remove(AMBIENT_TEMP)
    hass.states.async_remove(AMBIENT_TEMP)  # its integration takes the state down with it
    await hass.async_block_till_done()
    assert _issue(hass, entry, "source_removed_ambient_temp") is not None


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda data: {k: v for k, v in data.items() if k != "ambient_temp"}, id="drop"
        ),
        pytest.param(
            lambda data: {**data, "ambient_temp": "sensor.hall_temperature"}, id="replace"
        ),
    ],
)
async def test_deleted_sensor_issue_goes_when_a_reconfigure_settles_it(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    """Reconfiguring without the deleted sensor answers the issue as its fix flow would."""
    await _delete_ambient_sensor(hass, config_entry)
    hass.states.async_set("sensor.hall_temperature", "20.0", {"unit_of_measurement": "°C"})
    await _reload_with(hass, config_entry, data=change(dict(config_entry.data)))
    assert _issue(hass, config_entry, "source_removed_ambient_temp") is None


async def test_deleted_sensor_issue_stays_until_settled(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """A reload that still points at the deleted sensor keeps the issue; the sensor back ends it."""
    await _delete_ambient_sensor(hass, config_entry)
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert _issue(hass, config_entry, "source_removed_ambient_temp") is not None

    er.async_get(hass).async_get_or_create(
        "sensor", "zigbee", "kitchen_temperature", suggested_object_id="kitchen_temperature"
    )
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert _issue(hass, config_entry, "source_removed_ambient_temp") is None


# --- removal ------------------------------------------------------------------------------


async def test_removing_the_fridge_takes_the_manufacturers_answer_down(
    hass: HomeAssistant, source_states: None, aioclient_mock: AiohttpClientMocker
) -> None:
    """The answer about a fridge the owner removed is of no use on screen."""
    booked = _ticket()
    aioclient_mock.post(TICKETS_URL, status=201, json=_answer(booked))
    aioclient_mock.get(STATUS_URLS, json=_answer(booked))
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=APPLIANCE["name"],
        unique_id="acme:sn-0042",
        data={**APPLIANCE, **SOURCES, **SERVICE_DATA},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    outbox = entry.runtime_data.tickets
    assert outbox is not None
    outbox.async_raise(_episode(), _report())
    await hass.async_block_till_done()
    answer_id = f"{DOMAIN}_{entry.entry_id}_ticket"
    assert answer_id in _notifications(hass)

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert answer_id not in _notifications(hass)


# --- a failed first setup -----------------------------------------------------------------


class TestRetryAfterFailedSetup:
    """A first setup that fails must not cost the retry its head start from history."""

    @pytest.fixture(autouse=True)
    def auto_enable_custom_integrations(
        self, recorder_mock: Recorder, enable_custom_integrations: None
    ) -> None:
        """Start the recorder before Home Assistant loads custom integrations."""

    async def test_retry_still_learns_from_recorder_history(
        self, hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver
    ) -> None:
        """The recorder failing once leaves nothing behind that stops the retry's backfill."""
        driver.load(simulated(0.5))
        await driver.start_at(START)
        await driver.play()
        await async_wait_recording_done(hass)

        history = monitor.get_significant_states
        calls = 0

        def busy_once(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise TimeoutError("recorder busy")
            return history(*args, **kwargs)

        with patch.object(monitor, "get_significant_states", busy_once):
            config_entry.add_to_hass(hass)
            await hass.config_entries.async_setup(config_entry.entry_id)
            await hass.async_block_till_done()
            assert config_entry.state is ConfigEntryState.SETUP_RETRY

            assert await hass.config_entries.async_reload(config_entry.entry_id)
            await hass.async_block_till_done()
        assert config_entry.state is ConfigEntryState.LOADED
        progress = float(hass.states.get("sensor.kitchen_fridge_learning_progress").state)
        assert progress == pytest.approx(50.0, abs=5.0)  # 12 of the 24 learning hours
