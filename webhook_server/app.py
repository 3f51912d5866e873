"""The application factory: :func:`create_app` wires settings, storage and routes together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import logging
import time

import aiohttp
from aiohttp import web

from webhook_server import api, console, customer_messages, openapi
from webhook_server.appliances import ApplianceRegistry
from webhook_server.contract import MAX_BODY_BYTES
from webhook_server.dispatch import Dispatcher
from webhook_server.intake import Intake
from webhook_server.limits import header_limits, quiet_parser_errors
from webhook_server.message_delivery import Channel, ConsoleChannel, HttpGateway, MessageCourier
from webhook_server.problems import problem_middleware
from webhook_server.roster import load_roster, read_roster
from webhook_server.runtime import RUNTIME, Runtime
from webhook_server.settings import Settings
from webhook_server.signed_messages import SignedMessageGuard
from webhook_server.store import open_database
from webhook_server.triage import Catalog
from webhook_server.zones import ServiceZones

_LOGGER = logging.getLogger(__name__)

_OPENAPI = web.AppKey("openapi", bytes)


async def _openapi(request: web.Request) -> web.Response:
    return web.Response(body=request.app[_OPENAPI], content_type="application/json")


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], float] = time.time,
    channel: Channel | None = None,
    courier_poll_interval: float = 1.0,
) -> web.Application:
    """Build the service. Storage opens on start-up and closes, after in-flight work, on cleanup.

    ``channel`` overrides where customer messages go (default: ``--gateway-url`` or the
    console); ``clock`` lets tests move time. A catalog whose words would make an SMS too long
    is refused here, before anything is served.
    """
    catalog = Catalog.load(settings.catalog)
    customer_messages.check_catalog(catalog)
    secret_box = settings.secret_box()
    quiet_parser_errors()
    app = web.Application(
        middlewares=[problem_middleware, header_limits], client_max_size=MAX_BODY_BYTES
    )
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
                HttpGateway(settings.gateway_url, session)
                if settings.gateway_url
                else ConsoleChannel()
            )
            courier = MessageCourier(
                database, sender, poll_interval=courier_poll_interval, clock=clock
            )
            zones = ServiceZones(settings.zone)
            intake = Intake(
                database,
                catalog,
                zones,
                on_commit=courier.wake,
                clock=clock,
                spread_ties=settings.reuse_port,
                messages_delivered_by=sender.name if sender.delivered_when_stored else None,
                max_waiting=settings.max_waiting_tickets,
            )
            await intake.listen_for_bookings()
            guard = SignedMessageGuard(database, clock=clock)
            app[RUNTIME] = Runtime(
                settings=settings,
                database=database,
                catalog=catalog,
                zones=zones,
                secret_box=secret_box,
                appliances=ApplianceRegistry(database, secret_box, clock=clock),
                intake=intake,
                signed_reads=guard,
                courier=courier,
                dispatcher=Dispatcher(
                    database,
                    catalog,
                    zones,
                    delivered_by=sender.name if sender.delivered_when_stored else None,
                ),
                clock=clock,
            )
            courier.start()
            _LOGGER.info(
                "service started",
                extra={
                    "database": database.dialect,
                    "customer_messages": sender.name,
                    "admin_api": settings.admin_token is not None,
                },
            )
            yield
            await intake.close()
            await guard.close()
            await courier.stop()
        finally:
            await session.close()
            await database.close()

    app.cleanup_ctx.append(lifecycle)
    return app
