"""Door faults: the door left open, and a leaking door seal."""

from __future__ import annotations

from ..model import FaultCode, Severity
from . import Detector, Finding, View, clamp01, keep_if, ratio

_OPEN_TOO_LONG_S = 300.0
_DAY_S = 86_400.0
_CRITICAL_AFTER_S = 1800.0


class DoorLeftOpen(Detector):
    """The door sensor has said "open" for minutes on end."""

    __slots__ = ()
    code = FaultCode.DOOR_LEFT_OPEN

    def check(self, view: View, active: bool) -> Finding | None:
        """Open longer than five minutes (at sensitivity 1)."""
        door = view.door
        if door is None or door.open_since is None:
            return None
        open_s = view.now - door.open_since
        if open_s < _OPEN_TOO_LONG_S / view.sensitivity:
            return None
        return Finding(
            confidence=clamp01(0.7 + open_s / 3600),
            evidence={"open_min": round(open_s / 60, 1)},
            onset_at=door.open_since,
            severity=Severity.CRITICAL if open_s >= _CRITICAL_AFTER_S else None,
        )


class DoorSealLeak(Detector):
    """Warming faster with the door shut, and running more to make up for it.

    Only with a door sensor: each off period's warming is read less what its door openings add
    (learned while learning), so a busy household's openings say nothing about the seal and a
    door that is never shut for a whole rest still lets it be read. The warming is read from how
    soon the rests end (the thermostat's band is fixed and the plug times them exactly); from the
    thermometer's own rate, which a lagging or coarse probe understates, only where too few rests
    are known.
    """

    __slots__ = ()
    code = FaultCode.DOOR_SEAL_LEAK

    def check(self, view: View, active: bool) -> Finding | None:
        """Door-shut warming rate well above baseline, duty cycle up too, running power not."""
        base, now = view.baseline, view.features
        warm, measure = ratio(now.rest_pace_24h, base.rest_pace), "rest_pace_ratio"
        if warm is None:  # the ticket says which was read
            warm, measure = ratio(now.warm_norm_24h, base.warm_norm), "warming_ratio"
        duty = now.duty_ratio_24h
        if not view.settled(_DAY_S):
            return keep_if(active)
        if warm is None or duty is None:
            return None
        margin = 0.35 if view.ambient is not None else 0.5  # a warm room also speeds warming
        need = 1 + (0.6 * margin if active else margin) / view.sensitivity
        power = ratio(now.run_w_24h, base.run_w)
        if warm < need or duty < 1.1 or (power is not None and power >= 1.05):
            return None  # (more power as well points to the condenser instead)
        return Finding(
            confidence=clamp01((warm - 1) / 0.7),
            evidence={measure: round(warm, 2), "duty_ratio": round(duty, 2)},
        )
