"""A served city on a loopback port and a headless Chromium, for the real-browser tests.

Chromium comes from Debian's packages (``scripts/install-browser.sh``), never from
``playwright install``; without it at ``/usr/bin/chromium`` the tests skip and say so.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from credence.service import create_app
from credence.service.keys import create_key
from credence.web import mount_web
from tests.conftest import CITY_DAY, ScoredCity
from tests.results_sql import at_run
from tests.test_service_support import copy_city

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real headless Chromium (runs in CI)")


@dataclass
class LiveCity:
    """The city served over HTTP: its address, and the service for keys and checks."""

    base_url: str
    service: Any

    def key(self, role: str, subject: str | None = None, **kwargs: Any) -> str:
        with self.service.db.write() as con:
            return str(create_key(con, role, subject, **kwargs).secret)

    def one(self, sql: str, params: list[Any] | None = None) -> Any:
        with self.service.db.read() as con:
            row = con.execute(at_run(con, sql), params or []).fetchone()
        assert row is not None, sql
        return row[0]


@pytest.fixture(scope="module")
def live_city(
    scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveCity]:
    """uvicorn in a thread on a free loopback port, over a copy of the scored demo city."""
    root = copy_city(scored_city, tmp_path_factory.mktemp("browser") / "ws")
    app = create_app(root, today=CITY_DAY)
    mount_web(app)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield LiveCity(f"http://127.0.0.1:{port}", app.state.service)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, or a skip that says how to install it."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: run scripts/install-browser.sh")
    from playwright.sync_api import sync_playwright  # a dev dependency: missing is a failure

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def keep_screenshot(page: Any, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot under the test's tmp dir, copied to ``artifacts/`` (not in git)."""
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(path, ARTIFACTS / name)
    print(f"screenshot: {path} (copy: {ARTIFACTS / name})")
    return path
