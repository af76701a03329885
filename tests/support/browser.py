"""Debian's chromium driven by Playwright, offline: what every browser test shares.

Playwright's own browser download does not work here, so the system chromium is launched
through `executable_path`. Every request to a host other than 127.0.0.1 is aborted and
recorded, and console errors are collected: a page that needs the internet, or logs an
error, fails the test that opened it. A missing chromium fails the test (CI installs it),
it is never skipped.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Route, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
]
TIMEOUT_MS = 30_000  # a bound on each wait, not a timing assertion


@dataclass
class Watch:
    """What a page did that it must not: requests to other hosts, console errors, page errors."""

    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert not self.foreign, f"requests to other hosts: {self.foreign}"
        assert not self.errors, f"console errors: {self.errors}"


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname == "127.0.0.1"


async def open_page(browser: Browser, watch: Watch, *, permissions: list[str] | None = None) -> Page:
    """A page in a context of its own (its own cookies), watched by `watch`."""
    context = await browser.new_context(
        viewport={"width": 1400, "height": 900}, permissions=permissions or []
    )

    async def guard(route: Route) -> None:
        if _local(route.request.url):
            await route.continue_()
        else:
            watch.foreign.append(route.request.url)
            await route.abort("blockedbyclient")

    await context.route("**/*", guard)  # workers' requests too
    page = await context.new_page()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watch.errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", console)
    page.on("pageerror", lambda error: watch.errors.append(f"page error: {error}"))
    page.on("websocket", lambda ws: None if _local(ws.url) else watch.foreign.append(ws.url))
    return page


@pytest.fixture
def shots(tmp_path: Path, database_url: str) -> Path:
    """Where screenshots go: $SMOOTH_TEST_SCREENSHOTS/<backend> to keep them, else the test's tmp dir."""
    kept = os.environ.get("SMOOTH_TEST_SCREENSHOTS")
    if not kept:
        return tmp_path
    folder = Path(kept) / ("postgres" if database_url.startswith("postgresql") else "sqlite")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install -y chromium (CI does)"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS, timeout=TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            await browser.close()
