"""Fault episodes, from a detector's first finding to clearing after a hold time.

An episode clears only once the evidence has stayed away for the fault's hold time, so a fault
never flaps on and off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .catalog import CATALOG
from .detectors import Finding
from .model import FaultCode, FaultEpisode, FaultFamily, Severity
from .state import StateVersionError


def _episode_from_dict(data: dict[str, Any]) -> FaultEpisode:
    try:
        return FaultEpisode(
            **{
                **data,
                "code": FaultCode(data["code"]),
                "family": FaultFamily(data["family"]),
                "severity": Severity(data["severity"]),
                "evidence": dict(data["evidence"]),
            }
        )
    except (KeyError, TypeError, ValueError) as err:
        raise StateVersionError(f"damaged fault episode: {err}") from err


class EpisodeBook:
    """The active episodes, one per fault code at most."""

    __slots__ = ("_absent_since", "_active", "_present_since", "_serial")

    def __init__(self) -> None:
        """No episodes yet."""
        self._active: dict[FaultCode, FaultEpisode] = {}
        self._absent_since: dict[FaultCode, float] = {}
        self._present_since: dict[FaultCode, float] = {}  # the finding has held since
        self._serial = 0

    @property
    def active(self) -> tuple[FaultEpisode, ...]:
        """Active episodes, oldest detection first."""
        return tuple(self._active.values())

    def update(
        self, now: float, findings: Mapping[FaultCode, Finding]
    ) -> tuple[tuple[FaultEpisode, ...], tuple[FaultEpisode, ...]]:
        """Apply this evaluation's findings; return the newly detected and the newly cleared."""
        detected: list[FaultEpisode] = []
        cleared: list[FaultEpisode] = []
        for code, finding in findings.items():
            if self._absent_since.pop(code, None) is not None or code not in self._active:
                self._present_since[code] = now
            spec = CATALOG[code]
            episode = self._active.get(code)
            severity = finding.severity or spec.severity
            held = (
                finding.persistence_confirms
                and now - self._present_since.get(code, now) >= spec.confirm_after_s
            )
            confirmed_at = now if finding.confirmed or held else None
            if episode is None:
                self._serial += 1
                episode = FaultEpisode(
                    episode_id=f"{code.value}-{int(now)}-{self._serial}",
                    code=code,
                    family=spec.family,
                    severity=severity,
                    confidence=round(finding.confidence, 3),
                    summary=spec.summary,
                    component=spec.component,
                    part=spec.part,
                    ticket_worthy=spec.ticket_worthy,
                    onset_at=min(now, finding.onset_at if finding.onset_at is not None else now),
                    detected_at=now,
                    evidence=finding.evidence,
                    confirmed_at=confirmed_at,
                )
                detected.append(episode)
            else:
                worst = max(episode.severity, severity, key=_RANK.__getitem__)
                episode = replace(
                    episode,
                    severity=worst,
                    confidence=round(max(episode.confidence, finding.confidence), 3),
                    evidence=finding.evidence or episode.evidence,
                    confirmed_at=episode.confirmed_at or confirmed_at,
                )
            self._active[code] = episode
        for code in [c for c in self._active if c not in findings]:
            since = self._absent_since.setdefault(code, now)
            if now - since >= CATALOG[code].clear_after_s:
                episode = replace(self._active.pop(code), cleared_at=since)
                del self._absent_since[code]
                self._present_since.pop(code, None)
                cleared.append(episode)
        return tuple(detected), tuple(cleared)

    def clear_all(self, now: float, codes: frozenset[FaultCode]) -> tuple[FaultEpisode, ...]:
        """Close the episodes of these codes at once (the owner reset what was learned)."""
        cleared = []
        for code in [c for c in self._active if c in codes]:
            cleared.append(replace(self._active.pop(code), cleared_at=now))
            self._absent_since.pop(code, None)
            self._present_since.pop(code, None)
        return tuple(cleared)

    def to_dict(self) -> dict[str, Any]:
        """JSON values."""
        return {
            "active": [episode.as_dict() for episode in self._active.values()],
            "absent_since": {code.value: at for code, at in self._absent_since.items()},
            "present_since": {code.value: at for code, at in self._present_since.items()},
            "serial": self._serial,
        }

    def restore(self, data: dict[str, Any]) -> EpisodeBook:
        """Load a saved state; raise StateVersionError if damaged."""
        try:
            episodes = [_episode_from_dict(e) for e in data["active"]]
            self._active = {e.code: e for e in episodes}
            self._absent_since = {FaultCode(c): float(t) for c, t in data["absent_since"].items()}
            self._present_since = {FaultCode(c): float(t) for c, t in data["present_since"].items()}
            self._serial = int(data["serial"])
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise StateVersionError(f"damaged episode book: {err}") from err
        return self


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}
