"""Every entity's registry entry and state at a glance, platform by platform (snapshots).

One fridge with every sensor, whose tickets go to its manufacturer, with a start-relay failure
(booked: the visit is in the calendar) and its door left open.
"""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.fridge_care import PLATFORMS
from custom_components.fridge_care.analysis.model import FaultCode

from .common import SENDS_TICKETS, StagedFaults, episode_of, relay_episode

pytestmark = SENDS_TICKETS


@pytest.mark.parametrize("platforms", [[platform] for platform in PLATFORMS], ids=str)
@pytest.mark.usefixtures("entity_registry_enabled_by_default", "booking_service")
async def test_entities(
    hass: HomeAssistant,
    staged_faults: StagedFaults,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platforms: list[Platform],
) -> None:
    """Each platform's entities for a fridge with a booked relay repair and an open door."""
    await staged_faults.async_report(
        hass, init_integration, relay_episode(), episode_of(FaultCode.DOOR_LEFT_OPEN)
    )
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)
