"""Telling the owner about faults: a persistent notification and a repair issue per fault.

What is shown follows what is active: every evaluation reconciles the faults the owner should
hear about (active, in a family they chose, not acknowledged) with what is on screen, so a fault
that clears, or that the owner silences, disappears, and one still active after a restart shows
again. The text is the repair issue's translation, so both read the same in the owner's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.translation import async_get_translations

from .analysis.model import FaultCode, FaultEpisode, FaultFamily
from .const import DOMAIN
from .data import FridgeCareConfigEntry
from .repairs import async_clear_fault_issue, async_raise_fault_issue


class FaultNotices:
    """Keep one fridge's fault notifications and repair issues in step with its active faults."""

    def __init__(
        self, hass: HomeAssistant, entry: FridgeCareConfigEntry, families: Iterable[str]
    ) -> None:
        """Tell about faults of these families only."""
        self._hass = hass
        self._entry = entry
        self._families = frozenset(FaultFamily(family) for family in families)
        self._shown: set[FaultCode] = set()
        self._texts: Mapping[str, str] = {}

    async def async_load_texts(self) -> None:
        """Load the fault texts in the owner's language (once; a language change reloads)."""
        self._texts = await async_get_translations(
            self._hass, self._hass.config.language, "issues", {DOMAIN}
        )

    @callback
    def async_reconcile(
        self, active: Iterable[FaultEpisode], acknowledged: Mapping[FaultCode, float], now: float
    ) -> None:
        """Show faults the owner should hear about now; withdraw the rest."""
        wanted = {
            episode.code: episode
            for episode in active
            if episode.family in self._families and acknowledged.get(episode.code, 0.0) <= now
        }
        for code in self._shown - wanted.keys():
            self._withdraw(code)
        for code, episode in wanted.items():
            if code not in self._shown:
                self._show(episode)

    @callback
    def async_withdraw_all(self) -> None:
        """Withdraw every fault notice of this fridge, shown by this instance or an earlier one.

        ``_shown`` only knows this instance's: one left by the entry's previous load would
        otherwise stay after its fault cleared.
        """
        async_withdraw_all(self._hass, self._entry)
        self._shown.clear()

    def _show(self, episode: FaultEpisode) -> None:
        """Raise the notification and the repair issue for one fault."""
        async_raise_fault_issue(self._hass, self._entry, episode)
        key = f"component.{DOMAIN}.issues.{episode.code.value}"
        placeholders = {"name": self._entry.title}
        persistent_notification.async_create(
            self._hass,
            self._texts.get(f"{key}.description", episode.summary).format(**placeholders),
            title=self._texts.get(f"{key}.title", episode.code.value).format(**placeholders),
            notification_id=notification_id(self._entry, episode.code),
        )
        self._shown.add(episode.code)

    def _withdraw(self, code: FaultCode) -> None:
        """Dismiss the notification and delete the repair issue for one fault."""
        _async_withdraw(self._hass, self._entry, code)
        self._shown.discard(code)


def notification_id(entry: FridgeCareConfigEntry, code: FaultCode) -> str:
    """One notification per fault kind per fridge."""
    return f"{DOMAIN}_{entry.entry_id}_{code.value}"


@callback
def async_withdraw_all(hass: HomeAssistant, entry: FridgeCareConfigEntry) -> None:
    """Remove every fault notice of a fridge: it is unloading or being removed."""
    for code in FaultCode:
        _async_withdraw(hass, entry, code)


def _async_withdraw(hass: HomeAssistant, entry: FridgeCareConfigEntry, code: FaultCode) -> None:
    """Dismiss the notification and delete the repair issue of one fault."""
    async_clear_fault_issue(hass, entry, code)
    persistent_notification.async_dismiss(hass, notification_id(entry, code))
