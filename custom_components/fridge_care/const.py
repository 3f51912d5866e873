"""Constants for FridgeCare: the domain, every config entry key and their defaults.

Config entry shape (``entry.data``)::

    {"name": str, "manufacturer": str, "model": str, "serial_number": str,
     "fridge_temp": entity_id, "freezer_temp": entity_id, "ambient_temp": entity_id,
     "compressor_power": entity_id, "door": entity_id,   # source keys only when chosen
     "service_url": str, "signing_secret": str, "service_zone": str, "contact": str}
                                                          # manufacturer service, when chosen

``entry.options``::

    {"sensitivity": float, "fridge_limit_c": float, "freezer_limit_c": float,
     "learning_period_h": float, "notify": list[str],     # notify: fault families to tell about
     "service_requests": "automatic" | "ask" | "never",   # with a service: who decides
     "visit_from": "HH:MM:SS", "visit_until": "HH:MM:SS", "visit_days": list[str]}
                                                          # preferred visits, with a service
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from .analysis.model import COMPARTMENT_ROLES, FaultFamily, Role
from .tickets.policy import ServiceRequests

DOMAIN: Final = "fridge_care"

# entry.data: the appliance.
CONF_NAME: Final = "name"
CONF_MANUFACTURER: Final = "manufacturer"
CONF_MODEL: Final = "model"
CONF_SERIAL_NUMBER: Final = "serial_number"
APPLIANCE_KEYS: Final = (CONF_NAME, CONF_MANUFACTURER, CONF_MODEL, CONF_SERIAL_NUMBER)

# entry.data: one key per source sensor role; the key is the role's value ("fridge_temp", …).
SOURCE_KEYS: Final = tuple(Role)
MAIN_ROLES: Final = COMPARTMENT_ROLES | {Role.COMPRESSOR_POWER}
"""A fridge needs one of these: a compartment thermometer or its smart plug."""

# entry.data: the manufacturer's ticket service (all absent: tickets are not forwarded).
CONF_SERVICE_URL: Final = "service_url"
CONF_SIGNING_SECRET: Final = "signing_secret"  # noqa: S105  (a key name, not a secret)
CONF_SERVICE_ZONE: Final = "service_zone"
CONF_CONTACT: Final = "contact"
SERVICE_KEYS: Final = (CONF_SERVICE_URL, CONF_SIGNING_SECRET, CONF_SERVICE_ZONE, CONF_CONTACT)

# entry.options.
CONF_SENSITIVITY: Final = "sensitivity"
CONF_FRIDGE_LIMIT: Final = "fridge_limit_c"
CONF_FREEZER_LIMIT: Final = "freezer_limit_c"
CONF_LEARNING_PERIOD: Final = "learning_period_h"
CONF_NOTIFY: Final = "notify"

# entry.options, only with a manufacturer's service: who decides to send, preferred visit hours.
CONF_SERVICE_REQUESTS: Final = "service_requests"
CONF_VISIT_FROM: Final = "visit_from"
CONF_VISIT_UNTIL: Final = "visit_until"
CONF_VISIT_DAYS: Final = "visit_days"

DEFAULT_SENSITIVITY: Final = 1.0
DEFAULT_FRIDGE_LIMIT_C: Final = 4.4
DEFAULT_FREEZER_LIMIT_C: Final = -12.0
DEFAULT_LEARNING_PERIOD_H: Final = 72.0
DEFAULT_NOTIFY: Final = [family.value for family in FaultFamily]
DEFAULT_SERVICE_REQUESTS: Final = ServiceRequests.AUTOMATIC.value

# How often the engine looks at what it has been fed.
EVALUATION_INTERVAL: Final = timedelta(seconds=60)

# Bus event fired whenever a fault is detected or clears.
EVENT_FAULT: Final = "fridge_care_fault"
ATTR_TYPE: Final = "type"
TYPE_DETECTED: Final = "detected"
TYPE_CLEARED: Final = "cleared"

# Bus event fired when a ticket changes: awaiting the owner's approval, answered, moved, closed.
EVENT_TICKET: Final = "fridge_care_ticket"

# Actions (Home Assistant calls them services; here "service" is the manufacturer's).
ACTION_ACKNOWLEDGE: Final = "acknowledge"
ACTION_RESET_BASELINE: Final = "reset_baseline"
ACTION_REQUEST_SERVICE: Final = "request_service"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_CODE: Final = "code"
ATTR_DURATION: Final = "duration"
DEFAULT_ACKNOWLEDGE: Final = timedelta(hours=4)
