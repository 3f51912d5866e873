"""Sensor faults: a monitoring sensor that is dead, stuck, or reading impossible values.

Home Assistant records a state only when it changes, so a sensor that says nothing new for hours
is usually just steady. It is called stuck only when the physics says it must have moved: a
thermometer that does not budge while the plug counts several compressor runs, or a plug that
holds one value while the fridge's thermometer shows it cooling again and again. A probe lifted
out for a minute reads the room: plausible, and no fault. Only values outside what a compartment
can read, for a while, or an ``unavailable`` that lasts hours, are faults on their own.
"""

from __future__ import annotations

from ..model import FaultCode, Role
from ..signals import Signal
from . import Detector, Finding, View

_HOUR_S = 3600.0
_IMPLAUSIBLE_FOR_S = 600.0
_DEAD_AFTER_S = 2 * _HOUR_S
_STUCK_AFTER_S = 2 * _HOUR_S
_RUNS_WHILE_STUCK = 4  # runs the plug counted while the thermometer did not move
_PLUG_STUCK_AFTER_S = 4 * _HOUR_S
_COOLINGS_WHILE_STUCK = 3  # cooling phases the thermometer showed while the plug held still
_MOVES_K = 0.3  # a thermometer whose ordinary swing is this large moves with every cycle


class SensorFault(Detector):
    """Any configured sensor that has stopped telling the truth."""

    __slots__ = ()
    code = FaultCode.SENSOR_FAULT

    def check(self, view: View, active: bool) -> Finding | None:
        """Report every sensor of this fridge that is implausible, dead or stuck."""
        evidence: dict[str, float] = {}
        onsets: list[float] = []
        outage = FaultCode.POWER_OUTAGE in view.active
        for role, signal in (
            (Role.FRIDGE_TEMP, view.fridge),
            (Role.FREEZER_TEMP, view.freezer),
            (Role.COMPRESSOR_POWER, view.power),
            (Role.AMBIENT_TEMP, view.ambient),
        ):
            if signal is None:
                continue
            bad_since = view.implausible_since.get(role.value)
            if bad_since is not None and view.now - bad_since >= _IMPLAUSIBLE_FOR_S:
                evidence[f"{role.value}_implausible"] = 1.0
                onsets.append(bad_since)
                continue
            since = signal.unavailable_since
            if (
                bad_since is None
                and since is not None
                and view.now - since >= _DEAD_AFTER_S
                and not (outage and role is Role.COMPRESSOR_POWER)
            ):
                evidence[f"{role.value}_unavailable_h"] = round((view.now - since) / _HOUR_S, 1)
                onsets.append(since)
                continue
            stuck_since = _stuck_since(view, role, signal)
            if stuck_since is not None and not outage:
                evidence[f"{role.value}_unchanged_h"] = round((view.now - stuck_since) / _HOUR_S, 1)
                onsets.append(stuck_since)
        if not evidence:
            return None
        return Finding(confidence=0.9, evidence=evidence, onset_at=min(onsets))


def _stuck_since(view: View, role: Role, signal: Signal) -> float | None:
    """Since when a sensor has held one value although the fridge's physics moved it."""
    changed = signal.changed_at
    if changed is None or signal.value is None:
        return None
    held = view.now - changed
    if role in (Role.FRIDGE_TEMP, Role.FREEZER_TEMP):
        tracker = view.tracker
        if tracker is None or held < _STUCK_AFTER_S or not _moves_with_cycles(view, role, changed):
            return None
        runs = sum(1 for cycle in tracker.cycles if cycle.start >= changed)
        return changed if runs >= _RUNS_WHILE_STUCK else None
    if role is Role.COMPRESSOR_POWER:
        swings = view.fridge_swings
        if swings is None or held < _PLUG_STUCK_AFTER_S:
            return None
        coolings = [p for p in swings.phases(changed) if p.change_k < -_MOVES_K]
        return changed if len(coolings) >= _COOLINGS_WHILE_STUCK else None
    return None


def _moves_with_cycles(view: View, role: Role, held_since: float) -> bool:
    """Whether this thermometer's ordinary swing was large enough to show every cycle.

    The learned swing once there is one; during learning, the swing of the day before it froze.
    """
    baseline = view.baseline
    learned = baseline.fridge_swing_k if role is Role.FRIDGE_TEMP else baseline.freezer_swing_k
    if learned is None:
        swings = view.fridge_swings if role is Role.FRIDGE_TEMP else view.freezer_swings
        learned = swings.swing_k(held_since - 86_400.0) if swings is not None else None
    return learned is not None and learned >= _MOVES_K
