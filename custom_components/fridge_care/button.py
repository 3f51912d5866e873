"""A button to forget the learned baseline, for example after moving or servicing the fridge."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import FridgeCareConfigEntry
from .entity import FridgeCareEntity

PARALLEL_UPDATES = 1

RESET_BASELINE = ButtonEntityDescription(
    key="reset_baseline",
    translation_key="reset_baseline",
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: FridgeCareConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the reset-baseline button."""
    async_add_entities([ResetBaselineButton(entry.runtime_data.monitor, RESET_BASELINE)])


class ResetBaselineButton(FridgeCareEntity, ButtonEntity):
    """Start learning this fridge's normal behaviour from scratch."""

    async def async_press(self) -> None:
        """Forget the baseline; the fridge is in learning again."""
        await self.coordinator.async_reset_baseline()
