"""The engine: the one entry point Home Assistant and the replay command talk to.

Samples are queued by ``ingest`` (a few hundred nanoseconds) and folded into the streaming state
at the next ``evaluate`` in time order, which also absorbs slightly out-of-order delivery. Every
ten minutes of fridge time the windowed figures are recomputed and the baseline learns or adapts;
every evaluation runs the detectors on that state and updates the fault episodes.
"""

from __future__ import annotations

import math
from operator import itemgetter
from typing import Any, ClassVar

from .baseline import HOLDING_ROLES, Baseline
from .catalog import CATALOG
from .cycles import CycleTracker
from .defrosts import DefrostLog
from .detectors import Detector, Finding, View
from .detectors.compressor import (
    CompressorStartFailure,
    CondenserFouling,
    PowerFluctuation,
    ShortCycling,
)
from .detectors.cooling import CoolingFailure, UnsafeTemperature
from .detectors.defrost import DefrostFailure
from .detectors.door import DoorLeftOpen, DoorSealLeak
from .detectors.power import PowerOutage
from .detectors.sensors import SensorFault
from .episodes import EpisodeBook
from .features import Features, compute
from .model import (
    COMPARTMENT_ROLES,
    EngineConfig,
    FaultCode,
    FaultEpisode,
    HealthReport,
    Role,
    Severity,
    Status,
)
from .plausibility import Plausibility
from .signals import BUCKET_S, Compartment, Door, Signal
from .state import StateVersionError
from .swings import Swings

__all__ = ["Engine", "StateVersionError"]

DETECTORS: tuple[type[Detector], ...] = (
    PowerOutage,  # first: other detectors defer to an outage
    SensorFault,
    UnsafeTemperature,
    DoorLeftOpen,
    CompressorStartFailure,
    ShortCycling,
    PowerFluctuation,
    DefrostFailure,
    CoolingFailure,
    DoorSealLeak,
    CondenserFouling,
)
PLAUSIBLE: dict[Role, tuple[float, float]] = {  # readings outside these are set aside
    Role.FRIDGE_TEMP: (-30.0, 50.0),
    Role.FREEZER_TEMP: (-50.0, 40.0),
    Role.AMBIENT_TEMP: (-30.0, 60.0),
    Role.COMPRESSOR_POWER: (0.0, 5000.0),
    Role.DOOR: (0.0, 1.0),
}
FASTEST_K_PER_MIN: dict[Role, float] = {  # no compartment moves faster (a lifted probe does)
    Role.FRIDGE_TEMP: 4.0,  # a door or a start moves a fridge's air a kelvin or two a minute
    Role.FREEZER_TEMP: 6.0,  # a defrost lifts a freezer's air by up to ~25 K, over half an hour
    Role.AMBIENT_TEMP: 4.0,
}
_MAX_PENDING = 4096
_HOUR_S = 3600.0
_WARM_WITHOUT_COOLING_K_PER_H = {Role.FRIDGE_TEMP: 1.5, Role.FREEZER_TEMP: 0.5}
"""Stated conservative warming of a closed compartment with no cooling at all, used for the
time until unsafe until this fridge's own warming is measured: a fridge's air warms by 1-2 K an
hour, a full freezer holds about 48 hours."""
_COOLING_LOST = frozenset(
    {FaultCode.POWER_OUTAGE, FaultCode.COMPRESSOR_START_FAILURE, FaultCode.COOLING_FAILURE}
)
_DISTURBANCES = frozenset({FaultCode.POWER_OUTAGE, FaultCode.DOOR_LEFT_OPEN})
_PENALTY = {Severity.INFO: 10.0, Severity.WARNING: 30.0, Severity.CRITICAL: 60.0}
_HORIZON_S = 7 * 86_400.0


class Engine:
    """Streaming, causal fault detection for one fridge."""

    STATE_VERSION: ClassVar[int] = 11

    def __init__(self, config: EngineConfig) -> None:
        """Start learning this fridge from scratch."""
        self.config = config
        roles = config.roles
        self._signals = {role: Signal() for role in Role}
        self._fridge_zone = Compartment()
        self._freezer_zone = Compartment()
        self._door = Door()
        self._fridge_swings = Swings()
        self._freezer_swings = Swings()
        self._tracker = CycleTracker()
        self._baseline = Baseline()
        self._defrosts = DefrostLog()
        # The sensor that shows defrosts: the plug's heater, else the freezer's bumps.
        self._defrost_witness = next(
            (r for r in (Role.COMPRESSOR_POWER, Role.FREEZER_TEMP) if r in roles), None
        )
        self._episodes = EpisodeBook()
        self._detectors = [cls() for cls in DETECTORS if CATALOG[cls.code].observable(roles)]
        self._pending: list[tuple[float, Role, float | None]] = []
        self._plausibility = {role: Plausibility() for role in Role}
        self._learning_since: float | None = None
        self._tick = -1
        self._features = Features(at=0.0)
        self._disturbed_at = 0.0

    # --- input -----------------------------------------------------------------------------

    def ingest(self, role: Role, at: float, value: float | None) -> None:
        """Queue one reading (None, NaN or infinity: the sensor is unavailable)."""
        if value is not None and not math.isfinite(value):
            value = None
        if not math.isfinite(at):
            return
        pending = self._pending
        pending.append((at, role, value))
        if len(pending) >= _MAX_PENDING:  # nobody evaluates: fold in to keep memory bounded
            self._drain(math.inf)

    def _drain(self, now: float) -> None:
        pending = self._pending
        if not pending:
            return
        pending.sort(key=itemgetter(0))
        if pending[-1][0] <= now:
            ready, self._pending = pending, []
        else:
            split = next(i for i, sample in enumerate(pending) if sample[0] > now)
            ready, self._pending = pending[:split], pending[split:]
        fold = self._fold
        for at, role, value in ready:
            fold(at, role, value)

    def _fold(self, at: float, role: Role, value: float | None) -> None:
        """Fold one reading into the streaming state (the per-sample hot path)."""
        if self._learning_since is None:
            self._learning_since = at
        if value is not None and not self._plausibility[role].check(
            at, value, *PLAUSIBLE[role], k_per_min=FASTEST_K_PER_MIN.get(role)
        ):
            value = None  # set aside: not what the sensor measures
        if not self._signals[role].update(at, value):
            return
        if role is Role.COMPRESSOR_POWER:
            self._tracker.update(
                at, value, self._signals[Role.FRIDGE_TEMP].value, self._door.openings
            )
        elif role is Role.FRIDGE_TEMP:
            self._fridge_zone.update(at, value, self.config.fridge_limit_c)
            if value is not None:
                self._fridge_swings.update(at, value)
        elif role is Role.FREEZER_TEMP:
            self._freezer_zone.update(at, value, self.config.freezer_limit_c)
            if value is not None:
                self._freezer_swings.update(at, value)
        elif role is Role.DOOR:
            self._door.update(at, value)

    # --- evaluation ------------------------------------------------------------------------

    def evaluate(self, now: float) -> HealthReport:
        """Bring the state up to ``now`` and report; uses only readings at or before ``now``."""
        self._drain(now)
        if self._learning_since is None:
            self._learning_since = now
        for signal in self._signals.values():
            signal.advance(now)
        self._tracker.advance(now)
        tick = int(now // BUCKET_S)
        if tick != self._tick:
            self._tick = tick
            self._slow_tick(now)
        was_active = frozenset(e.code for e in self._episodes.active)
        view = self._view(now, set(was_active))
        safety_only = not self._baseline.learned
        findings: dict[FaultCode, Finding] = {}
        for detector in self._detectors:
            code = detector.code
            spec = CATALOG[code]
            if (safety_only and not spec.safety) or (
                code not in was_active and spec.explained(view.active)
            ):
                continue
            finding = detector.check(view, code in was_active)
            if finding is not None:
                findings[code] = finding
                view.active.add(code)
        detected, cleared = self._episodes.update(now, findings)
        if any(code in findings for code in _DISTURBANCES) or any(
            e.code in _DISTURBANCES for e in cleared
        ):
            self._disturbed_at = now
        return self._report(now, detected, cleared)

    def _slow_tick(self, now: float) -> None:
        """Every ten minutes: relearn the power levels, recompute the windowed figures, learn."""
        roles = self.config.roles
        power = Role.COMPRESSOR_POWER in roles
        tracker = self._tracker if power else None
        fridge, freezer, ambient = (
            self._signal(Role.FRIDGE_TEMP),
            self._signal(Role.FREEZER_TEMP),
            self._signal(Role.AMBIENT_TEMP),
        )
        if tracker is not None:
            tracker.signature.relearn(now)
            self._show_first_hours(tracker, now)
        fridge_swings = self._fridge_swings if fridge is not None else None
        freezer_swings = self._freezer_swings if freezer is not None else None
        baseline = self._baseline
        self._features = compute(
            now,
            tracker,
            (fridge, freezer, ambient, self._signal(Role.COMPRESSOR_POWER)),
            fridge_swings,
            baseline,
        )
        self._defrosts.observe(
            now,
            tracker,
            freezer_swings,
            self._defrost_witness_back_at(),
            self._plausibility[Role.FREEZER_TEMP].suspects,
            upset_at=self._disturbed_at or None,
        )
        since = self._learning_since
        assert since is not None
        if not baseline.learned:
            if now - since >= self.config.learning_period_h * 3600.0:
                baseline.learn(
                    since,
                    now,
                    tracker,
                    (fridge, freezer),
                    ambient,
                    self._signal(Role.COMPRESSOR_POWER),
                    (fridge_swings, freezer_swings),
                )
        elif now - self._disturbed_at >= 86_400.0 and not any(
            not CATALOG[e.code].safety for e in self._episodes.active
        ):
            baseline.adapt(self._features, {role: self._signal(role) for role in HOLDING_ROLES})

    def _signal(self, role: Role) -> Signal | None:
        return self._signals[role] if role in self.config.roles else None

    def _defrost_witness_back_at(self) -> float | None:
        """When the sensor that shows defrosts last came back to the truth.

        From an unavailable spell, from a stream of readings no sensor of its kind can give, or
        from a cut or a door left open (whose warmth is not told from a defrost's): a defrost
        may have passed unseen in any of them, so none counts towards a missed one.
        """
        role = self._defrost_witness
        if role is None:
            return None
        gap_end, faulty_until = self._signals[role].gap_end, self._plausibility[role].faulty_until()
        # A cut or a door left open hides a defrost as well: its warmth is not told from one.
        back = [at for at in (gap_end, faulty_until, self._disturbed_at or None) if at is not None]
        return max(back, default=None)

    def _view(self, now: float, active: set[FaultCode]) -> View:
        roles = self.config.roles
        return View(
            now=now,
            config=self.config,
            fridge=self._signal(Role.FRIDGE_TEMP),
            freezer=self._signal(Role.FREEZER_TEMP),
            ambient=self._signal(Role.AMBIENT_TEMP),
            power=self._signal(Role.COMPRESSOR_POWER),
            fridge_swings=self._fridge_swings if Role.FRIDGE_TEMP in roles else None,
            freezer_swings=self._freezer_swings if Role.FREEZER_TEMP in roles else None,
            fridge_zone=self._fridge_zone,
            freezer_zone=self._freezer_zone,
            door=self._door if Role.DOOR in roles else None,
            tracker=self._tracker if Role.COMPRESSOR_POWER in roles else None,
            features=self._features,
            baseline=self._baseline,
            defrosts=self._defrosts,
            defrost_witness_back_at=self._defrost_witness_back_at(),
            learning_since=self._learning_since,
            implausible_since={
                role.value: since
                for role, check in self._plausibility.items()
                if (since := check.faulty_since(now)) is not None
            },
            disturbed_at=self._disturbed_at,
            active=active,
        )

    def _report(
        self, now: float, detected: tuple[FaultEpisode, ...], cleared: tuple[FaultEpisode, ...]
    ) -> HealthReport:
        active = self._episodes.active
        learned = self._baseline.learned
        since = self._learning_since if self._learning_since is not None else now
        progress = (
            1.0 if learned else min(1.0, (now - since) / (self.config.learning_period_h * 3600.0))
        )
        roles = self.config.roles
        watched = COMPARTMENT_ROLES & roles or roles & {Role.COMPRESSOR_POWER}
        if not any(self._signals[role].available() for role in watched):
            status = Status.NO_DATA
        elif any(e.severity is Severity.CRITICAL for e in active):
            status = Status.FAULT
        elif active:
            status = Status.ATTENTION
        else:
            status = Status.OK if learned else Status.LEARNING
        features = self._features
        duty, starts = self._duty_now(now)
        cooling_lost = any(e.code in _COOLING_LOST for e in active)
        return HealthReport(
            at=now,
            status=status,
            health_score=self._health_score(active) if learned or active else None,
            learning_progress=round(progress, 3),
            duty_cycle=duty,
            starts_per_hour=starts,
            running_power_w=self._tracker.signature.run_w if self._plugged else None,
            time_to_unsafe_s=self._time_to_limit(
                now, Role.FRIDGE_TEMP, self.config.fridge_limit_c, cooling_lost=cooling_lost
            ),
            freezer_time_to_unsafe_s=self._time_to_limit(
                now, Role.FREEZER_TEMP, self.config.freezer_limit_c, cooling_lost=cooling_lost
            ),
            food_exposure_s=self._fridge_zone.exposure_s(now),
            last_defrost_at=self._defrosts.last,
            defrost_interval_s=self._defrosts.rhythm_s,
            energy_24h_kwh=features.energy_24h_kwh,
            healthy_energy_24h_kwh=self._baseline.energy_kwh,
            active=active,
            detected=detected,
            cleared=cleared,
        )

    @property
    def _plugged(self) -> bool:
        return Role.COMPRESSOR_POWER in self.config.roles

    @staticmethod
    def _show_first_hours(tracker: CycleTracker, now: float) -> None:
        """Read the first hours' figures again, or let them go once an hour has settled."""
        first_hours = tracker.first_hours
        if first_hours.closed:
            return
        seen = tracker.duty(now - 3 * _HOUR_S, now)
        if seen is not None and seen[1] >= _HOUR_S:
            first_hours.close()
            return
        levels = tracker.signature.shown_levels
        if levels is not None:
            first_hours.refresh(now, *levels)

    def _duty_now(self, now: float) -> tuple[float | None, float | None]:
        """Duty over the last 3 hours and starts per hour over the last 6, once an hour is seen.

        Until then the figures of the plug's first hours are shown: the duty from the first
        rest and run, the starts from the first whole hour.
        """
        if not self._plugged:
            return None, None
        tracker = self._tracker
        duty = tracker.duty(now - 3 * _HOUR_S, now)
        starts = tracker.duty(now - 6 * _HOUR_S, now)
        return (
            round(duty[0] / duty[1], 3)
            if duty and duty[1] >= _HOUR_S
            else tracker.first_hours.duty,
            round(starts[2] / (starts[1] / _HOUR_S), 2)
            if starts and starts[1] >= _HOUR_S
            else tracker.first_hours.starts_per_h,
        )

    def _health_score(self, active: tuple[FaultEpisode, ...]) -> float:
        score = 100.0
        for episode in active:
            score -= _PENALTY[episode.severity] * (0.5 + 0.5 * episode.confidence)
        base = self._baseline.duty_norm
        duty = self._features.duty_norm_24h
        if base and duty and duty > base:
            score -= min(20.0, (duty / base - 1) * 50)
        return round(max(0.0, score), 1)

    def _time_to_limit(
        self, now: float, role: Role, limit: float, *, cooling_lost: bool
    ) -> float | None:
        """Seconds until the compartment passes its limit, or None while it is not warming.

        Normally at the last hour's trend. Once cooling is lost (an outage, a compressor that
        cannot start or run properly) the estimate starts at once, from the current reading: at
        the faster of the measured trend and this fridge's learned door-shut warming (or, before
        that is learned, a stated conservative rate), so a fault reported minutes ago already
        says how long the food has.
        """
        signal = self._signal(role)
        if signal is None or signal.value is None:
            return None
        trend = (
            self._features.fridge_trend_k_per_h
            if role is Role.FRIDGE_TEMP
            else self._features.freezer_trend_k_per_h
        )
        if cooling_lost:
            level = signal.value
            rate = max(trend or 0.0, self._warming_without_cooling(role, level))
        else:
            mean = signal.mean(now - 3600.0, now)
            if mean is None:
                return None
            level = mean + (trend / 2 if trend is not None else 0.0)  # the mean lags by 30 min
            rate = trend if trend is not None and trend > 0.05 else 0.0
        if level >= limit:
            return 0.0
        if rate <= 0:
            return None
        seconds = (limit - level) / rate * 3600.0
        return round(seconds) if seconds <= _HORIZON_S else None

    def _warming_without_cooling(self, role: Role, level: float) -> float:
        """K/h a shut compartment warms with no cooling: learned for the fridge, else stated."""
        warm_norm = self._baseline.warm_norm
        if role is Role.FRIDGE_TEMP and warm_norm is not None:
            ambient = (
                self._signals[Role.AMBIENT_TEMP].value
                if Role.AMBIENT_TEMP in self.config.roles
                else None
            )
            gap = (ambient if ambient is not None else 21.0) - level
            return warm_norm * max(gap, 5.0)
        return _WARM_WITHOUT_COOLING_K_PER_H[role]

    # --- owner actions and persistence -----------------------------------------------------

    def reset_baseline(self) -> None:
        """Forget what was learned and learn this fridge afresh from now on."""
        self._baseline = Baseline()
        self._learning_since = None
        latest = [s.last_at for s in self._signals.values() if s.last_at is not None]
        if latest:
            self._learning_since = max(latest)
        learned_codes = frozenset(code for code, spec in CATALOG.items() if not spec.safety)
        self._episodes.clear_all(self._learning_since or 0.0, learned_codes)

    def to_dict(self) -> dict[str, Any]:
        """Return the whole state as JSON values, with its version."""
        return {
            "version": self.STATE_VERSION,
            "signals": {role.value: s.to_dict() for role, s in self._signals.items()},
            "fridge_zone": self._fridge_zone.to_dict(),
            "freezer_zone": self._freezer_zone.to_dict(),
            "door": self._door.to_dict(),
            "fridge_swings": self._fridge_swings.to_dict(),
            "freezer_swings": self._freezer_swings.to_dict(),
            "tracker": self._tracker.to_dict(),
            "signature": self._tracker.signature.to_dict(),
            "baseline": self._baseline.to_dict(),
            "defrosts": self._defrosts.to_dict(),
            "episodes": self._episodes.to_dict(),
            "detectors": {d.code.value: d.to_dict() for d in self._detectors},
            "pending": [[at, role.value, value] for at, role, value in self._pending],
            "plausibility": {role.value: p.to_dict() for role, p in self._plausibility.items()},
            "learning_since": self._learning_since,
            "tick": self._tick,
            "features": {name: getattr(self._features, name) for name in Features.__slots__},
            "disturbed_at": self._disturbed_at,
        }

    @classmethod
    def from_dict(cls, state: object, config: EngineConfig) -> Engine:
        """Restore exactly what ``to_dict`` saved; StateVersionError if unknown or damaged."""
        if not isinstance(state, dict) or state.get("version") != cls.STATE_VERSION:
            version = state.get("version") if isinstance(state, dict) else None
            raise StateVersionError(f"unsupported engine state version {version!r}")
        engine = cls(config)
        try:
            for role, signal in engine._signals.items():
                signal.restore(state["signals"][role.value])
            engine._fridge_zone.restore(state["fridge_zone"])
            engine._freezer_zone.restore(state["freezer_zone"])
            engine._door.restore(state["door"])
            engine._fridge_swings.restore(state["fridge_swings"])
            engine._freezer_swings.restore(state["freezer_swings"])
            engine._tracker.restore(state["tracker"])
            engine._tracker.signature.restore(state["signature"])
            engine._baseline.restore(state["baseline"])
            engine._defrosts.restore(state["defrosts"])
            engine._episodes.restore(state["episodes"])
            saved = state["detectors"]
            for detector in engine._detectors:
                if detector.code.value in saved:
                    detector.restore(saved[detector.code.value])
            engine._pending = [(float(at), Role(role), v) for at, role, v in state["pending"]]
            for role, check in engine._plausibility.items():
                check.restore(state["plausibility"][role.value])
            engine._learning_since = state["learning_since"]
            engine._tick = int(state["tick"])
            engine._features = Features(**state["features"])
            engine._disturbed_at = float(state["disturbed_at"])
        except StateVersionError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise StateVersionError(f"damaged engine state: {err!r}") from err
        return engine
