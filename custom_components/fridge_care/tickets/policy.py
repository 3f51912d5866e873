"""When a fault becomes a ticket: the one rule, in plain Python.

Only a confirmed, ticket-worthy episode (:attr:`FaultEpisode.wants_ticket`) may become a ticket;
an unconfirmed one is still being made sure of. One visit covers one fault: while a ticket for the
same fault is open, a new episode sends nothing. Then the owner's choice decides: send at once,
ask first (also while automatic requests are paused), or never send.
"""

from __future__ import annotations

from enum import StrEnum

from ..analysis.model import FaultEpisode


class ServiceRequests(StrEnum):
    """The owner's choice: who decides that a fault goes to the manufacturer."""

    AUTOMATIC = "automatic"
    ASK = "ask"
    NEVER = "never"


class Verdict(StrEnum):
    """What becomes of one fault episode."""

    NO_TICKET = "no_ticket"
    """Not a fault for a technician (a door left open, a power cut, a sensor)."""
    CONFIRMING = "confirming"
    """For a technician, but not confirmed yet: the owner hears of it, nothing is sent."""
    COVERED = "covered"
    """An open ticket for the same fault already brings a technician."""
    SEND = "send"
    ASK_OWNER = "ask_owner"
    KEEP_HOME = "keep_home"
    """The owner never sends requests (the Request service button still can)."""


def verdict(
    episode: FaultEpisode, requests: ServiceRequests, *, paused: bool, covered: bool
) -> Verdict:
    """Decide what one active fault episode becomes.

    ``paused``: the owner switched automatic requests off for now; ``covered``: a ticket for the
    same fault is still open.
    """
    if not episode.wants_ticket:
        return Verdict.CONFIRMING if episode.ticket_worthy else Verdict.NO_TICKET
    if covered:
        return Verdict.COVERED
    if requests is ServiceRequests.NEVER:
        return Verdict.KEEP_HOME
    if requests is ServiceRequests.ASK or paused:
        return Verdict.ASK_OWNER
    return Verdict.SEND
