"""What the customer is told, in their language and their local time: an SMS and an e-mail.

Every message says what happened in plain words, when the technician comes ("hoy a las 16:00"),
what they will do, and what it means for the food: safe until the visit, or what to do until
then (from the fault's ``time_to_unsafe_s``). A visit after the ticket's deadline (nothing
earlier was free) says so, and how to keep the food until then. The SMS fits in 320 characters
(two SMS parts); the e-mail adds the date in full with the zone, the technician, the part and
the reference. A visit moved or cancelled by a dispatcher is told the same way.

The SMS is written with the ticket (the answer quotes it); the e-mail is written from the same
facts (:class:`MessageFacts`, stored with the SMS) when it is sent or shown, so the intake
spends neither the time nor the bytes on it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import itertools
from typing import Final, Literal
from zoneinfo import ZoneInfo

import msgspec

from webhook_server import local_time
from webhook_server.contract import Language, Ticket, utc
from webhook_server.triage import Catalog, FaultEntry, Triage

SMS_MAX: Final = 320

type Event = Literal["booked", "needs_dispatch", "human_review", "rescheduled", "closed"]


@dataclass(frozen=True, slots=True)
class Visit:
    """A technician's visit, in the zone's local time."""

    technician: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Situation:
    """Everything a message tells, already in the customer's words and local time."""

    event: Event
    language: Language
    ticket_id: str
    model: str
    detected: str
    """What was seen, to be read after "we detected" (the catalog's words)."""
    action: str
    """What the technician will do, after "to"."""
    part: str | None
    """The part the technician brings, named in the customer's language, with its number."""
    visit: Visit | None
    unsafe_at: datetime | None
    """When the food would reach an unsafe temperature (local), if the integration knows."""
    now: datetime
    """The local time the message is written at: "today" is this day."""
    late: bool = False
    """The visit starts after the ticket's deadline: no technician was free sooner."""


@dataclass(frozen=True, slots=True)
class _Words:
    """One language's sentences."""

    hello: str
    booked: str
    booked_late: str
    needs_dispatch: str
    human_review: str
    rescheduled: str
    closed: str
    closed_visit: str
    food_unknown: str
    food_safe: str
    food_until: str
    food_until_short: str
    food_warm: str
    food_late: str
    food_late_until: str
    food_late_short: str
    subject_visit: str
    subject_call: str
    subject_moved: str
    subject_closed: str
    email_hello: str
    email_detected: str
    email_visit: str
    email_part: str
    email_late: str
    email_change: str
    email_no_visit: str
    email_review: str
    email_closed: str
    email_bye: str


_WORDS: Final[dict[Language, _Words]] = {
    "es": _Words(
        hello="Hola, ",
        booked="detectamos {detected}. Un técnico pasará {when} para {action}.",
        booked_late=(
            "detectamos {detected}. Ningún técnico llega a tiempo: pasará uno {when} para {action}."
        ),
        needs_dispatch=(
            "detectamos {detected}. No tenemos un técnico libre a tiempo: te llamaremos para "
            "acordar la visita."
        ),
        human_review=(
            "detectamos {detected}. Un especialista lo está revisando y te llamará para decidir "
            "qué hacer."
        ),
        rescheduled="hemos cambiado la visita: el técnico pasará {when} para {action}.",
        closed="hemos cerrado el aviso de tu nevera. Gracias.",
        closed_visit=(
            "hemos cerrado el aviso de tu nevera: la visita {of_when} queda anulada. Gracias."
        ),
        food_unknown="Mientras tanto, mantén la puerta de la nevera cerrada.",
        food_safe="No te preocupes, tu comida está segura hasta la visita.",
        food_until=(
            "Tu comida aguanta hasta {until}: mantén la puerta cerrada y, antes de esa hora, pasa "
            "carne, pescado y lácteos a otra nevera o a una nevera portátil con hielo."
        ),
        food_until_short="Antes de {until}, pasa lo más perecedero a otra nevera.",
        food_warm=(
            "Tu nevera ya no enfría lo bastante: pasa carne, pescado y lácteos a otra nevera o a "
            "una nevera portátil con hielo."
        ),
        food_late=(
            "Hasta entonces, mantén las puertas cerradas: un congelador lleno aguanta unas 48 h."
            " Si la nevera pasa de 4 °C, lleva carne, pescado y lácteos a otro sitio frío."
        ),
        food_late_until=(
            "Mantén las puertas cerradas: un congelador lleno aguanta unas 48 h; la nevera, hasta"
            " {until}. Antes, lleva carne, pescado y lácteos a otro sitio frío."
        ),
        food_late_short=(
            "No abras las puertas; si la nevera pasa de 4 °C, lleva lo perecedero a otro sitio"
            " frío."
        ),
        subject_visit="Visita técnica para tu nevera: {when}",
        subject_call="Tu nevera: te llamaremos para acordar una visita",
        subject_moved="Tu nevera: la visita técnica cambia a {when}",
        subject_closed="Tu nevera: aviso cerrado",
        email_hello="Hola:",
        email_detected="Tu nevera {model} nos ha avisado: hemos detectado {detected}.",
        email_visit=("{technician} pasará el {date}, de {start} a {end} ({zone}), para {action}."),
        email_part="Llevará la pieza necesaria: {part}.",
        email_late=(
            "No tenemos un técnico libre a tiempo para esta avería: hasta la visita, cuida la "
            "comida como te indicamos abajo."
        ),
        email_change=(
            "Si ese momento no te va bien, responde a este correo o llámanos con la referencia "
            "{ticket}."
        ),
        email_no_visit=(
            "No tenemos un técnico libre a tiempo, así que nuestro equipo te llamará para acordar "
            "la visita. Referencia: {ticket}."
        ),
        email_review=(
            "Un especialista está revisando el aviso y te llamará para decidir qué hacer. "
            "Referencia: {ticket}."
        ),
        email_closed="Hemos cerrado el aviso {ticket}.",
        email_bye="Un saludo,\nEl servicio técnico",
    ),
    "en": _Words(
        hello="Hello, ",
        booked="we detected {detected}. A technician will come {when} to {action}.",
        booked_late=(
            "we detected {detected}. No technician is free in time, so one will come {when} to "
            "{action}."
        ),
        needs_dispatch=(
            "we detected {detected}. No technician is free in time: we will call you to "
            "arrange the visit."
        ),
        human_review=(
            "we detected {detected}. A specialist is looking into it and will call you about "
            "what to do."
        ),
        rescheduled="we have moved your visit: the technician will come {when} to {action}.",
        closed="we have closed the report about your fridge. Thank you.",
        closed_visit=(
            "we have closed the report about your fridge: the visit {of_when} is cancelled. "
            "Thank you."
        ),
        food_unknown="Meanwhile, keep the fridge door closed.",
        food_safe="Don't worry, your food is safe until the visit.",
        food_until=(
            "Your food keeps until {until}: keep the door closed and, before then, move meat, "
            "fish and dairy to another fridge or a cool box with ice."
        ),
        food_until_short="Before {until}, move what spoils first to another fridge.",
        food_warm=(
            "Your fridge is no longer cold enough: move meat, fish and dairy to another fridge "
            "or a cool box with ice."
        ),
        food_late=(
            "Until then, keep the doors shut: a full freezer stays frozen about 48 h. If the"
            " fridge goes above 4 °C, move meat, fish and dairy somewhere cold."
        ),
        food_late_until=(
            "Keep the doors shut: a full freezer stays frozen about 48 h, the fridge until"
            " {until}. Before then, move meat, fish and dairy somewhere cold."
        ),
        food_late_short=(
            "Keep the doors shut; if the fridge passes 4 °C, move perishables somewhere cold."
        ),
        subject_visit="A technician visits your fridge {when}",
        subject_call="Your fridge: we will call you to arrange a visit",
        subject_moved="Your fridge: the technician's visit moves to {when}",
        subject_closed="Your fridge: report closed",
        email_hello="Hello,",
        email_detected="Your {model} told us about a problem: we detected {detected}.",
        email_visit="{technician} will come on {date}, {start} to {end} ({zone}), to {action}.",
        email_part="They will bring the part needed: {part}.",
        email_late=(
            "No technician is free in time for this fault: until the visit, look after the food "
            "as below."
        ),
        email_change=(
            "If that time does not suit you, reply to this e-mail or call us with the "
            "reference {ticket}."
        ),
        email_no_visit=(
            "No technician is free in time, so our team will call you to arrange the visit. "
            "Reference: {ticket}."
        ),
        email_review=(
            "A specialist is looking into the report and will call you about what to do. "
            "Reference: {ticket}."
        ),
        email_closed="We have closed report {ticket}.",
        email_bye="Kind regards,\nThe service team",
    ),
}


@dataclass(frozen=True, slots=True)
class Message:
    """One message in both forms."""

    language: Language
    sms: str
    email_subject: str
    email_body: str


class MessageFacts(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A :class:`Situation` as stored with its SMS: times in epoch seconds and the zone's name."""

    event: Event
    language: Language
    ticket_id: str
    model: str
    detected: str
    action: str
    part: str | None = None
    technician: str | None = None
    visit_start: int | None = None
    visit_end: int | None = None
    unsafe_at: int | None = None
    now: int
    timezone: str
    late: bool = False

    def situation(self) -> Situation:
        """Return the situation again, its times local to the zone."""
        zone = ZoneInfo(self.timezone)
        visit = None
        if self.technician is not None and self.visit_start is not None:
            end = self.visit_end if self.visit_end is not None else self.visit_start
            visit = Visit(
                self.technician, utc(self.visit_start).astimezone(zone), utc(end).astimezone(zone)
            )
        return Situation(
            **{name: getattr(self, name) for name in _HELD_ALIKE},
            visit=visit,
            unsafe_at=None if self.unsafe_at is None else utc(self.unsafe_at).astimezone(zone),
            now=utc(self.now).astimezone(zone),
        )


_HELD_ALIKE: Final = (
    "event",
    "language",
    "ticket_id",
    "model",
    "detected",
    "action",
    "part",
    "late",
)
"""What a :class:`Situation` and its stored :class:`MessageFacts` hold alike."""
_FACTS_ENCODER: Final = msgspec.json.Encoder()
_FACTS_DECODER: Final = msgspec.json.Decoder(MessageFacts)


def facts(situation: Situation) -> str:
    """Return the situation as the JSON stored with the SMS (the e-mail is written from it)."""
    visit = situation.visit
    zone = situation.now.tzinfo
    return _FACTS_ENCODER.encode(
        MessageFacts(
            **{name: getattr(situation, name) for name in _HELD_ALIKE},
            technician=None if visit is None else visit.technician,
            visit_start=None if visit is None else int(visit.start.timestamp()),
            visit_end=None if visit is None else int(visit.end.timestamp()),
            unsafe_at=None if situation.unsafe_at is None else int(situation.unsafe_at.timestamp()),
            now=int(situation.now.timestamp()),
            timezone=zone.key if isinstance(zone, ZoneInfo) else "UTC",
        )
    ).decode()


def sms(situation: Situation) -> str:
    """Return the SMS for one ticket event (at most :data:`SMS_MAX` characters)."""
    return _sms(situation, _WORDS[situation.language])


def compose(situation: Situation) -> Message:
    """Return the SMS and the e-mail for one ticket event."""
    words = _WORDS[situation.language]
    return Message(
        language=situation.language,
        sms=_sms(situation, words),
        email_subject=_subject(situation, words),
        email_body=_email(situation, words),
    )


def from_facts(stored: str) -> Message:
    """Return the message written from its stored facts (:func:`facts`)."""
    return compose(_FACTS_DECODER.decode(stored).situation())


def _when(situation: Situation, moment: datetime) -> str:
    return local_time.when(moment, situation.now, situation.language)


def _of_when(situation: Situation, moment: datetime) -> str:
    """Say when, after "the visit": "de mañana a las 9:30", "del jueves …"; "tomorrow at …"."""
    when = _when(situation, moment)
    if situation.language != "es":
        return when
    return f"del {when[3:]}" if when.startswith("el ") else f"de {when}"


def _news(situation: Situation, words: _Words) -> str:
    """Return the sentence that says what happened, without the greeting."""
    visit = situation.visit
    action = situation.action
    match situation.event:
        case "booked" if visit is not None:
            text = (words.booked_late if situation.late else words.booked).format(
                detected=situation.detected, when=_when(situation, visit.start), action=action
            )
        case "rescheduled" if visit is not None:
            text = words.rescheduled.format(when=_when(situation, visit.start), action=action)
        case "closed" if visit is not None:
            text = words.closed_visit.format(of_when=_of_when(situation, visit.start))
        case "closed":
            text = words.closed
        case "human_review":
            text = words.human_review.format(detected=situation.detected)
        case _:
            text = words.needs_dispatch.format(detected=situation.detected)
    return text


def _food(situation: Situation, words: _Words, *, short: bool = False) -> str:
    """Say what the fault means for the food until the technician comes."""
    if situation.event == "closed":
        return ""
    unsafe_at, visit = situation.unsafe_at, situation.visit
    late = situation.late and visit is not None
    if unsafe_at is None:
        if late:
            return words.food_late_short if short else words.food_late
        return words.food_unknown
    if unsafe_at <= situation.now:
        return words.food_warm
    if visit is not None and unsafe_at >= visit.start:
        return words.food_safe
    if short:
        template = words.food_until_short
    else:
        template = words.food_late_until if late else words.food_until
    return template.format(until=_when(situation, unsafe_at))


def _sms(situation: Situation, words: _Words) -> str:
    news = words.hello + _news(situation, words)
    text = f"{news} {_food(situation, words)}".strip()
    if len(text) > SMS_MAX:
        text = f"{news} {_food(situation, words, short=True)}".strip()
    return text


def _subject(situation: Situation, words: _Words) -> str:
    visit = situation.visit
    match situation.event:
        case "booked" if visit is not None:
            return words.subject_visit.format(when=_when(situation, visit.start))
        case "rescheduled" if visit is not None:
            return words.subject_moved.format(when=_when(situation, visit.start))
        case "closed":
            return words.subject_closed
        case _:
            return words.subject_call


def _email(situation: Situation, words: _Words) -> str:
    language, visit = situation.language, situation.visit
    paragraphs = [words.email_hello]
    if situation.event == "closed":
        paragraphs.append(words.email_closed.format(ticket=situation.ticket_id))
        if visit is not None:
            paragraphs.append(words.hello + _news(situation, words))
    else:
        paragraphs.append(
            words.email_detected.format(model=situation.model, detected=situation.detected)
        )
        if visit is not None:
            paragraphs.append(
                words.email_visit.format(
                    technician=visit.technician,
                    date=local_time.full_date(visit.start, language),
                    start=local_time.clock(visit.start, language),
                    end=local_time.clock(visit.end, language),
                    zone=local_time.zone_label(visit.start, language),
                    action=situation.action,
                )
            )
            if situation.part:
                paragraphs.append(words.email_part.format(part=situation.part))
            if situation.late:
                paragraphs.append(words.email_late)
            paragraphs.append(words.email_change.format(ticket=situation.ticket_id))
        elif situation.event == "human_review":
            paragraphs.append(words.email_review.format(ticket=situation.ticket_id))
        else:
            paragraphs.append(words.email_no_visit.format(ticket=situation.ticket_id))
        paragraphs.append(_food(situation, words))
    paragraphs.append(words.email_bye)
    return "\n\n".join(paragraphs)


def longest_sms(catalog: Catalog) -> tuple[int, str]:
    """Return the longest SMS the catalog's words can make, and that SMS (to check it at start-up).

    Every fault (and the unknown-fault words), event, food case, visit in time or late and
    language, with the longest way each language says a time.
    """
    now = datetime(2026, 9, 1, 8, 0, tzinfo=ZoneInfo("UTC"))
    far = now + timedelta(
        days=29, hours=4, minutes=30
    )  # "el miércoles 30 de septiembre a las 12:30"
    visit = Visit("x", far, far + catalog.booking.visit)
    longest = (0, "")
    entries = [(entry.detected, entry.action) for entry in _entries(catalog)]
    entries.append((catalog.unknown_fault.detected, catalog.unknown_fault.action))
    events: tuple[Event, ...] = (
        "booked",
        "needs_dispatch",
        "human_review",
        "rescheduled",
        "closed",
    )
    for language in _WORDS:
        for detected, action in entries:
            base = Situation(
                event="booked",
                language=language,
                ticket_id="x",
                model="x",
                detected=detected.in_(language),
                action=action.in_(language),
                part=None,
                visit=visit,
                unsafe_at=None,
                now=now,
            )
            unsafe_ats = (None, now, far + timedelta(hours=1), far - timedelta(hours=1))
            for event, unsafe_at, with_visit, late in itertools.product(
                events, unsafe_ats, (visit, None), (False, True)
            ):
                situation = replace(
                    base, event=event, unsafe_at=unsafe_at, visit=with_visit, late=late
                )
                sms = _sms(situation, _WORDS[language])
                longest = max(longest, (len(sms), sms))
    return longest


def check_catalog(catalog: Catalog) -> None:
    """Refuse a catalog whose words would make an SMS longer than :data:`SMS_MAX` characters."""
    length, sms = longest_sms(catalog)
    if length > SMS_MAX:
        raise ValueError(
            f"the fault catalog's words make an SMS of {length} characters (at most {SMS_MAX}): "
            f"shorten a fault's detected or action words. The SMS: {sms}"
        )


def _entries(catalog: Catalog) -> list[FaultEntry]:
    return [entry for code in sorted(catalog.codes) if (entry := catalog.entry(code)) is not None]


def describe(
    event: Event,
    ticket: Ticket,
    triage: Triage,
    catalog: Catalog,
    *,
    visit: Visit | None,
    timezone: ZoneInfo,
    now: datetime,
) -> Situation:
    """Describe what a message about ``ticket`` tells, in the customer's words and local time."""
    language = ticket.customer.language
    words = triage.fault or catalog.unknown_fault
    part = None
    if triage.part is not None:
        part = f"{triage.part.in_(language)} ({triage.part.number})"
    unsafe_at = None
    if ticket.fault.time_to_unsafe_s is not None:
        unsafe_at = (
            ticket.fault.detected_at + timedelta(seconds=ticket.fault.time_to_unsafe_s)
        ).astimezone(timezone)
    return Situation(
        event=event,
        language=language,
        ticket_id=ticket.ticket_id,
        model=ticket.appliance.model,
        detected=words.detected.in_(language),
        action=words.action.in_(language),
        part=part,
        visit=visit,
        unsafe_at=unsafe_at,
        now=now.astimezone(timezone),
        late=visit is not None and visit.start > triage.deadline,
    )
