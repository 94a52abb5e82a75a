"""A uvicorn server on 127.0.0.1 (random free port) over a seeded SQLite workspace, and Debian chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_workspace(workspace: Path, db_url: str) -> Iterator[str]:
    """Serve one workspace with uvicorn on a free loopback port; yields the base URL."""
    port = _free_port()
    env = {**os.environ, "PANHUO_WORKSPACE": str(workspace), "PANHUO_DB": db_url,
           "PANHUO_SECRET_KEY": "browser-test-secret-" + "x" * 30}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "panhuo.web.asgi:app", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(base + "/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("the web server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def serve():
    """``with serve(workspace, db_url) as base_url:`` for tests that seed a workspace of their own."""
    return serve_workspace


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Seed a demo workspace and serve it; yields the base URL."""
    from panhuo.db import get_engine, migrate, session_scope
    from panhuo.web.demo import seed_demo

    workspace = tmp_path_factory.mktemp("browser-ws")
    url = f"sqlite:///{workspace / 'panhuo.db'}"
    engine = get_engine(url)
    migrate(engine)
    with session_scope(engine) as db:
        seed_demo(db, patents=24)
    from panhuo.search import service as search_service

    with session_scope(engine) as db:  # the library index, so that demands get matches
        search_service.reindex(db, workspace=workspace)
    with serve_workspace(workspace, url) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def sign_in(server, browser):
    """``sign_in(username, width=1280)`` → a page signed in as that demo account."""
    from panhuo.web.demo import DEMO_PASSWORD

    contexts = []

    def go(username: str, width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.goto(server + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    yield go
    for context in contexts:
        context.close()


@pytest.fixture
def shot():
    """``shot(page, name)`` saves a full-page screenshot to docs/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
