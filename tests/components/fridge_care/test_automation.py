"""Tests for device triggers, device conditions and the blueprints, driven by real faults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.components import automation
from homeassistant.components.blueprint import models as blueprint_models
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_get_device_automations,
    async_mock_service,
)

from custom_components.fridge_care.const import DOMAIN

from .conftest import (
    BLUEPRINTS,
    DOOR_OPEN_AT,
    FridgeDriver,
    door_left_open_samples,
    fridge_device,
    set_up_fridge,
    use_blueprint,
)


def _fridge_device_id(hass: HomeAssistant) -> str:
    device = fridge_device(hass)
    return device.id


async def test_fridge_offers_triggers_and_conditions(
    hass: HomeAssistant, door_left_open: MockConfigEntry
) -> None:
    """The automation editor lists FridgeCare's triggers and conditions for the fridge."""
    device_id = _fridge_device_id(hass)
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


async def test_device_trigger_and_condition_run_an_automation(
    hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver
) -> None:
    """An automation on "door left open" with "needs attention" runs when the door is left open."""
    calls = async_mock_service(hass, "test", "automation")
    driver.load(door_left_open_samples())
    await set_up_fridge(hass, config_entry, driver)
    device_id = _fridge_device_id(hass)
    base = {"device_id": device_id, "domain": DOMAIN}
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


@pytest.mark.parametrize(
    "name", ["notify_on_fault.yaml", "door_left_open_reminder.yaml", "technician_booked.yaml"]
)
def test_blueprints_are_valid(name: str) -> None:
    """Each blueprint passes Home Assistant's automation blueprint schema."""
    blueprint = blueprint_models.Blueprint(
        load_yaml_dict(BLUEPRINTS / name),
        expected_domain=automation.DOMAIN,
        schema=automation.config.AUTOMATION_BLUEPRINT_SCHEMA,
    )
    assert blueprint.inputs["fridge"]["selector"]["device"]["filter"] == [{"integration": DOMAIN}]


async def _run_blueprint(
    hass: HomeAssistant,
    driver: FridgeDriver,
    config_entry: MockConfigEntry,
    config_dir: Path,
    name: str,
    inputs: dict[str, Any],
    *,
    door_open_h: float,
) -> list[ServiceCall]:
    """Load a door-left-open fridge and an automation from a blueprint; return notify calls."""
    notify_calls = async_mock_service(hass, "notify", "notify")
    driver.wait_for_all_tasks = False
    driver.load(door_left_open_samples(door_open_h))
    await set_up_fridge(hass, config_entry, driver)
    config = use_blueprint(hass, config_dir, name, {"fridge": _fridge_device_id(hass), **inputs})
    assert await async_setup_component(hass, automation.DOMAIN, {automation.DOMAIN: [config]})
    return notify_calls


async def test_notify_blueprint_acknowledges_from_the_phone(
    hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver, tmp_path: Path
) -> None:
    """The fault notification's Acknowledge button silences FridgeCare's own notice."""
    notifications = await _run_blueprint(
        hass,
        driver,
        config_entry,
        tmp_path,
        "notify_on_fault.yaml",
        {"minimum_severity": "warning"},
        door_open_h=1.0,
    )
    await driver.play(until=DOOR_OPEN_AT + 1800)

    assert len(notifications) == 1
    sent = notifications[0].data
    assert sent["title"] == "Kitchen fridge: Door left open"
    button = sent["data"]["actions"][0]
    assert button["title"] == "Acknowledge"
    issue_id = f"{config_entry.entry_id}_door_left_open"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    hass.bus.async_fire("mobile_app_notification_action", {"action": button["action"]})
    await driver.settle()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert config_entry.runtime_data.monitor.acknowledged


async def test_door_reminder_blueprint_repeats_until_closed(
    hass: HomeAssistant, config_entry: MockConfigEntry, driver: FridgeDriver, tmp_path: Path
) -> None:
    """The reminder repeats while the door stays open and stops once it is shut."""
    reminders = await _run_blueprint(
        hass,
        driver,
        config_entry,
        tmp_path,
        "door_left_open_reminder.yaml",
        {"remind_every": {"minutes": 10}, "max_reminders": 10},
        door_open_h=0.5,
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
