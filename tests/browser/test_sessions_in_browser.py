"""Sign-ins that last, in a real browser: a reload, a new tab and a deep link keep the sign-in;
another browser does not have it; a sign-out ends it everywhere (a copied token is useless);
an idle session ends by itself after the idle limit (shortened here by its setting).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN, ROOT, _serve, wait_for_app

pytestmark = pytest.mark.browser
COOKIE = "sinkview_session"


@pytest.fixture
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("sessions_home")
    for url in _serve(home, admin=ADMIN):
        yield url, home


@pytest.fixture
def served_idle(tmp_path_factory):
    home = tmp_path_factory.mktemp("idle_home")
    for url in _serve(home, admin=ADMIN, settings={"SINKVIEW_IDLE_MINUTES": "0.3"}):  # 18 s: long enough to sign in on a busy machine
        yield url, home


def new_tab(context):
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    return tab


def sign_in(tab, url: str) -> None:
    tab.goto(url)
    wait_for_app(tab)
    tab.fill('input[aria-label="用户名"]', ADMIN[0])
    tab.fill('input[aria-label="密码"]', ADMIN[1])
    tab.get_by_role("button", name="登录").click()
    tab.get_by_role("button", name="退出登录").first.wait_for()  # .first: a rerun may still show the stale one


def is_signed_in(tab) -> bool:
    """Signed in once the page settles. A reload signs in from the cookie one rerun later (the
    cookie component answers after the first run), so the sign-out button may come a moment
    after the page first reports idle: wait for it (or for the login form) before judging."""
    wait_for_app(tab)
    tab.wait_for_function(
        "() => [...document.querySelectorAll('button')].some(b => b.innerText.includes('退出登录'))"
        " || document.querySelector('input[aria-label=\"密码\"]') !== null", timeout=60_000)
    if tab.get_by_role("button", name="退出登录").count() == 0:  # the login form: give a cookie rerun its moment
        tab.wait_for_timeout(3000)
        wait_for_app(tab)
    return tab.get_by_role("button", name="退出登录").count() == 1


def session_cookie(context) -> dict | None:
    wanted = [cookie for cookie in context.cookies() if cookie["name"] == COOKIE and cookie["value"]]
    return wanted[0] if wanted else None


def audit(home) -> str:
    env = {**os.environ, "HOME": str(home), "SINKVIEW_SECRETS_DIR": str(home / "secrets")}
    return subprocess.run([sys.executable, "-m", "sinkview", "audit", "--db", str(home / "sinkview.duckdb")],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout


def test_a_sign_in_survives_reload_new_tab_and_deep_link_but_not_a_sign_out(browser, served):
    url, home = served
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    first = new_tab(context)
    sign_in(first, url)
    first.wait_for_function(f"() => document.cookie.includes('{COOKIE}=')")
    cookie = session_cookie(context)
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert ADMIN[1] not in cookie["value"] and ADMIN[0] not in cookie["value"]

    first.reload()
    assert is_signed_in(first)
    second = new_tab(context)  # a shared deep link, opened in a new tab of the same browser
    second.goto(f"{url}/referral?period=2025-Q3&lang=zh")
    assert is_signed_in(second) and "双向转诊" in second.inner_text('[data-testid="stMain"]')
    assert cookie["value"] not in second.url and cookie["value"] not in first.url

    other_browser = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    stranger = new_tab(other_browser)
    stranger.goto(url)
    assert not is_signed_in(stranger) and stranger.locator('input[aria-label="密码"]').count() == 1

    first.get_by_role("button", name="退出登录").click()
    first.get_by_text("已退出登录。").first.wait_for()
    second.reload()
    assert not is_signed_in(second)
    copied = new_tab(other_browser)  # the token copied into another browser after the sign-out
    other_browser.add_cookies([{**cookie, "sameSite": "Strict"}])
    copied.goto(url)
    assert not is_signed_in(copied)
    log = audit(home)
    assert "\tlogin\t" in log and "\tlogout\tbutton" in log
    context.close()
    other_browser.close()


def test_an_idle_sign_in_ends_by_itself(browser, served_idle):
    url, home = served_idle
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    tab = new_tab(context)
    sign_in(tab, url)
    # Nobody touches the page: the idle watch ends the session and shows the login form.
    tab.get_by_text("没有操作，已自动退出").first.wait_for(timeout=60_000)
    # The notice comes first in that run; the sign-out button of the run before stays on the page
    # until the run ends, so its going is waited for, not sampled.
    expect(tab.get_by_role("button", name="退出登录")).to_have_count(0, timeout=15_000)
    tab.reload()
    assert not is_signed_in(tab)
    assert "\tsession_expired\tidle" in audit(home)
    context.close()


@pytest.fixture
def served_fresh(tmp_path_factory):
    home = tmp_path_factory.mktemp("first_run_home")
    for url in _serve(home):  # no user: demo mode
        yield url, home


def test_the_first_administrator_is_created_in_the_browser(browser, served_fresh):
    url, home = served_fresh
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    tab = new_tab(context)
    tab.goto(url)
    wait_for_app(tab)
    assert "演示模式" in tab.inner_text("body")
    code = (home / "secrets" / "setup-code.txt").read_text(encoding="utf-8").splitlines()[0]
    assert code in (home / "server.log").read_text(encoding="utf-8")  # printed on the console

    def set_up(with_code: str) -> None:
        tab.get_by_text("创建第一个管理员").first.click()
        tab.fill('input[aria-label="设置码"]', with_code)
        tab.fill('[data-testid="stSidebar"] input[aria-label="用户名"]', ADMIN[0])
        tab.fill('[data-testid="stSidebar"] input[aria-label="密码（至少 8 个字符）"]', ADMIN[1])
        tab.fill('[data-testid="stSidebar"] input[aria-label="再次输入密码"]', ADMIN[1])
        tab.get_by_role("button", name="创建管理员并登录").click()

    set_up("WRNG-CODE-XXXX")
    tab.get_by_text("设置码不正确").first.wait_for()
    assert tab.get_by_role("button", name="退出登录").count() == 0
    tab.reload()
    wait_for_app(tab)
    set_up(code.lower())  # typed in lower case: still the code
    tab.get_by_role("button", name="退出登录").first.wait_for()  # .first: a rerun may still show the stale one
    assert "演示模式" not in tab.inner_text("body")
    assert not (home / "secrets" / "setup-code.txt").exists()
    stranger = new_tab(browser.new_context(locale="zh-CN"))  # the used code offers nothing any more
    stranger.goto(url)
    wait_for_app(stranger)
    assert stranger.locator('input[aria-label="设置码"]').count() == 0
    assert stranger.locator('input[aria-label="密码"]').count() == 1
    context.close()
