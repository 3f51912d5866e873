"""The README's pictures, taken from the real main job by headless Chromium (Playwright).

    scripts/screenshots   (runs this with the .venv's Python)

Runs the main job in a temporary folder on free ports with a compressor start failure a minute
in, waits for the technician's booking, then photographs the fridge's dashboard, its device page
in the fault, the fault's notification and the ticket in the manufacturer's agent console. The
PNGs go to docs/images/ (commit them). Debian's /usr/bin/chromium is used: Playwright cannot
download its own browser here.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import signal
import sys
import tempfile
import time

import aiohttp
from main_job import ROOT, Home, MainJob, Options, copy_config, free_port
from playwright.async_api import Page, ViewportSize, async_playwright

IMAGES = ROOT / "docs" / "images"
CHROMIUM = "/usr/bin/chromium"
HEADLESS = ["--headless", "--no-sandbox", "--disable-gpu"]
CHROMIUM_ARGS = [*HEADLESS, "--disable-background-networking", "--disable-component-update"]
BOOKED_TIMEOUT_S = 15 * 60.0
VIEWPORT: ViewportSize = {"width": 1280, "height": 860}


async def _until_booked(job: MainJob) -> None:
    """Wait for the booking (the service books the earliest visit itself)."""
    assert job.login is not None
    headers = {"Authorization": f"Bearer {job.login.token}"}
    ticket = job.entities["service_ticket"]
    deadline = time.monotonic() + BOOKED_TIMEOUT_S
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            url = f"{job.options.url}/api/states/{ticket}"
            async with session.get(url, headers=headers) as answer:
                state = (await answer.json())["state"]
            if state == "booked":
                return
            if state == "needs_dispatch":
                raise SystemExit("screenshots: no technician free within the late-booking window")
            job.check_running()
            await asyncio.sleep(5.0)
    raise SystemExit("screenshots: no booking in time; see the logs in the temporary folder")


async def _device_id(job: MainJob) -> str:
    assert job.login is not None
    async with (
        aiohttp.ClientSession() as session,
        Home.connect(session, job.options.url, job.login.token) as home,
    ):
        entry = await home.call("config/entity_registry/get", entity_id=job.entities["status"])
        return str(entry["device_id"])


async def _settled(page: Page, url: str) -> None:
    """Open a page and give the frontend its time (it renders in the background)."""
    await page.goto(url)
    await page.wait_for_load_state("networkidle")
    await page.wait_for_timeout(2500)


async def _log_in(page: Page, job: MainJob) -> None:
    assert job.login is not None
    await page.goto(job.options.url)
    await page.locator("input[name=username]").fill(job.login.username)
    await page.locator("input[name=password]").fill(job.login.password)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{job.options.url}/fridge-care/**")
    await page.wait_for_load_state("networkidle")


async def _home_assistant(page: Page, job: MainJob) -> None:
    await _log_in(page, job)
    await _settled(page, f"{job.options.url}/fridge-care/kitchen")
    await page.screenshot(path=IMAGES / "dashboard.png")
    device = await _device_id(job)
    await _settled(page, f"{job.options.url}/config/devices/device/{device}")
    await page.screenshot(path=IMAGES / "device-fault.png")
    await _settled(page, f"{job.options.url}/fridge-care/kitchen")
    await page.locator("ha-sidebar").get_by_text("Notifications").click()
    await page.wait_for_timeout(2500)
    await page.screenshot(path=IMAGES / "notification.png")


async def _console(page: Page, job: MainJob) -> None:
    base = job.options.service_url
    await page.goto(f"{base}/console/login")
    await page.fill("input[name=username]", "demo")
    await page.fill("input[name=password]", job.console_password)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#tickets")
    await page.locator("#tickets tbody tr a").first.click()
    await page.wait_for_selector("#status")
    await page.wait_for_timeout(500)
    await page.screenshot(path=IMAGES / "console-ticket.png", full_page=True)


async def _photograph(job: MainJob) -> None:
    await job.async_wait_ready()
    await _until_booked(job)
    print(f"booked {(time.monotonic() - job.started_at) / 60:.1f} min after start", flush=True)
    IMAGES.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(
                viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/Madrid"
            )
            page = await context.new_page()
            await _home_assistant(page, job)
            await _console(page, job)
        finally:
            await browser.close()


def main() -> int:
    """Run the job in a temporary folder, photograph it, stop it (on a TERM too)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="fridgecare-screenshots-") as folder:
        work = Path(folder)
        options = Options(
            port=free_port(),
            service_port=free_port(),
            fault_after_min=1.0,
            speed=8.0,
            config_dir=copy_config(work),
            state_dir=work / "state",
            hass_log=work / "hass-console.log",
        )
        with MainJob(options).running() as job:
            asyncio.run(_photograph(job))
    for image in sorted(IMAGES.glob("*.png")):
        print(f"wrote {image.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
