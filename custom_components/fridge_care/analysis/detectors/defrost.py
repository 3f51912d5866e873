"""Defrost failure: the defrost that comes every day or so has not come."""

from __future__ import annotations

from ..model import FaultCode
from . import Detector, Finding, View, clamp01, ratio

_HOUR_S = 3600.0


class DefrostFailure(Detector):
    """No defrost (heater power, or the freezer's warm bump) for much longer than usual."""

    __slots__ = ()
    code = FaultCode.DEFROST_FAILURE

    def check(self, view: View, active: bool) -> Finding | None:
        """Overdue by 60 % of the learned interval (and at least 8 hours)."""
        interval = view.baseline.defrost_interval_s
        last = view.defrosts.last
        if interval is None or last is None:
            return None
        witness = view.power if view.power is not None else view.freezer
        if witness is not None and witness.gap_end is not None:
            last = max(last, witness.gap_end)  # a defrost may have passed while it was blind
        since = view.now - last
        overdue_after = max(1.6 * interval, interval + 8 * _HOUR_S) / view.sensitivity
        if since < overdue_after:
            return None
        evidence = {
            "hours_since_defrost": round(since / _HOUR_S, 1),
            "usual_interval_h": round(interval / _HOUR_S, 1),
        }
        duty = ratio(view.features.duty_norm_24h, view.baseline.duty_norm)
        if duty is not None:
            evidence["duty_ratio"] = round(duty, 2)
        return Finding(
            confidence=clamp01(0.5 + (since - overdue_after) / interval), evidence=evidence
        )
