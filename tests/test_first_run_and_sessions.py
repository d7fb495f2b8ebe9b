"""First run in AppTest (the one-time set-up code creates the first administrator) and the
server-side sessions behind sign-ins that last (tokens, limits, ending them).

The real-browser side (reload, new tab, another browser, sign-out, idle expiry) is in
tests/browser/test_sessions_in_browser.py.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from sinkview.app import access, accounts, first_run, sessions
from sinkview.app import context as app_context
from sinkview.tools.sample_loader import load_sample
from sinkview.store.secrets import secrets_dir
from sinkview.store.database import Store

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PASSWORD = "first admin pass"
NOW = dt.datetime(2026, 3, 2, 9, 0)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    store = Store(folder / "sample.duckdb")
    load_sample(store)
    store.close()
    return folder / "sample.duckdb"


@pytest.fixture
def db(sample_db, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "x.duckdb"
    shutil.copy(sample_db, path)
    monkeypatch.setenv("SINKVIEW_DB", str(path))
    monkeypatch.setattr(accounts, "BCRYPT_ROUNDS", 4)
    st.cache_resource.clear()
    st.cache_data.clear()
    return path


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception
    return at


def the_code() -> str:
    return first_run.code_file().read_text(encoding="utf-8").splitlines()[0]


def set_up(at: AppTest, code: str, name: str = "院长", password: str = PASSWORD, again: str | None = None) -> AppTest:
    at.text_input(key="sv_setup_code").input(code)
    at.text_input(key="sv_setup_name").input(name)
    at.text_input(key="sv_setup_password").input(password)
    at.text_input(key="sv_setup_password_again").input(password if again is None else again)
    at.button(key="sv_setup_submit").click()
    at.run()
    assert not at.exception
    return at


def signed_in(at: AppTest) -> bool:
    return any(button.key == "sv_logout" for button in at.button)


# --------------------------------------------------------------------------- first run

def test_demo_mode_prints_a_code_to_an_owner_only_file(db, capfd):
    at = start()
    assert at.session_state["_sinkview_context"].demo_mode
    code = the_code()
    assert code in capfd.readouterr().err  # on the server's console
    mode = stat.S_IMODE(os.stat(first_run.code_file()).st_mode)
    assert mode == 0o600 and first_run.code_file().parent == secrets_dir()
    with app_context.get_store(str(db)).read() as con:  # the store keeps only a hash
        assert con.execute("select count(*) from setup_codes where code_hash = $c", {"c": code}).fetchall() == [(0,)]
        assert first_run.has_live_code(con, accounts.clock())


def test_the_code_creates_the_first_admin_who_is_signed_in_and_it_dies(db):
    at = start()
    code = the_code()
    set_up(at, code)
    assert signed_in(at) and not at.session_state["_sinkview_context"].demo_mode
    assert at.session_state["_sinkview_context"].role == "admin"
    assert "已创建管理员 院长 并登录。今后每个页面都需要登录。" in [toast.value for toast in at.toast]
    assert not first_run.code_file().exists()

    other = start()  # another visitor with the same, now used, code: the login form, no set-up
    assert "sv_setup_code" not in {box.key for box in other.text_input}
    with app_context.get_store(str(db)).write("test") as con:
        with pytest.raises(first_run.SetupRefused):
            first_run.create_first_admin(con, code, "第二个", PASSWORD, accounts.clock())
        log = con.execute("select who, action from audit_log order by rowid").fetchall()
    assert ("setup-code", "user_added") in log and accounts.has_users


def test_a_wrong_code_is_refused_and_five_kill_the_code(db):
    at = start()
    code = the_code()
    set_up(at, "AAAA-BBBB-CCCC")
    assert [e.value for e in at.error] == ["设置码不正确。请核对服务器控制台或设置码文件。"]
    assert not signed_in(at)
    for _ in range(first_run.MAX_WRONG_CODES - 1):
        with app_context.get_store(str(db)).write("test") as con:
            with pytest.raises(first_run.SetupRefused):
                first_run.create_first_admin(con, "AAAA-BBBB-CCCC", "x", PASSWORD, accounts.clock())
    with app_context.get_store(str(db)).write("test") as con:
        with pytest.raises(first_run.SetupRefused, match="dead_code"):
            first_run.create_first_admin(con, code, "院长", PASSWORD, accounts.clock())
        assert not accounts.has_users(con)
    at.run()  # the server notices the dead code and prints a new one
    assert the_code() != code


def test_a_code_dies_after_24_hours(db, monkeypatch):
    start()
    code = the_code()
    later = accounts.clock() + first_run.CODE_LIFETIME + dt.timedelta(minutes=1)
    with app_context.get_store(str(db)).write("test") as con:
        with pytest.raises(first_run.SetupRefused, match="dead_code"):
            first_run.create_first_admin(con, code, "院长", PASSWORD, later)


def test_different_passwords_create_nobody(db):
    at = start()
    set_up(at, the_code(), again="something else")
    assert [e.value for e in at.error] == ["两次输入的密码不一致。"]
    assert not signed_in(at)
    with app_context.get_store(str(db)).read() as con:
        assert not accounts.has_users(con)


def test_imported_data_without_users_shows_only_the_set_up_form(db):
    with app_context.get_store(str(db)).write("test") as con:
        con.execute("update imports set imported_by = 'clerk'")  # no longer only the sample county
    at = start()
    assert at.error[0].value.startswith("数据库中已有导入的数据，但还没有任何用户")
    set_up(at, the_code())
    assert signed_in(at)


# --------------------------------------------------------------------------- sessions

def _changed_last(text: str) -> str:
    """``text`` with its last character replaced by a different one (never a no-op)."""
    return text[:-1] + ("B" if text.endswith("A") else "A")


def test_a_token_names_its_session_only_when_well_signed():
    with Store(":memory:").write("test") as con:
        token, row = sessions.start(con, "院长", NOW)
        assert sessions.id_hash_of(token) == row.id_hash
        assert "院长" not in token and PASSWORD not in token
        version, session_id, signature = token.split(".")
        assert sessions.id_hash_of(f"{version}.{session_id}.{_changed_last(signature)}") is None
        assert sessions.id_hash_of(f"{version}.{_changed_last(session_id)}.{signature}") is None
        assert sessions.id_hash_of("garbage") is None and sessions.id_hash_of(None) is None
        stored = con.execute("select id_hash from sessions").fetchall()
        assert stored == [(row.id_hash,)] and session_id not in row.id_hash


def test_limits_are_settings(monkeypatch):
    row = sessions.SessionRow("h", "u", NOW, NOW, None, None)
    assert row.why_over(NOW + dt.timedelta(minutes=29)) is None
    assert row.why_over(NOW + dt.timedelta(minutes=31)) == "idle"
    monkeypatch.setenv("SINKVIEW_IDLE_MINUTES", "5")
    assert row.why_over(NOW + dt.timedelta(minutes=6)) == "idle"
    busy = sessions.SessionRow("h", "u", NOW, NOW + dt.timedelta(hours=8), None, None)
    assert busy.why_over(NOW + dt.timedelta(hours=8, minutes=1)) == "too_old"
    monkeypatch.setenv("SINKVIEW_SESSION_HOURS", "10")
    assert busy.why_over(NOW + dt.timedelta(hours=8, minutes=1)) is None


def test_ending_a_session_is_audited_once():
    with Store(":memory:").write("test") as con:
        _, row = sessions.start(con, "院长", NOW)
        assert sessions.end(con, row, "idle", NOW) and not sessions.end(con, row, "button", NOW)
        assert sessions.find(con, row.id_hash).why_over(NOW) == "idle"
        assert con.execute("select who, action, detail from audit_log").fetchall() == [("院长", "session_expired", "idle")]


def test_the_browsers_token_signs_a_new_tab_in(db, monkeypatch):
    with app_context.get_store(str(db)).write("test") as con:
        accounts.add_user(con, "院长", PASSWORD, "admin", by="test")
        token, _ = sessions.start(con, "院长", accounts.clock())
    monkeypatch.setattr(access, "_browser_token", lambda: token)
    at = start()
    assert signed_in(at)
    at.button(key="sv_logout").click().run()  # ends it server-side: the same token no longer works
    fresh = start()
    assert not signed_in(fresh) and "sv_login_name" in {box.key for box in fresh.text_input}
