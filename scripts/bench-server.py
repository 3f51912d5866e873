#!/usr/bin/env python3
"""Benchmark the manufacturer service over loopback and print the figures.

    scripts/bench-server.py [--rounds 3] [--seconds 6] [--connections 64] [--skip-postgres]
                            [--compare REV]

Every server runs for the whole benchmark, each in its own process, the load generator in
another: a bare aiohttp JSON endpoint (the ceiling), the service's checks alone, one SQLite
worker, with --compare one SQLite worker of the service as it was at git revision REV (its own
code and its own requirements/server.txt, in a virtual environment of their own), and on
PostgreSQL one worker and two workers sharing a port (SO_REUSEPORT). Each round loads them in
turn:
  1. ceiling: the bare endpoint, requests per second;
  2. checks alone: the service's own ticket checks (media type, size, contract, signature)
     answering with a real answer's bytes, nothing stored: the floor under full intake;
  3. SQLite, one worker: full signed ticket intake at full speed (accepted tickets/s, p50/p99);
  4. SQLite, one worker, paced at 80 % of phase 3's rate: p50/p99;
  5. with --compare, phases 3 and 4 again on the service as it was at REV ("before");
  6. PostgreSQL, one worker, then two workers: accepted tickets/s.
The targets (issue #15): full intake at or above 25 % of the ceiling, and p99 at most 50 ms at
80 % of that rate.
A ratio is taken within a round, between phases run seconds apart: this machine's speed drifts
by a third from one minute to the next, which made one-off ratios of phases run a minute apart
say more about the drift than about the service. The summary gives each ratio's median and
range over the rounds.

The roster has enough technicians that every ticket of every round books a slot, as checked at
the end; after the last round the stored tickets are compared with the acknowledged ones: none
lost, none duplicated. The load is bounded by --seconds per phase; everything stays on 127.0.0.1.

Two reliability tests use the same servers and load generator (docs/reliability.md):

    scripts/bench-server.py --crash [--skip-postgres]   # kill -9 mid-load, restart, compare
    scripts/bench-server.py --burst 6000                # that many tickets at the same moment

--crash loads SQLite (one worker) and PostgreSQL (two workers), kills every server process
with SIGKILL halfway through the phase, starts the service again on the same database, and
compares the tickets acknowledged before the kill with those stored: lost and duplicated must
be 0. It then sends every ticket of the phase again (as the appliances' retries would): each is
stored once. --burst opens that many connections and sends one ticket on each at once, to a
service told to hold at most --max-waiting tickets: the rest must be shed (429 with
Retry-After), and every acknowledged ticket stored.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
import gc
import json
import os
from pathlib import Path
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any
import urllib.parse
import urllib.request
import uuid

ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve() and VENV_PYTHON.exists():
    os.execv(VENV_PYTHON, [str(VENV_PYTHON), __file__, *sys.argv[1:]])  # noqa: S606  (same script)

import hashlib  # noqa: E402
import io  # noqa: E402  (the standard library, after the switch to the venv)
import tarfile  # noqa: E402

# Third-party packages live in the project's venv, which the lines above switched to.
# The load generator signs with the reference standardwebhooks package, like any appliance would.
from aiohttp import web  # noqa: E402
import asyncpg  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from standardwebhooks import Webhook  # noqa: E402

ADMIN = "bench-admin-token"
POSTGRES_DSN = os.environ.get(
    "FRIDGECARE_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
APPLIANCE = {"manufacturer": "BenchCo", "model": "FC-FD-900", "serial": "BENCH-1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310  (a loopback http URL)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"server at {url} did not start") from None
            time.sleep(0.1)


# --- the bare ceiling server -----------------------------------------------------------------


def run_bare_server(port: int) -> None:
    async def echo(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"ok": True, "ticket_id": body.get("ticket_id")}, status=201)

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/api/v1/tickets", echo)
    app.router.add_get("/api/v1/health", health)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# --- the service's checks alone (the floor under intake) ----------------------------------------


CHECKS_PATH = "/bench/checks"


def run_checks_server(port: int, db: str, answer_file: Path) -> None:
    """The service itself, plus a route that runs a ticket's checks and stores nothing."""
    from webhook_server import api  # noqa: PLC0415  (the venv is on the path only by now)
    from webhook_server.app import create_app  # noqa: PLC0415
    from webhook_server.cli import run  # noqa: PLC0415
    from webhook_server.settings import Settings  # noqa: PLC0415

    answer = answer_file.read_bytes()

    async def checks_only(request: web.Request) -> web.Response:
        checked = await api.checked_ticket(request)
        location = {"Location": f"/api/v1/tickets/{checked.ticket.ticket_id}"}
        return web.Response(
            body=answer, status=201, content_type="application/json", headers=location
        )

    settings = Settings(
        db=db,
        port=port,
        admin_token=ADMIN,
        secret_key=os.environ["FRIDGECARE_SECRET_KEY"],
        log_level="WARNING",
    )
    app = create_app(settings)
    app.router.add_post(CHECKS_PATH, checks_only)
    run(app, settings)


# --- the load generator (runs in its own process) --------------------------------------------


TECHNICIANS_PER_ZONE = 8
SLOTS_PER_TECHNICIAN = 100
"""Free slots a technician has before an info ticket's deadline (a week of 90-minute slots)."""
INTAKE_MAX_PER_SECOND = 12_000
"""More tickets per second than any phase here sends (it bounds the requests prepared)."""


WARM_UP_SECONDS = 2.0
"""Unmeasured load before the first round: every zone's roster and bookings are read once."""


def zones_for(rounds: int, seconds: float) -> int:
    """Zones of 8 technicians with a free slot for every ticket the SQLite phases can send.

    With too few, the later tickets of a run found no slot before their deadline and took the
    ``needs_dispatch`` path instead: the earlier 50 zones ran out of slots a little after
    44,000 tickets, within the first phase on a fast machine, unnoticed.
    """
    most_tickets = (2 * rounds * seconds + WARM_UP_SECONDS) * INTAKE_MAX_PER_SECOND * 1.2
    return int(most_tickets // (TECHNICIANS_PER_ZONE * SLOTS_PER_TECHNICIAN)) + 1


def bench_roster(zones: int) -> dict[str, Any]:
    """A fleet: zones of 8 round-the-clock technicians, enough that every ticket books."""
    return {
        "technicians": [
            {
                "id": f"bench-{index:05d}",
                "name": f"Bench Tech {index}",
                "zones": [f"zone-{index % zones:03d}"],
                "skills": ["sealed_system", "electrical", "defrost", "general"],
                "timezone": "UTC",
                "hours": "00:00-23:59",
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            }
            for index in range(zones * TECHNICIANS_PER_ZONE)
        ]
    }


def make_bodies(
    count: int, secret: str | None, zones: int, run: str
) -> list[tuple[str, bytes, dict[str, str]]]:
    """``count`` signed tickets ``bench-<run>-<index>``: the same run gives the same tickets."""
    codes = ["compressor_start_failure", "defrost_failure", "door_seal_leak", "sensor_fault"]
    now = int(time.time())
    signed_at = datetime.fromtimestamp(now, UTC)
    signer = Webhook(secret) if secret is not None else None
    bodies = []
    for index in range(count):
        ticket_id = f"bench-{run}-{index}"
        ticket = {
            "ticket_id": ticket_id,
            "appliance": APPLIANCE,
            "customer": {"zone": f"zone-{index % zones:03d}", "language": ("en", "es")[index % 2]},
            "fault": {
                "code": codes[index % len(codes)],
                "severity": "info",
                "confidence": 0.9,
                "summary": "Benchmark fault",
                "onset_at": "2026-06-01T06:00:00Z",
                "detected_at": "2026-06-01T08:55:00Z",
                "time_to_unsafe_s": None,
                "evidence": {"duty_cycle": 0.61, "start_attempts_per_hour": 4.0},
            },
            "integration_version": "bench",
        }
        body = json.dumps(ticket).encode()
        headers = {"Content-Type": "application/json"}
        if signer is not None:
            headers |= {
                "webhook-id": ticket_id,
                "webhook-timestamp": str(now),
                "webhook-signature": signer.sign(ticket_id, signed_at, body.decode()),
            }
        bodies.append((ticket_id, body, headers))
    return bodies


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def postgres_cpu_seconds() -> float:
    """CPU of every process of the local PostgreSQL server (its backends do the database work)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                total += process_cpu_seconds(int(entry.name))
        except OSError:  # the process ended meanwhile
            continue
    return total


def machine_cpu() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


def cpu_snapshot(server_pids: list[int]) -> tuple[float, float, tuple[int, int]]:
    """The servers', PostgreSQL's and the machine's CPU so far, to subtract from a later one."""
    return (
        sum(process_cpu_seconds(pid) for pid in server_pids),
        postgres_cpu_seconds(),
        machine_cpu(),
    )


class KeepAliveConnection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection of the load generator, one request at a time.

    Requests are bytes encoded before the clock starts; an answer is read only far enough to
    know its status and where it ends. This costs a fraction of what a server spends on the
    request, so the generator does not limit the ceiling (an aiohttp client, used before, did:
    it took a whole core at 15,000 requests/s while the bare server still had time to spare).
    """

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._answer: asyncio.Future[int] | None = None
        self.retry_after: list[int] = []
        """``Retry-After`` of every 429 answer."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(ConnectionError("the server closed the connection"))

    def send(self, request: bytes) -> asyncio.Future[int]:
        """Send one request; the future gets the answer's HTTP status."""
        assert self._transport is not None and self._answer is None
        self._answer = asyncio.get_running_loop().create_future()
        self._transport.write(request)
        return self._answer

    def close(self) -> None:
        """Hang up."""
        if self._transport is not None:
            self._transport.close()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self._buffer[:end]).lower()
        at = head.index(b"content-length:") + len(b"content-length:")
        line_end = head.find(b"\r\n", at)
        length = int(head[at : line_end if line_end >= 0 else len(head)])
        if len(self._buffer) < end + 4 + length:
            return
        del self._buffer[: end + 4 + length]
        answer, self._answer = self._answer, None
        assert answer is not None
        status = int(head[9:12])
        if status == 429:
            at = head.index(b"retry-after:") + len(b"retry-after:")
            line_end = head.find(b"\r\n", at)
            self.retry_after.append(int(head[at : line_end if line_end >= 0 else len(head)]))
        answer.set_result(status)


def encode_requests(url: str, bodies: list[tuple[str, bytes, dict[str, str]]]) -> list[bytes]:
    """The HTTP/1.1 bytes of each ticket request, ready to write."""
    parts = urllib.parse.urlsplit(url)
    start = f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
    requests = []
    for _, body, headers in bodies:
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        head = f"{start}{lines}Content-Length: {len(body)}\r\n\r\n"
        requests.append(head.encode() + body)
    return requests


async def generate_load(
    url: str,
    seconds: float,
    connections: int,
    rate: float | None,
    secret: str | None,
    server_pids: list[int],
    zones: int,
    *,
    once: bool = False,
    run: str = "",
    count: int = 0,
) -> dict[str, Any]:
    """Send tickets for ``seconds``: as fast as answers come (``rate`` None) or at ``rate``/s.

    ``once``: each connection sends one ticket, all at the same moment (--burst). ``run`` and
    ``count``: the first ``count`` tickets of that run again (--crash's retries).

    With a rate, each request is due at a fixed time and its latency counts from then, so a
    server that falls behind shows it even while every connection is busy (no coordinated
    omission).
    """
    ceiling_guess = 25_000 if secret is None else INTAKE_MAX_PER_SECOND  # no phase sends more
    budget = count or int((rate or ceiling_guess) * seconds * 1.2) + 100
    signing = secret or "whsec_" + base64.b64encode(b"ceiling" * 4).decode()
    run = run or uuid.uuid4().hex[:8]
    bodies = make_bodies(budget, signing, zones, run)
    requests = encode_requests(url, bodies)
    gc.collect()
    gc.freeze()  # the prepared requests are never garbage: keep collections short
    loop = asyncio.get_running_loop()
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    pool = [
        (await loop.create_connection(KeepAliveConnection, host, port))[1]
        for _ in range(connections)
    ]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    accepted: list[str] = []
    position = 0
    cpu_before = cpu_snapshot(server_pids)
    started = time.perf_counter()
    stop_at = started + seconds

    errors = 0

    async def send(connection: KeepAliveConnection, index: int, due: float) -> None:
        nonlocal errors
        try:
            status = await connection.send(requests[index])
        except ConnectionError:  # the server went away (--crash): this one stays unanswered
            errors += 1
            raise
        latencies.append(time.perf_counter() - due)
        statuses[status] = statuses.get(status, 0) + 1
        if status == 201:
            accepted.append(bodies[index][0])

    async def closed_loop(connection: KeepAliveConnection) -> None:
        nonlocal position
        while time.perf_counter() < stop_at and position < len(requests):
            index = position
            position += 1
            await send(connection, index, time.perf_counter())
            if once:
                return

    async def open_loop(connection: KeepAliveConnection) -> None:
        # Each connection takes the next due request; one not yet due is waited for.
        nonlocal position
        assert rate is not None
        while position < len(requests):
            index = position
            due = started + index / rate
            if due >= stop_at:
                return
            position += 1
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await send(connection, index, due)

    await asyncio.gather(
        *(closed_loop(c) if rate is None else open_loop(c) for c in pool),
        return_exceptions=True,  # a connection the server dropped ends its own loop only
    )
    elapsed = time.perf_counter() - started
    cpu_after = cpu_snapshot(server_pids)
    for connection in pool:
        connection.close()
    latencies.sort()

    def percentile(share: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "run": run,
        "sent": position,
        "errors": errors,
        "retry_after": sorted(value for c in pool for value in c.retry_after),
        "statuses": statuses,
        "seconds": elapsed,
        "per_second": statuses.get(201, 0) / elapsed,
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "accepted": accepted,
        "server_cpu_s": cpu_after[0] - cpu_before[0],
        "postgres_cpu_s": cpu_after[1] - cpu_before[1],
        "machine_busy": (cpu_after[2][0] - cpu_before[2][0])
        / max(1, cpu_after[2][1] - cpu_before[2][1]),
    }


def run_load(options: argparse.Namespace) -> None:
    result = asyncio.run(
        generate_load(
            options.url,
            options.seconds,
            options.connections,
            options.rate,
            options.secret,
            options.server_pids,
            options.zones,
            once=options.once,
            run=options.run,
            count=options.count,
        )
    )
    sys.stdout.write(json.dumps(result))


def load_command(
    url: str,
    seconds: float,
    connections: int,
    rate: float | None,
    secret: str | None,
    servers: list[subprocess.Popen[bytes]],
    zones: int,
    *,
    once: bool = False,
    run: str = "",
    count: int = 0,
) -> list[str]:
    """The command line of a load generator process (``--role load``)."""
    command = [
        sys.executable,
        __file__,
        "--role",
        "load",
        "--url",
        url,
        "--seconds",
        str(seconds),
        "--connections",
        str(connections),
        "--zones",
        str(zones),
    ]
    if rate is not None:
        command += ["--rate", str(rate)]
    if secret is not None:
        command += ["--secret", secret]
    command += [f"--server-pid={server.pid}" for server in servers]
    if run:
        command += ["--run", run, "--count", str(count)]
    return [*command, "--once"] if once else command


def run_loader(command: list[str]) -> dict[str, Any]:
    """Run a load generator (:func:`load_command`) to its end; return its figures."""
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=600)
    result: dict[str, Any] = json.loads(output.stdout)
    return result


# --- orchestration ----------------------------------------------------------------------------


SECRET_KEY = Fernet.generate_key().decode()
"""The run's key for signing secrets at rest: a service started again reads its database."""


def service_env(tree: Path = ROOT) -> dict[str, str]:
    """The environment of a service process: its code on the path, the run's secret key."""
    return dict(
        os.environ,
        PYTHONPATH=str(tree),
        FRIDGECARE_ADMIN_TOKEN=ADMIN,
        FRIDGECARE_SECRET_KEY=SECRET_KEY,
        FRIDGECARE_LOG_LEVEL="WARNING",
    )


@dataclass(frozen=True)
class Code:
    """Which service runs: its source tree and the Python that runs it."""

    tree: Path = ROOT
    python: str = sys.executable


def start_service(
    db: str,
    port: int,
    workdir: Path,
    *,
    workers: int = 1,
    profile: Path | None = None,
    code: Code = Code(),  # noqa: B008  (frozen)
    flags: tuple[str, ...] = (),
) -> list[subprocess.Popen[bytes]]:
    env = service_env(code.tree)
    # --profile: the worker runs under cProfile, which writes its figures when it stops.
    profiler = [] if profile is None else ["-m", "cProfile", "-o", str(profile)]
    processes = []
    for _ in range(workers):
        processes.append(
            subprocess.Popen(
                [
                    code.python,
                    *profiler,
                    "-m",
                    "webhook_server",
                    "--db",
                    db,
                    "--port",
                    str(port),
                    *(["--reuse-port"] if workers > 1 else []),
                    *flags,
                ],
                cwd=workdir,
                env=env,
            )
        )
        wait_ready(f"http://127.0.0.1:{port}/api/v1/health")
    return processes


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=60)


def admin_call(port: int, method: str, path: str, body: object) -> dict[str, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310  (a loopback http URL)
        result: dict[str, Any] = json.load(answer)
        return result


def prepare(port: int, zones: int) -> str:
    roster = bench_roster(zones)["technicians"]
    for first in range(0, len(roster), 50):  # the API takes bodies up to 64 KiB
        admin_call(port, "PUT", "/api/v1/technicians", {"technicians": roster[first : first + 50]})
    return str(admin_call(port, "POST", "/api/v1/appliances", APPLIANCE)["secret"])


_STORED = "SELECT ticket_id, status FROM tickets"


def stored_sqlite(path: Path) -> list[tuple[str, str]]:
    """``(ticket_id, status)`` of every stored ticket."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return [(row[0], row[1]) for row in conn.execute(_STORED)]


def stored_postgres(schema: str) -> list[tuple[str, str]]:
    """``(ticket_id, status)`` of every stored ticket."""

    async def fetch() -> list[tuple[str, str]]:
        conn = await asyncpg.connect(POSTGRES_DSN, server_settings={"search_path": schema})
        try:
            return [(row[0], row[1]) for row in await conn.fetch(_STORED)]
        finally:
            await conn.close()

    return asyncio.run(fetch())


def postgres_schema(action: str, schema: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(POSTGRES_DSN)
        try:
            await conn.execute(f"{action} SCHEMA {schema}{' CASCADE' if action == 'DROP' else ''}")
        finally:
            await conn.close()

    asyncio.run(run())


def check(accepted: list[str], stored: list[tuple[str, str]]) -> str:
    """Acknowledged against stored tickets, and how many of them booked a technician."""
    ids = [ticket_id for ticket_id, _ in stored]
    stored_ids, acknowledged = set(ids), set(accepted)
    lost = acknowledged - stored_ids
    duplicated = len(ids) - len(stored_ids)
    extra = stored_ids - acknowledged
    booked = sum(1 for _, status in stored if status == "booked")
    return (
        f"acknowledged {len(accepted)}, stored {len(ids)}, lost {len(lost)}, "
        f"duplicated {duplicated}, stored-but-unacknowledged {len(extra)}; "
        f"booked {booked} of {len(ids)}"
    )


def line(name: str, result: dict[str, Any]) -> str:
    errors = f", {result['errors']} connection errors" if result["errors"] else ""
    return (
        f"{name:<42} {result['per_second']:>8.0f}/s  p50 {result['p50_ms']:>6.1f} ms  "
        f"p99 {result['p99_ms']:>6.1f} ms  ({result['requests']} requests, "
        f"statuses {result['statuses']}{errors})"
    )


def cpu_us(result: dict[str, Any], key: str = "server_cpu_s") -> float:
    """CPU microseconds per answered request of a phase."""
    return float(result[key]) * 1e6 / max(1, int(result["requests"]))


def cpu_line(result: dict[str, Any], *, postgres: bool = False) -> str:
    """Where the machine's CPU went, per answered request, during the timed window."""
    database = f", PostgreSQL {cpu_us(result, 'postgres_cpu_s'):.0f} us" if postgres else ""
    return (
        f"  CPU per request: server processes {cpu_us(result):.0f} us{database}; "
        f"machine busy {result['machine_busy']:.0%} of {os.cpu_count()} CPUs"
    )


class Service:
    """One service under test for the whole run, and the tickets it acknowledged."""

    def __init__(
        self,
        name: str,
        processes: list[subprocess.Popen[bytes]],
        port: int,
        secret: str | None = None,
        path: str = "/api/v1/tickets",
    ) -> None:
        self.name = name
        self.processes = processes
        self.url = f"http://127.0.0.1:{port}{path}"
        self.secret = secret
        """The benchmark appliance's signing secret; None for the unsigned ceiling."""
        self.accepted: list[str] = []

    def load(
        self,
        options: argparse.Namespace,
        zones: int,
        rate: float | None = None,
        seconds: float | None = None,
    ) -> dict[str, Any]:
        """One phase of load; remembers the acknowledged tickets."""
        result = run_loader(
            load_command(
                self.url,
                options.seconds if seconds is None else seconds,
                options.connections,
                rate,
                self.secret,
                self.processes,
                zones,
            )
        )
        self.accepted += result["accepted"]
        return result


def start_intake(
    name: str,
    db: str,
    workdir: Path,
    zones: int,
    *,
    workers: int = 1,
    profile: Path | None = None,
    code: Code = Code(),  # noqa: B008  (frozen)
    flags: tuple[str, ...] = (),
) -> Service:
    """Start an intake service, load the roster and register the benchmark appliance."""
    port = free_port()
    processes = start_service(
        db, port, workdir, workers=workers, profile=profile, code=code, flags=flags
    )
    try:
        return Service(name, processes, port, prepare(port, zones))
    except BaseException:
        stop(processes)  # not yet in the caller's list of servers to stop
        raise


def start_checks(workdir: Path, answer: bytes) -> Service:
    """Start the checks-alone server (its own SQLite file) and register the appliance there."""
    port = free_port()
    answer_file = workdir / "answer.json"
    answer_file.write_bytes(answer)
    command = [sys.executable, __file__, "--role", "checks", "--port", str(port)]
    command += ["--db", f"sqlite:///{workdir / 'checks.db'}", "--answer-file", str(answer_file)]
    processes = [subprocess.Popen(command, cwd=workdir, env=service_env())]
    try:
        wait_ready(f"http://127.0.0.1:{port}/api/v1/health")
        return Service("checks alone", processes, port, prepare(port, 0), CHECKS_PATH)
    except BaseException:
        stop(processes)
        raise


def code_at(revision: str) -> Code:
    """The service as it was at ``revision``: its code, and a venv with its own requirements.

    The venv is kept in .run/bench/ by the digest of the requirements, so a second run with the
    same revision starts at once.
    """
    exported = subprocess.run(
        [
            "git",
            "-C",
            str(ROOT),
            "archive",
            revision,
            "webhook_server",
            "custom_components/fridge_care/tickets/protocol.py",
            "requirements/server.txt",
        ],
        capture_output=True,
        check=True,
    ).stdout
    digest = hashlib.sha256(exported).hexdigest()[:12]
    cache = ROOT / ".run" / "bench"
    tree = cache / f"tree-{digest}"
    if not tree.exists():
        with tarfile.open(fileobj=io.BytesIO(exported)) as archive:
            archive.extractall(tree, filter="data")  # the protocol link stays inside the tree
    requirements = (tree / "requirements" / "server.txt").read_bytes()
    venv = cache / f"venv-{hashlib.sha256(requirements).hexdigest()[:12]}"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"  installing {revision}'s requirements/server.txt into {venv.relative_to(ROOT)}")
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "-r",
             str(tree / "requirements" / "server.txt")],
            check=True,
        )  # fmt: skip
    return Code(tree, str(python))


def real_answer(service: Service) -> bytes:
    """An answer the service gave: the state of a ticket it accepted (as the admin reads it)."""
    parts = urllib.parse.urlsplit(service.url)
    request = urllib.request.Request(
        f"http://{parts.netloc}/api/v1/tickets/{service.accepted[0]}",
        headers={"Authorization": f"Bearer {ADMIN}"},
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310  (a loopback http URL)
        body: bytes = answer.read()
        return body


def spread(values: list[float], fmt: str) -> str:
    """``median (min-max)`` of a figure over the rounds."""
    low, middle, high = min(values), statistics.median(values), max(values)
    return f"{middle:{fmt}} ({low:{fmt}} to {high:{fmt}})"


@dataclass
class Figures:
    """The ratios the targets speak of, one per round."""

    shares: list[float] = field(default_factory=list)
    """SQLite at full speed against the ceiling."""
    check_shares: list[float] = field(default_factory=list)
    """The checks alone against the ceiling."""
    storing_us: list[float] = field(default_factory=list)
    """Server CPU per ticket of full intake beyond the checks alone."""
    paced_p99: list[float] = field(default_factory=list)
    before_shares: list[float] = field(default_factory=list)
    """With --compare: the service at REV on SQLite against the ceiling."""
    before_paced_p99: list[float] = field(default_factory=list)
    scaling: list[float] = field(default_factory=list)
    """PostgreSQL, two workers against one."""


def run_rounds(
    options: argparse.Namespace, workdir: Path, zones: int, schemas: list[str]
) -> Figures:
    """Start every server, warm the intakes up, run the rounds, then check what was stored.

    Adds the PostgreSQL schemas it creates to ``schemas``: the caller drops them, whatever
    happens.
    """
    figures = Figures()
    services: list[Service] = []
    before: Service | None = None
    before_path = workdir / "before.db"
    try:
        port = free_port()
        bare = Service(
            "ceiling",
            [
                subprocess.Popen(
                    [sys.executable, __file__, "--role", "bare", "--port", str(port)],
                    cwd=workdir,
                )
            ],
            port,
        )
        services.append(bare)
        wait_ready(f"http://127.0.0.1:{port}/api/v1/health")
        db_path = workdir / "bench.db"
        profile = None if options.profile is None else options.profile.resolve()
        sqlite_service = start_intake(
            "SQLite", f"sqlite:///{db_path}", workdir, zones, profile=profile
        )
        services.append(sqlite_service)
        if options.compare:
            name = f"SQLite, before ({options.compare})"
            code = code_at(options.compare)
            before = start_intake(name, f"sqlite:///{before_path}", workdir, zones, code=code)
            services.append(before)
        postgres: list[Service] = []
        if not options.skip_postgres:
            for workers in (1, 2):
                schemas.append(f"fc_bench_{uuid.uuid4().hex[:10]}")
                postgres_schema("CREATE", schemas[-1])
                separator = "&" if "?" in POSTGRES_DSN else "?"
                db = f"{POSTGRES_DSN}{separator}search_path={schemas[-1]}"
                name = f"PostgreSQL, {workers} worker{'s' if workers > 1 else ''}"
                postgres.append(start_intake(name, db, workdir, zones, workers=workers))
                services.append(postgres[-1])
        for service in services[1:]:
            service.load(options, zones, seconds=WARM_UP_SECONDS)
        checks = start_checks(workdir, real_answer(sqlite_service))
        services.append(checks)
        checks.load(options, zones, seconds=WARM_UP_SECONDS)
        for number in range(1, options.rounds + 1):
            print(f"round {number}")
            ceiling = bare.load(options, zones)
            print(line("  ceiling: bare aiohttp JSON endpoint", ceiling))
            print(cpu_line(ceiling))
            alone = checks.load(options, zones)
            print(line("  checks alone, nothing stored", alone))
            print(cpu_line(alone))
            figures.check_shares.append(alone["per_second"] / ceiling["per_second"])
            print(f"    share of ceiling: {figures.check_shares[-1]:.0%}")
            full = sqlite_service.load(options, zones)
            print(line("  SQLite, 1 worker, full speed", full))
            print(cpu_line(full))
            paced = sqlite_service.load(options, zones, rate=0.8 * full["per_second"])
            print(line("  SQLite, 1 worker, at 80 % of that rate", paced))
            print(cpu_line(paced))
            figures.shares.append(full["per_second"] / ceiling["per_second"])
            figures.storing_us.append(cpu_us(full) - cpu_us(alone))
            figures.paced_p99.append(paced["p99_ms"])
            print(f"    share of ceiling: {figures.shares[-1]:.0%}")
            if before is not None:
                old = before.load(options, zones)
                print(line(f"  {before.name}, full speed", old))
                print(cpu_line(old))
                old_paced = before.load(options, zones, rate=0.8 * old["per_second"])
                print(line(f"  {before.name}, at 80 % of that rate", old_paced))
                figures.before_shares.append(old["per_second"] / ceiling["per_second"])
                figures.before_paced_p99.append(old_paced["p99_ms"])
                print(f"    share of ceiling: {figures.before_shares[-1]:.0%}")
            if postgres:
                results = [service.load(options, zones) for service in postgres]
                for service, result in zip(postgres, results, strict=True):
                    print(line(f"  {service.name}", result))
                    print(cpu_line(result, postgres=True))
                one, two = results
                figures.scaling.append(two["per_second"] / one["per_second"])
                print(f"    2 workers / 1 worker: {figures.scaling[-1]:.2f}x")
    finally:
        for service in services:
            stop(service.processes)
    print("integrity, over all rounds:")
    print(f"  SQLite: {check(sqlite_service.accepted, stored_sqlite(db_path))}")
    if before is not None:
        print(f"  {before.name}: {check(before.accepted, stored_sqlite(before_path))}")
    for service, schema in zip(postgres, schemas, strict=True):
        print(f"  {service.name}: {check(service.accepted, stored_postgres(schema))}")
    return figures


def crash_test(options: argparse.Namespace) -> None:
    """kill -9 every server process mid-load, start again on the same database, compare."""
    zones = zones_for(1, options.seconds)
    print(
        f"bench-server.py --crash: {options.seconds:g} s of load, SIGKILL at half time,"
        f" {options.connections} connections, loopback, {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="fridgecare-crash-") as tmp:
        workdir = Path(tmp)
        path = workdir / "crash.db"
        targets: list[tuple[str, str, int, Callable[[], list[tuple[str, str]]]]] = [
            ("SQLite, 1 worker", f"sqlite:///{path}", 1, lambda: stored_sqlite(path))
        ]
        schema = f"fc_crash_{uuid.uuid4().hex[:10]}"
        if not options.skip_postgres:
            postgres_schema("CREATE", schema)
            separator = "&" if "?" in POSTGRES_DSN else "?"
            db = f"{POSTGRES_DSN}{separator}search_path={schema}"
            targets.append(("PostgreSQL, 2 workers", db, 2, lambda: stored_postgres(schema)))
        try:
            for name, db, workers, stored in targets:
                crash_one(options, name, db, workers, stored, workdir, zones)
        finally:
            if not options.skip_postgres:
                postgres_schema("DROP", schema)


def crash_one(
    options: argparse.Namespace,
    name: str,
    db: str,
    workers: int,
    stored: Callable[[], list[tuple[str, str]]],
    workdir: Path,
    zones: int,
) -> None:
    """One database: load, kill -9 at half time, restart, compare; then every ticket again."""
    service = start_intake(name, db, workdir, zones, workers=workers)
    command = load_command(
        service.url, options.seconds, options.connections, None, service.secret, [], zones
    )
    load = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    time.sleep(options.seconds / 2)
    for process in service.processes:
        process.kill()  # SIGKILL: no shutdown, no last commit
    for process in service.processes:
        process.wait()
    output, _ = load.communicate(timeout=600)
    result: dict[str, Any] = json.loads(output)
    print(line(f"  {name}, killed at {options.seconds / 2:g} s", result))
    port = free_port()
    again = start_service(db, port, workdir, workers=workers)
    try:
        print(f"    after the restart: {check(result['accepted'], stored())}")
        # Every ticket sent before the kill, again, as the appliances retry what got no answer.
        url = f"http://127.0.0.1:{port}/api/v1/tickets"
        retry = load_command(
            url, 120, options.connections, None, service.secret, again, zones,
            run=result["run"], count=result["sent"],
        )  # fmt: skip
        retried = run_loader(retry)
        print(f"    {result['sent']} tickets sent again: statuses {retried['statuses']}")
        sent = [f"bench-{result['run']}-{index}" for index in range(result["sent"])]
        print(f"    then: {check(sent, stored())}")
    finally:
        stop(again)


def burst_test(options: argparse.Namespace) -> None:
    """Many tickets at the same moment: what the service cannot hold soon is shed with 429."""
    zones = zones_for(1, 1)
    flags = ("--max-waiting-tickets", str(options.max_waiting))
    print(
        f"bench-server.py --burst {options.burst}: one ticket on each of {options.burst}"
        f" connections at once, to a service holding at most {options.max_waiting} waiting"
    )
    with tempfile.TemporaryDirectory(prefix="fridgecare-burst-") as tmp:
        path = Path(tmp) / "burst.db"
        service = start_intake("SQLite", f"sqlite:///{path}", Path(tmp), zones, flags=flags)
        try:
            command = load_command(
                service.url, 60, options.burst, None, service.secret, service.processes, zones,
                once=True,
            )  # fmt: skip
            result = run_loader(command)
        finally:
            stop(service.processes)
        print(line("  burst", result))
        waits = result["retry_after"]
        if waits:
            print(f"    Retry-After of the 429s: {min(waits)} to {max(waits)} s")
        print(f"    {check(result['accepted'], stored_sqlite(path))}")


def orchestrate(options: argparse.Namespace) -> None:
    rounds = options.rounds
    zones = zones_for(rounds, options.seconds)
    print(
        f"bench-server.py: {rounds} rounds of {options.seconds:g} s phases, "
        f"{options.connections} connections, loopback, {os.cpu_count()} CPUs; "
        f"{zones} zones of {TECHNICIANS_PER_ZONE} technicians"
    )
    schemas: list[str] = []
    with tempfile.TemporaryDirectory(prefix="fridgecare-bench-") as tmp:
        try:
            figures = run_rounds(options, Path(tmp), zones, schemas)
        finally:
            for schema in schemas:
                postgres_schema("DROP", schema)
    print(f"summary over {rounds} rounds: median (lowest to highest)")
    print(f"  SQLite share of the ceiling:      {spread(figures.shares, '.0%')}  target >= 25%")
    print(f"  checks alone, share of ceiling:   {spread(figures.check_shares, '.0%')}")
    print(
        f"  server CPU per ticket beyond the checks (store, triage, book, answer): "
        f"{spread(figures.storing_us, '.0f')} us"
    )
    print(
        f"  SQLite p99 at 80 % of its rate:   {spread(figures.paced_p99, '.1f')} ms"
        "  target <= 50 ms"
    )
    if figures.before_shares:
        shares, p99 = spread(figures.before_shares, ".0%"), spread(figures.before_paced_p99, ".1f")
        print(f"  before ({options.compare}), SQLite share of the ceiling: {shares}")
        print(f"  before ({options.compare}), SQLite p99 at 80 % of its rate: {p99} ms")
    if figures.scaling:
        print(f"  PostgreSQL 2 workers / 1 worker:  {spread(figures.scaling, '.2f')} x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--role", choices=["orchestrate", "load", "bare", "checks"], default="orchestrate"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of phases, interleaved")
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each phase")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--skip-postgres", action="store_true", help="run the SQLite phases only")
    parser.add_argument(
        "--compare",
        metavar="REV",
        help="also load the service as it was at git revision REV (before/after in one run)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="run the SQLite worker under cProfile and write its statistics to this file",
    )
    parser.add_argument("--url")
    parser.add_argument("--rate", type=float)
    parser.add_argument("--secret")
    parser.add_argument("--server-pid", dest="server_pids", type=int, action="append", default=[])
    parser.add_argument("--port", type=int)
    parser.add_argument("--zones", type=int, default=1, help="(load role) zones to spread over")
    parser.add_argument("--once", action="store_true", help="(load role) one ticket per connection")
    parser.add_argument("--run", default="", help="(load role) the run whose tickets to send")
    parser.add_argument("--count", type=int, default=0, help="(load role) how many of them")
    parser.add_argument(
        "--crash", action="store_true", help="kill -9 mid-load on each database (reliability)"
    )
    parser.add_argument(
        "--burst", type=int, metavar="N", help="N tickets at the same moment (reliability)"
    )
    parser.add_argument(
        "--max-waiting", type=int, default=256, help="(--burst) the service's --max-waiting-tickets"
    )
    parser.add_argument("--db", help="(checks role) database URL")
    parser.add_argument("--answer-file", type=Path, help="(checks role) the answer to send")
    options = parser.parse_args()
    if options.role == "bare":
        run_bare_server(options.port)
    elif options.role == "checks":
        run_checks_server(options.port, options.db, options.answer_file)
    elif options.role == "load":
        run_load(options)
    elif options.crash:
        crash_test(options)
    elif options.burst:
        burst_test(options)
    else:
        orchestrate(options)


if __name__ == "__main__":
    main()
