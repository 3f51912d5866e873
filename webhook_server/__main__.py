"""Run the service: ``python -m webhook_server --db sqlite:///tickets.db --port 8080``."""

from webhook_server.cli import main

raise SystemExit(main())
