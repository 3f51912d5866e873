"""The engine's vocabulary: the types that cross the boundary to Home Assistant.

Kept in one small module so the integration, the replay command and the tests all speak the same
words, and so nothing outside ``analysis`` needs to know how a detector works inside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """What a source sensor measures on the fridge."""

    FRIDGE_TEMP = "fridge_temp"
    FREEZER_TEMP = "freezer_temp"
    COMPRESSOR_POWER = "compressor_power"
    DOOR = "door"
    AMBIENT_TEMP = "ambient_temp"


TEMPERATURE_ROLES = frozenset({Role.FRIDGE_TEMP, Role.FREEZER_TEMP, Role.AMBIENT_TEMP})
COMPARTMENT_ROLES = frozenset({Role.FRIDGE_TEMP, Role.FREEZER_TEMP})


class Severity(StrEnum):
    """How urgently a person should act."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class FaultFamily(StrEnum):
    """Groups of faults, one ``problem`` binary sensor each in Home Assistant."""

    COOLING = "cooling"
    COMPRESSOR = "compressor"
    DEFROST = "defrost"
    DOOR = "door"
    SENSORS = "sensors"
    POWER = "power"


class FaultCode(StrEnum):
    """Every fault the engine can report; these strings are a public contract (events, tickets)."""

    COOLING_FAILURE = "cooling_failure"
    COMPRESSOR_START_FAILURE = "compressor_start_failure"
    SHORT_CYCLING = "short_cycling"
    POWER_FLUCTUATION = "power_fluctuation"
    DEFROST_FAILURE = "defrost_failure"
    DOOR_SEAL_LEAK = "door_seal_leak"
    DOOR_LEFT_OPEN = "door_left_open"
    CONDENSER_FOULING = "condenser_fouling"
    SENSOR_FAULT = "sensor_fault"
    UNSAFE_TEMPERATURE = "unsafe_temperature"
    POWER_OUTAGE = "power_outage"


class Status(StrEnum):
    """One word for the fridge's overall state, shown as an enum sensor."""

    LEARNING = "learning"  # baseline not learned yet; only safety faults are reported
    OK = "ok"
    ATTENTION = "attention"  # an info/warning fault is active
    FAULT = "fault"  # a critical fault is active
    NO_DATA = "no_data"  # no usable compartment reading recently


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Per-fridge settings the owner can change in the options flow."""

    roles: frozenset[Role]
    sensitivity: float = 1.0  # >1 flags earlier (more alarms), <1 later; 0.5..2.0
    fridge_limit_c: float = 4.4  # USDA/FDA: 40 °F
    freezer_limit_c: float = -12.0
    learning_period_h: float = 72.0


@dataclass(frozen=True, slots=True)
class FaultEpisode:
    """One occurrence of a fault, from onset to clearing.

    ``episode_id`` is stable for the episode's whole life, so it can key notifications, repair
    issues and ticket idempotency. Times are POSIX seconds (UTC).
    """

    episode_id: str
    code: FaultCode
    family: FaultFamily
    severity: Severity
    confidence: float  # 0..1
    summary: str  # one plain English sentence; Home Assistant translates by code instead
    component: str  # probable failing component, e.g. "start relay"
    part: str  # suggested spare part, e.g. "compressor start relay / PTC"
    ticket_worthy: bool
    onset_at: float
    detected_at: float
    cleared_at: float | None = None
    evidence: dict[str, float] = field(default_factory=dict)
    confirmed_at: float | None = None
    """When the fault's confirmation held (persisted, or corroborated by a second signal).

    Until then the episode is an early "attention" notice; only a confirmed, ticket-worthy
    episode may become a ticket to the manufacturer.
    """

    @property
    def active(self) -> bool:
        """Whether the fault is still present."""
        return self.cleared_at is None

    @property
    def confirmed(self) -> bool:
        """Whether the fault's stated confirmation has held."""
        return self.confirmed_at is not None

    @property
    def wants_ticket(self) -> bool:
        """Whether this episode is worth a technician's visit now: ticket-worthy and confirmed."""
        return self.ticket_worthy and self.confirmed

    def as_dict(self) -> dict[str, Any]:
        """Return JSON-friendly values: enums as strings, times as POSIX seconds."""
        return {
            "episode_id": self.episode_id,
            "code": self.code.value,
            "family": self.family.value,
            "severity": self.severity.value,
            "confidence": self.confidence,
            "summary": self.summary,
            "component": self.component,
            "part": self.part,
            "ticket_worthy": self.ticket_worthy,
            "onset_at": self.onset_at,
            "detected_at": self.detected_at,
            "cleared_at": self.cleared_at,
            "evidence": dict(self.evidence),
            "confirmed_at": self.confirmed_at,
        }


@dataclass(frozen=True, slots=True)
class HealthReport:
    """What one evaluation says about the fridge; every figure is None when unknown."""

    at: float
    status: Status
    health_score: float | None  # 0..100
    learning_progress: float  # 0..1
    duty_cycle: float | None  # 0..1, last few hours
    starts_per_hour: float | None
    running_power_w: float | None
    time_to_unsafe_s: float | None  # fridge compartment reaching fridge_limit_c at current trend
    freezer_time_to_unsafe_s: float | None
    food_exposure_s: float  # time the fridge compartment has been above 4 °C in this excursion
    last_defrost_at: float | None
    defrost_interval_s: float | None = None  # the learned defrost rhythm; None: not known
    energy_24h_kwh: float | None = None  # energy the plug measured over the last 24 hours
    healthy_energy_24h_kwh: float | None = None  # a day's energy when this fridge was healthy
    active: tuple[FaultEpisode, ...] = ()
    detected: tuple[FaultEpisode, ...] = ()  # newly detected since the previous evaluate()
    cleared: tuple[FaultEpisode, ...] = ()  # cleared since the previous evaluate()
