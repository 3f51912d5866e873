"""The ticket contract, written once: voluptuous schemas that validate and document the API.

:mod:`webhook_server.openapi` turns these same objects into the OpenAPI 3.1 document, so the
validator and the published contract cannot drift apart. A ticket is one fault episode of the
Home Assistant integration: ``ticket_id`` is the episode id and the idempotency key.
"""

from __future__ import annotations

from datetime import UTC, datetime
import functools
import re
from typing import Any, Final

import voluptuous as vol

from webhook_server.protocol import LANGUAGES, SEVERITIES, TICKET_STATUSES

MAX_BODY_BYTES: Final = 64 * 1024
"""Largest request body the service reads; a ticket is a few kilobytes."""
MAX_TIME_TO_UNSAFE_S: Final = 30 * 86400
"""Longest ``time_to_unsafe_s`` taken: no deadline runs that far anyway, and more overflows."""

_RFC3339: Final = re.compile(
    r"(?P<year>[0-9]{4})-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
"""RFC 3339 ``date-time``: ``fromisoformat`` alone takes basic and week dates and a space as
separator, and refuses a lower-case ``z``."""
YEARS: Final = range(2000, 2101)
"""Years a ticket's times may fall in: later arithmetic on far-out dates would overflow."""


def timestamp(value: str) -> datetime:
    """Return an RFC 3339 date-time with a UTC offset, returned as an aware UTC datetime."""
    if not isinstance(value, str):
        raise vol.Invalid("expected an RFC 3339 date-time string")
    form = _RFC3339.fullmatch(value)
    if form is None:
        raise vol.Invalid("expected an RFC 3339 date-time such as 2026-05-01T08:30:00Z")
    if int(form["year"]) not in YEARS:
        raise vol.Invalid(f"date-time must fall in the years {YEARS[0]} to {YEARS[-1]}")
    iso = value[: form.start("offset")].replace("t", "T")
    iso += "+00:00" if form["offset"] in ("Z", "z") else form["offset"]
    try:
        return datetime.fromisoformat(iso).astimezone(UTC)
    except (ValueError, OverflowError) as err:  # out-of-range fields: month 13, second 60...
        raise vol.Invalid("expected an RFC 3339 date-time such as 2026-05-01T08:30:00Z") from err


class FullMatch(vol.Match):
    """``vol.Match`` of the whole string: Python's ``$`` also matches before a final newline.

    The pattern stays the ECMAScript-valid ``^...$`` that the OpenAPI document publishes.
    """

    def __call__(self, value: Any) -> Any:  # noqa: ANN401 - any value, as voluptuous' own
        """Return ``value`` if the whole of it matches the pattern."""
        try:
            match = self.pattern.fullmatch(value)
        except TypeError:
            raise vol.MatchInvalid("expected string or buffer") from None
        if match is None:
            raise vol.MatchInvalid(
                self.msg or f"does not match regular expression {self.pattern.pattern}"
            )
        return value


def number(value: float) -> float:
    """Return a JSON number (not a boolean), as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise vol.Invalid("expected a number")
    return float(value)


def text(max_length: int) -> vol.All:
    """Return a non-empty string of at most ``max_length`` characters."""
    return vol.All(str, vol.Length(min=1, max=max_length))


IDENTIFIER: Final = vol.All(
    str, vol.Length(min=1, max=128), FullMatch(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
)

TIME_WINDOW: Final = vol.Schema(
    {
        vol.Required(
            "start", description=f"Window start (RFC 3339, years {YEARS[0]}-{YEARS[-1]})."
        ): timestamp,
        vol.Required(
            "end", description=f"Window end (RFC 3339, years {YEARS[0]}-{YEARS[-1]})."
        ): timestamp,
    }
)

APPLIANCE: Final = vol.Schema(
    {
        vol.Required("manufacturer", description="Brand as registered."): text(64),
        vol.Required("model", description="Model number; selects the model family."): text(64),
        vol.Required("serial", description="Serial number, unique per manufacturer."): text(64),
    }
)

TICKET: Final = vol.Schema(
    {
        vol.Required(
            "ticket_id",
            description="The integration's fault episode id; the idempotency key of the ticket.",
        ): IDENTIFIER,
        vol.Required("appliance"): APPLIANCE,
        vol.Required("customer"): {
            vol.Required("zone", description="Service zone the technicians cover."): text(64),
            vol.Optional("language", default="en", description="Language of notices."): vol.In(
                list(LANGUAGES)
            ),
            vol.Optional(
                "contact", description="Phone or e-mail for notices, passed to the gateway."
            ): text(254),
            vol.Optional(
                "preferred_windows",
                default=list,
                description="Times the customer prefers for a visit, tried first.",
            ): vol.All([TIME_WINDOW], vol.Length(max=14)),
        },
        vol.Required("fault"): {
            vol.Required("code", description="Fault code; unknown codes go to a human."): vol.All(
                str, vol.Length(min=1, max=64), FullMatch(r"^[a-z][a-z0-9_]*$")
            ),
            vol.Required("severity"): vol.In(list(SEVERITIES)),
            vol.Required("confidence", description="0 to 1."): vol.All(
                number, vol.Range(min=0, max=1)
            ),
            vol.Required("summary", description="One line for people."): text(500),
            vol.Optional("component", description="Probable component, as diagnosed."): text(128),
            vol.Optional("part", description="Suggested spare part, as diagnosed."): text(128),
            vol.Required(
                "onset_at", description=f"When the fault began (years {YEARS[0]}-{YEARS[-1]})."
            ): timestamp,
            vol.Required(
                "detected_at",
                description=f"When the integration was sure (years {YEARS[0]}-{YEARS[-1]}).",
            ): timestamp,
            vol.Optional(
                "time_to_unsafe_s",
                default=None,
                description="Predicted seconds until food is at unsafe temperature; null: unknown.",
            ): vol.Any(None, vol.All(number, vol.Range(min=0, max=MAX_TIME_TO_UNSAFE_S))),
            vol.Required("evidence", description="Figures behind the diagnosis."): vol.All(
                {str: number}, vol.Length(max=64)
            ),
        },
        vol.Required("integration_version", description="Version of the sender."): text(32),
    }
)

APPLIANCE_REGISTRATION: Final = APPLIANCE

APPLIANCE_CREDENTIALS: Final = vol.Schema(
    {
        vol.Required("appliance_id"): str,
        vol.Required("manufacturer"): str,
        vol.Required("model"): str,
        vol.Required("serial"): str,
        vol.Required(
            "secret", description="Standard Webhooks signing secret (whsec_…); shown only once."
        ): str,
        vol.Required(
            "previous_secrets_expire_at",
            description="Until when secrets issued before this one stay valid (rotation).",
        ): vol.Any(None, str),
    }
)

BOOKING: Final = vol.Schema(
    {
        vol.Required("technician_id"): str,
        vol.Required("technician_name"): str,
        vol.Required("start", description="Visit start (RFC 3339, UTC)."): str,
        vol.Required("end", description="Visit end (RFC 3339, UTC)."): str,
        vol.Required("zone"): str,
    }
)

TRIAGE: Final = vol.Schema(
    {
        vol.Required("known_fault", description="False: the code is not in the catalog."): bool,
        vol.Required("component"): vol.Any(None, str),
        vol.Required("part"): vol.Any(None, str),
        vol.Required("skill"): vol.Any(None, str),
        vol.Required("deadline", description="Latest acceptable visit start (RFC 3339)."): str,
    }
)

TICKET_STATE: Final = vol.Schema(
    {
        vol.Required("ticket_id"): str,
        vol.Required(
            "status",
            description=(
                "booked: a technician is on the way; needs_dispatch: no slot met the deadline, "
                "a dispatcher takes over; human_review: unknown fault code; closed."
            ),
        ): vol.In(list(TICKET_STATUSES)),
        vol.Required("received_at"): str,
        vol.Required("triage"): TRIAGE,
        vol.Required("booking"): vol.Any(None, BOOKING),
        vol.Required("notice", description="The customer message queued for sending."): str,
    }
)

HEALTH: Final = vol.Schema(
    {
        vol.Required("status"): vol.In(["ok", "degraded"]),
        vol.Required("database"): vol.In(["ok", "unavailable"]),
        vol.Required("version"): str,
    }
)

PROBLEM: Final = vol.Schema(
    {
        vol.Required("type", description="URI naming the kind of problem."): str,
        vol.Required("title"): str,
        vol.Required("status"): int,
        vol.Optional("detail"): str,
        vol.Optional("instance"): str,
        vol.Optional("errors", description="Each invalid field, for validation problems."): [
            {vol.Required("path"): str, vol.Required("message"): str}
        ],
    }
)


def validation_errors(error: vol.MultipleInvalid) -> list[dict[str, str]]:
    """Turn voluptuous' errors into ``[{path, message}]`` with JSON-pointer-like paths."""
    return [
        {"path": "/" + "/".join(str(part) for part in item.path), "message": item.msg}
        for item in error.errors
    ]


def isoformat(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, the one format the service writes."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@functools.lru_cache(maxsize=4096)
def epoch_isoformat(seconds: int) -> str:
    """:func:`isoformat` of epoch seconds, remembered: visits start on a few grid times."""
    return isoformat(datetime.fromtimestamp(seconds, UTC))
