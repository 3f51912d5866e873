"""The fault catalog: for every code, what it means, who should act and which part fixes it.

Adding a fault is adding a row here and a detector; everything user-facing about a fault (its
family, default severity, summary, component, spare part, ticket-worthiness) lives in this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .model import FaultCode, FaultFamily, Role, Severity


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """What a fault code means and how it is handled.

    ``observable_with`` lists alternative sensor sets; the fault can be detected when the fridge
    has every role of at least one of them. ``clear_after_s`` is how long the evidence must stay
    away before an episode clears (hysteresis against flapping). ``confirm_after_s`` is how long
    a finding must persist before its episode is confirmed, unless a second signal corroborates
    it sooner: until then it is an early "attention" notice, and only a confirmed ticket-worthy
    episode may become a ticket. A fault ``explained_by`` an active root cause is not opened as a
    second diagnosis (one repair, one ticket).
    """

    code: FaultCode
    family: FaultFamily
    severity: Severity
    component: str
    part: str
    ticket_worthy: bool
    summary: str
    safety: bool  # reported during the learning period too
    observable_with: tuple[frozenset[Role], ...]
    clear_after_s: float
    confirm_after_s: float = 0.0
    explained_by: frozenset[FaultCode] = frozenset()  # root causes that make this one follow

    def explained(self, active: set[FaultCode] | frozenset[FaultCode]) -> bool:
        """Whether an active root cause already accounts for this fault's symptoms."""
        return not self.explained_by.isdisjoint(active)

    def observable(self, roles: frozenset[Role]) -> bool:
        """Whether a fridge with these sensors can show this fault."""
        return any(needed <= roles for needed in self.observable_with)


_FRIDGE = frozenset({Role.FRIDGE_TEMP})
_FREEZER = frozenset({Role.FREEZER_TEMP})
_POWER = frozenset({Role.COMPRESSOR_POWER})
_MINUTE = 60.0
_HOUR = 3600.0

_SPECS = (
    FaultSpec(
        FaultCode.COOLING_FAILURE,
        FaultFamily.COOLING,
        Severity.CRITICAL,
        component="sealed system (refrigerant)",
        part="sealed-system repair: leak search, drier, refrigerant recharge",
        ticket_worthy=True,
        summary="The compressor runs ever longer for the same cooling: the sealed system is losing "
        "refrigerant.",
        safety=False,
        observable_with=(_POWER, _FRIDGE),
        clear_after_s=6 * _HOUR,
        confirm_after_s=6 * _HOUR,
        explained_by=frozenset(
            {
                FaultCode.COMPRESSOR_START_FAILURE,
                FaultCode.SHORT_CYCLING,
                FaultCode.POWER_OUTAGE,
                FaultCode.SENSOR_FAULT,
                FaultCode.DEFROST_FAILURE,
                FaultCode.DOOR_LEFT_OPEN,
                # fouled until it cannot keep up, a condenser runs the compressor without a stop
                FaultCode.CONDENSER_FOULING,
            }
        ),
    ),
    FaultSpec(
        FaultCode.COMPRESSOR_START_FAILURE,
        FaultFamily.COMPRESSOR,
        Severity.CRITICAL,
        component="compressor start relay / overload protector",
        part="compressor start relay (PTC) and overload protector",
        ticket_worthy=True,
        summary="The compressor tries to start but never keeps running.",
        safety=True,
        observable_with=(_POWER,),
        clear_after_s=15 * _MINUTE,
        confirm_after_s=8 * _HOUR,  # sooner when the failed starts go on or the fridge warms
        explained_by=frozenset({FaultCode.POWER_OUTAGE}),
    ),
    FaultSpec(
        FaultCode.SHORT_CYCLING,
        FaultFamily.COMPRESSOR,
        Severity.WARNING,
        component="compressor overload protector / condenser fan",
        part="overload protector and condenser fan motor",
        ticket_worthy=True,
        summary="The compressor starts and stops far more often than this fridge normally does.",
        safety=False,
        observable_with=(_POWER,),
        clear_after_s=2 * _HOUR,
        confirm_after_s=3 * _HOUR,
    ),
    FaultSpec(
        FaultCode.POWER_FLUCTUATION,
        FaultFamily.COMPRESSOR,
        Severity.WARNING,
        component="compressor relay / supply wiring",
        part="compressor start relay and wiring harness",
        ticket_worthy=True,
        summary="The compressor's running power is erratic, typical of a failing relay or a loose "
        "contact.",
        safety=False,
        observable_with=(_POWER,),
        clear_after_s=3 * _HOUR,
        confirm_after_s=3 * _HOUR,
    ),
    FaultSpec(
        FaultCode.DEFROST_FAILURE,
        FaultFamily.DEFROST,
        Severity.WARNING,
        component="defrost heater / defrost thermostat / timer",
        part="defrost heater and defrost thermostat (bimetal)",
        ticket_worthy=True,
        summary="No defrost has happened for much longer than usual; ice is building up on the "
        "evaporator.",
        safety=False,
        observable_with=(_POWER, _FREEZER),
        clear_after_s=_HOUR,
        confirm_after_s=48 * _HOUR,
        explained_by=frozenset(
            {
                FaultCode.COMPRESSOR_START_FAILURE,
                FaultCode.POWER_OUTAGE,
                FaultCode.UNSAFE_TEMPERATURE,  # a thermostat turned up runs (and defrosts) less
                # A plug (or freezer probe) stuck at one reading shows no heater, and a plug stuck
                # at its run level reads the whole day as running: no defrost is seen missed
                # through a sensor the owner has been told is faulty.
                FaultCode.SENSOR_FAULT,
            }
        ),
    ),
    FaultSpec(
        FaultCode.DOOR_SEAL_LEAK,
        FaultFamily.DOOR,
        Severity.WARNING,
        component="door gasket",
        part="fridge door gasket",
        ticket_worthy=True,
        summary="The fridge warms faster than usual with the door shut: warm air is getting past "
        "the door seal.",
        safety=False,
        observable_with=(frozenset({Role.COMPRESSOR_POWER, Role.FRIDGE_TEMP, Role.DOOR}),),
        clear_after_s=12 * _HOUR,
        confirm_after_s=24 * _HOUR,
        explained_by=frozenset({FaultCode.COOLING_FAILURE, FaultCode.DOOR_LEFT_OPEN}),
    ),
    FaultSpec(
        FaultCode.DOOR_LEFT_OPEN,
        FaultFamily.DOOR,
        Severity.WARNING,
        component="door",
        part="none: close the door",
        ticket_worthy=False,
        summary="The fridge door has been open for several minutes.",
        safety=True,
        observable_with=(frozenset({Role.DOOR}),),
        clear_after_s=0.0,
    ),
    FaultSpec(
        FaultCode.CONDENSER_FOULING,
        FaultFamily.COMPRESSOR,
        Severity.WARNING,
        component="condenser coil / condenser fan",
        part="condenser cleaning; condenser fan motor if it is not turning",
        ticket_worthy=True,
        summary="Efficiency has been falling for days: the compressor runs longer and draws more "
        "power, typical of a dusty condenser or a weak condenser fan.",
        safety=False,
        observable_with=(_POWER,),
        clear_after_s=24 * _HOUR,
        confirm_after_s=48 * _HOUR,
        explained_by=frozenset({FaultCode.COOLING_FAILURE}),
    ),
    FaultSpec(
        FaultCode.SENSOR_FAULT,
        FaultFamily.SENSORS,
        Severity.WARNING,
        component="monitoring sensor",
        part="replace the sensor's battery or the sensor",
        ticket_worthy=False,
        summary="A monitoring sensor is stuck, silent or reading impossible values.",
        safety=True,
        observable_with=(_FRIDGE, _FREEZER, _POWER, frozenset({Role.AMBIENT_TEMP})),
        clear_after_s=30 * _MINUTE,
    ),
    FaultSpec(
        FaultCode.UNSAFE_TEMPERATURE,
        FaultFamily.COOLING,
        Severity.CRITICAL,
        component="food safety",
        part="none: check the thermostat setting and the door, move perishables",
        ticket_worthy=False,
        summary="A compartment has been warmer than the food-safety limit for a sustained period.",
        safety=True,
        observable_with=(_FRIDGE, _FREEZER),
        clear_after_s=15 * _MINUTE,
    ),
    FaultSpec(
        FaultCode.POWER_OUTAGE,
        FaultFamily.POWER,
        Severity.WARNING,
        component="mains supply",
        part="none: restore power (check the breaker and the plug)",
        ticket_worthy=False,
        summary="The fridge has no mains power and is warming up.",
        safety=True,
        observable_with=(_POWER,),
        clear_after_s=0.0,
    ),
)

CATALOG: Mapping[FaultCode, FaultSpec] = MappingProxyType({spec.code: spec for spec in _SPECS})
