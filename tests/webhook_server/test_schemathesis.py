"""schemathesis against the served ``/openapi.json``: no 5xx, every answer as documented.

A bounded run (``MAX_EXAMPLES`` per operation, the tickets signed with a registered appliance's
secret so that they reach triage, booking and the customer's message, the admin calls with the
token). The service runs as it is deployed: its own process, on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
from pathlib import Path
import socket
import subprocess
import sys
import time
from typing import Any, Final
import urllib.request

from hypothesis import HealthCheck, settings
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.webhook_server.conftest import APPLIANCE
from webhook_server.protocol import signature_headers
from webhook_server.security import SecretBox

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "schemathesis-admin"
MAX_EXAMPLES: Final = 60
"""Examples per operation: seven operations, a few hundred requests, about half a minute."""
CHECKS: Final = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CASES: list[tuple[str, int]] = []
"""``(operation, status)`` of every case sent."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The service in its own process, with the demo roster and one registered appliance."""
    workdir = tmp_path_factory.mktemp("schemathesis")
    port = _free_port()
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        FRIDGECARE_ADMIN_TOKEN=ADMIN,
        FRIDGECARE_SECRET_KEY=SecretBox.new_key().decode(),
        FRIDGECARE_LOG_LEVEL="CRITICAL",
    )
    command = [sys.executable, "-m", "webhook_server", "--db", "sqlite:///s.db", "--seed-demo"]
    process = subprocess.Popen([*command, "--port", str(port)], cwd=workdir, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v1/health"):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.1)
        request = urllib.request.Request(
            f"{base}/api/v1/appliances",
            data=json.dumps(APPLIANCE).encode(),
            headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:
            secret = json.load(answer)["secret"]
        yield base, secret
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def api_schema(service: tuple[str, str]) -> Any:
    return schemathesis.openapi.from_url(f"{service[0]}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_answers_as_documented(case: Any, service: tuple[str, str]) -> None:
    _, secret = service
    headers = {"Authorization": f"Bearer {ADMIN}"}
    if case.method == "POST" and case.path == "/api/v1/tickets" and isinstance(case.body, dict):
        case.body["appliance"] = dict(APPLIANCE)  # the registered appliance, which signs it
        body = json.dumps(case.body).encode()
        ticket_id = str(case.body.get("ticket_id", "x"))
        headers = signature_headers(secret, ticket_id, int(time.time()), body)
        headers["Content-Type"] = "application/json"
        response = case.call_and_validate(headers=headers, data=body, checks=CHECKS)
    else:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
    CASES.append((case.operation.label, response.status_code))


def test_zz_the_run_was_not_empty() -> None:
    """The bounded run really sent requests to every operation (the count reliability.md gives)."""
    operations = {operation for operation, _ in CASES}
    statuses = sorted({status for _, status in CASES})
    created = sum(
        1 for operation, status in CASES if operation == "POST /api/v1/tickets" and status == 201
    )
    sys.stdout.write(
        f"\nschemathesis: {len(CASES)} cases over {len(operations)} operations,"
        f" statuses {statuses}, {created} tickets stored\n"
    )
    assert len(operations) == 7
    assert len(CASES) >= 7 * MAX_EXAMPLES
    assert created > 0  # generated tickets went all the way through intake
    assert max(statuses) < 500
