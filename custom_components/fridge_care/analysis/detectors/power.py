"""Power outage: the fridge gets no mains (or its plug was switched off) and is warming.

Two faces: a Wi-Fi plug without mains goes ``unavailable`` within a minute; a plug that keeps its
own power (a Zigbee router, a UPS) reports 0 W, which a fridge with standby electronics never draws
while it has power. A plug that merely lost its network leaves a fridge that still cools now and
then, so an unavailable plug is told as an outage once the compartment is past the point at which
this fridge's compressor always starts (or has risen more than a cycle's swing) with no cooling
since — or, as the owner must hear of a power cut within half an hour, after twenty minutes with no
cooling seen, saying that the plug may only be offline. A mechanical thermostat draws 0 W between
runs, so there 0 W means no power only once the compartment is far past its cut-in after two long
rests; so does a plug that shows every compressor start yet holds its standby reading that long
with no start attempt (its on-change threshold hid the drop to 0 W). With the plug alone on a
mechanical thermostat nothing shows the fridge warming: a rest three times its longest is no power
(or a plug stuck at 0 W), told late but told. Start attempts caught again and again in such a
rest say the mains is there: the compressor cannot start (:mod:`.compressor`), no power cut.
Nor is a plug reading no power while the fridge stays near its cut-in through hours that would
have warmed it far past: the plug misreads (stuck), which :mod:`.sensors` then tells.
"""

from __future__ import annotations

from ..model import FaultCode
from ..power import NO_DRAW_W
from ..signals import Signal
from . import (
    FAR_PAST,
    Detector,
    Finding,
    View,
    caught_retrying,
    electronics_dark,
    overlong_rest,
    silent_since_last_run,
    uncooled_warming_k,
)

_CONFIRM_AFTER_S = 600.0
_OFFLINE_AFTER_S = 1200.0  # unavailable this long with no cooling seen: told as an outage
_ZERO_FOR_S = 300.0
_RISE_K = 0.8  # more than an ordinary cycle's swing, with no cooling since the plug went
_PAST_CUT_IN_K = 0.3  # or past the temperature at which this fridge's compressor always starts
_COOLING_K = 0.3
_WARMS_BY_S = 2 * 3600.0
_WARMS_BY_K = 0.5
_PAST_CUT_IN_COLD_K = 1.0  # a fridge without mains for hours is well past its cut-in, not near it


class PowerOutage(Detector):
    """No mains: plug unavailable (or at 0 W under a live standby) and no cooling since."""

    __slots__ = ("_dismissed", "_lost_at", "_peak", "_start")
    _STATE = __slots__
    code = FaultCode.POWER_OUTAGE

    def __init__(self) -> None:
        """No outage being watched."""
        self._lost_at: float | None = None
        self._start: float | None = None
        self._peak: float | None = None
        self._dismissed = False  # this loss turned out to be the plug, not the mains

    def check(self, view: View, active: bool) -> Finding | None:
        """Watch the compartment since the power went away; report a clear rise or a long wait."""
        power = view.power
        lost_at = _lost_at(view, power)
        tracker = view.tracker
        if (  # told from a long rest: it lasts until the compressor runs again, not a threshold
            lost_at is None
            and self._lost_at is not None
            and tracker is not None
            and tracker.off_since == self._lost_at
            and tracker.available
            and not tracker.running
            and not caught_retrying(tracker)
        ):
            lost_at = self._lost_at
        if power is None or lost_at is None:
            self._lost_at = self._start = self._peak = None
            self._dismissed = False
            return None
        online = power.unavailable_since is None  # reading 0 W (or a standby that hides the cut)
        off_s = view.now - lost_at
        compartment = view.fridge if view.fridge is not None else view.freezer
        temp = compartment.value if compartment is not None else None
        if self._lost_at != lost_at:
            # The same cut told again from an earlier moment (the power back, the compressor not
            # yet running: from the last run's end) keeps the warming measured since it began.
            same_cut = active and self._lost_at is not None and lost_at <= self._lost_at
            self._lost_at = lost_at
            if not same_cut:
                self._start = self._peak = temp
                self._dismissed = False
        if self._dismissed:  # this loss was the plug's: a probe's blind spell changes nothing
            return None
        if temp is None:  # the plug alone: no compartment reading to watch
            wait = _ZERO_FOR_S if online else _OFFLINE_AFTER_S / view.sensitivity
            if not active and off_s < wait:
                return None
            return Finding(
                confidence=0.9 if online else 0.6,
                evidence={"outage_min": round(off_s / 60, 1), "plug_online": float(online)},
                onset_at=lost_at,
            )
        self._start = temp if self._start is None else self._start
        self._peak = temp if self._peak is None else max(self._peak, temp)
        rise = temp - self._start
        cooling = self._peak - temp >= _COOLING_K
        if (
            off_s >= _WARMS_BY_S and not online and not _warmed(compartment, view.now, self._start)
        ) or (online and _kept_cold(view, lost_at)):
            # Hours without power warm any fridge: the plug itself is gone, or misreads.
            self._dismissed = True
            return None
        if active:
            present = True
        elif cooling:
            present = False
        elif online:
            present = off_s >= _ZERO_FOR_S
        elif off_s < _CONFIRM_AFTER_S / view.sensitivity:
            present = False
        else:
            cut_in = view.baseline.cut_in_c if compartment is view.fridge else None
            overdue = (
                cut_in is not None
                and temp >= cut_in + _PAST_CUT_IN_K / view.sensitivity
                and rise >= _COOLING_K
            )
            waited = off_s >= _OFFLINE_AFTER_S / view.sensitivity
            present = rise >= _RISE_K / view.sensitivity or overdue or waited
        if not present:
            return None
        return Finding(
            confidence=0.95 if rise >= _RISE_K or online else 0.7,
            evidence={
                "outage_min": round(off_s / 60, 1),
                "warming_k": round(rise, 2),
                "plug_online": float(online),
            },
            onset_at=lost_at,
        )


def _warmed(compartment: Signal | None, now: float, start: float) -> bool:
    """Whether the compartment's last hour sits above where it was when the power went."""
    hour = compartment.mean(now - 3600.0, now) if compartment is not None else None
    return hour is not None and hour >= start + _WARMS_BY_K


def _kept_cold(view: View, lost_at: float) -> bool:
    """Whether the fridge stayed near its cut-in through hours that would have warmed it far past.

    A plug on its own supply that reads 0 W or its standby while the compressor runs on (stuck,
    or its on-change threshold hid a restart) looks like a cut; the fridge's thermometer, still
    at the top of its cycle after as long as six of its longest rests (more beside a coarse
    probe), says something cooled it.
    """
    fridge, cut_in = view.fridge, view.baseline.cut_in_c
    would_warm = uncooled_warming_k(view, lost_at)
    if fridge is None or fridge.unavailable_since is not None or cut_in is None:
        return False
    hour = fridge.bucket_means(view.now - 3600.0, view.now)
    past = max(_PAST_CUT_IN_COLD_K, view.fridge_zone.step)
    return (
        bool(hour)
        and would_warm is not None
        and would_warm >= FAR_PAST * past
        and max(hour) < cut_in + past
    )


def _lost_at(view: View, power: Signal | None) -> float | None:
    """Since when the plug has been unavailable, or at 0 W under a live standby."""
    if power is None:
        return None
    if power.unavailable_since is not None:
        return power.unavailable_since
    tracker = view.tracker
    standby = tracker.standby_w if tracker is not None else None
    if power.value is None or power.changed_at is None:
        return None
    if standby is not None and electronics_dark(power.value, standby):
        return power.changed_at
    silent = tracker is not None and silent_since_last_run(tracker)
    if power.value > NO_DRAW_W and not silent:
        return None
    rested = overlong_rest(view)
    if rested is None or tracker is None or caught_retrying(tracker):
        return None  # (a relay caught retrying: the mains is there, the compressor cannot start)
    return rested
