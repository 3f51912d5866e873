"""The running service's parts, shared by the API and the console through the application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from webhook_server.intake import Intake
from webhook_server.notices import OutboxWorker
from webhook_server.security import SecretBox
from webhook_server.settings import Settings
from webhook_server.store.base import Database
from webhook_server.triage import Catalog


@dataclass(slots=True)
class Services:
    """Everything a request handler may use."""

    settings: Settings
    database: Database
    catalog: Catalog
    secret_box: SecretBox
    intake: Intake
    outbox: OutboxWorker
    clock: Callable[[], float]


SERVICES = web.AppKey("services", Services)


def services(request: web.Request) -> Services:
    """Return the services of the application serving ``request``."""
    return request.app[SERVICES]
