"""Tests for device triggers, device conditions and the blueprints, driven by real faults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.components import automation
from homeassistant.components.blueprint import models as blueprint_models
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_get_device_automations,
    async_mock_service,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.fridge_care import device_condition
from custom_components.fridge_care.analysis.model import FaultCode
from custom_components.fridge_care.const import DOMAIN, EVENT_TICKET
from fridge_sim import FaultInjection

from .common import (
    APPLIANCE,
    BLUEPRINTS,
    DOOR_OPEN_AT,
    OPTIONS,
    SENDS_TICKETS,
    SERVICE_DATA,
    SIMULATED,
    SOURCES,
    START,
    VISIT_START,
    FridgeDriver,
    StagedFaults,
    answer,
    door_left_open_samples,
    fridge_device,
    relay_episode,
    sent_tickets,
    settle,
    simulated,
    use_blueprint,
)

WITH_SERVICE = {**APPLIANCE, **SOURCES, **SERVICE_DATA}


async def test_fridge_offers_triggers_and_conditions(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The automation editor lists FridgeCare's triggers and conditions for the fridge."""
    device_id = fridge_device(hass).id
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device_id)
    assert {t["type"] for t in triggers if t["domain"] == DOMAIN} == {
        "fault_detected",
        "fault_cleared",
        "critical_fault_detected",
        "door_left_open",
        "unsafe_temperature",
        "power_outage",
    }
    conditions = await async_get_device_automations(hass, DeviceAutomationType.CONDITION, device_id)
    assert {c["type"] for c in conditions if c["domain"] == DOMAIN} == {
        "is_ok",
        "needs_attention",
        "has_fault",
        "is_learning",
    }


@SIMULATED
async def test_device_trigger_and_condition_run_an_automation(
    hass: HomeAssistant, init_integration: MockConfigEntry, driver: FridgeDriver
) -> None:
    """An automation on "door left open" with "needs attention" runs when the door is left open."""
    calls = async_mock_service(hass, "test", "automation")
    driver.load(door_left_open_samples())
    base = {"device_id": fridge_device(hass).id, "domain": DOMAIN}
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "triggers": [{"trigger": "device", **base, "type": "door_left_open"}],
                    "conditions": [{"condition": "device", **base, "type": "needs_attention"}],
                    "actions": {
                        "action": "test.automation",
                        "data": {"code": "{{ trigger.event.data.code }}"},
                    },
                },
                {
                    "triggers": [{"trigger": "device", **base, "type": "fault_cleared"}],
                    "conditions": [{"condition": "device", **base, "type": "is_learning"}],
                    "actions": {"action": "test.automation", "data": {"code": "cleared"}},
                },
            ]
        },
    )
    await driver.play(until=DOOR_OPEN_AT + 1800)
    assert [call.data["code"] for call in calls] == ["door_left_open"]
    await driver.play()
    assert [call.data["code"] for call in calls] == ["door_left_open", "cleared"]


async def test_condition_without_status_sensor_explains(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A device condition on a fridge whose status sensor was deleted raises a clear error."""
    fridge = fridge_device(hass)
    er.async_get(hass).async_remove("sensor.kitchen_fridge_status")
    check = device_condition.async_condition_from_config(
        hass, {"condition": "device", "domain": DOMAIN, "device_id": fridge.id, "type": "is_ok"}
    )
    with pytest.raises(HomeAssistantError) as error:
        check(hass, {})
    assert error.value.translation_key == "status_sensor_missing"


@SENDS_TICKETS
async def test_booking_drives_an_automation_through_the_device_trigger(
    hass: HomeAssistant,
    staged_faults: StagedFaults,
    init_integration: MockConfigEntry,
    booking_service: dict[str, Any],
) -> None:
    """The fridge offers "a technician was booked", which runs an automation with the visit."""
    device = fridge_device(hass)
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device.id)
    assert {"technician_booked", "approval_needed"} <= {
        t["type"] for t in triggers if t["domain"] == DOMAIN
    }
    calls = async_mock_service(hass, "test", "automation")
    events = async_capture_events(hass, EVENT_TICKET)
    trigger = {"trigger": "device", "device_id": device.id, "domain": DOMAIN}
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: {
                "triggers": [{**trigger, "type": "technician_booked"}],
                "actions": {
                    "action": "test.automation",
                    "data": {"when": "{{ trigger.event.data.visit_start }}"},
                },
            }
        },
    )

    await staged_faults.async_report(hass, init_integration, relay_episode())
    assert [call.data["when"] for call in calls] == [VISIT_START]
    assert events[0].data == {
        "device_id": device.id,
        "config_entry_id": init_integration.entry_id,
        "name": "Kitchen fridge",
        "ticket_id": booking_service["ticket_id"],
        "code": "compressor_start_failure",
        "status": "booked",
        "visit_start": VISIT_START,
        "visit_end": "2023-11-15T17:30:00Z",
        "technician": "Ana García",
        "part": "RLY-PTC-220",
        "notice": answer(booking_service)["notice"],
    }


@pytest.mark.parametrize(
    "name",
    [
        "notify_on_fault.yaml",
        "door_left_open_reminder.yaml",
        "technician_booked.yaml",
        "power_cut_food_check.yaml",
    ],
)
def test_blueprints_are_valid(name: str) -> None:
    """Each blueprint passes Home Assistant's automation blueprint schema."""
    blueprint = blueprint_models.Blueprint(
        load_yaml_dict(BLUEPRINTS / name),
        expected_domain=automation.DOMAIN,
        schema=automation.config.AUTOMATION_BLUEPRINT_SCHEMA,
    )
    assert blueprint.inputs["fridge"]["selector"]["device"]["filter"] == [{"integration": DOMAIN}]
    for other in blueprint.inputs.values():  # every device or entity chosen is FridgeCare's
        for kind in ("device", "entity"):
            for wanted in other["selector"].get(kind, {}).get("filter", [{"integration": DOMAIN}]):
                assert wanted["integration"] == DOMAIN
    assert blueprint.metadata["source_url"] == (
        "https://github.com/fridgecare/fridgecare/blob/main/blueprints/automation/fridge_care/"
        + name
    )


async def _use_blueprint(
    hass: HomeAssistant, config_dir: Path, name: str, inputs: dict[str, Any]
) -> list[ServiceCall]:
    """Add an automation from a blueprint for the loaded fridge; return the notify calls."""
    notify_calls = async_mock_service(hass, "notify", "notify")
    config = use_blueprint(hass, config_dir, name, {"fridge": fridge_device(hass).id, **inputs})
    assert await async_setup_component(hass, automation.DOMAIN, {automation.DOMAIN: [config]})
    return notify_calls


@SIMULATED
async def test_notify_blueprint_acknowledges_from_the_phone(
    hass: HomeAssistant, init_integration: MockConfigEntry, driver: FridgeDriver, tmp_path: Path
) -> None:
    """The fault notification's Acknowledge button silences FridgeCare's own notice."""
    driver.wait_for_all_tasks = False
    driver.load(door_left_open_samples(1.0))
    notifications = await _use_blueprint(
        hass, tmp_path, "notify_on_fault.yaml", {"minimum_severity": "warning"}
    )
    await driver.play(until=DOOR_OPEN_AT + 1800)

    assert len(notifications) == 1
    sent = notifications[0].data
    assert sent["title"] == "Kitchen fridge: Door left open"
    button = sent["data"]["actions"][0]
    assert button["title"] == "Acknowledge"
    notice_id = f"{DOMAIN}_{init_integration.entry_id}_door_left_open"
    assert notice_id in hass.data["persistent_notification"]

    hass.bus.async_fire("mobile_app_notification_action", {"action": button["action"]})
    await driver.settle()
    assert notice_id not in hass.data["persistent_notification"]
    assert init_integration.runtime_data.fridge.acknowledged


@SENDS_TICKETS
@pytest.mark.parametrize("entry_options", [{**OPTIONS, "service_requests": "ask"}])
@pytest.mark.parametrize(("answered", "sent"), [("Send", 1), ("Not now", 0)])
async def test_notify_blueprint_asks_before_a_technician_is_requested(
    hass: HomeAssistant,
    staged_faults: StagedFaults,
    init_integration: MockConfigEntry,
    booking_service: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    tmp_path: Path,
    answered: str,
    sent: int,
) -> None:
    """Ask me first, on the phone: Send requests the technician, Not now leaves it waiting."""
    notifications = await _use_blueprint(hass, tmp_path, "notify_on_fault.yaml", {})
    await staged_faults.async_report(
        hass, init_integration, relay_episode(), parked_automations=True
    )
    asked = [call.data for call in notifications if "technician is needed" in call.data["title"]]
    assert len(asked) == 1
    buttons = {button["title"]: button["action"] for button in asked[0]["data"]["actions"]}
    assert set(buttons) == {"Send", "Not now"}

    hass.bus.async_fire("mobile_app_notification_action", {"action": buttons[answered]})
    await settle(hass, parked_automations=True)
    assert len(sent_tickets(aioclient_mock)) == sent
    expected = "booked" if sent else "awaiting_approval"
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == expected


@SIMULATED
async def test_door_reminder_blueprint_repeats_until_closed(
    hass: HomeAssistant, init_integration: MockConfigEntry, driver: FridgeDriver, tmp_path: Path
) -> None:
    """The reminder repeats while the door stays open and stops once it is shut."""
    driver.wait_for_all_tasks = False
    driver.load(door_left_open_samples(0.5))
    reminders = await _use_blueprint(
        hass,
        tmp_path,
        "door_left_open_reminder.yaml",
        {"remind_every": {"minutes": 10}, "max_reminders": 10},
    )
    await driver.play(until=DOOR_OPEN_AT + 1500)
    assert len(reminders) >= 2
    assert reminders[0].data["title"] == "Kitchen fridge: the door is open"
    count = len(reminders)
    await driver.play()
    assert len(reminders) <= count + 1
    after_close = len(reminders)
    await driver.tick(driver.now + 3600)
    assert len(reminders) == after_close


@SENDS_TICKETS
async def test_technician_booked_blueprint_sends_the_visit_in_the_homes_time(
    hass: HomeAssistant,
    staged_faults: StagedFaults,
    init_integration: MockConfigEntry,
    booking_service: dict[str, Any],
    tmp_path: Path,
) -> None:
    """The homeowner's blueprint forwards the manufacturer's notice with the visit time."""
    await hass.config.async_set_time_zone("Europe/Madrid")
    notifications = await _use_blueprint(hass, tmp_path, "technician_booked.yaml", {})
    await staged_faults.async_report(hass, init_integration, relay_episode())
    assert len(notifications) == 1
    sent = notifications[0].data
    assert sent["title"] == "Kitchen fridge: technician booked"
    assert sent["message"].startswith(answer(booking_service)["notice"])
    assert booking_service["ticket_id"] in sent["message"]
    assert "visit Wed 15 Nov 17:00" in sent["message"]  # 16:00 UTC, in the home's time zone


@SIMULATED
@pytest.mark.parametrize(
    ("cut_h", "title", "told"),
    [
        (7.0, "Kitchen fridge: throw away perishable food", "more than the 2 hours"),
        (2.0, "Kitchen fridge: the food is safe", "stayed at 4 °C or colder"),
    ],
)
async def test_power_cut_blueprint_says_what_to_throw_away(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    driver: FridgeDriver,
    tmp_path: Path,
    cut_h: float,
    title: str,
    told: str,
) -> None:
    """Once the power is back and the fridge cold again, the two-hour rule says what to keep."""
    driver.wait_for_all_tasks = False
    cut_at = START + 4.0 * 3600
    driver.load(
        simulated(0.8, FaultInjection(FaultCode.POWER_OUTAGE, start_h=4.0, duration_h=cut_h))
    )
    messages = await _use_blueprint(
        hass,
        tmp_path,
        "power_cut_food_check.yaml",
        {
            "food_exposure": "sensor.kitchen_fridge_food_safety_exposure",
            "cold_for": {"minutes": 30},
        },
    )
    await driver.play(until=cut_at + (cut_h + 0.5) * 3600)
    assert not messages  # the power is back, but the fridge is not cold yet
    await driver.play()

    assert len(messages) == 1
    sent = messages[0].data
    assert sent["title"] == title
    assert told in sent["message"]
    assert "  " not in sent["message"]
    off_min = int(sent["message"].split("off for about ")[1].split(" min")[0])
    assert abs(off_min - cut_h * 60) <= 45  # the plug's 0 W, noticed within minutes
