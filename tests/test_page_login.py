"""The login gate in AppTest: nothing from the store before sign-in, roles, scope, idle sessions.

Each test runs the app on its own copy of the sample county (loaded once for the module) with
its own users. "Page text" is everything the page sends to the browser: every element's
message, the rows of every table, and every CSV offered for download.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import streamlit as st
from google.protobuf import text_format
from streamlit.testing.v1 import AppTest

from sinkview.app import access, accounts
from sinkview.metrics import periods
from sinkview.app import context as app_context
from sinkview.app import widgets
from sinkview.i18n import format_number
from sinkview.metrics.declarations import INDICATORS
from sinkview.metrics.evaluator import compute_indicators
from sinkview.ingest.importer import import_file
from sinkview.store.named_queries import run_query
from sinkview.tools.sample_loader import load_sample
from sinkview.store.database import Store

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
A, B = "清河县第一医共体", "清河县中医医共体"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SINKVIEW_SECRETS_DIR", str(folder / "secrets"))
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


@pytest.fixture
def with_users(db) -> Path:
    with app_context.get_store(str(db)).write("test") as cursor:
        accounts.add_user(cursor, "boss", PASSWORD, "admin", by="test")
        accounts.add_user(cursor, "viewer_a", PASSWORD, "viewer", A, by="test")
    return db


@pytest.fixture
def downloads(monkeypatch) -> list[bytes]:
    """Every CSV the frame's tables offer for download during the test."""
    offered: list[bytes] = []
    make_csv = widgets.safe_csv

    def recording_safe_csv(frame):
        offered.append(make_csv(frame))
        return offered[-1]

    monkeypatch.setattr(widgets, "safe_csv", recording_safe_csv)
    return offered


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception
    return at


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="sv_login_name").input(name)
    at.text_input(key="sv_login_password").input(password)
    at.button(key="sv_login_submit").click()
    at.run()
    assert not at.exception
    return at


def page_text(at: AppTest, downloads: list[bytes] = ()) -> str:
    parts: list[str] = [csv.decode("utf-8-sig") for csv in downloads]

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(text_format.MessageToString(proto, as_utf8=True))
        if getattr(node, "type", None) in ("dataframe", "arrow_data_frame", "table"):
            parts.append(node.value.to_csv())
        if getattr(node, "type", None) == "plotly_chart":
            parts.append(json.dumps(json.loads(proto.spec), ensure_ascii=False))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def table_with(at: AppTest, column: str):
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def signed_in(at: AppTest) -> bool:
    return any(button.key == "sv_logout" for button in at.button)


def names_of(cursor, community: str | None) -> set[str]:
    """The community's name, its institutions' names and its townships (None: every community)."""
    rows = cursor.execute("""select community, inst_name, township from institutions
        where community is not null and ($community is null or community = $community)""",
                          {"community": community}).fetchall()
    return {name for row in rows for name in row if name}


def shown_values(cursor) -> set[str]:
    """Every indicator of the default period as the dashboard would write it, county and communities."""
    bounds = run_query(cursor, "frame/data_range").iloc[0]
    start, end = periods.period_range(periods.default_period(bounds["first_date"].date(), bounds["last_date"].date()))
    units = {item.id: item.unit for item in INDICATORS}
    shown = set()
    for community in (None, A, B):
        for indicator_id, value in compute_indicators(cursor, start, end, community).items():
            shown.add(format_number(value, units[indicator_id]))
    return {text for text in shown if len(text) >= 4}  # "0" or "12" could be any number on a page


# --------------------------------------------------------------------------- anonymous visitors

def test_an_anonymous_visitor_gets_the_login_and_nothing_from_the_store(with_users):
    with app_context.get_store(str(with_users)).read() as cursor:
        secrets, values = names_of(cursor, None), shown_values(cursor)
    at = start()
    assert [text.value for text in at.subheader] == ["登录"]
    assert {text.key for text in at.text_input} == {"sv_login_name", "sv_login_password"}
    for page in ("pages/overview.py", "pages/data.py"):
        at.switch_page(page).run()
        text = page_text(at)
        assert "sv_login_name" in text and not signed_in(at)
        assert not [name for name in secrets if name in text]
        assert not [value for value in values if value in text]

    sign_in(at, "boss")  # the same check, signed in, does find the store's names and numbers
    text = page_text(at.switch_page("pages/overview.py").run())
    assert A in text and [value for value in values if value in text]


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_overview(with_users):
    at = sign_in(start(), "boss", "wrong password")
    assert [error.value for error in at.error] == ["用户名或密码不正确。"]
    assert not signed_in(at) and at.text_input(key="sv_login_password").value == ""
    sign_in(at, "boss")
    assert signed_in(at) and at.title[0].value == "指标总览"
    assert "当前用户：boss（管理员）" in [caption.value for caption in at.caption]
    context = at.session_state["_sinkview_context"]
    assert (context.user, context.role, context.can_upload, context.can_undo) == ("boss", "admin", True, True)


def test_five_failures_lock_the_name(with_users):
    at = start()
    for _ in range(5):
        sign_in(at, "viewer_a", "wrong password")
    assert at.error[0].value.startswith("该用户连续 5 次登录失败，已锁定")
    sign_in(at, "viewer_a")
    assert not signed_in(at) and at.error[0].value.startswith("该用户连续 5 次登录失败，已锁定")


# --------------------------------------------------------------------------- scope and roles

def test_a_viewer_bound_to_one_community_never_sees_another(with_users, downloads):
    with app_context.get_store(str(with_users)).read() as cursor:
        others = names_of(cursor, B) - names_of(cursor, A)
    at = sign_in(start(), "viewer_a")
    assert at.selectbox(key="sv_community").options == [A]
    context = at.session_state["_sinkview_context"]
    assert (context.community_scope, context.filters.community, context.can_upload) == (A, A, False)

    pages = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "pages").glob("*.py"))
    for page in [p for p in pages if p != "pages/users.py"]:
        at.switch_page(page).run()
        text = page_text(at, downloads)
        assert signed_in(at), page
        assert not [name for name in others if name in text], page
    assert downloads, "no table offered a download: the check of downloads checked nothing"


def test_only_admins_get_the_users_page(with_users):
    at = sign_in(start(), "viewer_a")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/users.py")  # not registered for a viewer

    alone = AppTest.from_file(str(ROOT / "pages" / "users.py"), default_timeout=90)
    alone.session_state[access.SESSION_KEY] = at.session_state[access.SESSION_KEY]
    alone.run()  # the page run on its own still checks the role
    assert [error.value for error in alone.error] == ["只有管理员可以打开此页。"] and not alone.dataframe

    at = sign_in(start(), "boss")
    at.switch_page("pages/users.py").run()
    assert not at.exception
    assert table_with(at, "用户名")["用户名"].tolist() == ["boss", "viewer_a"]
    at.text_input(key="sv_user_add_name").input("clerk_b")
    at.selectbox(key="sv_user_add_role").set_value("editor")
    at.selectbox(key="sv_user_add_community").set_value(B)
    at.text_input(key="sv_user_add_password").input(PASSWORD)
    at.text_input(key="sv_user_add_password_again").input(PASSWORD)
    at.button(key="sv_user_add_submit").click().run()
    assert [success.value for success in at.success] == ["已添加用户 clerk_b。"]
    with app_context.get_store(str(with_users)).read() as cursor:
        user = accounts.get_user(cursor, "clerk_b")
    assert (user.role, user.community) == ("editor", B)
    log = table_with(at, "操作")
    assert log[["用户", "操作"]].values.tolist()[:2] == [["boss", "user_added"], ["boss", "login"]]


# --------------------------------------------------------------------------- sessions

def test_an_idle_session_ends(with_users, monkeypatch):
    monkeypatch.setenv("SINKVIEW_IDLE_MINUTES", "5")
    at = sign_in(start(), "viewer_a")
    signed_in_at = accounts.clock()
    monkeypatch.setattr(accounts, "clock", lambda: signed_in_at + dt.timedelta(minutes=4))
    at.run()
    assert signed_in(at)  # four minutes: still there, and the clock of idleness starts again
    monkeypatch.setattr(accounts, "clock", lambda: signed_in_at + dt.timedelta(minutes=10))
    at.run()
    assert not signed_in(at) and "sv_login_name" in {text.key for text in at.text_input}
    assert [info.value for info in at.info] == ["超过 5 分钟没有操作，已自动退出，请重新登录。"]
    assert A not in page_text(at)
    with app_context.get_store(str(with_users)).read() as cursor:
        last = cursor.execute("select who, action, detail from audit_log order by rowid desc limit 1").fetchall()
    assert last == [("viewer_a", "session_expired", "idle")]


def test_a_page_run_without_the_app_checks_the_session_again(with_users):
    # A deep link can make Streamlit run a page file alone (the pages/ folder of multipage v1).
    at = sign_in(start(), "viewer_a")
    stale = at.session_state[access.SESSION_KEY]
    with app_context.get_store(str(with_users)).write("test") as cursor:  # idle for 31 minutes, as the store sees it
        cursor.execute("update sessions set last_active = last_active - interval 31 minutes where id_hash = $id",
                       {"id": stale.id_hash})
    alone = AppTest.from_file(str(ROOT / "pages" / "overview.py"), default_timeout=90)
    alone.session_state[access.SESSION_KEY] = stale
    alone.session_state["_sinkview_context"] = at.session_state["_sinkview_context"]
    alone.run()
    assert "sv_login_name" in {text.key for text in alone.text_input}
    assert A not in page_text(alone)


def test_the_logout_button_ends_the_session(with_users):
    at = sign_in(start(), "boss")
    at.button(key="sv_logout").click().run()
    assert not signed_in(at) and [info.value for info in at.info] == ["已退出登录。"]
    assert A not in page_text(at)


def test_a_changed_password_ends_open_sessions(with_users):
    at = sign_in(start(), "viewer_a")
    with app_context.get_store(str(with_users)).write("test") as cursor:
        accounts.set_password(cursor, "viewer_a", "a new password", by="boss")
    at.run()
    assert not signed_in(at) and [info.value for info in at.info] == ["您的账号或密码已被更改，请重新登录。"]


# --------------------------------------------------------------------------- without users

def test_without_users_the_sample_county_opens_in_demo_mode(db):
    at = start()
    assert at.warning[0].value.startswith("**演示模式** — 仅示例县数据，只读，上传已停用。")
    assert at.title[0].value == "指标总览" and not signed_in(at)
    context = at.session_state["_sinkview_context"]
    assert context.demo_mode and (context.user, context.role, context.can_upload, context.can_undo) == \
        (None, None, False, False)


def test_without_users_imported_data_are_not_shown_at_all(db):
    extra = "机构编码,机构名称,机构层级,所属医共体\nX001,某县真实医院,县级医院,真实医共体\n".encode()
    with app_context.get_store(str(db)).write("test") as cursor:
        assert import_file(cursor, extra, "real.csv", who="clerk")[1] is not None
    at = start()
    text = page_text(at)
    assert at.error[0].value.startswith("数据库中已有导入的数据，但还没有任何用户")
    assert "python -m sinkview user add" in text
    with app_context.get_store(str(db)).read() as cursor:
        assert not [name for name in names_of(cursor, None) if name in text]
