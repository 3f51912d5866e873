"""One fridge's tickets, kept until the manufacturer has answered them: plain data and its rules.

A ticket is *proposed* (waiting for the owner's approval), *pending* (to be sent: kept on disk
through network failures and restarts until the service answers), *answered* (the service's
status and booking) or *refused*. The book is what the ticket coordinator saves in its Store and
what the entities, the calendar and the notifications read, through :meth:`TicketBook.view`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from .protocol import TICKET_STATUSES

OPEN_WITHOUT_VISIT: Final = timedelta(days=7)
"""How long an answered ticket with no visit booked still counts as open for its fault."""
KEPT_TICKETS: Final = 50
"""Answered tickets kept (and, apart, refused ones): the newest, for diagnostics and calendar."""

AWAITING_APPROVAL: Final = "awaiting_approval"
SENDING: Final = "sending"
REJECTED: Final = "rejected"
TICKET_STATES: Final = (AWAITING_APPROVAL, SENDING, *TICKET_STATUSES, REJECTED)
"""A ticket's state at home: awaiting the owner, sending, then the service's status, or refused."""

type Ticket = dict[str, Any]
"""A ticket's JSON body, as the service's contract shapes it (see ``payload``)."""


def visit_time(value: object) -> datetime | None:
    """Return a booking's start or end as an aware datetime; None when missing or unusable.

    A time without an offset could be in any zone: it can neither be shown nor compared with now,
    so it counts as no time at all.
    """
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:  # malformed, or impossible such as month 13
        return None
    return at if at.utcoffset() is not None else None


@dataclass(frozen=True, slots=True)
class Visit:
    """A technician's booked visit."""

    ticket_id: str
    code: str | None
    technician: str | None
    start: datetime
    end: datetime
    part: str | None


@dataclass(frozen=True, slots=True)
class TicketView:
    """One ticket as the owner sees it."""

    ticket_id: str
    code: str | None
    state: str
    technician: str | None = None
    part: str | None = None
    notice: str | None = None
    visit: Visit | None = None


@dataclass(frozen=True, slots=True)
class TicketsView:
    """What the entities show: the ticket the owner cares about now, and every booked visit."""

    current: TicketView | None
    """A ticket awaiting approval first, else the latest ticket raised."""
    visits: tuple[Visit, ...]
    """Booked visits, oldest first; a cancelled one (closed before it began) is not among them."""
    tickets: Mapping[str, TicketView]
    """Every ticket in the book, by id."""
    paused: bool


class TicketBook:
    """The tickets of one fridge: proposed, pending, answered and refused."""

    def __init__(self, stored: Mapping[str, Any] | None = None) -> None:
        """Restore the book from what :meth:`to_dict` saved (nothing: an empty book)."""
        stored = stored or {}
        self.proposed: dict[str, Ticket] = dict(stored.get("proposed", {}))
        self.pending: dict[str, Ticket] = dict(stored.get("pending", {}))
        """Tickets to send, oldest first."""
        self.answers: dict[str, dict[str, Any]] = dict(stored.get("answers", {}))
        """The service's answer by ticket id: code, status, booking, notice, part, answered_at."""
        self.rejected: dict[str, dict[str, Any]] = dict(stored.get("rejected", {}))
        """Refused tickets by id: the ticket, the HTTP status and the service's problem."""
        self.latest: str | None = stored.get("latest")
        """The ticket sent last."""
        self.paused: bool = bool(stored.get("paused", False))
        """The owner paused automatic requests (a switch)."""
        self.retry_at: float | None = stored.get("retry_at")
        """When the service may be tried again (POSIX seconds), honoured across restarts."""
        self.last_sent: Ticket | None = stored.get("last_sent")
        """The last ticket body that left the home, for the diagnostics download."""

    def to_dict(self) -> dict[str, Any]:
        """Return the book as JSON values."""
        return {
            "proposed": self.proposed,
            "pending": self.pending,
            "answers": self.answers,
            "rejected": self.rejected,
            "latest": self.latest,
            "paused": self.paused,
            "retry_at": self.retry_at,
            "last_sent": self.last_sent,
        }

    def known(self, ticket_id: str) -> bool:
        """Whether this ticket is pending, answered or refused already."""
        return ticket_id in self.pending or ticket_id in self.answers or ticket_id in self.rejected

    def open_ticket_for(self, code: str, now: datetime) -> str | None:
        """Return the id of a ticket for ``code`` that is pending, or answered and not done.

        Answered tickets stay open until their visit ends, or for a week without a visit
        (``needs_dispatch``, ``human_review``); a closed ticket is done.
        """
        for ticket_id, ticket in self.pending.items():
            if ticket["fault"]["code"] == code:
                return ticket_id
        for ticket_id, answer in self.answers.items():
            if answer.get("code") != code or answer.get("status") == "closed":
                continue
            end = visit_time((answer.get("booking") or {}).get("end"))
            if end is None:
                end = datetime.fromtimestamp(answer["answered_at"], now.tzinfo) + OPEN_WITHOUT_VISIT
            if end > now:
                return ticket_id
        return None

    def open_answers(self, now: datetime) -> list[str]:
        """Answered tickets worth looking up again: not closed, and still open for their fault."""
        return [
            ticket_id
            for ticket_id, answer in self.answers.items()
            if answer.get("status") != "closed"
            and self.open_ticket_for(str(answer.get("code")), now) is not None
        ]

    def propose(self, ticket: Ticket) -> None:
        """Keep a ticket until the owner approves it."""
        self.proposed[ticket["ticket_id"]] = ticket

    def queue(self, ticket: Ticket) -> None:
        """Keep a ticket to send (once: a ticket seen before is ignored)."""
        ticket_id = ticket["ticket_id"]
        self.proposed.pop(ticket_id, None)
        if not self.known(ticket_id):
            self.pending[ticket_id] = ticket
            self.latest = ticket_id

    def withdraw_proposals(self, keep: set[str]) -> list[str]:
        """Drop proposals not in ``keep`` (their fault cleared); return the ids dropped."""
        dropped = [ticket_id for ticket_id in self.proposed if ticket_id not in keep]
        for ticket_id in dropped:
            del self.proposed[ticket_id]
        return dropped

    def answered(self, ticket_id: str, answer: Mapping[str, Any], at: float) -> dict[str, Any]:
        """Record the service's answer (to a send or a look-up); return the record kept."""
        sent = self.pending.pop(ticket_id, None)
        if sent is not None:
            self.last_sent = sent
        code = sent["fault"]["code"] if sent else self.answers.get(ticket_id, {}).get("code")
        record = {
            "code": code,
            "status": answer.get("status"),
            "booking": answer.get("booking"),
            "notice": answer.get("notice"),
            "part": (answer.get("triage") or {}).get("part"),
            "answered_at": self.answers.get(ticket_id, {}).get("answered_at", at),
            "updated_at": at,
        }
        self.answers.pop(ticket_id, None)  # re-inserted last: the newest are kept
        self.answers[ticket_id] = record
        _keep_newest(self.answers)
        return record

    def refused(self, ticket_id: str, status: int, problem: dict[str, Any] | None) -> None:
        """Set a refused ticket aside, with the service's reason."""
        ticket = self.pending.pop(ticket_id)
        self.last_sent = ticket
        self.rejected[ticket_id] = {"ticket": ticket, "status": status, "problem": problem}
        _keep_newest(self.rejected)

    def changed(self, ticket_id: str, answer: Mapping[str, Any]) -> bool:
        """Whether a looked-up state differs from the answer kept (a visit moved, a close)."""
        known = self.answers.get(ticket_id, {})
        return any(answer.get(key) != known.get(key) for key in ("status", "booking"))

    def view(self) -> TicketsView:
        """Return what the owner sees of the book."""
        tickets = {
            **{ticket_id: self._answered_view(ticket_id) for ticket_id in self.answers},
            **{ticket_id: _unanswered(ticket, REJECTED) for ticket_id, ticket in self._refused()},
            **{
                ticket_id: _unanswered(ticket, SENDING)
                for ticket_id, ticket in self.pending.items()
            },
            **{
                ticket_id: _unanswered(ticket, AWAITING_APPROVAL)
                for ticket_id, ticket in self.proposed.items()
            },
        }
        current = next(iter(self.proposed), self.latest)
        visits = sorted(
            (view.visit for view in tickets.values() if view.visit is not None),
            key=lambda visit: visit.start,
        )
        return TicketsView(
            current=tickets.get(current) if current else None,
            visits=tuple(visits),
            tickets=tickets,
            paused=self.paused,
        )

    def _refused(self) -> list[tuple[str, Ticket]]:
        return [(ticket_id, refused["ticket"]) for ticket_id, refused in self.rejected.items()]

    def _answered_view(self, ticket_id: str) -> TicketView:
        answer = self.answers[ticket_id]
        booking = answer.get("booking")
        booking = booking if isinstance(booking, dict) else {}
        status = str(answer.get("status"))
        start, end = visit_time(booking.get("start")), visit_time(booking.get("end"))
        visit = None
        # A ticket closed before its visit began cancelled the visit; closed after, it happened.
        cancelled = status == "closed" and (
            start is None or answer.get("updated_at", 0.0) < start.timestamp()
        )
        if start is not None and end is not None and start < end and not cancelled:
            visit = Visit(
                ticket_id,
                answer.get("code"),
                booking.get("technician_name"),
                start,
                end,
                answer.get("part"),
            )
        return TicketView(
            ticket_id,
            answer.get("code"),
            status,
            technician=booking.get("technician_name"),
            part=answer.get("part"),
            notice=answer.get("notice"),
            visit=visit,
        )


def _unanswered(ticket: Ticket, state: str) -> TicketView:
    return TicketView(ticket["ticket_id"], ticket["fault"]["code"], state)


def _keep_newest(tickets: dict[str, dict[str, Any]]) -> None:
    """Forget the oldest answered or refused tickets beyond the last :data:`KEPT_TICKETS`."""
    for ticket_id in list(tickets)[:-KEPT_TICKETS]:
        del tickets[ticket_id]
