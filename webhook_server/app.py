"""The application factory: :func:`create_app` wires settings, storage and routes together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import logging
import time

import aiohttp
from aiohttp import web

from webhook_server import api, console, openapi
from webhook_server.contract import MAX_BODY_BYTES
from webhook_server.intake import Intake
from webhook_server.notices import Channel, ConsoleChannel, HttpChannel, OutboxWorker
from webhook_server.problems import problem_middleware
from webhook_server.roster import load_roster, read_roster
from webhook_server.services import SERVICES, Services
from webhook_server.settings import Settings
from webhook_server.store import open_database
from webhook_server.triage import Catalog

_LOGGER = logging.getLogger(__name__)

_OPENAPI = web.AppKey("openapi", bytes)


async def _openapi(request: web.Request) -> web.Response:
    return web.Response(body=request.app[_OPENAPI], content_type="application/json")


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], float] = time.time,
    channel: Channel | None = None,
    outbox_poll_interval: float = 1.0,
) -> web.Application:
    """Build the service. Storage opens on start-up and closes, after in-flight work, on cleanup.

    ``channel`` overrides where customer notices go (default: ``--notify-url`` or the console);
    ``clock`` lets tests move time.
    """
    catalog = Catalog.load(settings.catalog, settings.zone)
    secret_box = settings.secret_box()
    app = web.Application(middlewares=[problem_middleware], client_max_size=MAX_BODY_BYTES)
    app[_OPENAPI] = openapi.rendered().encode()
    app.router.add_routes(api.routes)
    app.router.add_get("/openapi.json", _openapi)
    console.setup(app)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        database = await open_database(settings.db)
        session = aiohttp.ClientSession()
        try:
            if settings.seed_demo:
                await load_roster(database, read_roster(None))
            if settings.technicians is not None:
                await load_roster(database, read_roster(settings.technicians))
            sender = channel or (
                HttpChannel(settings.notify_url, session)
                if settings.notify_url
                else ConsoleChannel()
            )
            outbox = OutboxWorker(database, sender, poll_interval=outbox_poll_interval, clock=clock)
            intake = Intake(
                database,
                catalog,
                secret_box,
                on_commit=outbox.wake,
                clock=clock,
                spread_ties=settings.reuse_port,
                notices_delivered_by=sender.name if sender.delivered_when_stored else None,
            )
            await intake.listen_for_bookings()
            app[SERVICES] = Services(settings, database, catalog, secret_box, intake, outbox, clock)
            outbox.start()
            _LOGGER.info(
                "service started",
                extra={
                    "database": database.dialect,
                    "notices": sender.name,
                    "admin_api": settings.admin_token is not None,
                },
            )
            yield
            await intake.close()
            await outbox.stop()
        finally:
            await session.close()
            await database.close()

    app.cleanup_ctx.append(lifecycle)
    return app
