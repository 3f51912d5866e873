"""FridgeCare manufacturer service: signed ticket intake, triage, booking, notices, agent console.

The one entry point is :func:`webhook_server.app.create_app`; the command line lives in
:mod:`webhook_server.cli`.
"""

__version__ = "0.1.0"
