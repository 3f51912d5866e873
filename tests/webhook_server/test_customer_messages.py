"""What the customer reads: plain words, local times, what happens to the food, SMS and e-mail."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient
import msgspec
import pytest

from tests.webhook_server.conftest import (
    MONDAY_9AM,
    catalog_changed,
    make_ticket,
    post_ticket,
    register,
)
from webhook_server import customer_messages, local_time
from webhook_server.app import create_app
from webhook_server.customer_messages import Situation, Visit, compose
from webhook_server.message_delivery import email_of
from webhook_server.runtime import RUNTIME
from webhook_server.settings import Settings
from webhook_server.store.rows import CustomerMessageRow
from webhook_server.triage import Catalog

MADRID = ZoneInfo("Europe/Madrid")
CATALOG = Catalog.load()
SEED_SMS = (
    "Hola, detectamos una fluctuación de energía en el compresor de tu nevera. Un técnico pasará"
    " hoy a las 16:00 para reemplazar un relé preventivamente. No te preocupes, tu comida está"
    " segura hasta la visita."
)
"""The seed's model SMS, with the visit time said as the issue asks ("hoy a las 16:00")."""


def _situation(code: str = "power_fluctuation", language: str = "es", **changes: Any) -> Situation:
    entry = CATALOG.entry(code)
    assert entry is not None
    now = datetime(2026, 6, 1, 11, 0, tzinfo=MADRID)
    situation = Situation(
        event="booked",
        language="es" if language == "es" else "en",
        ticket_id="FC-1",
        model="FC-FD-900",
        detected=entry.detected.in_("es" if language == "es" else "en"),
        action=entry.action.in_("es" if language == "es" else "en"),
        part=None,
        visit=Visit("Ana García", now.replace(hour=16), now.replace(hour=17)),
        unsafe_at=now + timedelta(hours=10),
        now=now,
    )
    return replace(situation, **changes)


def test_the_seeds_sms_word_for_word() -> None:
    assert compose(_situation()).sms == SEED_SMS


@pytest.mark.parametrize(
    ("moment", "spanish", "english"),
    [
        (datetime(2026, 6, 1, 16, 0, tzinfo=MADRID), "hoy a las 16:00", "today at 4 pm"),
        (datetime(2026, 6, 2, 9, 30, tzinfo=MADRID), "mañana a las 9:30", "tomorrow at 9:30 am"),
        (datetime(2026, 6, 2, 1, 15, tzinfo=MADRID), "mañana a la 1:15", "tomorrow at 1:15 am"),
        (datetime(2026, 6, 2, 13, 15, tzinfo=MADRID), "mañana a las 13:15", "tomorrow at 1:15 pm"),
        (datetime(2026, 6, 4, 0, 0, tzinfo=MADRID), "el jueves a las 0:00", "on Thursday at 12 am"),
        (
            datetime(2026, 6, 11, 9, 30, tzinfo=MADRID),
            "el jueves 11 de junio a las 9:30",
            "on Thursday 11 June at 9:30 am",
        ),
    ],
)
def test_visit_times_are_said_as_people_say_them(
    moment: datetime, spanish: str, english: str
) -> None:
    now = datetime(2026, 6, 1, 11, 0, tzinfo=MADRID)  # a Monday
    assert local_time.when(moment, now, "es") == spanish
    assert local_time.when(moment, now, "en") == english


def test_the_food_advice_follows_the_time_to_unsafe() -> None:
    """Safe until the visit; or until when, and what to do; or already too warm; or unknown."""
    base = _situation("compressor_start_failure")
    early = base.now + timedelta(hours=3)  # 14:00, before the 16:00 visit
    assert "Tu comida aguanta hasta hoy a las 14:00" in compose(replace(base, unsafe_at=early)).sms
    assert "pasa carne, pescado y lácteos" in compose(replace(base, unsafe_at=early)).sms
    warm = compose(replace(base, unsafe_at=base.now)).sms
    assert "ya no enfría lo bastante" in warm
    assert "mantén la puerta de la nevera cerrada" in compose(replace(base, unsafe_at=None)).sms
    english = replace(_situation("compressor_start_failure", "en"), unsafe_at=early)
    assert "Your food keeps until today at 2 pm" in compose(english).sms
    safe = compose(_situation("compressor_start_failure", "en")).sms
    assert safe.endswith("Don't worry, your food is safe until the visit.")


@pytest.mark.parametrize(
    ("language", "news", "food", "email"),
    [
        (
            "en",
            "No technician is free in time, so one will come today at 4 pm to repair the cooling"
            " circuit.",
            "Until then, keep the doors shut: a full freezer stays frozen about 48 h. If the fridge"
            " goes above 4 °C, move meat, fish and dairy somewhere cold.",
            "No technician is free in time for this fault: until the visit, look after the food as"
            " below.",
        ),
        (
            "es",
            "Ningún técnico llega a tiempo: pasará uno hoy a las 16:00 para reparar el circuito de"
            " frío.",
            "Hasta entonces, mantén las puertas cerradas: un congelador lleno aguanta unas 48 h."
            " Si la nevera pasa de 4 °C, lleva carne, pescado y lácteos a otro sitio frío.",
            "No tenemos un técnico libre a tiempo para esta avería: hasta la visita, cuida la"
            " comida como te indicamos abajo.",
        ),
    ],
)
def test_a_visit_after_the_deadline_says_so_and_how_to_keep_the_food(
    language: str, news: str, food: str, email: str
) -> None:
    """Nothing was free in time: the earliest visit, and the food kept until it comes."""
    late = _situation("cooling_failure", language, unsafe_at=None, late=True)
    message = compose(late)
    assert message.sms.endswith(f"{news} {food}")
    assert email in message.email_body and food in message.email_body
    assert customer_messages.from_facts(customer_messages.facts(late)) == message
    in_time = compose(replace(late, late=False))
    assert news not in in_time.sms and email not in in_time.email_body


def test_no_visit_says_we_will_call_and_a_review_says_a_specialist_looks() -> None:
    base = _situation("cooling_failure", "en", visit=None)
    assert (
        "we will call you to arrange the visit"
        in compose(replace(base, event="needs_dispatch")).sms
    )
    review = compose(replace(base, event="human_review"))
    assert "A specialist is looking into it" in review.sms
    assert "Reference: FC-1" in review.email_body


def test_moved_and_cancelled_visits_are_told_in_the_same_words() -> None:
    tomorrow = datetime(2026, 6, 2, 9, 30, tzinfo=MADRID)
    moved = _situation(event="rescheduled", visit=Visit("Luis", tomorrow, tomorrow))
    assert "el técnico pasará mañana a las 9:30 para reemplazar un relé" in compose(moved).sms
    assert compose(moved).email_subject == "Tu nevera: la visita técnica cambia a mañana a las 9:30"
    thursday = datetime(2026, 6, 4, 9, 30, tzinfo=MADRID)
    cancelled = compose(_situation(event="closed", visit=Visit("Luis", thursday, thursday)))
    assert "la visita del jueves a las 9:30 queda anulada" in cancelled.sms
    english = compose(_situation(event="closed", language="en", visit=None))
    assert english.sms == "Hello, we have closed the report about your fridge. Thank you."


def test_the_email_gives_the_date_in_full_with_the_zone_the_technician_and_the_part() -> None:
    situation = _situation(part="relé de protección (FC-P-2201)")
    message = compose(situation)
    assert customer_messages.from_facts(customer_messages.facts(situation)) == message
    assert message.email_subject == "Visita técnica para tu nevera: hoy a las 16:00"
    assert "Ana García pasará el lunes 1 de junio de 2026, de 16:00 a 17:00 (hora local, CEST)" in (
        message.email_body
    )
    assert "Llevará la pieza necesaria: relé de protección (FC-P-2201)." in message.email_body
    assert "referencia FC-1" in message.email_body


def test_every_sms_the_catalog_can_make_fits_in_320_characters() -> None:
    length, longest = customer_messages.longest_sms(CATALOG)
    assert 250 < length <= customer_messages.SMS_MAX, longest


def test_a_catalog_too_wordy_for_an_sms_is_refused_at_start(
    tmp_path: Path, settings: Settings
) -> None:
    path = catalog_changed(
        tmp_path,
        "action: {en: clean the condenser, es: limpiar el condensador}",
        "action: {en: clean the condenser, es: " + "limpiar muy a fondo " * 5 + "}",
    )
    with pytest.raises(ValueError, match="SMS of 3"):
        create_app(replace(settings, catalog=path))


async def test_the_answer_gives_the_visit_in_the_zones_local_time(
    client: TestClient[Any, Any],
) -> None:
    """Madrid's customers read Madrid's time (it was UTC printed without a zone)."""
    secret = await register(client)
    ticket = make_ticket(
        customer__language="es",
        fault__code="door_seal_leak",
        fault__time_to_unsafe_s=6 * 3600,
        fault__detected_at=datetime.fromtimestamp(MONDAY_9AM, UTC).isoformat(),
    )
    answer = await (await post_ticket(client, secret, ticket)).json()
    booking = answer["booking"]
    assert (booking["start"], booking["local_start"]) == (
        "2026-06-01T10:00:00Z",
        "2026-06-01T12:00:00+02:00",
    )
    assert answer["message"]["sms"] == answer["notice"]
    assert answer["notice"] == (
        "Hola, detectamos que entra aire caliente en tu nevera por la junta de la puerta. Un"
        " técnico pasará hoy a las 12:00 para cambiar la junta de la puerta. No te preocupes, tu"
        " comida está segura hasta la visita."
    )
    assert answer["message"] == {"language": "es", "sms": answer["notice"]}
    async with client.app[RUNTIME].database.read() as conn:
        rows = await conn.fetch("SELECT * FROM customer_messages")
    stored = msgspec.convert(rows[0], CustomerMessageRow)
    assert stored.sms == answer["notice"]
    email = email_of(stored)  # written from the stored facts when sent or shown
    assert email.email_subject == "Visita técnica para tu nevera: hoy a las 12:00"
    assert "Llevará la pieza necesaria: par de juntas de puerta (FC-P-4002)." in email.email_body
