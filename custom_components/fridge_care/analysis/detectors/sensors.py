"""Sensor faults: a monitoring sensor that is stuck, silent, dead or reading impossible values."""

from __future__ import annotations

from ..model import FaultCode, Role
from ..signals import Signal
from . import Detector, Finding, View

_HOUR_S = 3600.0
_IMPLAUSIBLE_RECENT_S = 900.0
_DEAD_AFTER_S = 2 * _HOUR_S
_STUCK_AFTER_S = {  # a reading that never moves for this long is not measuring anything
    Role.FRIDGE_TEMP: 3 * _HOUR_S,
    Role.FREEZER_TEMP: 4 * _HOUR_S,
    Role.COMPRESSOR_POWER: 2 * _HOUR_S,  # a plug sends heartbeats: silence means it is gone
    Role.AMBIENT_TEMP: 24 * _HOUR_S,
}


class SensorFault(Detector):
    """Any configured sensor that has stopped telling the truth."""

    __slots__ = ()
    code = FaultCode.SENSOR_FAULT

    def check(self, view: View, active: bool) -> Finding | None:
        """Report every sensor of this fridge that is implausible, dead or stuck."""
        evidence: dict[str, float] = {}
        onsets: list[float] = []
        signals: tuple[tuple[Role, Signal | None], ...] = (
            (Role.FRIDGE_TEMP, view.fridge),
            (Role.FREEZER_TEMP, view.freezer),
            (Role.COMPRESSOR_POWER, view.power),
            (Role.AMBIENT_TEMP, view.ambient),
        )
        for role, signal in signals:
            if signal is None:
                continue
            bad_at = view.implausible_at.get(role.value)
            if bad_at is not None and view.now - bad_at <= _IMPLAUSIBLE_RECENT_S:
                evidence[f"{role.value}_implausible"] = 1.0
                onsets.append(bad_at)
                continue
            since = signal.unavailable_since
            outage = role is Role.COMPRESSOR_POWER and FaultCode.POWER_OUTAGE in view.active
            if since is not None and view.now - since >= _DEAD_AFTER_S and not outage:
                evidence[f"{role.value}_unavailable_h"] = round((view.now - since) / _HOUR_S, 1)
                onsets.append(since)
                continue
            changed = signal.last_at if role is Role.COMPRESSOR_POWER else signal.changed_at
            if changed is not None and view.now - changed >= _STUCK_AFTER_S[role] and not outage:
                evidence[f"{role.value}_unchanged_h"] = round((view.now - changed) / _HOUR_S, 1)
                onsets.append(changed)
        if not evidence:
            return None
        return Finding(confidence=0.9, evidence=evidence, onset_at=min(onsets))
