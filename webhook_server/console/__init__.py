"""The agent console: server-rendered pages for the contact centre, behind a login."""

from webhook_server.console.views import setup

__all__ = ["setup"]
