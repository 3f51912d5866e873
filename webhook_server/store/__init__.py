"""Storage: one repository over two SQL backends, chosen by the database URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from webhook_server.store.base import Database


async def open_database(url: str) -> Database:
    """Open and migrate the database named by ``sqlite:///path`` or ``postgresql://…``."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        from webhook_server.store.sqlite import SqliteDatabase  # noqa: PLC0415

        path = url.removeprefix("sqlite://").removeprefix("/")
        if not path:
            raise ValueError(
                "a SQLite URL names a file: sqlite:///tickets.db or sqlite:////abs/path"
            )
        return await SqliteDatabase.open(Path(path))
    if scheme in {"postgresql", "postgres"}:
        from webhook_server.store.postgres import PostgresDatabase  # noqa: PLC0415

        return await PostgresDatabase.open(url)
    raise ValueError(f"unsupported database URL scheme {scheme!r}: use sqlite:/// or postgresql://")
