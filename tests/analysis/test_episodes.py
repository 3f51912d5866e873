"""Episodes: a suspicion becomes a ticket only when the fault itself was seen long enough."""

from __future__ import annotations

from custom_components.fridge_care.analysis.catalog import CATALOG
from custom_components.fridge_care.analysis.detectors import UNJUDGED, Finding
from custom_components.fridge_care.analysis.episodes import EpisodeBook
from custom_components.fridge_care.analysis.model import FaultCode

LEAK = FaultCode.COOLING_FAILURE
SEEN = Finding(confidence=0.8, evidence={"duty_ratio": 1.4})


def run(book: EpisodeBook, findings: list[Finding], start: float = 1_700_000_000.0) -> float:
    """Evaluate every ten minutes from ``start``; return the time of the next evaluation."""
    for finding in findings:
        book.update(start, {LEAK: finding})
        start += 600.0
    return start


def test_a_fault_seen_for_its_confirmation_time_is_confirmed() -> None:
    book = EpisodeBook()
    steps = int(CATALOG[LEAK].confirm_after_s / 600.0)
    later = run(book, [SEEN] * steps)
    assert not book.active[0].confirmed
    run(book, [SEEN], start=later)
    assert book.active[0].confirmed


def test_an_episode_kept_open_while_it_cannot_be_judged_is_not_confirmed_by_that_time() -> None:
    """A plug gap or an outage settling: the suspicion stays open, but no ticket comes of it."""
    book = EpisodeBook()
    steps = int(CATALOG[LEAK].confirm_after_s / 600.0)
    run(book, [SEEN] + [UNJUDGED] * (2 * steps))
    (episode,) = book.active
    assert not episode.confirmed
