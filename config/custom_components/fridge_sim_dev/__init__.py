"""A simulated fridge-freezer for the development Home Assistant (never shipped).

It runs ``fridge_sim`` in real time and shows what a real home would have: two compartment
thermometers, a kitchen thermometer, a smart plug's power reading and a door contact. On first
start it adds a FridgeCare entry for that fridge through FridgeCare's own config flow, so the
development instance shows the whole story without a single click. scripts/develop also runs the
manufacturer's ticket service locally and passes its URL, the fridge's signing secret and the zone
in ``FRIDGECARE_DEV_*`` variables (:data:`SERVICE_ENV`): the entry sends the fault's ticket there,
and an entry from an earlier run is pointed at it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
import logging
import os
import time

from homeassistant.const import EVENT_HOMEASSISTANT_STARTED, Platform
from homeassistant.core import CoreState, Event, HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, discovery
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from custom_components.fridge_care.analysis.model import FaultCode, Role
from custom_components.fridge_care.const import (
    CONF_FREEZER_LIMIT,
    CONF_FRIDGE_LIMIT,
    CONF_LEARNING_PERIOD,
    CONF_MANUFACTURER,
    CONF_MODEL,
    CONF_NAME,
    CONF_NOTIFY,
    CONF_SENSITIVITY,
    CONF_SERIAL_NUMBER,
    CONF_SERVICE_URL,
    CONF_SERVICE_ZONE,
    CONF_SIGNING_SECRET,
    DEFAULT_FREEZER_LIMIT_C,
    DEFAULT_FRIDGE_LIMIT_C,
    DEFAULT_NOTIFY,
    DEFAULT_SENSITIVITY,
    DOMAIN as FRIDGE_CARE,
)
from fridge_sim import FaultInjection, FridgeSimulator, Sample, Scenario

DOMAIN = "fridge_sim_dev"
SIGNAL_SAMPLES = f"{DOMAIN}_samples"
STEP_S = 2.0  # the plug and door report within seconds of simulated time, as real ones do
MIN_STEP_S = 0.25
SERIAL = "SIM-0001"
LEARNING_PERIOD_H = 1.0  # a demo cannot wait three days; the owner's default is 72 h

# Where scripts/develop's local manufacturer service is, by FridgeCare entry key (unset: none).
SERVICE_ENV: dict[str, str] = {
    CONF_SERVICE_URL: "FRIDGECARE_DEV_SERVICE_URL",
    CONF_SIGNING_SECRET: "FRIDGECARE_DEV_SIGNING_SECRET",
    CONF_SERVICE_ZONE: "FRIDGECARE_DEV_SERVICE_ZONE",
}

CONF_FAULT = "fault"
CONF_FAULT_AFTER = "fault_after_minutes"
CONF_SEED = "seed"
CONF_SPEED = "speed"
NO_FAULT = "none"

CONFIG_SCHEMA = vol.Schema(
    {
        DOMAIN: vol.Schema(
            {
                vol.Optional(CONF_NAME, default="Kitchen fridge"): cv.string,
                vol.Optional(CONF_FAULT): vol.Any(NO_FAULT, vol.Coerce(FaultCode)),
                vol.Optional(CONF_FAULT_AFTER, default=15.0): vol.Coerce(float),
                vol.Optional(CONF_SEED, default=7): vol.Coerce(int),
                # The simulated fridge's clock runs this many times faster than the wall clock
                # (FridgeCare's does not): a quicker story for tests and screenshots.
                vol.Optional(CONF_SPEED, default=1.0): vol.All(
                    vol.Coerce(float), vol.Range(min=1.0, max=20.0)
                ),
            }
        )
    },
    extra=vol.ALLOW_EXTRA,
)

_LOGGER = logging.getLogger(__name__)

# Entity ids the platforms create, by role (the FridgeCare entry points at these).
ENTITY_IDS: dict[Role, str] = {
    Role.FRIDGE_TEMP: "sensor.simulated_fridge_temperature",
    Role.FREEZER_TEMP: "sensor.simulated_freezer_temperature",
    Role.AMBIENT_TEMP: "sensor.simulated_kitchen_temperature",
    Role.COMPRESSOR_POWER: "sensor.simulated_fridge_plug_power",
    Role.DOOR: "binary_sensor.simulated_fridge_door",
}


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Start the simulation and the sensors that show it."""
    conf = config[DOMAIN]
    speed: float = conf[CONF_SPEED]
    faults: tuple[FaultInjection, ...] = ()
    if conf.get(CONF_FAULT, NO_FAULT) != NO_FAULT:
        # After that many minutes of the wall clock, whatever the simulation's speed.
        start_h = conf[CONF_FAULT_AFTER] * speed / 60.0
        faults = (FaultInjection(conf[CONF_FAULT], start_h=start_h),)
        _LOGGER.info(
            "Simulated fridge: %s in %.0f minutes", conf[CONF_FAULT], conf[CONF_FAULT_AFTER]
        )
    started = time.time()
    simulator = FridgeSimulator(
        Scenario(seed=conf[CONF_SEED], days=3650.0, start=started, faults=faults)
    )

    @callback
    def _tick(_now: datetime | None = None) -> None:
        samples: list[Sample] = simulator.advance(to=started + (time.time() - started) * speed)
        if samples:
            async_dispatcher_send(hass, SIGNAL_SAMPLES, samples)

    for platform in (Platform.SENSOR, Platform.BINARY_SENSOR):
        hass.async_create_task(
            discovery.async_load_platform(hass, platform, DOMAIN, {}, config), eager_start=True
        )
    step = timedelta(seconds=max(MIN_STEP_S, STEP_S / speed))
    async_track_time_interval(hass, _tick, step, cancel_on_shutdown=True)

    async def _add_fridge_care_entry(_event: Event | None = None) -> None:
        if not hass.config_entries.async_entries(FRIDGE_CARE):
            await _create_fridge_care_entry(hass, conf[CONF_NAME])
        else:
            _point_at_local_service(hass, service_settings(os.environ))

    if hass.state is CoreState.running:
        await _add_fridge_care_entry()
    else:
        hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STARTED, _add_fridge_care_entry)
    return True


async def _create_fridge_care_entry(hass: HomeAssistant, name: str) -> None:
    """Walk FridgeCare's real config and options flows, as a person would in the UI."""
    flow = await hass.config_entries.flow.async_init(FRIDGE_CARE, context={"source": "user"})
    flow = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        {
            CONF_NAME: name,
            CONF_MANUFACTURER: "Acme",
            CONF_MODEL: "CoolMax 300",
            CONF_SERIAL_NUMBER: SERIAL,
        },
    )
    flow = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {role.value: entity_id for role, entity_id in ENTITY_IDS.items()}
    )
    service = service_settings(os.environ)
    if flow.get("type") == "form" and flow.get("step_id") == "service":
        flow = await hass.config_entries.flow.async_configure(flow["flow_id"], service)
    if flow.get("type") != "create_entry":
        _LOGGER.error("Could not add the FridgeCare entry for the simulated fridge: %s", flow)
        return
    entry = flow["result"]
    options = await hass.config_entries.options.async_init(entry.entry_id)
    await hass.config_entries.options.async_configure(
        options["flow_id"],
        {
            CONF_SENSITIVITY: DEFAULT_SENSITIVITY,
            CONF_FRIDGE_LIMIT: DEFAULT_FRIDGE_LIMIT_C,
            CONF_FREEZER_LIMIT: DEFAULT_FREEZER_LIMIT_C,
            CONF_LEARNING_PERIOD: LEARNING_PERIOD_H,
            CONF_NOTIFY: DEFAULT_NOTIFY,
        },
    )
    _LOGGER.info(
        "Added FridgeCare entry %s watching the simulated fridge (tickets: %s)",
        entry.title,
        service.get(CONF_SERVICE_URL, "not forwarded"),
    )


def service_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """Return the local service's entry data from the environment: only the keys that are set."""
    return {key: environ[name] for key, name in SERVICE_ENV.items() if environ.get(name)}


@callback
def _point_at_local_service(hass: HomeAssistant, service: dict[str, str]) -> None:
    """Send an existing simulated-fridge entry's tickets to scripts/develop's local service.

    An entry from an earlier run may predate the service step (no service URL), or hold a secret
    the local service has since replaced; either is updated and reloaded. An entry that sends its
    tickets somewhere else is left alone.
    """
    if CONF_SERVICE_URL not in service:
        return
    for entry in hass.config_entries.async_entries(FRIDGE_CARE):
        if entry.data.get(CONF_SERIAL_NUMBER) != SERIAL:
            continue
        if entry.data.get(CONF_SERVICE_URL) not in (None, "", service[CONF_SERVICE_URL]):
            continue
        if all(entry.data.get(key) == value for key, value in service.items()):
            continue
        hass.config_entries.async_update_entry(entry, data={**entry.data, **service})
        hass.config_entries.async_schedule_reload(entry.entry_id)
        _LOGGER.info(
            "FridgeCare entry %s now sends its tickets to %s",
            entry.title,
            service[CONF_SERVICE_URL],
        )
