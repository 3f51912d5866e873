"""Command line: serve (default), ``add-agent``, ``load-technicians``, ``openapi``.

python -m webhook_server --db sqlite:///tickets.db --port 8080 --seed-demo
python -m webhook_server add-agent alice --zone madrid-centro --db sqlite:///tickets.db
python -m webhook_server add-agent bob --supervisor --db sqlite:///tickets.db
python -m webhook_server --db postgresql://… load-technicians technicians.yaml
python -m webhook_server openapi > webhook_server/openapi.json

The global options (``--db`` and the other serve flags) may come before or after the command.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping, Sequence
import gc
import getpass
import logging
import os
from pathlib import Path
import sys
import time

from aiohttp import web

from webhook_server import openapi
from webhook_server.app import create_app
from webhook_server.limits import PARSER_LINE_BYTES, PARSER_MAX_HEADERS
from webhook_server.logs import configure_logging
from webhook_server.roster import load_roster, read_roster
from webhook_server.security import PASSWORD_MAX_BYTES, hash_password
from webhook_server.settings import Settings, add_arguments, settings_from
from webhook_server.store import open_database, repository

_LOGGER = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run the command line; return the process exit status."""
    environ = os.environ if env is None else env
    options = _parser(environ).parse_args(sys.argv[1:] if argv is None else argv)
    settings = settings_from(options)
    if options.command is None:
        configure_logging(settings.log_level)
        serve(settings)
        return 0
    return _tool(options, settings, environ)


_YOUNG_COLLECTION_ALLOCATIONS = 50_000


def serve(settings: Settings) -> None:
    """Serve until SIGINT/SIGTERM, then let in-flight requests finish (``--shutdown-timeout``)."""
    run(create_app(settings), settings)


def run(app: web.Application, settings: Settings) -> None:
    """Serve ``app`` as :func:`serve` does (the benchmark serves its reference apps this way)."""
    # Every request allocates a few hundred objects, nearly all freed at once by reference
    # counting; a young-generation collection every 2,000 of them (the default) cost the
    # intake a few per cent of its time for nothing. Cycles still go, in bigger rounds.
    gc.set_threshold(_YOUNG_COLLECTION_ALLOCATIONS, *gc.get_threshold()[1:])
    _LOGGER.info("listening", extra={"host": settings.host, "port": settings.port})
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        reuse_port=settings.reuse_port or None,
        shutdown_timeout=settings.shutdown_timeout,
        access_log=logging.getLogger("aiohttp.access") if settings.access_log else None,
        print=None,
        max_field_size=PARSER_LINE_BYTES,
        max_line_size=PARSER_LINE_BYTES,
        max_headers=PARSER_MAX_HEADERS,
    )


def _parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    """Serve by default; a command runs a tool. Global options go before or after the command."""
    parser = argparse.ArgumentParser(
        prog="python -m webhook_server",
        description="Serve the ticket service, or run a command. "
        "The options may come before or after the command.",
    )
    add_arguments(parser, env)
    # The same options after the command, without defaults, so that they only override what
    # was given before it (argparse copies a subcommand's defaults over the parent's values).
    # A command's --help lists only --db of them: the others matter only when serving.
    after = argparse.ArgumentParser(add_help=False)
    add_arguments(after, env)
    for action in after._actions:
        action.default = argparse.SUPPRESS
        if action.dest != "db":
            action.help = argparse.SUPPRESS
    commands = parser.add_subparsers(dest="command", metavar="command", title="commands")
    agent = commands.add_parser(
        "add-agent",
        parents=[after],
        help="create a console user, or set their password, role and zones (lifts a lock)",
    )
    agent.add_argument("username")
    role = agent.add_mutually_exclusive_group(required=True)
    role.add_argument(
        "--zone",
        dest="zones",
        action="append",
        metavar="ZONE",
        help="a service zone the agent works on (repeat for more)",
    )
    role.add_argument(
        "--supervisor", action="store_true", help="sees and acts on every zone's tickets"
    )
    roster = commands.add_parser(
        "load-technicians", parents=[after], help="create or update technicians"
    )
    roster.add_argument("file", type=Path)
    document = commands.add_parser("openapi", parents=[after], help="print the OpenAPI document")
    document.add_argument(
        "--check", action="store_true", help="exit 1 if webhook_server/openapi.json is stale"
    )
    return parser


def _tool(options: argparse.Namespace, settings: Settings, env: Mapping[str, str]) -> int:
    if options.command == "openapi":
        if options.check:
            stale = openapi.committed_text() != openapi.rendered()
            sys.stdout.write("openapi.json is stale\n" if stale else "openapi.json is up to date\n")
            return int(stale)
        sys.stdout.write(openapi.rendered())
        return 0
    if options.command == "add-agent":
        password = env.get("FRIDGECARE_AGENT_PASSWORD") or getpass.getpass("Password: ")
        if len(password) < 8 or len(password.encode()) > PASSWORD_MAX_BYTES:
            sys.stderr.write(
                f"the password needs at least 8 characters and at most {PASSWORD_MAX_BYTES} bytes\n"
            )
            return 2
        zones = [] if options.supervisor else options.zones
        asyncio.run(_add_agent(settings.db, options.username, password, zones))
        seen = "every zone" if options.supervisor else ", ".join(zones)
        sys.stdout.write(f"agent {options.username} ({seen}) can sign in at /console/login\n")
        return 0
    try:
        count = asyncio.run(_load_technicians(settings.db, options.file))
    except (OSError, ValueError) as err:
        sys.stderr.write(f"cannot load {options.file}: {err}\n")
        return 1
    sys.stdout.write(f"loaded {count} technicians\n")
    return 0


async def _add_agent(db: str, username: str, password: str, zones: list[str]) -> None:
    """Zones given: an agent of those zones; none: a supervisor."""
    database = await open_database(db)
    try:
        async with database.transaction() as conn:
            await repository.upsert_agent(
                conn,
                username,
                hash_password(password),
                int(time.time()),
                role="agent" if zones else "supervisor",
                zones=zones,
            )
    finally:
        await database.close()


async def _load_technicians(db: str, path: Path) -> int:
    database = await open_database(db)
    try:
        return await load_roster(database, read_roster(path))
    finally:
        await database.close()
