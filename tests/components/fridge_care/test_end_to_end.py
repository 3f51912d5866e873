"""End to end: a simulated fridge drives the integration; the owner sees what it tells.

These run the real engine on the simulator (``fridge_sim``), from the sensors' state changes to
the entities, the notification, the bus events and, with a service, the ticket.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.fridge_care.analysis.model import FaultCode
from custom_components.fridge_care.const import EVENT_FAULT
from custom_components.fridge_care.diagnostics import async_get_config_entry_diagnostics
from fridge_sim import FaultInjection

from .common import (
    SENDS_TICKETS,
    SERVICE,
    SERVICE_DATA,
    SIMULATED,
    SOURCES,
    START,
    STATUS_URLS,
    TICKETS_URL,
    FridgeDriver,
    answer,
    door_left_open_samples,
    fault_notification,
    sent_tickets,
    simulated,
    ticket_of,
)

pytestmark = SIMULATED


async def test_door_left_open_is_reported_and_clears(
    hass: HomeAssistant, init_integration: MockConfigEntry, driver: FridgeDriver
) -> None:
    """A door left open shows everywhere the owner looks, and goes away once it is shut.

    It is told by one notification, the entities and the events; it is not a repair issue
    (there is nothing to fix in Home Assistant: close the door).
    """
    events: list[Event] = async_capture_events(hass, EVENT_FAULT)
    driver.load(door_left_open_samples())
    await driver.play(until=START + 4.5 * 3600)
    problem = hass.states.get("binary_sensor.kitchen_fridge_door_problem")
    assert problem.state == "on"
    assert problem.attributes["faults"] == ["door_left_open"]
    fault_event = hass.states.get("event.kitchen_fridge_fault")
    assert fault_event.attributes["event_type"] == "door_left_open"
    assert fault_event.attributes["component"]
    detected = [e.data for e in events if e.data["type"] == "detected"]
    assert [data["code"] for data in detected] == ["door_left_open"]
    assert detected[0]["name"] == "Kitchen fridge"
    assert detected[0]["config_entry_id"] == init_integration.entry_id
    assert detected[0]["episode_id"]
    assert hass.states.get("sensor.kitchen_fridge_status").state in ("attention", "fault")
    assert not ir.async_get(hass).issues  # a fault is not a repair issue
    notice = fault_notification(hass, init_integration, "door_left_open")
    assert notice is not None
    assert notice["title"] == "Kitchen fridge: the door has been left open"
    assert "close the door" in notice["message"]

    await driver.play()
    assert hass.states.get("binary_sensor.kitchen_fridge_door_problem").state == "off"
    assert [e.data["code"] for e in events if e.data["type"] == "cleared"] == ["door_left_open"]
    assert fault_notification(hass, init_integration, "door_left_open") is None


async def test_healthy_fridge_learns_then_reports_ok(
    hass: HomeAssistant, init_integration: MockConfigEntry, driver: FridgeDriver
) -> None:
    """A healthy fridge goes from learning to ok with its figures filled in, and no alarms."""
    events: list[Event] = async_capture_events(hass, EVENT_FAULT)
    assert hass.states.get("sensor.kitchen_fridge_status").state == "no_data"  # no readings yet
    assert hass.states.get("event.kitchen_fridge_fault").state == "unknown"  # nothing at start

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
    diagnostics = await async_get_config_entry_diagnostics(hass, init_integration)
    assert 40.0 < diagnostics["report"]["running_power_w"] < 200.0  # watts, not kilowatts
    assert hass.states.get("sensor.kitchen_fridge_last_defrost").state not in ("unknown", None)
    for family in ("cooling", "compressor", "defrost", "door", "sensors", "power"):
        assert hass.states.get(f"binary_sensor.kitchen_fridge_{family}_problem").state == "off"
    assert hass.states.get("binary_sensor.kitchen_fridge_needs_service").state == "off"
    assert [e.data["code"] for e in events] == []
    assert hass.states.get("event.kitchen_fridge_fault").state == "unknown"


async def test_power_outage_then_food_warming(
    hass: HomeAssistant, init_integration: MockConfigEntry, driver: FridgeDriver
) -> None:
    """An outage is a warning; food passing its limit is critical; both clear with power back."""
    events: list[Event] = async_capture_events(hass, EVENT_FAULT)
    driver.load(simulated(0.6, FaultInjection(FaultCode.POWER_OUTAGE, start_h=4.0)))

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
    notice = fault_notification(hass, init_integration, "unsafe_temperature")
    assert notice is not None
    assert notice["title"] == "Kitchen fridge: food is getting too warm"

    await driver.play()
    assert hass.states.get("binary_sensor.kitchen_fridge_power_problem").state == "off"
    assert "power_outage" in [e.data["code"] for e in events if e.data["type"] == "cleared"]


@SENDS_TICKETS
async def test_simulated_relay_failure_books_a_technician(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    driver: FridgeDriver,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """The story of the product: the relay fails, a ticket goes, the visit shows up."""
    placeholder = answer({**ticket_of(), "ticket_id": "FC-PLACEHOLDER"})
    aioclient_mock.post(TICKETS_URL, status=201, json=placeholder)
    aioclient_mock.get(STATUS_URLS, json=placeholder)
    driver.load(
        simulated(0.5, FaultInjection(FaultCode.COMPRESSOR_START_FAILURE, start_h=3.0), seed=3)
    )
    await driver.play()

    sent = sent_tickets(aioclient_mock)
    assert [ticket["fault"]["code"] for ticket in sent] == ["compressor_start_failure"]
    assert sent[0]["appliance"] == {
        "manufacturer": "Acme",
        "model": "CoolMaster 3000",
        "serial": "SN-0042",
    }
    assert sent[0]["customer"]["zone"] == "madrid-centro"
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "booked"
    assert hass.states.get("calendar.kitchen_fridge_technician_visits").state in ("on", "off")


async def test_a_fault_found_before_tickets_were_set_up_gets_its_ticket(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    driver: FridgeDriver,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """The owner adds the manufacturer's service while the relay fault is on: it is sent."""
    driver.load(
        simulated(0.5, FaultInjection(FaultCode.COMPRESSOR_START_FAILURE, start_h=3.0), seed=3)
    )
    await driver.play(until=START + 5 * 3600)
    assert hass.states.get("binary_sensor.kitchen_fridge_compressor_problem").state == "on"

    placeholder: dict[str, Any] = answer({**ticket_of(), "ticket_id": "FC-PLACEHOLDER"})
    aioclient_mock.get(f"{SERVICE}/api/v1/health", json={"status": "ok"})
    aioclient_mock.post(TICKETS_URL, status=201, json=placeholder)
    aioclient_mock.get(STATUS_URLS, json=placeholder)
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], SOURCES)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], SERVICE_DATA)
    assert result["reason"] == "reconfigure_successful"
    await driver.play(until=START + 5 * 3600 + 120)

    assert [ticket["fault"]["code"] for ticket in sent_tickets(aioclient_mock)] == [
        "compressor_start_failure"
    ]
