"""The fault catalog is complete and consistent with the public contract."""

from __future__ import annotations

import pytest

from custom_components.fridge_care.analysis.catalog import CATALOG
from custom_components.fridge_care.analysis.model import FaultCode, FaultFamily, Role

FAMILIES = {
    FaultCode.COOLING_FAILURE: FaultFamily.COOLING,
    FaultCode.COMPRESSOR_START_FAILURE: FaultFamily.COMPRESSOR,
    FaultCode.SHORT_CYCLING: FaultFamily.COMPRESSOR,
    FaultCode.POWER_FLUCTUATION: FaultFamily.COMPRESSOR,
    FaultCode.CONDENSER_FOULING: FaultFamily.COMPRESSOR,
    FaultCode.DEFROST_FAILURE: FaultFamily.DEFROST,
    FaultCode.DOOR_SEAL_LEAK: FaultFamily.DOOR,
    FaultCode.DOOR_LEFT_OPEN: FaultFamily.DOOR,
    FaultCode.SENSOR_FAULT: FaultFamily.SENSORS,
    FaultCode.UNSAFE_TEMPERATURE: FaultFamily.COOLING,
    FaultCode.POWER_OUTAGE: FaultFamily.POWER,
}
SAFETY = {
    FaultCode.DOOR_LEFT_OPEN,
    FaultCode.UNSAFE_TEMPERATURE,
    FaultCode.POWER_OUTAGE,
    FaultCode.SENSOR_FAULT,
    FaultCode.COMPRESSOR_START_FAILURE,
}


@pytest.mark.parametrize("code", list(FaultCode))
def test_every_code_has_a_complete_spec(code: FaultCode) -> None:
    spec = CATALOG[code]
    assert spec.code is code
    assert spec.family is FAMILIES[code]
    assert spec.summary.endswith(".")
    assert spec.component and spec.part
    assert spec.safety is (code in SAFETY)


def test_owner_actions_are_not_tickets() -> None:
    not_tickets = {c for c, s in CATALOG.items() if not s.ticket_worthy}
    assert not_tickets == {
        FaultCode.DOOR_LEFT_OPEN,
        FaultCode.SENSOR_FAULT,
        FaultCode.UNSAFE_TEMPERATURE,
        FaultCode.POWER_OUTAGE,
    }


def test_observability_follows_the_sensors() -> None:
    fridge_only = frozenset({Role.FRIDGE_TEMP})
    assert CATALOG[FaultCode.UNSAFE_TEMPERATURE].observable(fridge_only)
    assert not CATALOG[FaultCode.COMPRESSOR_START_FAILURE].observable(fridge_only)
    assert not CATALOG[FaultCode.DOOR_LEFT_OPEN].observable(fridge_only)
    assert CATALOG[FaultCode.DEFROST_FAILURE].observable(frozenset({Role.FREEZER_TEMP}))
    assert CATALOG[FaultCode.DOOR_SEAL_LEAK].observable(frozenset(Role))


def test_a_fouled_condenser_and_a_leak_are_one_repair_not_two() -> None:
    """Fouled until it cannot keep up, a condenser runs the compressor without a stop, as a leak
    at its worst does: whichever is found first explains the other, so one ticket goes out."""
    leak, fouling = CATALOG[FaultCode.COOLING_FAILURE], CATALOG[FaultCode.CONDENSER_FOULING]
    assert leak.explained({FaultCode.CONDENSER_FOULING})
    assert fouling.explained({FaultCode.COOLING_FAILURE})
    assert not leak.explained({FaultCode.UNSAFE_TEMPERATURE})  # warm food says nothing of why
