"""The wire contract, written once as msgspec Structs: what the API reads and what it answers.

msgspec decodes a request straight into these types, checking every constraint as it goes, and
encodes the answers from them; :mod:`webhook_server.openapi` publishes their JSON Schema. So the
validator, the answers and the published contract cannot drift apart. A ticket is one fault
episode of the Home Assistant integration: ``ticket_id`` is the episode id and, per appliance,
the idempotency key.
"""

from __future__ import annotations

from datetime import UTC, datetime
import functools
import hashlib
import re
from typing import Annotated, Final, Literal, get_args

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from webhook_server.protocol import LANGUAGES, SEVERITIES, TICKET_STATUSES

MAX_BODY_BYTES: Final = 64 * 1024
"""Largest request body the service reads; a ticket is a few kilobytes."""
MAX_TIME_TO_UNSAFE_S: Final = 30 * 86400
"""Longest ``time_to_unsafe_s`` taken: no deadline runs that far anyway, and more overflows."""
YEARS: Final = range(2000, 2101)
"""Years a ticket's times may fall in: later arithmetic on far-out dates would overflow."""

Language = Literal["en", "es"]
Severity = Literal["info", "warning", "critical"]
Status = Literal["booked", "needs_dispatch", "human_review", "closed"]
assert get_args(Language) == LANGUAGES
assert get_args(Severity) == SEVERITIES
assert get_args(Status) == TICKET_STATUSES

Moment = Annotated[
    datetime,
    Meta(tz=True, description=f"RFC 3339 date-time with an offset, years {YEARS[0]}-{YEARS[-1]}."),
]
AnswerTime = Annotated[datetime, Meta(tz=True, description="RFC 3339 date-time.")]
Identifier = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="Letters, digits and . _ : - (no final newline either).",
    ),
]
FaultCode = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Fault code; a code the catalog does not know goes to a person.",
    ),
]
Name64 = Annotated[str, Meta(min_length=1, max_length=64)]
Text128 = Annotated[str, Meta(min_length=1, max_length=128)]


def _check_moment(name: str, moment: datetime) -> None:
    if moment.year not in YEARS:
        raise ValueError(f"{name} must fall in the years {YEARS[0]} to {YEARS[-1]}")


def _check_whole(name: str, value: str) -> None:
    """Msgspec's pattern is a ``re.search``: its ``$`` also matches before a final newline."""
    if value.endswith("\n"):
        raise ValueError(f"{name} must not end with a newline")


class Appliance(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The appliance a ticket comes from, as registered."""

    manufacturer: Annotated[Name64, Meta(description="Brand as registered.")]
    model: Annotated[Name64, Meta(description="Model number; selects the model family.")]
    serial: Annotated[Name64, Meta(description="Serial number, unique per manufacturer.")]


class TimeWindow(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A time the customer would rather have the visit in; it must end after it starts."""

    start: Moment
    end: Moment

    def __post_init__(self) -> None:
        """Refuse far-out and reversed windows (a reversed one would silently match nothing)."""
        _check_moment("start", self.start)
        _check_moment("end", self.end)
        if self.end <= self.start:
            raise ValueError("a preferred window must end after it starts")


class Customer(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Who to tell and where the technician goes."""

    zone: Annotated[Name64, Meta(description="Service zone the technicians cover.")]
    language: Annotated[Language, Meta(description="Language of the customer's messages.")] = "en"
    contact: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=254,
                description="Phone or e-mail for the customer's messages, passed to the gateway.",
            ),
        ]
        | UnsetType
    ) = UNSET
    preferred_windows: Annotated[
        list[TimeWindow],
        Meta(max_length=14, description="Times the customer prefers for a visit, tried first."),
    ] = msgspec.field(default_factory=list)


class Fault(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """What the integration diagnosed."""

    code: FaultCode
    severity: Severity
    confidence: Annotated[float, Meta(ge=0, le=1, description="0 to 1.")]
    summary: Annotated[str, Meta(min_length=1, max_length=500, description="One line for people.")]
    component: Annotated[Text128, Meta(description="Probable component, as diagnosed.")] | (
        UnsetType
    ) = UNSET
    part: Annotated[Text128, Meta(description="Suggested spare part, as diagnosed.")] | (
        UnsetType
    ) = UNSET
    onset_at: Annotated[Moment, Meta(description="When the fault began.")]
    detected_at: Annotated[Moment, Meta(description="When the integration was sure.")]
    time_to_unsafe_s: (
        Annotated[
            float,
            Meta(
                ge=0,
                le=MAX_TIME_TO_UNSAFE_S,
                description="Predicted seconds until food is at unsafe temperature; null: unknown.",
            ),
        ]
        | None
    ) = None
    evidence: Annotated[
        dict[Annotated[str, Meta(min_length=1, max_length=64)], float],
        Meta(max_length=64, description="Figures behind the diagnosis."),
    ]

    def __post_init__(self) -> None:
        """Whole-string codes and dates the service can do arithmetic on."""
        _check_whole("code", self.code)
        _check_moment("onset_at", self.onset_at)
        _check_moment("detected_at", self.detected_at)


class Ticket(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A pre-diagnosed fault ticket, signed by its appliance."""

    ticket_id: Annotated[
        Identifier,
        Meta(description="The fault episode id: per appliance, the idempotency key of the ticket."),
    ]
    appliance: Appliance
    customer: Customer
    fault: Fault
    integration_version: Annotated[
        str, Meta(min_length=1, max_length=32, description="Version of the sender.")
    ]

    def __post_init__(self) -> None:
        """Whole-string ids."""
        _check_whole("ticket_id", self.ticket_id)


class Booking(Struct, frozen=True, kw_only=True):
    """The technician's visit. Times in UTC, and the same in the zone's local time."""

    technician_id: str
    technician_name: str
    start: Annotated[AnswerTime, Meta(description="Visit start, UTC.")]
    end: Annotated[AnswerTime, Meta(description="Visit end, UTC.")]
    zone: str
    timezone: Annotated[str, Meta(description="The zone's IANA time zone.")] | UnsetType = UNSET
    local_start: (
        Annotated[AnswerTime, Meta(description="Visit start in the zone's local time.")] | UnsetType
    ) = UNSET
    local_end: (
        Annotated[AnswerTime, Meta(description="Visit end in the zone's local time.")] | UnsetType
    ) = UNSET


class Triage(Struct, frozen=True, kw_only=True):
    """What the service's catalog says about the fault."""

    known_fault: Annotated[bool, Meta(description="False: the code is not in the catalog.")]
    component: Annotated[str | None, Meta(description="Component, in English.")]
    part: Annotated[str | None, Meta(description="Part number and name, in English.")]
    skill: str | None
    deadline: Annotated[
        AnswerTime,
        Meta(
            description=(
                "Latest acceptable visit start, UTC. A booking may start later when no "
                "technician is free by then: the earliest free slot is booked at once."
            )
        ),
    ]
    local_deadline: (
        Annotated[AnswerTime, Meta(description="The deadline in the zone's local time.")]
        | UnsetType
    ) = UNSET


class CustomerMessage(Struct, frozen=True, kw_only=True):
    """What the customer is told, in their language: the SMS (the e-mail says the same, longer)."""

    language: Language
    sms: Annotated[str, Meta(max_length=320, description="At most 320 characters.")]


class TicketState(Struct, frozen=True, kw_only=True):
    """A ticket as the service sees it now."""

    ticket_id: str
    status: Annotated[
        Status,
        Meta(
            description=(
                "booked: a technician is on the way, at the earliest free slot; it may start "
                "after the triage deadline when no slot met it (the notice then says what to do "
                "for the food until the visit); needs_dispatch: no slot met the deadline nor the "
                "service's late-booking window after it, a dispatcher takes over; human_review: "
                "unknown fault code; closed."
            )
        ),
    ]
    received_at: Annotated[AnswerTime, Meta(description="Whole seconds, UTC.")]
    triage: Triage
    booking: Booking | None
    notice: Annotated[str, Meta(description="The latest customer message, its SMS form.")]
    message: CustomerMessage | UnsetType = UNSET


class ApplianceCredentials(Struct, frozen=True, kw_only=True):
    """A registered appliance and its new signing secret."""

    appliance_id: str
    manufacturer: str
    model: str
    serial: str
    secret: Annotated[
        str, Meta(description="Standard Webhooks signing secret (whsec_…); shown only once.")
    ]
    previous_secrets_expire_at: Annotated[
        AnswerTime | None,
        Meta(description="Until when secrets issued before this one stay valid (rotation)."),
    ]


class Revocation(Struct, frozen=True, kw_only=True):
    """An appliance whose every secret stopped working at once."""

    appliance_id: str
    revoked_secrets: Annotated[int, Meta(description="Secrets that were still valid.")]
    revoked_at: AnswerTime


class Health(Struct, frozen=True, kw_only=True):
    """Liveness and database reachability."""

    status: Literal["ok", "degraded"]
    database: Literal["ok", "unavailable"]
    version: str


class FieldError(Struct, frozen=True, kw_only=True):
    """Where a request broke the contract, as a JSON pointer, and how."""

    path: str
    message: str


class Problem(Struct, frozen=True, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem document."""

    type: Annotated[str, Meta(description="URI naming the kind of problem.")]
    title: str
    status: int
    detail: str | UnsetType = UNSET
    instance: str | UnsetType = UNSET
    errors: (
        Annotated[list[FieldError], Meta(description="The invalid field, for validation problems.")]
        | UnsetType
    ) = UNSET


_TICKET_DECODER: Final = msgspec.json.Decoder(Ticket)
_ENCODER: Final = msgspec.json.Encoder()
_CANONICAL: Final = msgspec.json.Encoder(order="deterministic")


def decode_ticket(body: bytes) -> Ticket:
    """Decode and check a ticket request body (``msgspec.DecodeError`` or ``ValidationError``)."""
    return _TICKET_DECODER.decode(body)


def encode(value: object) -> bytes:
    """JSON of an answer (Structs, datetimes as RFC 3339)."""
    return _ENCODER.encode(value)


def fingerprint(ticket: Ticket) -> str:
    """Digest of a ticket's canonical JSON: the same ticket, whatever its key order or spacing.

    Mapping keys (the evidence's names) are sorted: their order is the sender's.
    """
    return hashlib.sha256(_CANONICAL.encode(ticket)).hexdigest()


_AT: Final = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_STEP: Final = re.compile(r"\.(\w+)|\[(\d+|\.\.\.)\]")
"""One step of msgspec's path: ``.name``, ``[index]``, or ``[...]`` for a key of a mapping."""


def field_errors(error: msgspec.ValidationError) -> list[FieldError]:
    """Msgspec's error (``Expected int - at `$.fault.code```) as a JSON-pointer path and message."""
    found = _AT.match(str(error))
    assert found is not None  # the pattern matches any text
    steps = _STEP.findall(found["path"] or "")
    pointer = "".join(f"/{name or index.replace('...', '*')}" for name, index in steps)
    return [FieldError(path=pointer or "/", message=found["message"])]


class _Validator[T]:
    """Checks a decoded JSON value (a dict …) against one contract type; raises if it breaks it.

    For callers that hold JSON values already (the integration's tests check its tickets and
    mocked answers with ``TICKET(ticket)`` and ``TICKET_STATE(answer)``).
    """

    def __init__(self, kind: type[T]) -> None:
        self._kind = kind

    def __call__(self, value: object) -> T:
        return msgspec.convert(value, self._kind)


TICKET: Final = _Validator(Ticket)
TICKET_STATE: Final = _Validator(TicketState)
HEALTH: Final = _Validator(Health)


def isoformat(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, the one format the service writes in its logs and rows."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@functools.lru_cache(maxsize=4096)
def utc(seconds: int) -> datetime:
    """Epoch seconds as an aware UTC datetime, remembered: visits start on a few grid times."""
    return datetime.fromtimestamp(seconds, UTC)
