"""A relay-failure fault episode as the engine reports it, for the ticket tests of both suites.

The Home Assistant side builds its tickets from it against a mocked service; the server side
sends the same kind of ticket to the real service.
"""

from __future__ import annotations

from custom_components.fridge_care.analysis.model import (
    FaultCode,
    FaultEpisode,
    FaultFamily,
    Severity,
)


def relay_failure(episode_id: str, *, onset_at: float, detected_at: float) -> FaultEpisode:
    """Return a critical compressor start failure (the start relay), detected as given."""
    return FaultEpisode(
        episode_id=episode_id,
        code=FaultCode.COMPRESSOR_START_FAILURE,
        family=FaultFamily.COMPRESSOR,
        severity=Severity.CRITICAL,
        confidence=0.92,
        summary="The compressor tries to start but never keeps running.",
        component="compressor start relay / overload protector",
        part="compressor start relay (PTC) and overload protector",
        ticket_worthy=True,
        onset_at=onset_at,
        detected_at=detected_at,
        evidence={"start_attempts_per_hour": 6.0, "longest_run_s": 2.0},
    )
