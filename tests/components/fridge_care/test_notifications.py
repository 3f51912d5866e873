"""Tests for telling the owner about a fault: one notification per fault, kept up to date.

What happens next with a ticket (booked, dispatched, refused, awaiting approval) is told by the
same notification; those stories are tested with the tickets (``test_tickets``).
"""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.fridge_care.analysis.model import FaultCode
from custom_components.fridge_care.const import DOMAIN

from .common import (
    OPTIONS,
    StagedFaults,
    async_setup_integration,
    episode_of,
    fault_notification,
    relay_episode,
    settle,
)

DOOR = episode_of(FaultCode.DOOR_LEFT_OPEN)
DOOR_PROBLEM = "binary_sensor.kitchen_fridge_door_problem"


@pytest.fixture
async def fridge(
    hass: HomeAssistant, staged_faults: StagedFaults, init_integration: MockConfigEntry
) -> MockConfigEntry:
    """The fridge, loaded, reporting whatever faults the test stages."""
    return init_integration


async def _minutes_later(hass: HomeAssistant, freezer: FrozenDateTimeFactory, minutes: int) -> None:
    """Let the fridge evaluate minute by minute."""
    for _ in range(minutes):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await settle(hass)


async def test_one_notification_per_fault_gone_when_it_clears(
    hass: HomeAssistant, fridge: MockConfigEntry, staged_faults: StagedFaults
) -> None:
    """A fault raises its notification once; re-evaluations leave it be; clearing takes it down."""
    await staged_faults.async_report(hass, fridge, DOOR)
    notice = fault_notification(hass, fridge, "door_left_open")
    assert notice is not None
    assert notice["title"] == "Kitchen fridge: the door has been left open"
    assert notice["message"].endswith(
        "**What happens next:** close the door. This notice disappears as soon as it is closed."
    )
    shown_at = notice["created_at"]
    await staged_faults.async_report(hass, fridge, DOOR)
    assert fault_notification(hass, fridge, "door_left_open")["created_at"] == shown_at

    await staged_faults.async_report(hass, fridge)
    assert fault_notification(hass, fridge, "door_left_open") is None


async def test_notices_speak_the_owners_language(
    hass: HomeAssistant, staged_faults: StagedFaults, config_entry: MockConfigEntry
) -> None:
    """With Home Assistant in Spanish, the fault notice is in Spanish, the part too."""
    hass.config.language = "es"
    await async_setup_integration(hass, config_entry)
    await staged_faults.async_report(hass, config_entry, DOOR, relay_episode())
    door = fault_notification(hass, config_entry, "door_left_open")
    assert door is not None
    assert door["title"] == "Kitchen fridge: la puerta se ha quedado abierta"
    assert "cierra la puerta" in door["message"].lower()
    relay = fault_notification(hass, config_entry, "compressor_start_failure")
    assert relay is not None
    assert "relé de arranque o el protector térmico del compresor" in relay["message"]
    assert "relay" not in relay["message"]


async def test_a_stuck_sensor_notice_asks_the_owner_to_check_the_fridge_runs(
    hass: HomeAssistant, fridge: MockConfigEntry, staged_faults: StagedFaults
) -> None:
    """A plug frozen at its standby looks, from the plug, like a compressor that no longer
    starts: the owner is told to check the fridge is running and cold, not only the sensor."""
    await staged_faults.async_report(hass, fridge, episode_of(FaultCode.SENSOR_FAULT))
    notice = fault_notification(hass, fridge, "sensor_fault")
    assert notice is not None
    assert "check the sensor's battery and position" in notice["message"]
    assert "check that the fridge is running and cold" in notice["message"]


@pytest.mark.parametrize("entry_options", [{**OPTIONS, "notify": ["cooling"]}])
async def test_unwanted_families_are_not_notified(
    hass: HomeAssistant, fridge: MockConfigEntry, staged_faults: StagedFaults
) -> None:
    """A door fault still shows on the entities and the event, but raises no notification."""
    await staged_faults.async_report(hass, fridge, DOOR)
    assert hass.states.get(DOOR_PROBLEM).state == "on"
    assert (
        hass.states.get("event.kitchen_fridge_fault").attributes["event_type"] == "door_left_open"
    )
    assert fault_notification(hass, fridge, "door_left_open") is None


async def test_acknowledge_silences_then_reminds(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Acknowledging hides the notice for a while; the fault itself stays visible."""
    await staged_faults.async_report(hass, fridge, DOOR)
    assert fault_notification(hass, fridge, "door_left_open") is not None

    response = await hass.services.async_call(
        DOMAIN,
        "acknowledge",
        {"config_entry_id": fridge.entry_id, "code": "door_left_open", "duration": {"minutes": 15}},
        blocking=True,
        return_response=True,
    )
    assert response == {"acknowledged": ["door_left_open"]}
    assert fault_notification(hass, fridge, "door_left_open") is None
    assert hass.states.get(DOOR_PROBLEM).state == "on"

    await _minutes_later(hass, freezer, 10)  # still silenced 10 minutes later
    assert fault_notification(hass, fridge, "door_left_open") is None
    await _minutes_later(hass, freezer, 10)  # 20 minutes later: told again
    assert fault_notification(hass, fridge, "door_left_open") is not None


async def test_acknowledge_all_active_faults(
    hass: HomeAssistant, fridge: MockConfigEntry, staged_faults: StagedFaults
) -> None:
    """Without a code, every active fault is silenced (4 hours by default), across a reload."""
    await staged_faults.async_report(hass, fridge, DOOR, relay_episode())
    response = await hass.services.async_call(
        DOMAIN,
        "acknowledge",
        {"config_entry_id": fridge.entry_id},
        blocking=True,
        return_response=True,
    )
    assert response == {"acknowledged": ["compressor_start_failure", "door_left_open"]}
    assert fault_notification(hass, fridge, "door_left_open") is None
    acknowledged = fridge.runtime_data.fridge.acknowledged
    until = acknowledged[FaultCode.DOOR_LEFT_OPEN]
    assert until == pytest.approx(
        fridge.runtime_data.fridge.data.at + timedelta(hours=4).total_seconds(), abs=1
    )

    assert await hass.config_entries.async_reload(fridge.entry_id)
    await settle(hass)
    assert FaultCode.DOOR_LEFT_OPEN in fridge.runtime_data.fridge.acknowledged
    assert fault_notification(hass, fridge, "door_left_open") is None


async def test_a_notice_from_before_a_reload_goes_when_the_fault_clears(
    hass: HomeAssistant, fridge: MockConfigEntry, staged_faults: StagedFaults
) -> None:
    """An options change while the door is open must not leave its notice up for good."""
    await staged_faults.async_report(hass, fridge, DOOR)
    hass.config_entries.async_update_entry(
        fridge, options={**fridge.options, "notify": ["cooling"]}
    )
    assert await hass.config_entries.async_reload(fridge.entry_id)
    await settle(hass)
    await staged_faults.async_report(hass, fridge)
    assert hass.states.get(DOOR_PROBLEM).state == "off"
    assert fault_notification(hass, fridge, "door_left_open") is None


async def test_unloading_takes_notices_down_and_setup_raises_them_again(
    hass: HomeAssistant, fridge: MockConfigEntry, staged_faults: StagedFaults
) -> None:
    """A disabled fridge shows no faults; loaded again, a fault still on is shown again."""
    await staged_faults.async_report(hass, fridge, DOOR)
    assert await hass.config_entries.async_unload(fridge.entry_id)
    await settle(hass)
    assert fault_notification(hass, fridge, "door_left_open") is None

    assert await hass.config_entries.async_setup(fridge.entry_id)
    await settle(hass)
    assert hass.states.get(DOOR_PROBLEM).state == "on"
    assert fault_notification(hass, fridge, "door_left_open") is not None


@pytest.mark.parametrize(
    ("time_to_unsafe_s", "said"),
    [
        (5400.0, "the fridge compartment passes 4.4 °C at about 11:30;"),  # 10:32 UTC, to 5 min
        (0.0, "the fridge compartment is above 4.4 °C now;"),
        (None, None),
    ],
)
async def test_the_notice_says_when_the_food_passes_its_limit_in_home_time(
    hass: HomeAssistant,
    fridge: MockConfigEntry,
    staged_faults: StagedFaults,
    freezer: FrozenDateTimeFactory,
    time_to_unsafe_s: float | None,
    said: str | None,
) -> None:
    """The estimate the sensor and the ticket carry, in the notice too: no "4 hours" beside it."""
    await hass.config.async_set_time_zone("Europe/Madrid")
    freezer.move_to("2023-11-15T09:02:00+00:00")
    staged_faults.time_to_unsafe_s = time_to_unsafe_s
    await staged_faults.async_report(hass, fridge, relay_episode())
    message = fault_notification(hass, fridge, "compressor_start_failure")["message"]
    assert "4 hours" not in message
    if said is None:
        assert "FridgeCare's estimate" not in message
    else:
        assert f"Keep the door shut. FridgeCare's estimate: {said}" in message
        assert "more than 2 hours should be thrown away" in message
