"""Defrost failure: the defrost that comes like clockwork has not come."""

from __future__ import annotations

from ..model import FaultCode
from . import Detector, Finding, View, clamp01

_HOUR_S = 3600.0
_ICING_DUTY = 1.15  # ice on the evaporator: the compressor works harder for the same cooling
_GONE = 3.5  # and no defrost for this many intervals: not two sightings a slow plug missed
_STEADY = 0.15  # and a rhythm this steady (a timer's): a loose one may be bumps misread, or an
# adaptive defrost waiting on a quiet week


class DefrostFailure(Detector):
    """No defrost (heater power, or the freezer's clear warm bump) for far longer than usual.

    Armed only once the rhythm is known (several intervals that agree, by the clock or by the
    compressor's running time): a fridge whose defrosts come irregularly, or that has none, is
    never told one is missing. Hours here are the rhythm's own hours.
    """

    __slots__ = ()
    code = FaultCode.DEFROST_FAILURE

    def check(self, view: View, active: bool) -> Finding | None:
        """Say when the next defrost is overdue by the learned rhythm.

        Overdue: past half as much again as the longest recent interval, two and a half usual
        ones (a slow plug may miss one heater) and the usual one plus 8 hours. Only a steady
        rhythm's missed defrost becomes a ticket: once the compressor works harder (ice) and 3.5
        usual intervals have passed, or once it has persisted; a loose one stays a notice.
        """
        tracker = view.tracker
        overdue = view.defrosts.overdue(
            view.now,
            tracker.run_total_s if tracker is not None else None,
            view.defrost_witness_back_at,
            view.learning_since,
            view.disturbed_at or None,
        )
        if overdue is None or overdue.since_s < overdue.after_s / view.sensitivity:
            return None
        since, usual = overdue.since_s, overdue.usual_s
        evidence = {
            "hours_since_defrost": round(since / _HOUR_S, 1),
            "usual_interval_h": round(usual / _HOUR_S, 1),
        }
        duty = view.features.duty_ratio_24h
        steady = overdue.spread <= _STEADY
        if duty is not None:
            evidence["duty_ratio"] = round(duty, 2)
        return Finding(
            confidence=clamp01(0.5 + (since - overdue.after_s) / usual),
            evidence=evidence,
            confirmed=steady
            and duty is not None
            and duty >= _ICING_DUTY
            and since >= _GONE * usual,
            persistence_confirms=steady,
        )
