"""Power outage: the plug has gone silent and the fridge is warming, so the mains is off."""

from __future__ import annotations

from ..model import FaultCode
from . import Detector, Finding, View

_CONFIRM_AFTER_S = 600.0
_ASSUME_AFTER_S = 2700.0
_RISE_K = 0.5
_COOLING_K = 0.3


class PowerOutage(Detector):
    """Plug unavailable, compartments warming and never cooling since: no mains.

    A plug that merely lost its Wi-Fi leaves a fridge that still cools now and then, so the
    detector watches the compartment since the plug went away and waits for a clear rise.
    """

    __slots__ = ("_lost_at", "_peak", "_start")
    _STATE = __slots__
    code = FaultCode.POWER_OUTAGE

    def __init__(self) -> None:
        """No outage being watched."""
        self._lost_at: float | None = None
        self._start: float | None = None
        self._peak: float | None = None

    def check(self, view: View, active: bool) -> Finding | None:
        """Look for 10 minutes unavailable and warming (0.5 K, or past the usual start).

        After 45 minutes with no cooling seen it is an outage whatever the rise.
        """
        power = view.power
        if power is None or power.unavailable_since is None:
            self._lost_at = self._start = self._peak = None
            return None
        compartment = view.fridge if view.fridge is not None else view.freezer
        temp = compartment.fresh(view.now, 1800.0) if compartment is not None else None
        if self._lost_at != power.unavailable_since:
            self._lost_at = power.unavailable_since
            self._start = self._peak = temp
        if temp is not None:
            self._start = temp if self._start is None else self._start
            self._peak = temp if self._peak is None else max(self._peak, temp)
        off_s = view.now - power.unavailable_since
        if self._start is None or self._peak is None or temp is None:
            return None
        rise = temp - self._start
        cooling = self._peak - temp >= _COOLING_K
        if active:
            present = True
        elif cooling or off_s < _CONFIRM_AFTER_S / view.sensitivity:
            present = False
        else:
            cut_in = view.baseline.cut_in_c if compartment is view.fridge else None
            overdue = cut_in is not None and temp >= cut_in + _RISE_K and rise >= _COOLING_K
            present = rise >= _RISE_K / view.sensitivity or off_s >= _ASSUME_AFTER_S or overdue
        if not present:
            return None
        return Finding(
            confidence=0.95 if rise >= _RISE_K else 0.7,
            evidence={"outage_min": round(off_s / 60, 1), "warming_k": round(rise, 2)},
            onset_at=power.unavailable_since,
        )
