"""End-to-end: a simulated fridge drives the integration and the owner sees the faults."""

from __future__ import annotations

from homeassistant.components import persistent_notification
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.fridge_care.analysis.model import FaultCode
from custom_components.fridge_care.const import DOMAIN, EVENT_FAULT
from custom_components.fridge_care.diagnostics import async_get_config_entry_diagnostics
from fridge_sim import FaultInjection
from tests.ticket_samples import relay_failure

from .conftest import START, FridgeDriver, door_left_open_samples, set_up_fridge, simulated


def _notifications(hass: HomeAssistant) -> dict[str, persistent_notification.Notification]:
    return dict(persistent_notification._async_get_or_create_notifications(hass))


async def test_door_left_open_is_reported_and_clears(
    hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver
) -> None:
    """A door left open shows everywhere the owner looks, and goes away once it is shut."""
    driver.load(door_left_open_samples())
    events: list[Event] = async_capture_events(hass, EVENT_FAULT)
    await set_up_fridge(hass, config_entry, driver)

    await driver.play(until=START + 4.5 * 3600)
    assert hass.states.get("binary_sensor.kitchen_fridge_door_problem").state == "on"
    assert hass.states.get("binary_sensor.kitchen_fridge_door_problem").attributes["faults"] == [
        "door_left_open"
    ]
    fault_event = hass.states.get("event.kitchen_fridge_fault")
    assert fault_event.attributes["event_type"] == "door_left_open"
    assert fault_event.attributes["component"]
    detected = [e.data for e in events if e.data["type"] == "detected"]
    assert [data["code"] for data in detected] == ["door_left_open"]
    assert detected[0]["name"] == "Kitchen fridge"
    assert detected[0]["config_entry_id"] == config_entry.entry_id
    assert detected[0]["episode_id"]
    assert hass.states.get("sensor.kitchen_fridge_status").state in ("attention", "fault")

    issue_id = f"{config_entry.entry_id}_door_left_open"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "door_left_open"
    notice = _notifications(hass)[f"{DOMAIN}_{config_entry.entry_id}_door_left_open"]
    assert notice["title"] == "Kitchen fridge: the door has been left open"
    assert "close the door" in notice["message"]

    await driver.play()
    assert hass.states.get("binary_sensor.kitchen_fridge_door_problem").state == "off"
    assert [e.data["code"] for e in events if e.data["type"] == "cleared"] == ["door_left_open"]
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert f"{DOMAIN}_{config_entry.entry_id}_door_left_open" not in _notifications(hass)


async def test_healthy_fridge_learns_then_reports_ok(
    hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver
) -> None:
    """A healthy fridge goes from learning to ok with its figures filled in, and no alarms."""
    events: list[Event] = async_capture_events(hass, EVENT_FAULT)
    await set_up_fridge(hass, config_entry, driver)
    assert hass.states.get("sensor.kitchen_fridge_status").state == "no_data"  # no readings yet

    driver.load(simulated(1.25))
    await driver.play(until=START + 3600)
    assert hass.states.get("sensor.kitchen_fridge_status").state == "learning"
    await driver.play()
    assert hass.states.get("sensor.kitchen_fridge_status").state == "ok"
    assert float(hass.states.get("sensor.kitchen_fridge_learning_progress").state) == 100.0
    assert float(hass.states.get("sensor.kitchen_fridge_health_score").state) > 50.0
    duty = float(hass.states.get("sensor.kitchen_fridge_compressor_duty_cycle").state)
    assert 10.0 < duty < 90.0
    assert float(hass.states.get("sensor.kitchen_fridge_compressor_starts_per_hour").state) > 0.0
    # The plug reports kW and the freezer °F; both arrive converted (a freezer read as °C
    # would sit far above its -12 °C limit and raise unsafe_temperature).
    diagnostics = await async_get_config_entry_diagnostics(hass, config_entry)
    assert 40.0 < diagnostics["report"]["running_power_w"] < 200.0  # watts, not kilowatts
    assert hass.states.get("sensor.kitchen_fridge_last_defrost").state not in ("unknown", None)
    for family in ("cooling", "compressor", "defrost", "door", "sensors", "power"):
        assert hass.states.get(f"binary_sensor.kitchen_fridge_{family}_problem").state == "off"
    assert [e.data["code"] for e in events] == []


async def test_power_outage_then_food_warming(
    hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver
) -> None:
    """An outage is a warning; food passing its limit is critical; both clear with power back."""
    events: list[Event] = async_capture_events(hass, EVENT_FAULT)
    driver.load(simulated(0.6, FaultInjection(FaultCode.POWER_OUTAGE, start_h=4.0)))
    await set_up_fridge(hass, config_entry, driver)

    await driver.play(until=START + 5.5 * 3600)
    assert hass.states.get("binary_sensor.kitchen_fridge_power_problem").state == "on"
    assert hass.states.get("sensor.kitchen_fridge_status").state == "attention"
    minutes_left = float(hass.states.get("sensor.kitchen_fridge_time_until_fridge_unsafe").state)
    assert 0.0 < minutes_left < 24 * 60  # warming towards the limit

    await driver.play(until=START + 9.0 * 3600)
    assert hass.states.get("binary_sensor.kitchen_fridge_cooling_problem").state == "on"
    assert hass.states.get("sensor.kitchen_fridge_status").state == "fault"
    assert float(hass.states.get("sensor.kitchen_fridge_food_safety_exposure").state) > 0.0
    critical = [e.data for e in events if e.data["severity"] == "critical"]
    assert [data["code"] for data in critical] == ["unsafe_temperature"]
    notices = _notifications(hass)
    assert notices[f"{DOMAIN}_{config_entry.entry_id}_unsafe_temperature"]["title"] == (
        "Kitchen fridge: food is getting too warm"
    )
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"{config_entry.entry_id}_unsafe_temperature"
    )
    assert issue is not None and issue.severity is ir.IssueSeverity.CRITICAL

    await driver.play()
    assert hass.states.get("binary_sensor.kitchen_fridge_power_problem").state == "off"
    assert "power_outage" in [e.data["code"] for e in events if e.data["type"] == "cleared"]


async def test_notices_speak_the_owners_language(
    hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver
) -> None:
    """With Home Assistant in Spanish, the fault notice is in Spanish."""
    hass.config.language = "es"
    driver.load(door_left_open_samples())
    await set_up_fridge(hass, config_entry, driver)
    await driver.play(until=START + 4.5 * 3600)
    notice = _notifications(hass)[f"{DOMAIN}_{config_entry.entry_id}_door_left_open"]
    assert notice["title"] == "Kitchen fridge: la puerta se ha quedado abierta"
    assert "cierra la puerta" in notice["message"].lower()


async def test_a_fault_notice_names_the_part_in_the_owners_language(
    hass: HomeAssistant, config_entry: MockConfigEntry, source_states: None
) -> None:
    """The part to replace is named in Spanish too, not in the engine's English."""
    hass.config.language = "es"
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    episode = relay_failure("relay-1", onset_at=START, detected_at=START + 600.0)
    config_entry.runtime_data.monitor.notices.async_reconcile([episode], {}, START + 600.0)

    notice = _notifications(hass)[f"{DOMAIN}_{config_entry.entry_id}_compressor_start_failure"]
    assert "relé de arranque o el protector térmico del compresor" in notice["message"]
    assert "relay" not in notice["message"]
