"""The running service's parts, shared by the API and the console through the application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from webhook_server.appliances import ApplianceRegistry
from webhook_server.dispatch import Dispatcher
from webhook_server.intake import Intake
from webhook_server.message_delivery import MessageCourier
from webhook_server.security import SecretBox
from webhook_server.settings import Settings
from webhook_server.signed_messages import SignedMessageGuard
from webhook_server.store.base import Database
from webhook_server.triage import Catalog
from webhook_server.zones import ServiceZones


@dataclass(slots=True)
class Runtime:
    """Everything a request handler may use, made once when the service starts."""

    settings: Settings
    database: Database
    catalog: Catalog
    zones: ServiceZones
    secret_box: SecretBox
    appliances: ApplianceRegistry
    intake: Intake
    signed_reads: SignedMessageGuard
    courier: MessageCourier
    dispatcher: Dispatcher
    clock: Callable[[], float]


RUNTIME = web.AppKey("runtime", Runtime)


def runtime(request: web.Request) -> Runtime:
    """Return the parts of the service answering ``request`` (from a sub-application too)."""
    found = request.app.get(RUNTIME)  # the API's own application: no chained look-up per call
    return request.config_dict[RUNTIME] if found is None else found
