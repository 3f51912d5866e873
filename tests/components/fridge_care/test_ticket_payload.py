"""Tests for the ticket itself: the body one fault episode becomes, and its signature.

Plain Python (no Home Assistant): each ticket is checked against the service's own contract
(``webhook_server.contract``), the signature against the reference ``standardwebhooks``.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from freezegun import freeze_time
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from custom_components.fridge_care.analysis.model import FaultEpisode
from custom_components.fridge_care.tickets.payload import (
    Appliance,
    Customer,
    build_ticket,
    notice_language,
    visit_windows,
)
from custom_components.fridge_care.tickets.protocol import secret_key, signature_headers
from webhook_server.contract import TICKET

from .common import SECRET, relay_episode


def _spanish_ticket() -> dict[str, Any]:
    return build_ticket(
        relay_episode(),
        Appliance("Acme", "CoolMaster 3000", "SN-0042"),
        Customer("madrid-centro", "es-ES", "+34 600 000 000"),
        time_to_unsafe_s=5400.0,
        version="0.1.0",
    )


def test_ticket_meets_the_service_contract() -> None:
    """A fault episode becomes a ticket the service accepts, in the owner's language."""
    ticket = _spanish_ticket()
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
    first = build_ticket(relay_episode(), appliance, customer, time_to_unsafe_s=None, version="1")
    again = build_ticket(relay_episode(), appliance, customer, time_to_unsafe_s=None, version="1")
    other = build_ticket(
        relay_episode(),
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
    episode = relay_episode()
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
        relay_episode(),
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
