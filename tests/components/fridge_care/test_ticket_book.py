"""Tests for the ticket book's rules: which visits show, and which tickets still count as open."""

from __future__ import annotations

from datetime import UTC, datetime

from custom_components.fridge_care.tickets.book import TicketBook, visit_time

from .common import answer, ticket_of

VISIT_STARTS = datetime(2023, 11, 15, 16, 0, tzinfo=UTC).timestamp()


def _booked(updated_at: float, status: str = "booked") -> TicketBook:
    book = TicketBook()
    ticket = ticket_of()
    book.queue(ticket)
    book.answered(ticket["ticket_id"], answer(ticket), updated_at - 3600)
    book.answered(ticket["ticket_id"], {**answer(ticket), "status": status}, updated_at)
    return book


def test_a_booked_visit_is_in_the_calendar() -> None:
    """Booked: the visit shows, with who comes and what they bring."""
    (visit,) = _booked(VISIT_STARTS - 7200).view().visits
    assert (visit.technician, visit.part, visit.code) == (
        "Ana García",
        "RLY-PTC-220",
        "compressor_start_failure",
    )
    assert visit.start == datetime(2023, 11, 15, 16, 0, tzinfo=UTC)


def test_closed_before_the_visit_is_a_cancellation_after_it_history() -> None:
    """A ticket closed before its visit began cancelled it; closed after, the visit happened."""
    assert _booked(VISIT_STARTS - 60, "closed").view().visits == ()
    assert len(_booked(VISIT_STARTS + 7200, "closed").view().visits) == 1


def test_a_booking_without_a_usable_time_is_no_visit() -> None:
    """No offset, nonsense, or an end before the start: not shown, not trusted."""
    assert visit_time("2023-11-15T16:00:00") is None
    assert visit_time("2023-13-15T16:00:00Z") is None
    assert visit_time(None) is None
    book = TicketBook()
    ticket = ticket_of()
    book.queue(ticket)
    backwards = answer(ticket)
    backwards["booking"] = {**backwards["booking"], "end": "2023-11-15T15:00:00Z"}
    book.answered(ticket["ticket_id"], backwards, VISIT_STARTS - 7200)
    assert book.view().visits == ()
    assert book.view().current is not None
    assert book.view().current.state == "booked"


def test_the_book_survives_a_round_trip() -> None:
    """What is saved is what is read back."""
    book = _booked(VISIT_STARTS - 7200)
    book.paused = True
    book.retry_at = 123.0
    assert TicketBook(book.to_dict()).to_dict() == book.to_dict()
