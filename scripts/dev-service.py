"""The local manufacturer ticket service of scripts/develop, and the simulated fridge's credentials.

    python scripts/dev-service.py prepare  [--port 8080]
    python scripts/dev-service.py serve    [--port 8080]              (replaces itself: the server)
    python scripts/dev-service.py register [--port 8080] [--pid PID]

Everything lives in .run/service/ (git-ignored, mode 0700; FRIDGECARE_DEV_STATE names another
folder, as the end-to-end test does):

- service.env: the admin token, the Fernet key that encrypts signing secrets at rest and the
  console password, generated on the first run and reused (mode 0600). A new one makes the old
  database unreadable, so the database and the saved appliance credentials go with it.
- tickets.db: the service's SQLite database; service.log: its log.
- appliance-id, appliance-secret: the simulated fridge's registration (the secret mode 0600).

``prepare`` makes that state, loads the demo technicians and creates the console agent ``demo``
(both upserts, so every start does them). ``serve`` starts the server in a session of its own,
so that a Ctrl-C in the terminal is Home Assistant's alone and scripts/develop stops the server
after it. ``register`` waits for the health check, registers the simulated fridge once, and
prints where to look.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
import contextlib
import json
import os
from pathlib import Path
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.request

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("FRIDGECARE_DEV_STATE") or ROOT / ".run" / "service")
ENV_FILE = STATE / "service.env"
DB_FILE = STATE / "tickets.db"
LOG_FILE = STATE / "service.log"
ID_FILE = STATE / "appliance-id"
SECRET_FILE = STATE / "appliance-secret"
DEMO_TECHNICIANS = ROOT / "webhook_server" / "demo_technicians.yaml"

HOST = "127.0.0.1"
AGENT = "demo"
# What config/custom_components/fridge_sim_dev/__init__.py puts in its FridgeCare entry.
APPLIANCE = {"manufacturer": "Acme", "model": "CoolMax 300", "serial": "SIM-0001"}
ALREADY_REGISTERED = "urn:fridgecare:problem:already-registered"
HEALTH_TIMEOUT_S = 30.0


class ServiceError(Exception):
    """Something the person running scripts/develop has to fix; the message says what."""


def _db_url() -> str:
    return f"sqlite:///{DB_FILE}"  # an absolute path: sqlite:////…/tickets.db


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by this user only (mode 0600), replacing it whole."""
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)
    partial.replace(path)


def _read_env() -> dict[str, str]:
    lines = ENV_FILE.read_text(encoding="utf-8").splitlines()
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def _state() -> dict[str, str]:
    """Return the service's settings from service.env, creating it (and a fresh start) once."""
    STATE.mkdir(parents=True, exist_ok=True)
    STATE.chmod(0o700)
    if ENV_FILE.exists():
        return _read_env()
    for stale in (DB_FILE, Path(f"{DB_FILE}-wal"), Path(f"{DB_FILE}-shm"), ID_FILE, SECRET_FILE):
        stale.unlink(missing_ok=True)  # sealed with a key that is gone, or naming that database
    settings = {
        "FRIDGECARE_ADMIN_TOKEN": secrets.token_urlsafe(32),
        "FRIDGECARE_SECRET_KEY": Fernet.generate_key().decode(),
        "FRIDGECARE_AGENT_PASSWORD": secrets.token_urlsafe(12),
    }
    body = "".join(f"{key}={value}\n" for key, value in settings.items())
    _write_private(ENV_FILE, "# scripts/develop's local manufacturer service\n" + body)
    return settings


def _server_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "webhook_server", *args, "--db", _db_url()]


def _run(command: list[str], env: Mapping[str, str]) -> None:
    """Run a service command from the repository root; its output is shown indented."""
    done = subprocess.run(command, cwd=ROOT, env=dict(env), capture_output=True, check=False)
    output = (done.stdout + done.stderr).decode(errors="replace").strip()
    if done.returncode != 0:
        raise ServiceError(f"{' '.join(command[1:4])} failed:\n{output}")
    for line in output.splitlines():
        print(f"    {line}")


def prepare(port: int) -> None:
    """Make the state, check the port is free, load the technicians and the console agent."""
    settings = _state()
    with socket.socket() as probe:
        probe.settimeout(1.0)
        if probe.connect_ex((HOST, port)) == 0:
            raise ServiceError(
                f"something already listens on {HOST}:{port} (an earlier scripts/develop?); "
                "stop it first"
            )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    _run(_server_command("load-technicians", str(DEMO_TECHNICIANS)), env)
    env["FRIDGECARE_AGENT_PASSWORD"] = settings["FRIDGECARE_AGENT_PASSWORD"]
    _run(_server_command("add-agent", AGENT, "--supervisor"), env)


def serve(port: int) -> None:
    """Become the server, in a new session, with the admin token and key in its environment."""
    settings = _state()
    env = {key: value for key, value in os.environ.items() if not key.startswith("FRIDGECARE_")}
    env["FRIDGECARE_ADMIN_TOKEN"] = settings["FRIDGECARE_ADMIN_TOKEN"]
    env["FRIDGECARE_SECRET_KEY"] = settings["FRIDGECARE_SECRET_KEY"]
    env["PYTHONPATH"] = str(ROOT)
    os.chdir(ROOT)
    with contextlib.suppress(PermissionError):  # already leads a process group of its own
        os.setsid()
    command = _server_command("--host", HOST, "--port", str(port))
    os.execve(sys.executable, command, env)  # noqa: S606  (our own interpreter, fixed arguments)


def _request(
    method: str, url: str, body: object = None, token: str | None = None
) -> tuple[int, Any]:
    """Send a JSON request; return the status and the parsed answer (problems included)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310  (http://127.0.0.1)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        text = err.read()
        try:
            return err.code, json.loads(text)
        except ValueError:
            return err.code, text.decode(errors="replace")


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_healthy(base: str, pid: int | None) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while True:
        if not _alive(pid):
            raise ServiceError(f"the service stopped at start; see {LOG_FILE}")
        try:
            status, answer = _request("GET", f"{base}/api/v1/health")
        except OSError:
            status, answer = 0, None
        if status == 200 and isinstance(answer, dict) and answer.get("status") == "ok":
            print(f"    health: {json.dumps(answer)}")
            return
        if time.monotonic() > deadline:
            raise ServiceError(f"no healthy answer from {base} in {HEALTH_TIMEOUT_S:.0f} s")
        time.sleep(0.2)


def _appliance_id() -> str | None:
    """The simulated fridge's id: saved at registration, else from the service's SQLite file."""
    if ID_FILE.exists():
        return ID_FILE.read_text(encoding="utf-8").strip()
    with contextlib.closing(sqlite3.connect(f"file:{DB_FILE}?mode=ro", uri=True)) as conn:
        row = conn.execute(
            "SELECT appliance_id FROM appliances WHERE manufacturer = ? AND serial = ?",
            (APPLIANCE["manufacturer"], APPLIANCE["serial"]),
        ).fetchone()
    return None if row is None else str(row[0])


def _shown(path: Path) -> str:
    """A path as short as it reads: relative to the repository when it is inside."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _save(answer: Mapping[str, Any]) -> None:
    _write_private(ID_FILE, f"{answer['appliance_id']}\n")
    _write_private(SECRET_FILE, f"{answer['secret']}\n")


def register(port: int, pid: int | None) -> None:
    """Wait for the service, give the simulated fridge a saved secret, and say where to look."""
    settings = _state()
    token = settings["FRIDGECARE_ADMIN_TOKEN"]
    base = f"http://{HOST}:{port}"
    _wait_healthy(base, pid)
    name = " ".join(APPLIANCE.values())
    status, answer = _request("POST", f"{base}/api/v1/appliances", APPLIANCE, token)
    if status == 201:
        _save(answer)
        print(f"    appliance {name}: registered as {answer['appliance_id']}, secret saved")
    elif status != 409 or not isinstance(answer, dict) or answer.get("type") != ALREADY_REGISTERED:
        raise ServiceError(f"registering {name}: {status} {answer}")
    elif SECRET_FILE.exists():
        print(f"    appliance {name}: already registered as {_appliance_id()}, saved secret reused")
    else:
        appliance_id = _appliance_id()
        if not appliance_id:
            raise ServiceError(f"{name} is registered but its appliance id is unknown")
        url = f"{base}/api/v1/appliances/{appliance_id}/secrets"
        status, answer = _request("POST", url, {}, token)
        if status != 201:
            raise ServiceError(f"rotating the secret of {appliance_id}: {status} {answer}")
        _save(answer)
        print(f"    appliance {name}: already registered as {appliance_id}, secret rotated")
    password = settings["FRIDGECARE_AGENT_PASSWORD"]
    print(f"    signing secret: {_shown(SECRET_FILE)}")
    print(f"    console: {base}/console/  user {AGENT}  password {password}")
    print(f"    log: {_shown(LOG_FILE)}")


def main(argv: list[str] | None = None) -> int:
    """Run one command; a problem is one line on stderr and exit status 1."""
    parser = argparse.ArgumentParser(prog="scripts/dev-service.py")
    parser.add_argument("command", choices=("prepare", "serve", "register"))
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--pid", type=int, help="the server's process id (register)")
    options = parser.parse_args(argv)
    try:
        if options.command == "prepare":
            prepare(options.port)
        elif options.command == "serve":
            serve(options.port)
        else:
            register(options.port, options.pid)
    except ServiceError as err:
        print(f"dev-service: ERROR: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
