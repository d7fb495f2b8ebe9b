"""The app and the command line on one store at the same time.

A server runs on its store and a browser has a page open; meanwhile ``load``, ``metrics``,
``briefing`` and ``user add`` run as separate processes against that very file and succeed;
the app then shows what they wrote on its next interaction, without a restart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, _serve, wait_for_app

pytestmark = pytest.mark.browser

NEW_COMMUNITY = "石桥医共体"
ADMIN = ("夜班主任", "night-shift-pass")


@pytest.fixture
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("shared_store_home")
    for url in _serve(home):
        yield url, home


def cli(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(home), "SINKVIEW_SECRETS_DIR": str(home / "secrets"),
           "SINKVIEW_WRITE_WAIT": "60"}
    return subprocess.run([sys.executable, "-m", "sinkview", *args], input=stdin, text=True, cwd=ROOT, env=env,
                          capture_output=True, timeout=300)


def test_command_line_works_while_the_app_serves_and_the_app_shows_it(page, served, tmp_path):
    url, home = served
    db = str(home / "sinkview.duckdb")
    page.goto(url)
    wait_for_app(page)
    assert NEW_COMMUNITY not in page.inner_text("body")

    ledger = tmp_path / "机构补充.csv"
    ledger.write_text(f"机构编码,机构名称,机构层级,所属医共体\nSQ01,石桥中心卫生院,乡镇卫生院,{NEW_COMMUNITY}\n",
                      encoding="utf-8")
    load = cli(home, "load", "--db", db, str(ledger))
    assert load.returncode == 0, load.stdout + load.stderr
    assert "imported=1" in load.stdout

    metrics = cli(home, "metrics", "--db", db, "--start", "2025-07-01", "--end", "2025-09-30", "--json")
    assert metrics.returncode == 0, metrics.stderr
    assert json.loads(metrics.stdout)["indicators"]

    deck = tmp_path / "汇报.pptx"
    briefing = cli(home, "briefing", "--db", db, "--start", "2025-07-01", "--end", "2025-09-30", "--out", str(deck))
    assert briefing.returncode == 0, briefing.stderr
    assert deck.stat().st_size > 10_000

    added = cli(home, "user", "add", ADMIN[0], "--role", "admin", "--db", db, stdin=f"{ADMIN[1]}\n")
    assert added.returncode == 0, added.stderr

    # The next interaction: demo mode has ended (a user exists), and after signing in the new
    # community is there, without restarting the server.
    page.goto(f"{url}/?community={NEW_COMMUNITY}")
    wait_for_app(page)
    page.fill('input[aria-label="用户名"]', ADMIN[0])
    page.fill('input[aria-label="密码"]', ADMIN[1])
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector('[data-testid="stSidebar"] [data-testid="stSelectbox"]')
    wait_for_app(page)
    # The frame keeps a community from the URL only when the store knows it (else it drops it).
    assert f"community={NEW_COMMUNITY}" in urllib.parse.unquote(page.url)
    community_box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(1)
    assert NEW_COMMUNITY in (community_box.get_attribute("aria-label") or "") + community_box.inner_html()
    assert "error" not in (home / "server.log").read_text(errors="replace").lower()
