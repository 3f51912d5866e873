"""Tests for forwarding faults to the manufacturer's service: the ticket, its outbox, its sensors.

The service is mocked at the HTTP level, but every ticket sent is checked against the service's
own contract (``webhook_server.contract``) and its signature against the reference
``standardwebhooks`` package, and every mocked answer against the contract's answer schema.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import re
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import automation, persistent_notification
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    async_get_device_automations,
    async_mock_service,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from custom_components.fridge_care.analysis.model import (
    FaultCode,
    FaultEpisode,
    HealthReport,
    Status,
)
from custom_components.fridge_care.const import DOMAIN, EVENT_TICKET
from custom_components.fridge_care.diagnostics import async_get_config_entry_diagnostics
from custom_components.fridge_care.tickets.outbox import (
    FIRST_RETRY_S,
    FOLLOW_UP_INTERVAL,
    TicketOutbox,
)
from custom_components.fridge_care.tickets.payload import (
    Appliance,
    Customer,
    build_ticket,
    notice_language,
    visit_windows,
)
from custom_components.fridge_care.tickets.protocol import secret_key, signature_headers
from fridge_sim import FaultInjection
from tests.ticket_samples import relay_failure
from webhook_server.contract import TICKET, TICKET_STATE

from .conftest import (
    APPLIANCE,
    SOURCES,
    START,
    FridgeDriver,
    fridge_device,
    set_up_fridge,
    simulated,
    use_blueprint,
)

SECRET = "whsec_" + base64.b64encode(b"fridgecare-test-secret-24b").decode()
SERVICE = "http://service.test"
TICKETS_URL = f"{SERVICE}/api/v1/tickets"
STATUS_URLS = re.compile(rf"{TICKETS_URL}/FC-\w+")
"""Where the outbox looks its tickets up again (every 30 minutes)."""
SERVICE_DATA = {
    "service_url": SERVICE,
    "signing_secret": SECRET,
    "service_zone": "madrid-centro",
    "contact": "+34 600 000 000",
}
VISIT_START = "2023-11-15T16:00:00Z"


def _episode(episode_id: str = "compressor_start_failure-1700003600-SN-0042") -> FaultEpisode:
    return relay_failure(episode_id, onset_at=START + 3000.0, detected_at=START + 3600.0)


def _report(time_to_unsafe_s: float | None = 5400.0) -> HealthReport:
    return HealthReport(
        at=START + 3600.0,
        status=Status.FAULT,
        health_score=20.0,
        learning_progress=1.0,
        duty_cycle=None,
        starts_per_hour=6.0,
        running_power_w=None,
        time_to_unsafe_s=time_to_unsafe_s,
        freezer_time_to_unsafe_s=None,
        food_exposure_s=0.0,
        last_defrost_at=None,
    )


def _answer(ticket: dict[str, Any], status: str = "booked") -> dict[str, Any]:
    """The service's answer to a ticket, as its contract shapes it."""
    answer = {
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
    TICKET_STATE(answer)
    return answer


def _sent(aioclient_mock: AiohttpClientMocker) -> list[dict[str, Any]]:
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


def _book_everything(aioclient_mock: AiohttpClientMocker, ticket: dict[str, Any]) -> None:
    aioclient_mock.clear_requests()
    aioclient_mock.post(TICKETS_URL, status=201, json=_answer(ticket))


@pytest.fixture
def service_entry(entry_options: dict[str, Any]) -> MockConfigEntry:
    """A fridge entry whose tickets go to the manufacturer's service."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=APPLIANCE["name"],
        unique_id="acme:sn-0042",
        data={**APPLIANCE, **SOURCES, **SERVICE_DATA},
        options=entry_options,
    )


@pytest.fixture
def ticket(aioclient_mock: AiohttpClientMocker) -> dict[str, Any]:
    """The relay failure's ticket, which the mocked service books (and shows when looked up)."""
    booked = _ticket()
    aioclient_mock.post(TICKETS_URL, status=201, json=_answer(booked))
    aioclient_mock.get(STATUS_URLS, json=_answer(booked))
    return booked


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> TicketOutbox:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    outbox = entry.runtime_data.tickets
    assert outbox is not None
    return outbox


async def _set_up_with_a_fault(hass: HomeAssistant, entry: MockConfigEntry) -> TicketOutbox:
    """Load the fridge, then let it detect a relay failure worth a ticket."""
    outbox = await _set_up(hass, entry)
    outbox.async_raise(_episode(), _report())
    await hass.async_block_till_done()
    return outbox


def _ticket() -> dict[str, Any]:
    return build_ticket(
        _episode(),
        Appliance("Acme", "CoolMaster 3000", "SN-0042"),
        Customer("madrid-centro", "es-ES", "+34 600 000 000"),
        time_to_unsafe_s=5400.0,
        version="0.1.0",
    )


# --- the ticket itself ---------------------------------------------------------------------


def test_ticket_meets_the_service_contract() -> None:
    """A fault episode becomes a ticket the service accepts, in the owner's language."""
    ticket = _ticket()
    TICKET(ticket)
    assert ticket["ticket_id"].startswith("FC-")
    assert ticket["customer"] == {
        "zone": "madrid-centro",
        "language": "es",
        "contact": "+34 600 000 000",
    }
    assert ticket["fault"]["code"] == "compressor_start_failure"
    assert ticket["fault"]["severity"] == "critical"
    assert ticket["fault"]["part"] == "compressor start relay (PTC) and overload protector"
    assert ticket["fault"]["onset_at"] == "2023-11-14T23:03:20Z"
    assert ticket["fault"]["time_to_unsafe_s"] == 5400
    assert ticket["fault"]["evidence"] == {"start_attempts_per_hour": 6.0, "longest_run_s": 2.0}


def test_same_episode_same_ticket_id_other_appliance_other_id() -> None:
    """The ticket id is the idempotency key: stable per episode, distinct per appliance."""
    appliance = Appliance("Acme", "CoolMaster 3000", "SN-0042")
    customer = Customer("madrid-centro", "en")
    first = build_ticket(_episode(), appliance, customer, time_to_unsafe_s=None, version="1")
    again = build_ticket(_episode(), appliance, customer, time_to_unsafe_s=None, version="1")
    other = build_ticket(
        _episode(),
        Appliance("Acme", "CoolMaster 3000", "SN-0043"),
        customer,
        time_to_unsafe_s=None,
        version="1",
    )
    assert first["ticket_id"] == again["ticket_id"] != other["ticket_id"]
    assert first["fault"]["time_to_unsafe_s"] is None
    assert "contact" not in first["customer"]


def test_empty_diagnosis_texts_and_odd_figures_are_left_out() -> None:
    """Texts the contract wants non-empty are omitted when empty; NaN evidence is dropped."""
    episode = _episode()
    bare = FaultEpisode(
        **{**episode.as_dict(), "component": "", "part": ""}
        | {
            "code": episode.code,
            "family": episode.family,
            "severity": episode.severity,
            "evidence": {"ok": 1.0, "broken": float("nan")},
        }
    )
    ticket = build_ticket(
        bare,
        Appliance("Acme", "M", "S"),
        Customer("z", "fr"),
        time_to_unsafe_s=float("inf"),
        version="1",
    )
    TICKET(ticket)
    assert "component" not in ticket["fault"]
    assert "part" not in ticket["fault"]
    assert ticket["fault"]["evidence"] == {"ok": 1.0}
    assert ticket["fault"]["time_to_unsafe_s"] is None
    assert ticket["customer"]["language"] == "en"


def test_preferred_visit_hours_cover_the_coming_week() -> None:
    """Weekday evenings over the next seven days, today's cut to what is left of it."""
    madrid = ZoneInfo("Europe/Madrid")
    now = datetime(2026, 11, 30, 17, 30, tzinfo=madrid)  # a Monday
    windows = visit_windows(now, "16:00:00", "20:00:00", ["mon", "tue", "wed", "thu", "fri"])
    assert [(start.isoformat(), end.isoformat()) for start, end in windows] == [
        ("2026-11-30T17:30:00+01:00", "2026-11-30T20:00:00+01:00"),
        ("2026-12-01T16:00:00+01:00", "2026-12-01T20:00:00+01:00"),
        ("2026-12-02T16:00:00+01:00", "2026-12-02T20:00:00+01:00"),
        ("2026-12-03T16:00:00+01:00", "2026-12-03T20:00:00+01:00"),
        ("2026-12-04T16:00:00+01:00", "2026-12-04T20:00:00+01:00"),
    ]
    late = datetime(2026, 11, 30, 21, 0, tzinfo=madrid)
    assert visit_windows(late, "16:00", "20:00", ["mon"]) == []  # next Monday is 7 days out
    ticket = build_ticket(
        _episode(),
        Appliance("Acme", "M", "S"),
        Customer("madrid-centro", "es", preferred_windows=windows[:2]),
        time_to_unsafe_s=None,
        version="1",
    )
    TICKET(ticket)
    assert ticket["customer"]["preferred_windows"] == [
        {"start": "2026-11-30T16:30:00Z", "end": "2026-11-30T19:00:00Z"},
        {"start": "2026-12-01T15:00:00Z", "end": "2026-12-01T19:00:00Z"},
    ]


@pytest.mark.parametrize(
    ("language", "expected"), [("es", "es"), ("es-419", "es"), ("en-GB", "en"), ("de", "en")]
)
def test_notice_language(language: str, expected: str) -> None:
    """Notices come in Spanish for any Spanish, else in English."""
    assert notice_language(language) == expected


def test_signature_is_standard_webhooks() -> None:
    """The reference implementation accepts the signature; a bad secret is refused early."""
    body = b'{"ticket_id": "FC-1"}'
    headers = signature_headers(SECRET, "FC-1", 1_700_000_000, body)
    assert headers["webhook-id"] == "FC-1"
    with freeze_time(datetime.fromtimestamp(1_700_000_000, UTC)):
        assert Webhook(SECRET).verify(body, headers) == {"ticket_id": "FC-1"}
        with pytest.raises(WebhookVerificationError):
            Webhook(SECRET).verify(body + b" ", headers)
    with pytest.raises(ValueError, match="whsec_"):
        secret_key("not-a-secret")
    with pytest.raises(ValueError, match="base64"):
        secret_key("whsec_!!!")
    with pytest.raises(ValueError, match="16 bytes"):
        secret_key("whsec_" + base64.b64encode(b"short").decode())


# --- the config flow's service step, reconfigure and reauth -------------------------------


async def _flow_at_service_step(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], APPLIANCE)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], SOURCES)
    assert result["step_id"] == "service"
    return str(result["flow_id"])


async def test_service_step_checks_settings_then_the_service(
    hass: HomeAssistant, source_states: None, aioclient_mock: AiohttpClientMocker
) -> None:
    """Bad settings are explained per field; an unreachable service is said so; then it saves."""
    flow_id = await _flow_at_service_step(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"service_url": "ftp://x", "signing_secret": "secret"}
    )
    assert result["errors"] == {
        "service_url": "invalid_url",
        "signing_secret": "invalid_secret",
        "service_zone": "zone_required",
    }

    aioclient_mock.get(f"{SERVICE}/api/v1/health", exc=aiohttp.ClientConnectionError())
    result = await hass.config_entries.flow.async_configure(flow_id, SERVICE_DATA)
    assert result["errors"] == {"base": "cannot_connect"}

    aioclient_mock.clear_requests()
    aioclient_mock.get(f"{SERVICE}/api/v1/health", status=503)
    result = await hass.config_entries.flow.async_configure(flow_id, SERVICE_DATA)
    assert result["errors"] == {"base": "cannot_connect"}

    aioclient_mock.clear_requests()
    aioclient_mock.get(f"{SERVICE}/api/v1/health", json={"status": "ok"})
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**SERVICE_DATA, "service_url": f" {SERVICE} "}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {**APPLIANCE, **SOURCES, **SERVICE_DATA}
    assert result["result"].state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "unknown"


async def test_reconfigure_can_turn_forwarding_off(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Clearing the address stops forwarding and removes the ticket sensors' source."""
    await _set_up(hass, service_entry)
    result = await service_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], SOURCES)
    assert result["step_id"] == "reconfigure_service"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"service_url": "", "signing_secret": SECRET}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert dict(service_entry.data) == {**APPLIANCE, **SOURCES}
    assert service_entry.runtime_data.tickets is None


async def test_refused_signature_asks_for_a_new_secret_and_keeps_the_ticket(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A 401 starts re-authentication; the new secret sends the ticket that waited."""
    aioclient_mock.post(
        TICKETS_URL, status=401, json={"type": "about:blank", "title": "Bad signature"}
    )
    outbox = await _set_up_with_a_fault(hass, service_entry)
    assert outbox.auth_failed
    assert list(outbox.pending) == [_ticket()["ticket_id"]]
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "sending"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]

    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"signing_secret": "whsec_nope"}
    )
    assert result["errors"] == {"signing_secret": "invalid_secret"}

    new_secret = "whsec_" + base64.b64encode(b"fridgecare-rotated-secret").decode()
    aioclient_mock.clear_requests()
    aioclient_mock.get(f"{SERVICE}/api/v1/health", json={"status": "ok"})
    aioclient_mock.post(TICKETS_URL, status=201, json=_answer(_ticket()))
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"signing_secret": new_secret}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    assert service_entry.data["signing_secret"] == new_secret
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "booked"
    posted = [call for call in aioclient_mock.mock_calls if call[0] == "POST"]
    assert len(posted) == 1
    Webhook(new_secret).verify(posted[0][2], {k.lower(): v for k, v in posted[0][3].items()})


async def test_options_ask_for_visit_hours_only_when_tickets_are_sent(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    config_entry: MockConfigEntry,
    entry_options: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    ticket: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Visit hours are checked, saved, and sent with the next ticket as preferred windows."""
    await hass.config.async_set_time_zone("Europe/Madrid")
    freezer.move_to("2026-11-30T16:30:00+00:00")  # Monday 17:30 in Madrid
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert "visit_from" not in result["data_schema"].schema

    await _set_up(hass, service_entry)
    result = await hass.config_entries.options.async_init(service_entry.entry_id)
    assert "visit_from" in result["data_schema"].schema
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**entry_options, "visit_from": "20:00:00", "visit_until": "16:00:00"}
    )
    assert result["errors"] == {"base": "visit_hours"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**entry_options, "visit_from": "16:00:00", "visit_until": "20:00:00", "visit_days": []},
    )
    assert result["errors"] == {"visit_days": "visit_days"}
    hours = {"visit_from": "16:00:00", "visit_until": "20:00:00", "visit_days": ["mon", "tue"]}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**entry_options, **hours}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(service_entry.options) == {**entry_options, **hours}

    outbox = service_entry.runtime_data.tickets
    assert outbox is not None
    outbox.async_raise(_episode(), _report())
    await hass.async_block_till_done()
    assert _sent(aioclient_mock)[0]["customer"]["preferred_windows"] == [
        {"start": "2026-11-30T16:30:00Z", "end": "2026-11-30T19:00:00Z"},
        {"start": "2026-12-01T15:00:00Z", "end": "2026-12-01T19:00:00Z"},
    ]


# --- one fault, one visit --------------------------------------------------------------------


async def test_a_fault_that_comes_back_before_the_visit_books_nothing_more(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    ticket: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The relay fault clears and returns: the booked visit covers it; after the visit, anew.

    The monitor hands over every active fault at every evaluation: each episode is judged once.
    """
    freezer.move_to("2023-11-15T09:00:00+00:00")
    outbox = await _set_up_with_a_fault(hass, service_entry)
    again = _episode("compressor_start_failure-1700039000-SN-0042")
    outbox.async_raise(again, _report())
    await hass.async_block_till_done()
    assert len(_sent(aioclient_mock)) == 1
    assert outbox.latest == ticket["ticket_id"]

    outbox.async_raise(again, _report())  # evaluated again a minute later: still covered
    freezer.move_to("2023-11-15T18:00:00+00:00")  # the visit (16:00-17:30) is over
    outbox.async_raise(_episode("compressor_start_failure-1700071200-SN-0042"), _report())
    await hass.async_block_till_done()
    assert len(_sent(aioclient_mock)) == 2
    assert outbox.latest != ticket["ticket_id"]


async def test_a_ticket_without_a_visit_stays_open_for_a_week(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A dispatcher's ticket covers the fault for a week; old answers are not kept forever."""
    monkeypatch.setattr("custom_components.fridge_care.tickets.outbox.KEPT_TICKETS", 1)
    aioclient_mock.post(TICKETS_URL, status=201, json=_answer(_ticket(), "needs_dispatch"))
    aioclient_mock.get(STATUS_URLS, json=_answer(_ticket(), "needs_dispatch"))
    outbox = await _set_up_with_a_fault(hass, service_entry)
    freezer.tick(timedelta(days=6))
    outbox.async_raise(_episode("compressor_start_failure-1700600000-SN-0042"), _report())
    await hass.async_block_till_done()
    assert len(_sent(aioclient_mock)) == 1

    freezer.tick(timedelta(days=2))
    outbox.async_raise(_episode("compressor_start_failure-1700800000-SN-0042"), _report())
    await hass.async_block_till_done()
    assert len(_sent(aioclient_mock)) == 2
    assert list(outbox.answers) == [outbox.latest]  # only the newest answer is kept


async def test_a_visit_time_without_a_time_zone_is_not_shown_nor_trusted(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A booking with no offset could be any zone's: no visit time, and a week's cover.

    The fault coming back is still judged (no crash, no lost ticket): covered for a week, as a
    ticket without a visit, then ticketed anew.
    """
    freezer.move_to("2023-11-15T09:00:00+00:00")
    answer = _answer(_ticket())
    answer["booking"] = {
        **answer["booking"],
        "start": "2023-11-15T16:00:00",
        "end": "2023-11-15T17:30:00",
    }
    aioclient_mock.post(TICKETS_URL, status=201, json=answer)
    aioclient_mock.get(STATUS_URLS, json=answer)
    outbox = await _set_up_with_a_fault(hass, service_entry)
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "booked"
    visit = hass.states.get("sensor.kitchen_fridge_technician_visit")
    assert visit.state == "unknown"
    assert visit.attributes["technician"] == "Ana García"
    assert "missing timezone" not in caplog.text

    outbox.async_raise(_episode("compressor_start_failure-1700039000-SN-0042"), _report())
    await hass.async_block_till_done()
    assert len(_sent(aioclient_mock)) == 1

    freezer.tick(timedelta(days=8))
    again = _episode("compressor_start_failure-1700730000-SN-0042")
    outbox.async_raise(again, _report())
    await hass.async_block_till_done()
    assert len(_sent(aioclient_mock)) == 2
    assert outbox.answers[outbox.latest]["status"] == "booked"


# --- the outbox: nothing is lost ----------------------------------------------------------


async def test_booked_ticket_shows_the_visit_and_tells_the_owner(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    ticket: dict[str, Any],
) -> None:
    """The service's booking reaches the dashboard and a notification, once per episode."""
    outbox = await _set_up(hass, service_entry)
    outbox.async_raise(_episode(), _report())
    outbox.async_raise(_episode(), _report())  # the same episode again: no second ticket
    await hass.async_block_till_done()

    assert [sent["ticket_id"] for sent in _sent(aioclient_mock)] == [ticket["ticket_id"]]
    state = hass.states.get("sensor.kitchen_fridge_service_ticket")
    assert state.state == "booked"
    assert state.attributes["ticket_id"] == ticket["ticket_id"]
    assert state.attributes["technician"] == "Ana García"
    assert state.attributes["part"] == "RLY-PTC-220"
    assert "comes at 16:00" in state.attributes["notice"]
    visit = hass.states.get("sensor.kitchen_fridge_technician_visit")
    assert visit.state == "2023-11-15T16:00:00+00:00"
    notices = persistent_notification._async_get_or_create_notifications(hass)
    notice = notices[f"{DOMAIN}_{service_entry.entry_id}_ticket"]
    assert notice["title"] == "Kitchen fridge: the manufacturer answered"
    assert "comes at 16:00" in notice["message"]


async def test_a_visit_moved_or_closed_by_the_manufacturer_shows_at_home(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    ticket: dict[str, Any],
) -> None:
    """The latest ticket is looked up again: a new time or a closed ticket reaches the sensors."""
    await _set_up_with_a_fault(hass, service_entry)
    status_url = f"{TICKETS_URL}/{ticket['ticket_id']}"

    async def follow_up(answer: dict[str, Any] | None = None, **mock: Any) -> None:
        aioclient_mock.clear_requests()
        if answer is not None:
            TICKET_STATE(answer)
            mock["json"] = answer
        aioclient_mock.get(status_url, **mock)
        freezer.tick(FOLLOW_UP_INTERVAL)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()

    await follow_up(exc=aiohttp.ClientConnectionError())  # unreachable: nothing changes
    assert hass.states.get("sensor.kitchen_fridge_technician_visit").state == (
        "2023-11-15T16:00:00+00:00"
    )

    moved = _answer(ticket)
    moved["booking"] = {**moved["booking"], "start": "2023-11-16T09:00:00Z"}
    moved["notice"] = "Ana García now comes on Thursday at 09:00."
    await follow_up(moved)
    method, url, body, headers = aioclient_mock.mock_calls[0]
    assert (method, str(url), body) == ("GET", status_url, None)
    signed_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    assert headers["webhook-signature"] == Webhook(SECRET).sign(ticket["ticket_id"], signed_at, "")
    assert hass.states.get("sensor.kitchen_fridge_technician_visit").state == (
        "2023-11-16T09:00:00+00:00"
    )
    notices = persistent_notification._async_get_or_create_notifications(hass)
    assert notices[f"{DOMAIN}_{service_entry.entry_id}_ticket"]["message"] == moved["notice"]

    await follow_up({**moved, "status": "closed"})
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "closed"
    await follow_up(moved)  # closed: not looked up any more
    assert aioclient_mock.call_count == 0
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "closed"


async def test_follow_up_with_a_refused_signature_asks_for_the_secret(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    ticket: dict[str, Any],
) -> None:
    """A secret renewed after the booking shows on the next look-up, as re-authentication."""
    outbox = await _set_up_with_a_fault(hass, service_entry)
    aioclient_mock.clear_requests()
    aioclient_mock.get(f"{TICKETS_URL}/{ticket['ticket_id']}", status=401, json={})
    freezer.tick(FOLLOW_UP_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert outbox.auth_failed
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_booking_drives_an_automation_through_the_device_trigger(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    ticket: dict[str, Any],
) -> None:
    """The fridge offers "a technician was booked", which runs an automation with the visit."""
    outbox = await _set_up(hass, service_entry)
    device = fridge_device(hass)
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device.id)
    assert "technician_booked" in {t["type"] for t in triggers if t["domain"] == DOMAIN}
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

    outbox.async_raise(_episode(), _report())
    await hass.async_block_till_done()
    assert [call.data["when"] for call in calls] == [VISIT_START]
    assert events[0].data == {
        "device_id": device.id,
        "config_entry_id": service_entry.entry_id,
        "name": "Kitchen fridge",
        "ticket_id": ticket["ticket_id"],
        "status": "booked",
        "visit_start": VISIT_START,
        "visit_end": "2023-11-15T17:30:00Z",
        "technician": "Ana García",
        "part": "RLY-PTC-220",
        "notice": _answer(ticket)["notice"],
    }


async def test_technician_booked_blueprint_sends_the_notice(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    ticket: dict[str, Any],
    tmp_path: Path,
) -> None:
    """The homeowner's blueprint forwards the manufacturer's notice with the visit time."""
    await hass.config.async_set_time_zone("Europe/Madrid")
    notify_calls = async_mock_service(hass, "notify", "notify")
    outbox = await _set_up(hass, service_entry)
    device = fridge_device(hass)
    config = use_blueprint(hass, tmp_path, "technician_booked.yaml", {"fridge": device.id})
    assert await async_setup_component(hass, automation.DOMAIN, {automation.DOMAIN: [config]})

    outbox.async_raise(_episode(), _report())
    await hass.async_block_till_done()
    assert len(notify_calls) == 1
    sent = notify_calls[0].data
    assert sent["title"] == "Kitchen fridge: technician booked"
    assert sent["message"].startswith(_answer(ticket)["notice"])
    assert ticket["ticket_id"] in sent["message"]
    assert "visit Wed 15 Nov 17:00" in sent["message"]  # 16:00 UTC, in the home's time zone


async def test_network_failure_keeps_the_ticket_and_retries_with_growing_pauses(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Unreachable or busy: the ticket waits on disk and goes once the service is back."""
    aioclient_mock.post(TICKETS_URL, exc=aiohttp.ClientConnectionError("refused"))
    outbox = await _set_up_with_a_fault(hass, service_entry)
    assert outbox.retry_in == FIRST_RETRY_S
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "sending"

    aioclient_mock.clear_requests()
    aioclient_mock.post(TICKETS_URL, status=503, text="busy")
    freezer.tick(FIRST_RETRY_S + 1)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert outbox.retry_in == 2 * FIRST_RETRY_S
    assert len(outbox.pending) == 1

    _book_everything(aioclient_mock, _ticket())
    freezer.tick(2 * FIRST_RETRY_S + 1)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert outbox.pending == {}
    assert outbox.retry_in is None
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "booked"


async def test_waiting_ticket_survives_a_restart(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A ticket that could not go before Home Assistant stopped goes when it starts again."""
    aioclient_mock.post(TICKETS_URL, exc=TimeoutError())
    await _set_up_with_a_fault(hass, service_entry)
    assert await hass.config_entries.async_unload(service_entry.entry_id)
    await hass.async_block_till_done()

    _book_everything(aioclient_mock, _ticket())
    assert await hass.config_entries.async_setup(service_entry.entry_id)
    await hass.async_block_till_done()
    assert [sent["ticket_id"] for sent in _sent(aioclient_mock)] == [_ticket()["ticket_id"]]
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "booked"


async def test_refused_ticket_is_kept_and_shown_as_a_repair(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A 422 sets the ticket aside with the service's reason; a later success clears it."""
    aioclient_mock.post(
        TICKETS_URL,
        status=422,
        json={"type": "about:blank", "title": "Invalid ticket", "detail": "unknown zone"},
        headers={"Content-Type": "application/problem+json"},
    )
    outbox = await _set_up_with_a_fault(hass, service_entry)
    ticket_id = _ticket()["ticket_id"]
    assert outbox.rejected[ticket_id]["status"] == 422
    assert outbox.pending == {}
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "rejected"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"{service_entry.entry_id}_ticket_rejected")
    assert issue is not None
    assert issue.translation_placeholders["detail"] == "unknown zone"

    other = _episode("compressor_start_failure-1700090000-SN-0042")
    answer_to = build_ticket(
        other,
        Appliance("Acme", "CoolMaster 3000", "SN-0042"),
        Customer("madrid-centro", "en"),
        time_to_unsafe_s=None,
        version="0.1.0",
    )
    aioclient_mock.clear_requests()
    aioclient_mock.post(TICKETS_URL, status=200, json=_answer(answer_to, "needs_dispatch"))
    outbox.async_raise(other, _report())
    await hass.async_block_till_done()
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "needs_dispatch"
    assert hass.states.get("sensor.kitchen_fridge_technician_visit").state == "unknown"
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, f"{service_entry.entry_id}_ticket_rejected")
        is None
    )


async def test_answer_without_json_is_retried(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A proxy's error page (not the service's JSON) counts as "not yet", never as an answer."""
    aioclient_mock.post(TICKETS_URL, status=502, text="<html>Bad gateway</html>")
    outbox = await _set_up_with_a_fault(hass, service_entry)
    assert len(outbox.pending) == 1
    assert outbox.retry_in == FIRST_RETRY_S


async def test_diagnostics_hide_the_secret_and_contact(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """The downloaded diagnostics show the tickets but never the secret, serial or contact."""
    aioclient_mock.post(TICKETS_URL, exc=aiohttp.ClientConnectionError())
    await _set_up_with_a_fault(hass, service_entry)
    diagnostics = await async_get_config_entry_diagnostics(hass, service_entry)
    text = json.dumps(diagnostics)
    assert SECRET not in text
    assert "SN-0042" not in text
    assert "+34 600 000 000" not in text
    assert diagnostics["tickets"]["retry_in"] == FIRST_RETRY_S
    assert list(diagnostics["tickets"]["pending"]) == [_ticket()["ticket_id"]]


async def test_removing_the_fridge_forgets_its_tickets(
    hass: HomeAssistant,
    source_states: None,
    service_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
) -> None:
    """A removed fridge leaves no outbox behind."""
    aioclient_mock.post(TICKETS_URL, exc=aiohttp.ClientConnectionError())
    await _set_up_with_a_fault(hass, service_entry)
    key = f"{DOMAIN}.{service_entry.entry_id}.tickets"
    assert key in hass_storage
    assert await hass.config_entries.async_remove(service_entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


# --- end to end: a simulated fault books a technician -------------------------------------


async def test_simulated_relay_failure_books_a_technician(
    hass: HomeAssistant,
    service_entry: MockConfigEntry,
    driver: FridgeDriver,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """The story of the product: the relay fails, a ticket goes, the visit shows up."""
    driver.load(
        simulated(0.5, FaultInjection(FaultCode.COMPRESSOR_START_FAILURE, start_h=3.0), seed=3)
    )
    placeholder = _answer({**_ticket(), "ticket_id": "FC-PLACEHOLDER"})
    aioclient_mock.post(TICKETS_URL, status=201, json=placeholder)
    aioclient_mock.get(STATUS_URLS, json=placeholder)
    await set_up_fridge(hass, service_entry, driver)
    await driver.play()

    sent = _sent(aioclient_mock)
    assert [ticket["fault"]["code"] for ticket in sent] == ["compressor_start_failure"]
    assert sent[0]["appliance"] == {
        "manufacturer": "Acme",
        "model": "CoolMaster 3000",
        "serial": "SN-0042",
    }
    assert sent[0]["customer"]["zone"] == "madrid-centro"
    assert hass.states.get("sensor.kitchen_fridge_service_ticket").state == "booked"


async def test_a_fault_found_before_tickets_were_set_up_gets_its_ticket(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    driver: FridgeDriver,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """The owner adds the manufacturer's service while the relay fault is on: it is sent."""
    driver.load(
        simulated(0.5, FaultInjection(FaultCode.COMPRESSOR_START_FAILURE, start_h=3.0), seed=3)
    )
    await set_up_fridge(hass, config_entry, driver)
    await driver.play(until=START + 5 * 3600)
    assert hass.states.get("binary_sensor.kitchen_fridge_compressor_problem").state == "on"

    placeholder = _answer({**_ticket(), "ticket_id": "FC-PLACEHOLDER"})
    aioclient_mock.get(f"{SERVICE}/api/v1/health", json={"status": "ok"})
    aioclient_mock.post(TICKETS_URL, status=201, json=placeholder)
    aioclient_mock.get(STATUS_URLS, json=placeholder)
    result = await config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], SOURCES)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], SERVICE_DATA)
    assert result["reason"] == "reconfigure_successful"
    await driver.play(until=START + 5 * 3600 + 120)

    assert [ticket["fault"]["code"] for ticket in _sent(aioclient_mock)] == [
        "compressor_start_failure"
    ]
