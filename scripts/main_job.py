"""The main job: a demo home where FridgeCare watches a simulated fridge until its technician comes.

``scripts/develop`` runs it for a visitor; the end-to-end test (tests/e2e) and
``scripts/screenshots`` run the same thing in a temporary folder. It starts the manufacturer's
ticket service (scripts/dev-service.py) and Home Assistant on a config folder, does Home
Assistant's onboarding for the visitor (an owner with a printed password, the Kitchen area, a
long-lived token for the scripts), puts the fridge in the Kitchen, makes a FridgeCare dashboard
the default one, and says "ready" once all of that is true. Then it tells the story as it
happens (the fault, the technician's booking) until Ctrl-C.

Where things are kept, under the state folder (.run/ for scripts/develop): ``service/`` (the
ticket service, see scripts/dev-service.py) and ``home/login.json`` (the owner's user name,
password and long-lived token, mode 0600).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
import contextlib
from dataclasses import dataclass, field
from datetime import datetime
import json
import os
from pathlib import Path
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import IO, Any, Final
from zoneinfo import ZoneInfo

import aiohttp

ROOT: Final = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the integration's package is beside scripts/
    sys.path.insert(0, str(ROOT))

from demo_dashboard import dashboard_config  # noqa: E402

from custom_components.fridge_care.analysis.model import FaultCode  # noqa: E402

DEV_SERVICE: Final = ROOT / "scripts" / "dev-service.py"
HOST: Final = "127.0.0.1"
OWNER: Final = "demo"
OWNER_NAME: Final = "Demo owner"
HOME_ZONE: Final = ZoneInfo("Europe/Madrid")  # config/configuration.yaml's time_zone
NO_FAULT: Final = "none"
DASHBOARD: Final = "fridge-care"
READY_TIMEOUT_S: Final = 300.0
STOP_TIMEOUT_S: Final = 60.0
# Onboarding steps done for the visitor before Home Assistant starts; the user step is done over
# its API once it runs. Skipping core_config's API keeps away what it sets up (a weather service,
# text-to-speech and radio that need the internet); the home's settings are in the YAML.
TICKET_WORDS: Final = {
    "needs_dispatch": "sent; no technician is free in the days ahead: a dispatcher will call",
    "human_review": "sent; the manufacturer reviews it",
    "awaiting_approval": "waits for your approval (the fridge's Request service button)",
}
PRESET_STEPS: Final = ("core_config", "analytics", "integration")


# Home Assistant's console lines the visitor need not see. They come before the logger integration
# applies config/configuration.yaml's levels (those silence the rest): the note that custom
# integrations are not tested by Home Assistant, and aiohttp's note about a slower zlib.
# config/home-assistant.log keeps everything.
BENIGN: Final = re.compile(
    r"\[homeassistant\.loader\] We found a custom integration|\[aiohttp_fast_zlib\]"
)
RECORD: Final = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ [A-Z]+ ")


def echo_console(lines: IO[bytes], out: IO[str]) -> None:
    """Copy Home Assistant's console to ``out``, leaving out :data:`BENIGN` records whole."""
    shown = True
    for raw in lines:
        line = raw.decode(errors="replace")
        if RECORD.match(line):
            shown = BENIGN.search(line) is None
        if shown:
            out.write(line)
            out.flush()


class JobError(Exception):
    """Something the person running the job has to know; the message says what."""


def fault_choice(text: str) -> str:
    """Check a --fault value against the simulator's fault codes (or "none")."""
    choices = [code.value for code in FaultCode]
    if text == NO_FAULT or text in choices:
        return text
    raise argparse.ArgumentTypeError(
        f"unknown fault {text!r}; the simulator knows: {', '.join(choices)} (or {NO_FAULT})"
    )


def minutes_choice(text: str) -> float:
    """Check a --fault-after value: minutes from start, not negative."""
    try:
        minutes = float(text)
    except ValueError:
        minutes = -1.0
    if not minutes >= 0.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes (0 or more)")
    return minutes


def speed_choice(text: str) -> float:
    """Check a --speed value: 1 (real time) to 20."""
    try:
        speed = float(text)
    except ValueError:
        speed = 0.0
    if not 1.0 <= speed <= 20.0:
        raise argparse.ArgumentTypeError(f"{text!r}: the speed is a number from 1 to 20")
    return speed


def copy_config(target: Path) -> Path:
    """Copy the demo home's configuration (not its state) into ``target``; return the copy."""
    config = target / "config"
    (config / "custom_components").mkdir(parents=True)
    shutil.copy(ROOT / "config" / "configuration.yaml", config)
    shutil.copytree(
        ROOT / "config" / "custom_components" / "fridge_sim_dev",
        config / "custom_components" / "fridge_sim_dev",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return config


def free_port() -> int:
    """Return a TCP port nothing listens on now (for tests and screenshots)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((HOST, port)) == 0


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


@dataclass(frozen=True, kw_only=True)
class Options:
    """What the job runs: ports, the simulated fault, and where its folders are."""

    port: int = 8123
    service_port: int = 8080
    fault: str = FaultCode.COMPRESSOR_START_FAILURE.value
    fault_after_min: float = 15.0
    speed: float = 1.0
    """How many times faster than the clock the simulated fridge lives (FridgeCare's does not)."""
    config_dir: Path = ROOT / "config"
    state_dir: Path = ROOT / ".run"
    hass_log: Path | None = None
    """Where Home Assistant's console output goes (None: this terminal)."""

    @property
    def url(self) -> str:
        """Home Assistant's address."""
        return f"http://{HOST}:{self.port}"

    @property
    def service_url(self) -> str:
        """The ticket service's address."""
        return f"http://{HOST}:{self.service_port}"


@dataclass
class Login:
    """The owner the job created at onboarding, and a long-lived token for its own calls."""

    username: str
    password: str
    token: str = ""

    @classmethod
    def load(cls, path: Path) -> Login | None:
        """Read the saved login, if there is one."""
        if not path.exists():
            return None
        saved = json.loads(path.read_text(encoding="utf-8"))
        return cls(saved["username"], saved["password"], saved.get("token", ""))

    def save(self, path: Path) -> None:
        """Keep the login for the next start (readable by this user only)."""
        body = {"username": self.username, "password": self.password, "token": self.token}
        _write_private(path, json.dumps(body, indent=2) + "\n")


class Home:
    """A websocket connection to Home Assistant, authenticated, one command at a time."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Use an authenticated connection."""
        self._ws = ws
        self._id = 0

    @classmethod
    @contextlib.asynccontextmanager
    async def connect(
        cls, session: aiohttp.ClientSession, url: str, token: str
    ) -> AsyncIterator[Home]:
        """Open and authenticate a websocket connection (an async context manager)."""
        async with session.ws_connect(f"{url}/api/websocket", max_msg_size=0) as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": token})
            answer = await ws.receive_json()
            if answer.get("type") != "auth_ok":
                raise JobError(f"Home Assistant refused the saved token: {answer}")
            yield cls(ws)

    async def call(self, kind: str, **data: object) -> Any:  # noqa: ANN401  (JSON)
        """Send one command and return its result (an error raises)."""
        self._id += 1
        await self._ws.send_json({"id": self._id, "type": kind, **data})
        while True:
            answer = await self._ws.receive_json()
            if answer.get("id") == self._id and answer.get("type") == "result":
                break
        if not answer.get("success"):
            raise JobError(f"{kind} failed: {answer.get('error')}")
        return answer.get("result")

    async def subscribe(self, event_type: str) -> None:
        """Receive ``event_type`` events from now on (read them with :meth:`events`)."""
        await self.call("subscribe_events", event_type=event_type)

    async def events(self) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """Yield the subscribed events' data, with their type, as they come."""
        async for message in self._ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                return
            answer = json.loads(message.data)
            if answer.get("type") == "event":
                event = answer["event"]
                yield event["event_type"], event["data"]


@dataclass
class MainJob:
    """The two processes of the main job and what is needed to use them."""

    options: Options
    login: Login | None = None
    console_password: str = ""
    entities: dict[str, str] = field(default_factory=dict)
    """FridgeCare's entity ids by translation key (``status``, ``service_ticket``...)."""
    started_at: float = field(default_factory=time.monotonic)
    _service: subprocess.Popen[bytes] | None = None
    _hass: subprocess.Popen[bytes] | None = None
    _hass_out: IO[bytes] | None = None

    @property
    def home_dir(self) -> Path:
        """Where the job keeps the owner's login."""
        return self.options.state_dir / "home"

    @property
    def service_dir(self) -> Path:
        """The ticket service's state folder."""
        return self.options.state_dir / "service"

    # --- start ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the ticket service, then Home Assistant (both in sessions of their own)."""
        for port in (self.options.port, self.options.service_port):
            if _listening(port):
                raise JobError(
                    f"something already listens on {HOST}:{port} (an earlier scripts/develop?); "
                    "stop it first or choose other ports (--port, --service-port)"
                )
        self._start_service()
        self._start_hass()

    def _dev_service(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, str(DEV_SERVICE), *args, "--port", str(self.options.service_port)],
            env={**os.environ, "FRIDGECARE_DEV_STATE": str(self.service_dir)},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise JobError(f"scripts/dev-service.py {args[0]} failed:\n{done.stdout}{done.stderr}")
        return done

    def _start_service(self) -> None:
        self._dev_service("prepare")
        self.service_dir.mkdir(parents=True, exist_ok=True)
        with (self.service_dir / "service.log").open("ab") as log:
            self._service = subprocess.Popen(
                [
                    sys.executable,
                    str(DEV_SERVICE),
                    "serve",
                    "--port",
                    str(self.options.service_port),
                ],
                env={**os.environ, "FRIDGECARE_DEV_STATE": str(self.service_dir)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        registered = self._dev_service("register", "--pid", str(self._service.pid))
        for line in registered.stdout.splitlines():
            if "console:" in line:
                self.console_password = line.rsplit("password", 1)[1].strip()

    def _link_code(self) -> Path:
        """Put FridgeCare where Home Assistant looks, as a HACS install would; return PYTHONPATH.

        Home Assistant finds custom integrations in config/custom_components only; the dev-only
        simulator package goes on the path through a folder of its own (the repository root
        there would hide config/custom_components).
        """
        integrations = self.options.config_dir / "custom_components"
        integrations.mkdir(parents=True, exist_ok=True)
        link = integrations / "fridge_care"
        if link.is_symlink() or not link.exists():
            link.unlink(missing_ok=True)
            link.symlink_to(ROOT / "custom_components" / "fridge_care")
        pythonpath = self.options.state_dir / "pythonpath"
        pythonpath.mkdir(parents=True, exist_ok=True)
        sim = pythonpath / "fridge_sim"
        sim.unlink(missing_ok=True)
        sim.symlink_to(ROOT / "fridge_sim")
        return pythonpath

    def _preset_http(self) -> None:
        """Store the HTTP settings Home Assistant starts with: this machine only, on --port.

        They are Home Assistant's confirmed ("stable") settings, in its own format, with its own
        defaults for the rest.
        """
        from homeassistant.components.http import config as http_config  # noqa: PLC0415

        stable = http_config.HTTP_STORAGE_SCHEMA(
            {"server_host": [HOST], "server_port": self.options.port}
        )
        stored = {
            "version": http_config.STORAGE_VERSION,
            "minor_version": http_config.STORAGE_MINOR_VERSION,
            "key": http_config.STORAGE_KEY,
            "data": {
                http_config.KEY_STABLE: {
                    **stable,
                    "created_at": datetime.now(HOME_ZONE).isoformat(),
                    "error": None,
                    "error_message": None,
                },
                http_config.KEY_PENDING: None,
                http_config.KEY_YAML_MIGRATION_DONE: True,
            },
        }
        _write_private(self.options.config_dir / ".storage" / "http", json.dumps(stored, indent=2))

    def _preset_onboarding(self) -> None:
        """Mark every onboarding step but the owner's done, before Home Assistant reads it."""
        path = self.options.config_dir / ".storage" / "onboarding"
        stored: dict[str, Any] = {"version": 4, "minor_version": 1, "key": "onboarding"}
        if path.exists():
            stored = json.loads(path.read_text(encoding="utf-8"))
        done = stored.setdefault("data", {}).setdefault("done", [])
        missing = [step for step in PRESET_STEPS if step not in done]
        if missing:
            done.extend(missing)
            _write_private(path, json.dumps(stored, indent=2))

    def hass_environment(self) -> dict[str, str]:
        """Home Assistant's environment: the simulated fault, the ports, the local service."""
        pythonpath = self._link_code()
        env = {**os.environ}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(pythonpath), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        env["FRIDGECARE_DEV_FAULT"] = self.options.fault
        env["FRIDGECARE_DEV_FAULT_AFTER"] = f"{self.options.fault_after_min:g}"
        env["FRIDGECARE_DEV_SPEED"] = f"{self.options.speed:g}"
        env["FRIDGECARE_DEV_SERVICE_URL"] = self.options.service_url
        env["FRIDGECARE_DEV_SIGNING_SECRET"] = (
            (self.service_dir / "appliance-secret").read_text(encoding="utf-8").strip()
        )
        env["FRIDGECARE_DEV_SERVICE_ZONE"] = "madrid-centro"
        return env

    def _start_hass(self) -> None:
        self._preset_http()
        self._preset_onboarding()
        env = self.hass_environment()
        output: IO[bytes] | int = subprocess.PIPE  # the terminal, through echo_console
        if self.options.hass_log is not None:
            self._hass_out = output = self.options.hass_log.open("ab")
        self._hass = subprocess.Popen(
            [str(Path(sys.executable).with_name("hass")), "--config", str(self.options.config_dir)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped by this job, whichever signal reaches it
        )
        if self._hass.stdout is not None:
            threading.Thread(
                target=echo_console, args=(self._hass.stdout, sys.stderr), daemon=True
            ).start()

    # --- ready ---------------------------------------------------------------------------------

    async def async_wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        """Wait until Home Assistant runs, onboard the owner, and lay out the fridge's home."""
        deadline = time.monotonic() + timeout_s
        async with aiohttp.ClientSession() as session:
            await self._until_up(session, deadline)
            self.login = await self._async_owner(session)
            if self.login is None:
                return
            async with Home.connect(session, self.options.url, self.login.token) as home:
                self.entities = await self._until_fridge(home, deadline)
                await self._kitchen(home)
                await self._dashboard(home)

    def check_running(self) -> None:
        """Raise if Home Assistant or the service has stopped."""
        for name, process in (("Home Assistant", self._hass), ("ticket service", self._service)):
            if process is not None and process.poll() is not None:
                raise JobError(f"the {name} stopped (exit status {process.returncode})")

    async def _until_up(self, session: aiohttp.ClientSession, deadline: float) -> None:
        """Wait for the HTTP server, which Home Assistant starts once everything is set up."""
        while True:
            self.check_running()
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(f"{self.options.url}/api/onboarding") as answer:
                    if answer.status in (200, 404):  # 404: onboarded, its views are gone
                        return
            if time.monotonic() > deadline:
                raise JobError(f"Home Assistant did not answer at {self.options.url} in time")
            await asyncio.sleep(1.0)

    async def _async_owner(self, session: aiohttp.ClientSession) -> Login | None:
        """Create the owner at first start (onboarding's user step); return the login."""
        path = self.home_dir / "login.json"
        async with session.get(f"{self.options.url}/api/onboarding") as answer:
            onboarded = answer.status == 404  # every step done: the onboarding API is gone
            steps = {} if onboarded else {s["step"]: s["done"] for s in await answer.json()}
        if onboarded or steps.get("user"):
            return Login.load(path)
        login = Login(OWNER, secrets.token_urlsafe(9))
        client_id = f"{self.options.url}/"
        body = {
            "name": OWNER_NAME,
            "username": login.username,
            "password": login.password,
            "client_id": client_id,
            "language": "en",
        }
        async with session.post(f"{self.options.url}/api/onboarding/users", json=body) as answer:
            if answer.status != 200:
                raise JobError(
                    f"onboarding the owner failed: {answer.status} {await answer.text()}"
                )
            code = (await answer.json())["auth_code"]
        form = {"grant_type": "authorization_code", "code": code, "client_id": client_id}
        async with session.post(f"{self.options.url}/auth/token", data=form) as answer:
            access = (await answer.json())["access_token"]
        async with Home.connect(session, self.options.url, access) as home:
            login.token = await home.call(
                "auth/long_lived_access_token", client_name="FridgeCare main job", lifespan=3650
            )
        login.save(path)
        return login

    async def _until_fridge(self, home: Home, deadline: float) -> dict[str, str]:
        """Wait for FridgeCare's entry (the simulator adds it once Home Assistant has started)."""
        while True:
            entries = await home.call("config/entity_registry/list")
            found = {
                entry["translation_key"]: entry["entity_id"]
                for entry in entries
                if entry["platform"] == "fridge_care" and entry["translation_key"]
            }
            if "service_ticket" in found and "status" in found:
                # After a restart the registry is there before the entry is set up: wait for
                # the entities' states too.
                states = {state["entity_id"]: state for state in await home.call("get_states")}
                wanted = (states.get(found[key]) for key in ("status", "service_ticket"))
                if all(state and state["state"] != "unavailable" for state in wanted):
                    return found
            self.check_running()
            if time.monotonic() > deadline:
                raise JobError("FridgeCare's entities did not appear in time")
            await asyncio.sleep(1.0)

    async def _kitchen(self, home: Home) -> None:
        """Put the fridge's device in the Kitchen area (onboarding made it; else make it)."""
        areas = await home.call("config/area_registry/list")
        kitchen = next((area for area in areas if area["name"] == "Kitchen"), None)
        if kitchen is None:
            kitchen = await home.call("config/area_registry/create", name="Kitchen")
        entity = await home.call("config/entity_registry/get", entity_id=self.entities["status"])
        device = entity["device_id"]
        devices = await home.call("config/device_registry/list")
        if any(d["id"] == device and d["area_id"] is None for d in devices):
            await home.call(
                "config/device_registry/update", device_id=device, area_id=kitchen["area_id"]
            )

    async def _dashboard(self, home: Home) -> None:
        """Make the fridge's dashboard the default one (rewritten at every start)."""
        dashboards = await home.call("lovelace/dashboards/list")
        if not any(board["url_path"] == DASHBOARD for board in dashboards):
            await home.call(
                "lovelace/dashboards/create",
                url_path=DASHBOARD,
                title="Kitchen fridge",
                icon="mdi:fridge-outline",
                show_in_sidebar=True,
                require_admin=False,
            )
        await home.call(
            "lovelace/config/save", url_path=DASHBOARD, config=dashboard_config(self.entities)
        )
        core = (await home.call("frontend/get_system_data", key="core"))["value"] or {}
        if core.get("default_panel") != DASHBOARD:
            await home.call(
                "frontend/set_system_data", key="core", value={**core, "default_panel": DASHBOARD}
            )

    # --- the story -----------------------------------------------------------------------------

    def ready_line(self) -> str:
        """The one line that says where to go and how to log in."""
        if self.login is None:
            return (
                f"ready: open {self.options.url} (log in as the owner you created; "
                f"{self.home_dir / 'login.json'} is missing, so no dashboard was installed)"
            )
        return (
            f"ready: open {self.options.url} "
            f"(user {self.login.username}, password {self.login.password})"
        )

    async def async_follow(self, say: Callable[[str], None] = print) -> None:
        """Tell the fault and the technician's booking as they happen, until the job stops."""
        if self.login is None:
            await asyncio.Event().wait()
            return
        async with (
            aiohttp.ClientSession() as session,
            Home.connect(session, self.options.url, self.login.token) as events,
        ):
            await events.subscribe("fridge_care_fault")
            await events.subscribe("fridge_care_ticket")
            async for event_type, data in events.events():
                elapsed = (time.monotonic() - self.started_at) / 60.0
                if line := story_line(event_type, data):
                    say(f"{datetime.now(HOME_ZONE):%H:%M} (+{elapsed:.0f} min) {line}")

    # --- stop ----------------------------------------------------------------------------------

    def wait_stopped(self) -> None:
        """Wait for Home Assistant to end on its own (the websocket closed); say how it ended."""
        if self._hass is not None:
            status = self._hass.wait(STOP_TIMEOUT_S)
            raise JobError(f"Home Assistant stopped (exit status {status}); see its log above")

    def stop(self) -> None:
        """Stop Home Assistant, then the service: TERM, then KILL after a minute."""
        for process in (self._hass, self._service):
            if process is None or process.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._hass_out is not None:
            self._hass_out.close()

    @contextlib.contextmanager
    def running(self) -> Iterator[MainJob]:
        """Start the job and stop it however the block ends."""
        try:
            self.start()
            yield self
        finally:
            self.stop()


def story_line(event_type: str, data: Mapping[str, Any]) -> str | None:
    """Say one fault or ticket event in a line, or nothing for what the visitor need not see."""
    name = data.get("name", "the fridge")
    if event_type == "fridge_care_fault":
        what = str(data.get("code", "")).replace("_", " ")
        return f"{name}: {what} {data.get('type')}"
    status = data.get("status")
    if status == "booked" and data.get("visit_start"):
        visit = datetime.fromisoformat(str(data["visit_start"])).astimezone(HOME_ZONE)
        who = data.get("technician") or "a technician"
        return f"{name}: {who} is booked for {visit:%a %d %b %H:%M} (ticket {data['ticket_id']})"
    if not status:
        return None
    words = TICKET_WORDS.get(str(status), str(status).replace("_", " "))
    return f"{name}: ticket {data.get('ticket_id')} {words}"


def parse_options(argv: list[str] | None = None) -> Options:
    """Read the command line (and the FRIDGECARE_PORT / FRIDGECARE_SERVICE_PORT variables)."""
    parser = argparse.ArgumentParser(
        prog="scripts/develop",
        description=(
            "Run the demo home: Home Assistant with FridgeCare watching a simulated fridge, and "
            "the manufacturer's ticket service that books its technician. Ctrl-C stops both."
        ),
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("FRIDGECARE_PORT", "8123")),
        help="Home Assistant's port (default 8123, or $FRIDGECARE_PORT)",
    )
    parser.add_argument(
        "--service-port",
        type=int,
        default=int(os.environ.get("FRIDGECARE_SERVICE_PORT", "8080")),
        help="the ticket service's port (default 8080, or $FRIDGECARE_SERVICE_PORT)",
    )
    parser.add_argument(
        "--fault",
        type=fault_choice,
        default=FaultCode.COMPRESSOR_START_FAILURE.value,
        metavar="CODE",
        help=(
            "the simulated fault: one of "
            + ", ".join(code.value for code in FaultCode)
            + f", or {NO_FAULT} (default compressor_start_failure)"
        ),
    )
    parser.add_argument(
        "--fault-after",
        type=minutes_choice,
        default=15.0,
        metavar="MIN",
        help="minutes from start until the fault (default 15)",
    )
    parser.add_argument(
        "--speed",
        type=speed_choice,
        default=1.0,
        metavar="K",
        help=(
            "the simulated fridge lives K times faster than the clock, 1 to 20 (default 1: real "
            "time); FridgeCare keeps the real clock, so its waits are K times shorter in the "
            "fridge's time. For a quick look: --fault-after 1 --speed 8"
        ),
    )
    args = parser.parse_args(argv)
    return Options(
        port=args.port,
        service_port=args.service_port,
        fault=args.fault,
        fault_after_min=args.fault_after,
        speed=args.speed,
    )


async def _async_develop(job: MainJob) -> None:
    await job.async_wait_ready()
    minutes = (time.monotonic() - job.started_at) / 60.0
    print(f"\n==> {job.ready_line()}  [{minutes:.1f} min after start]", flush=True)
    print(
        f"    console: {job.options.service_url}/console/ "
        f"(user demo, password {job.console_password})",
        flush=True,
    )
    options = job.options
    if options.fault != NO_FAULT:
        faster = f" (its clock {options.speed:g}x faster)" if options.speed != 1.0 else ""
        print(
            f"    the simulated fridge{faster} gets {options.fault.replace('_', ' ')} "
            f"{options.fault_after_min:g} min after start; Ctrl-C stops everything",
            flush=True,
        )
    await job.async_follow(lambda line: print(f"    {line}", flush=True))
    job.wait_stopped()


def main(argv: list[str] | None = None) -> int:
    """Run the main job until Ctrl-C (or a TERM); stop both processes whatever happens."""
    options = parse_options(argv)
    job = MainJob(options)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(
        f"==> Starting the ticket service ({options.service_url}) and Home Assistant "
        f"({options.url})",
        flush=True,
    )
    try:
        with job.running():
            asyncio.run(_async_develop(job))
    except JobError as err:
        print(f"develop: ERROR: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n==> Stopping", flush=True)
        return 130
    return 0


if __name__ == "__main__":
    if shutil.which("hass", path=str(Path(sys.executable).parent)) is None:
        sys.exit("develop: run me with the .venv's Python (scripts/develop does)")
    raise SystemExit(main())
