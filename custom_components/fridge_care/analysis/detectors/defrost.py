"""Defrost failure: the defrost that comes like clockwork has not come."""

from __future__ import annotations

from ..model import FaultCode
from . import Detector, Finding, View, clamp01

_HOUR_S = 3600.0
_ICING_DUTY = 1.15  # ice on the evaporator: the compressor works harder for the same cooling


class DefrostFailure(Detector):
    """No defrost (heater power, or the freezer's clear warm bump) for far longer than usual.

    Armed only once the rhythm is known (several fully watched intervals that agree): a fridge
    whose defrosts come irregularly, or that has none, is never told one is missing. A defrost
    may have passed while the witness was unavailable, so the clock restarts then — but only
    then: a plug or thermometer that merely held a steady value was watching all along.
    """

    __slots__ = ()
    code = FaultCode.DEFROST_FAILURE

    def check(self, view: View, active: bool) -> Finding | None:
        """Overdue by half as much again as the longest recent interval (and 8 hours or more)."""
        defrosts = view.defrosts
        overdue_after = defrosts.overdue_after_s
        last = defrosts.last
        usual = defrosts.rhythm_s
        if overdue_after is None or last is None or usual is None:
            return None
        witness = view.power if view.power is not None else view.freezer
        if witness is not None and witness.gap_end is not None:
            last = max(last, witness.gap_end)
        since = view.now - last
        if since < overdue_after / view.sensitivity:
            return None
        evidence = {
            "hours_since_defrost": round(since / _HOUR_S, 1),
            "usual_interval_h": round(usual / _HOUR_S, 1),
        }
        duty = view.features.duty_ratio_24h
        if duty is not None:
            evidence["duty_ratio"] = round(duty, 2)
        return Finding(
            confidence=clamp01(0.5 + (since - overdue_after) / usual),
            evidence=evidence,
            confirmed=duty is not None and duty >= _ICING_DUTY,
        )
