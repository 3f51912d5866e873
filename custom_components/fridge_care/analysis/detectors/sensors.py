"""Sensor faults: a monitoring sensor that is dead, stuck, or reading impossible values.

Home Assistant records a state only when it changes, so a sensor that says nothing new for hours is
usually just steady. It is called stuck only when the physics says it must have moved: a thermometer
that does not budge while the plug counts several compressor runs, or a plug that holds one value
while the fridge's thermometer shows it cooling again and again, or any sensor (a plug alone too)
that has held still three times longer than it ever did while the fridge was healthy (learned, and
grown since on healthy days). Never before it has held longer than that: a coarse sensor whose last
report sits mid-swing misses cycles. A plug reading no draw at all is the mains' story (or a
mechanical thermostat's rest), not the plug's, unless the fridge cools meanwhile or stays cold
through hours that would have warmed it far past its cut-in without cooling; nor is a long hold
while another fault is found that holds the compressor running or at rest, nor a run held while
the fridge only falls (the hours-long pull-down after a cut or a warm load), nor a rest held
while it only warms (a thermostat turned up, a compressor that cannot start). A probe lifted out
for a minute reads the room: plausible, and no fault. Only values outside what a compartment can
read, for a while, or an ``unavailable`` that lasts hours, are faults on their own.
"""

from __future__ import annotations

from ..baseline import sensor_hold_s
from ..model import FaultCode, Role
from ..plausibility import FAULTY_AFTER_S
from ..power import NO_DRAW_W
from ..signals import Signal
from . import FAR_PAST, Detector, Finding, View, uncooled_warming_k

_HOUR_S = 3600.0
_DEAD_AFTER_S = 2 * _HOUR_S
_STUCK_AFTER_S = 3 * _HOUR_S
_RUNS_WHILE_STUCK = 6  # full runs the plug counted while the thermometer did not move
_PLUG_STUCK_AFTER_S = 4 * _HOUR_S
_COOLINGS_WHILE_STUCK = 3  # cooling phases the thermometer showed while the plug held still
_MOVES_K = 0.3  # a cooling phase of the fridge's thermometer
_FELL_K = 1.0  # a fall below where the fridge stood that no settling after an opening explains
_TURN_K = 0.5  # the least turn of the fridge's thermometer that says the compressor switched
_RUNS_TO_JUDGE = 4  # runs seen before it froze, to judge whether it moves with them
_TURNS_PER_RUN = 1.8  # turning about twice a cycle, it shows nine cycles in ten or more
_HOLD_TIMES = 3.0  # held three times longer than it ever did while the fridge was healthy
# A thermometer that reports only 2 K changes may hold for days on a healthy fridge: one that held
# this long while learning is too coarse to be judged by how long it holds.
_LONGEST_JUDGED_HOLD_S = 12 * _HOUR_S
_HELD_BEFORE_S = 4 * 24 * _HOUR_S  # while learning, a hold is set against those of these days


class SensorFault(Detector):
    """Any configured sensor that has stopped telling the truth."""

    __slots__ = ()
    code = FaultCode.SENSOR_FAULT

    def check(self, view: View, active: bool) -> Finding | None:
        """Report every sensor of this fridge that is implausible, dead or stuck."""
        evidence: dict[str, float] = {}
        onsets: list[float] = []
        # An outage explains a silent plug, when a thermometer could tell them apart; with the
        # plug alone, hours of silence may as well be the plug itself, and the owner is told so.
        outage = FaultCode.POWER_OUTAGE in view.active and (
            view.fridge is not None or view.freezer is not None
        )
        for role, signal in (
            (Role.FRIDGE_TEMP, view.fridge),
            (Role.FREEZER_TEMP, view.freezer),
            (Role.COMPRESSOR_POWER, view.power),
            (Role.AMBIENT_TEMP, view.ambient),
        ):
            if signal is None:
                continue
            bad_since = view.implausible_since.get(role.value)
            if bad_since is not None and view.now - bad_since >= FAULTY_AFTER_S:
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
    if held < _STUCK_AFTER_S:
        return None
    # A leak, a fouled condenser or an open door runs the compressor without a stop, and a failed
    # start leaves it at standby: while such a fault is found, it explains a plug's long hold.
    explained = role is Role.COMPRESSOR_POWER and bool(view.active - {FaultCode.SENSOR_FAULT})
    if role is Role.COMPRESSOR_POWER and signal.value <= NO_DRAW_W:
        # No draw at all is the mains' story (or a mechanical thermostat's rest), not the plug's:
        # unless the fridge cools meanwhile, which without mains no compressor does.
        if explained or held < _PLUG_STUCK_AFTER_S:
            return None
        return changed if _cooled_meanwhile(view, changed) else None
    if role is Role.COMPRESSOR_POWER and _pulling_down(view, changed):
        return None  # one run cooling the fridge all along: its plug may hold it for hours
    if role is Role.COMPRESSOR_POWER and _warming_at_rest(view, changed):
        return None  # a rest through which the fridge warms past its cycle: nothing cools it
    usual = view.baseline.hold_s(role)
    if (
        usual is not None
        and not explained
        and usual <= _LONGEST_JUDGED_HOLD_S
        and held >= _HOLD_TIMES * usual
    ):
        return changed  # the fridge moves it within its usual hold, whatever the day brings
    if usual is None:  # still learning: the holds seen so far
        usual = sensor_hold_s(role, signal, changed - _HELD_BEFORE_S, changed)
    if usual is not None and held <= usual:
        return None  # a coarse sensor anchored mid-swing held this long while healthy
    if role in (Role.FRIDGE_TEMP, Role.FREEZER_TEMP):
        tracker = view.tracker
        if tracker is None or not _moves_with_cycles(view, role, changed):
            return None
        full = 0.5 * (view.baseline.run_s or 600.0)  # a short cycle may not move it
        runs = sum(1 for c in tracker.cycles if c.start >= changed and c.end - c.start >= full)
        return changed if runs >= _RUNS_WHILE_STUCK else None
    if role is Role.COMPRESSOR_POWER and held >= _PLUG_STUCK_AFTER_S:
        return changed if _cooled_since(view, changed) else None
    return None


def _cooled_meanwhile(view: View, changed: float) -> bool:
    """Whether the fridge's thermometer shows that something cooled it since the plug held 0 W.

    It cooled again and again; or it fell well below anything it read in the hour before
    (without a run the fridge only warms: a door opening's warm air settles back, never below
    where it stood); or it stayed cold through hours that, uncooled, would have warmed it far.
    """
    if _cooled_since(view, changed):
        return True
    fridge = view.fridge
    if fridge is None:
        return False
    before = fridge.bucket_means(changed - _HOUR_S, changed)
    after = fridge.bucket_means(changed, view.now)
    if not before or not after:
        return False
    return min(after) <= min(before) - _FELL_K or _stayed_cold(view, changed, before, after)


def _stayed_cold(view: View, changed: float, before: list[float], after: list[float]) -> bool:
    """Whether the fridge stayed cold through hours in which, uncooled, it must have warmed.

    Each rest of the compressor warms the fridge by its cycle's swing, so with nothing cooling
    it the fridge warms at least half a kelvin per longest rest of this fridge. Its thermometer,
    alive and reporting every change of its step, would show it well past the top of its cycle
    (its cut-in, or the warmest of the hour before); still below, something cooled it.
    """
    fridge, would_warm = view.fridge, uncooled_warming_k(view, changed)
    if fridge is None or fridge.unavailable_since is not None or would_warm is None:
        return False
    cut_in = view.baseline.cut_in_c
    top = max(before) if cut_in is None else max(*before, cut_in)
    past_top = top + max(_FELL_K, view.fridge_zone.step)
    return would_warm >= FAR_PAST * (past_top - after[0]) and max(after) < past_top


def _pulling_down(view: View, changed: float) -> bool:
    """Whether the plug holds a run through which the fridge has only fallen, by a kelvin or more.

    After a power cut or a warm load one run pulls the fridge down for hours, and a plug that
    reports on change may hold its reading all along. The fridge warms on for a while as the run
    starts (its thermometer lags; a warm load spreads), then only falls.
    """
    tracker = view.tracker
    if tracker is None or not tracker.running:
        return False
    since = _fridge_since(view, changed)
    return since is not None and _one_way(since, _turn_k(view))


def _warming_at_rest(view: View, changed: float) -> bool:
    """Whether the plug holds a rest through which the fridge has only risen, by a kelvin or more.

    The plug then tells the truth: nothing cools the fridge (a thermostat turned up, a
    compressor that cannot start, a cut the plug outlives). A plug stuck at its standby while
    the compressor runs on leaves the fridge turning down at every run, within its band.
    """
    tracker = view.tracker
    if tracker is None or tracker.running:
        return False
    since = _fridge_since(view, changed)
    return since is not None and _one_way([-mean for mean in since], _turn_k(view))


def _fridge_since(view: View, changed: float) -> list[float] | None:
    """Return the fridge's ten-minute means since the plug last changed (None without them)."""
    fridge = view.fridge
    since = fridge.bucket_means(changed, view.now) if fridge is not None else None
    return since or None


def _turn_k(view: View) -> float:
    """Return the turn that says the compressor switched: what a rest warms the fridge by."""
    return max(_TURN_K, view.fridge_zone.step)


def _one_way(means: list[float], turn: float) -> bool:
    """Whether a series fell by a kelvin or more from its highest, turning nowhere else.

    Up to its highest it may only rise (a lagging thermometer carries on a while), after it only
    fall: a turn by ``turn`` either way says the compressor switched meanwhile.
    """
    peak = means.index(max(means))
    return (
        means[peak] - means[-1] >= _FELL_K
        and _largest_turn(means[peak:]) < turn
        and _largest_turn([-mean for mean in means[: peak + 1]]) < turn
    )


def _largest_turn(means: list[float]) -> float:
    """Return the most a series rose again after falling to a low (0 if it only falls)."""
    low, turn = means[0], 0.0
    for mean in means:
        low = min(low, mean)
        turn = max(turn, mean - low)
    return turn


def _cooled_since(view: View, changed: float) -> bool:
    """Whether the fridge's thermometer showed it cooling again and again since the plug held."""
    swings = view.fridge_swings
    if swings is None:
        return False
    coolings = [p for p in swings.phases(changed) if p.change_k < -_MOVES_K]
    return len(coolings) >= _COOLINGS_WHILE_STUCK


def _moves_with_cycles(view: View, role: Role, held_since: float) -> bool:
    """Whether this thermometer shows every compressor cycle (turns about twice per run).

    As learned with the baseline; while learning, over the day before it froze.
    """
    baseline = view.baseline
    turns = (
        baseline.fridge_turns_per_run
        if role is Role.FRIDGE_TEMP
        else baseline.freezer_turns_per_run
    )
    tracker = view.tracker
    swings = view.fridge_swings if role is Role.FRIDGE_TEMP else view.freezer_swings
    if turns is None and tracker is not None and swings is not None:
        since = held_since - 86_400.0
        runs = sum(1 for c in tracker.cycles if since <= c.start < held_since)
        phases = sum(1 for p in swings.phases(since) if p.end <= held_since)
        turns = phases / runs if runs >= _RUNS_TO_JUDGE else None
    return turns is not None and turns >= _TURNS_PER_RUN
