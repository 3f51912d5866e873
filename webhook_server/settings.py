"""Service settings: command-line flags, each with a ``FRIDGECARE_*`` environment fallback."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from webhook_server.intake import MAX_WAITING
from webhook_server.security import SecretBox


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything :func:`webhook_server.app.create_app` needs to know."""

    db: str = "sqlite:///tickets.db"
    host: str = "127.0.0.1"
    port: int = 8080
    admin_token: str | None = None
    secret_key: str | None = None
    secret_key_file: Path = Path("fridgecare.key")
    catalog: Path | None = None
    technicians: Path | None = None
    seed_demo: bool = False
    timezone: str = "UTC"
    gateway_url: str | None = None
    log_level: str = "INFO"
    access_log: bool = False
    reuse_port: bool = False
    shutdown_timeout: float = 30.0
    max_waiting_tickets: int = MAX_WAITING

    @property
    def zone(self) -> ZoneInfo:
        """The time zone of a service zone the roster gives none (``--timezone``)."""
        return ZoneInfo(self.timezone)

    def secret_box(self) -> SecretBox:
        """Return the box for signing secrets, creating the key file (mode 0600) on first use."""
        if self.secret_key:
            return SecretBox(self.secret_key.encode())
        path = self.secret_key_file
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(SecretBox.new_key())
        return SecretBox(path.read_bytes().strip())


def _env_flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def add_arguments(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    """Declare the serve flags, defaulting to ``FRIDGECARE_*`` environment variables."""
    defaults = Settings()

    def env_or(name: str, default: object) -> object:
        return env.get(f"FRIDGECARE_{name}", default)

    parser.add_argument(
        "--db",
        default=env_or("DB", defaults.db),
        help="sqlite:///path.db (default) or postgresql://user@host/db  [FRIDGECARE_DB]",
    )
    parser.add_argument("--host", default=env_or("HOST", defaults.host), help="[FRIDGECARE_HOST]")
    parser.add_argument(
        "--port", type=int, default=env_or("PORT", defaults.port), help="[FRIDGECARE_PORT]"
    )
    parser.add_argument(
        "--admin-token",
        default=env_or("ADMIN_TOKEN", None),
        help="bearer token of the admin API; unset disables it  [FRIDGECARE_ADMIN_TOKEN]",
    )
    parser.add_argument(
        "--secret-key",
        default=env_or("SECRET_KEY", None),
        help="Fernet key encrypting signing secrets at rest  [FRIDGECARE_SECRET_KEY]",
    )
    parser.add_argument(
        "--secret-key-file",
        type=Path,
        default=env_or("SECRET_KEY_FILE", defaults.secret_key_file),
        help="where the key is kept (created if missing) when --secret-key is not given"
        "  [FRIDGECARE_SECRET_KEY_FILE]",
    )
    parser.add_argument(
        "--catalog",
        type=Path,
        default=env_or("CATALOG", None),
        help="fault catalog YAML (default: the shipped one)  [FRIDGECARE_CATALOG]",
    )
    parser.add_argument(
        "--technicians",
        type=Path,
        default=env_or("TECHNICIANS", None),
        help="technicians YAML/JSON to load at start  [FRIDGECARE_TECHNICIANS]",
    )
    parser.add_argument(
        "--seed-demo",
        action="store_true",
        default=_env_flag(env.get("FRIDGECARE_SEED_DEMO")),
        help="load the demo technicians so a fresh start can book  [FRIDGECARE_SEED_DEMO]",
    )
    parser.add_argument(
        "--timezone",
        default=env_or("TIMEZONE", defaults.timezone),
        help="time zone of service zones the roster gives none  [FRIDGECARE_TIMEZONE]",
    )
    parser.add_argument(
        "--gateway-url",
        "--notify-url",  # its name before customer messages had a gateway of their own
        dest="gateway_url",
        default=env_or("GATEWAY_URL", env.get("FRIDGECARE_NOTIFY_URL")),
        help="SMS/e-mail gateway URL for customer messages; unset: they are shown in the console"
        " only  [FRIDGECARE_GATEWAY_URL]",
    )
    parser.add_argument(
        "--log-level",
        default=env_or("LOG_LEVEL", defaults.log_level),
        help="[FRIDGECARE_LOG_LEVEL]",
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        default=_env_flag(env.get("FRIDGECARE_ACCESS_LOG")),
        help="log every request  [FRIDGECARE_ACCESS_LOG]",
    )
    parser.add_argument(
        "--reuse-port",
        action="store_true",
        default=_env_flag(env.get("FRIDGECARE_REUSE_PORT")),
        help="let several server processes share the port (SO_REUSEPORT)  [FRIDGECARE_REUSE_PORT]",
    )
    parser.add_argument(
        "--shutdown-timeout",
        type=float,
        default=env_or("SHUTDOWN_TIMEOUT", defaults.shutdown_timeout),
        help="seconds in-flight requests get to finish on SIGTERM  [FRIDGECARE_SHUTDOWN_TIMEOUT]",
    )
    parser.add_argument(
        "--max-waiting-tickets",
        type=int,
        default=env_or("MAX_WAITING_TICKETS", defaults.max_waiting_tickets),
        help="tickets that may wait to be stored before new ones get 429 and Retry-After"
        "  [FRIDGECARE_MAX_WAITING_TICKETS]",
    )


def settings_from(namespace: argparse.Namespace) -> Settings:
    """Build settings from parsed flags (environment fallbacks already applied)."""
    try:
        ZoneInfo(namespace.timezone)
    except Exception as err:
        raise SystemExit(f"unknown --timezone {namespace.timezone!r}") from err
    return Settings(
        db=namespace.db,
        host=namespace.host,
        port=int(namespace.port),
        admin_token=namespace.admin_token or None,
        secret_key=namespace.secret_key or None,
        secret_key_file=Path(namespace.secret_key_file),
        catalog=None if namespace.catalog is None else Path(namespace.catalog),
        technicians=None if namespace.technicians is None else Path(namespace.technicians),
        seed_demo=namespace.seed_demo,
        timezone=namespace.timezone,
        gateway_url=namespace.gateway_url or None,
        log_level=namespace.log_level,
        access_log=namespace.access_log,
        reuse_port=namespace.reuse_port,
        shutdown_timeout=float(namespace.shutdown_timeout),
        max_waiting_tickets=int(namespace.max_waiting_tickets),
    )


def parse(argv: Sequence[str], env: Mapping[str, str]) -> Settings:
    """Build settings from a command line and an environment."""
    parser = argparse.ArgumentParser(prog="python -m webhook_server")
    add_arguments(parser, env)
    return settings_from(parser.parse_args(argv))
