"""Tests for the one rule that decides when a fault becomes a ticket."""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_components.fridge_care.analysis.model import FaultCode
from custom_components.fridge_care.tickets.policy import ServiceRequests, Verdict, verdict

from .common import episode_of, relay_episode

AUTOMATIC, ASK, NEVER = ServiceRequests.AUTOMATIC, ServiceRequests.ASK, ServiceRequests.NEVER


@pytest.mark.parametrize(
    ("requests", "paused", "covered", "expected"),
    [
        (AUTOMATIC, False, False, Verdict.SEND),
        (AUTOMATIC, True, False, Verdict.ASK_OWNER),  # paused: the owner approves each
        (ASK, False, False, Verdict.ASK_OWNER),
        (NEVER, False, False, Verdict.KEEP_HOME),
        (AUTOMATIC, False, True, Verdict.COVERED),  # one fault, one visit
        (ASK, False, True, Verdict.COVERED),
    ],
)
def test_a_confirmed_fault_for_a_technician(
    requests: ServiceRequests, paused: bool, covered: bool, expected: Verdict
) -> None:
    """The owner's choice decides, unless an open ticket already covers the fault."""
    assert verdict(relay_episode(), requests, paused=paused, covered=covered) is expected


def test_only_a_confirmed_ticket_worthy_fault_may_become_a_ticket() -> None:
    """Unconfirmed: still being made sure of; not for a technician: never a ticket."""
    unconfirmed = replace(relay_episode(), confirmed_at=None)
    assert verdict(unconfirmed, AUTOMATIC, paused=False, covered=False) is Verdict.CONFIRMING
    door = episode_of(FaultCode.DOOR_LEFT_OPEN)
    assert verdict(door, AUTOMATIC, paused=False, covered=False) is Verdict.NO_TICKET
