"""FridgeCare manufacturer service: signed intake, triage, booking, customer messages, console.

The one entry point is :func:`webhook_server.app.create_app`; the command line lives in
:mod:`webhook_server.cli`.
"""

__version__ = "0.1.0"
