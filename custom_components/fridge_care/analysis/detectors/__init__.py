"""Fault detectors: small classes of the same shape, one module per fault family.

Each detector reads a :class:`View` of the engine's state and answers, for its fault code, with a
:class:`Finding` (the fault is present now, with its confidence and evidence) or None. ``active``
tells it whether an episode is already open, so it can use a gentler threshold to stay on
(hysteresis). A finding may say it is ``confirmed`` when a second signal corroborates it; else
the catalog's persistence rule confirms it. Detectors hold no state of their own unless they say
so in ``_STATE``, and none runs on a learned figure that is not learned yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..baseline import Baseline
from ..cycles import CycleTracker
from ..defrosts import DefrostLog
from ..features import Features
from ..model import EngineConfig, FaultCode, Severity
from ..power import NO_DRAW_W
from ..signals import Compartment, Door, Signal
from ..state import Persistent
from ..swings import Swings

_PULL_DOWN_S = 3 * 3600.0
_MECHANICAL_PAST_CUT_IN_K = 2.0  # a mechanical thermostat's band is wide and drifts
_MECHANICAL_RESTS = 2.0  # long ordinary off periods
_PLUG_ALONE_RESTS = 3.0  # with nothing to show the fridge warming, far longer than any rest
_PLUG_ALONE_REST_S = 2 * 3600.0
# Bursts caught in one rest that say a relay keeps retrying (every few minutes) with the mains
# there: a cut can cut one start short, and a run's end can leave one reading that looks a burst.
RETRIES_CAUGHT = 2
LIVE_STANDBY_W = 1.0  # standby electronics: an appliance resting at this or more has them
_DARK_SHARE = 0.5  # a reading under half the learned standby: the electronics went dark too
# Or under three quarters of it by more than a coarse plug's 1 W step: a plug averaging over a
# second reads the cut's first second between the standby and 0 W, and an on-change threshold
# larger than what is left hides the last step down.
_DIMMED_SHARE = 0.75
_DIMMED_W = 1.5
_REST_WARMS_K = 0.5  # the least a fridge warms in one of its rests (its cycle's swing is 1-3 K)
FAR_PAST = 3.0  # uncooled this long, a fridge would have warmed three times past where it stands


def electronics_dark(watts: float, standby: float) -> bool:
    """Whether a plug reads under what this appliance's standby electronics always draw.

    A plug on its own supply (or one that reads its own 1 W) then says the mains is gone.
    """
    if standby < LIVE_STANDBY_W:
        return False
    dimmed = watts < _DIMMED_SHARE * standby and standby - watts >= _DIMMED_W
    return watts < _DARK_SHARE * standby or dimmed


def attempts_since_last_run(tracker: CycleTracker) -> int:
    """Count the start attempts (bursts that never became a run) caught since the last run."""
    last = tracker.last_run_end
    return sum(1 for a in tracker.attempts if last is None or a > last)


def caught_retrying(tracker: CycleTracker) -> bool:
    """Whether the plug caught a relay retrying since the last run: the mains is there."""
    return attempts_since_last_run(tracker) >= RETRIES_CAUGHT


def silent_since_last_run(tracker: CycleTracker) -> bool:
    """Whether a plug that shows every start has shown no start attempt since the last run.

    Its electronics then still read their standby, yet nothing asked the compressor to start:
    the mains is gone and the plug's on-change threshold hid the drop to 0 W (a relay that
    cannot start would show its bursts).
    """
    return tracker.shows_starts and not attempts_since_last_run(tracker)


def overlong_rest(view: View) -> float | None:
    """Return since when the compressor has rested far longer than this fridge ever does.

    At 0 W, or under a plug silent at its standby; None while it has not. A mechanical thermostat
    draws 0 W between runs, so only a rest two of its longest long, with the fridge well past its
    cut-in, says the compressor is not running when it should; with the plug alone nothing shows
    the fridge warming, so the rest must be three of its longest. Then either the mains is gone
    or the compressor cannot start: bursts caught say which.
    """
    tracker, power = view.tracker, view.power
    if tracker is None or power is None or power.value is None:
        return None
    standby, off_since = tracker.standby_w, tracker.off_since
    cut_in, longest, fridge = view.baseline.cut_in_c, view.baseline.off_s_long, view.fridge
    if standby is None or longest is None or off_since is None:
        return None
    resting = view.now - off_since
    if fridge is not None:
        past = (
            fridge.value is not None
            and cut_in is not None
            and fridge.value >= cut_in + _MECHANICAL_PAST_CUT_IN_K
        )
        return off_since if past and resting >= _MECHANICAL_RESTS * longest else None
    alone = view.freezer is None and power.value <= NO_DRAW_W
    far = resting >= max(_PLUG_ALONE_RESTS * longest, _PLUG_ALONE_REST_S)
    return off_since if alone and far else None


def uncooled_warming_k(view: View, since: float) -> float | None:
    """Return the least the fridge would have warmed since ``since`` had nothing cooled it.

    Each rest of the compressor warms the fridge by its cycle's swing: half a kelvin per longest
    rest of this fridge at least (None while its rests are not learned).
    """
    longest = view.baseline.off_s_long
    return _REST_WARMS_K * (view.now - since) / longest if longest else None


@dataclass(frozen=True, slots=True)
class View:
    """What a detector may read at one evaluation; None where the fridge lacks the sensor."""

    now: float
    config: EngineConfig
    fridge: Signal | None
    freezer: Signal | None
    ambient: Signal | None
    power: Signal | None
    fridge_swings: Swings | None
    freezer_swings: Swings | None
    fridge_zone: Compartment
    freezer_zone: Compartment
    door: Door | None
    tracker: CycleTracker | None
    features: Features
    baseline: Baseline
    defrosts: DefrostLog
    defrost_witness_back_at: float | None  # the defrost witness's last return from blindness
    learning_since: float | None  # when the engine began watching this fridge (or relearning)
    implausible_since: dict[str, float]
    disturbed_at: float  # last time an outage or an open door upset the fridge's rhythm
    active: set[FaultCode]  # open episodes, plus faults already found in this evaluation

    @property
    def sensitivity(self) -> float:
        """The owner's sensitivity, kept within the supported 0.5..2.0."""
        return min(2.0, max(0.5, self.config.sensitivity))

    def settled(self, window_s: float) -> bool:
        """Whether a window of this length ending now is free of the pull-down after a disturbance.

        After an outage or an open door the fridge runs for hours to recover; figures over a
        window that includes that recovery say nothing about slow faults.
        """
        return self.now - self.disturbed_at >= window_s + _PULL_DOWN_S


@dataclass(frozen=True, slots=True)
class Finding:
    """A fault is present now."""

    confidence: float
    evidence: dict[str, float]
    onset_at: float | None = None  # when it began, if earlier than now
    severity: Severity | None = None  # overrides the catalog's default (escalation)
    confirmed: bool = False  # a second signal corroborates it already
    persistence_confirms: bool = True  # False: indirect evidence, only corroboration confirms


UNJUDGED = Finding(confidence=0.0, evidence={}, persistence_confirms=False)
"""An open episode's evidence cannot be judged now (a disturbance is settling): it is kept, but
the time it is kept unjudged never confirms it (a ticket needs the fault seen, not assumed)."""


def keep_if(active: bool) -> Finding | None:
    """While the figures cannot be judged, keep an open episode open and open none."""
    return UNJUDGED if active else None


def ratio(value: float | None, reference: float | None) -> float | None:
    """Value / reference, or None when either is unknown or the reference is not positive."""
    if value is None or reference is None or reference <= 0:
        return None
    return value / reference


def clamp01(value: float) -> float:
    """Confidence stays within 0..1."""
    return min(1.0, max(0.0, value))


class Detector(Persistent):
    """Base of every detector; subclasses set ``code`` and implement ``check``."""

    __slots__ = ()
    _STATE: ClassVar[tuple[str, ...]] = ()
    code: ClassVar[FaultCode]

    def check(self, view: View, active: bool) -> Finding | None:
        """Whether the fault is present now."""
        raise NotImplementedError
