"""Real-browser fixtures: one sinkview server on localhost and Playwright driving Debian's Chromium.

The server gets its own database (the sample county, loaded on first start), HOME and secrets.
Chromium is started with the flags that keep it from calling any host (background networking,
component updates, sync), so the only requests a page makes are the app's own.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-default-apps", "--disable-extensions", "--no-default-browser-check"]
# Screenshots go to a scratch folder; scripts/screenshots.sh points this at docs/screenshots/
# to refresh the README's pictures on purpose.
SCREENSHOTS = Path(os.environ.get("SINKVIEW_SCREENSHOTS") or "/tmp/sinkview-screenshots")
PAGES = {  # url path -> screenshot name
    "": "overview", "rotation": "rotation", "referral": "referral", "village": "village",
    "talent": "talent", "party": "party", "data": "data", "briefing": "briefing", "quality": "quality",
}



def pytest_collection_modifyitems(items):
    """Every test under tests/browser/ carries the ``browser`` marker (``-m "not browser"``
    skips them); a ``pytestmark`` in a conftest marks nothing."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


ADMIN = ("管理员", "browser-test-pass")


def _serve(home: Path, admin: tuple[str, str] | None = None, settings: dict | None = None):
    """Start sinkview on a free port with its own database (the sample county) and HOME;
    with ``admin``, that user exists (so every page asks for a sign-in); ``settings`` are more
    environment variables of the server."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: scripts/setup.sh installs it")
    env = {**os.environ, "HOME": str(home), "SINKVIEW_DB": str(home / "sinkview.duckdb"),
           "SINKVIEW_SECRETS_DIR": str(home / "secrets"), **(settings or {})}
    # The sample county, loaded as the app loads it on first start (demo mode shows only that).
    subprocess.run([sys.executable, "-c", "import sys; from sinkview.store.database import Store; "
                    "from sinkview.tools.sample_loader import load_sample; load_sample(Store(sys.argv[1]))",
                    env["SINKVIEW_DB"]], cwd=ROOT, env=env, check=True, capture_output=True)
    if admin is not None:
        subprocess.run([sys.executable, "-m", "sinkview", "user", "add", admin[0], "--role", "admin",
                        "--db", env["SINKVIEW_DB"]], input=f"{admin[1]}\n{admin[1]}\n", text=True,
                       cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    log = open(home / "server.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("the sinkview server did not start: " + (home / "server.log").read_text()[-2000:])
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    yield from _serve(tmp_path_factory.mktemp("server_home"))


@pytest.fixture
def admin_server_url(tmp_path_factory):
    """A server whose store has an administrator: sign in with ADMIN."""
    yield from _serve(tmp_path_factory.mktemp("admin_server_home"), admin=ADMIN)


@pytest.fixture
def fresh_server_url(tmp_path_factory):
    """A server no browser has visited yet: its first request decides how Streamlit routes."""
    yield from _serve(tmp_path_factory.mktemp("fresh_server_home"))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    yield tab
    context.close()


def wait_for_app(tab) -> None:
    """Until Streamlit has finished running the page (a heading drawn, status idle) and charts drew."""
    tab.wait_for_selector('[data-testid="stMain"] h1, [data-testid="stMain"] [data-testid="stAlert"]')
    tab.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0",
        timeout=90_000)
    tab.wait_for_timeout(1500)  # Plotly draws after Streamlit reports idle
