"""Users, passwords, lockout, roles and the community scope of the query layer.

Passwords must never reach the database file in plain text; five failed sign-ins lock a name
for 15 minutes; a page context bound to one community can read nothing of another, whatever
the page asks for.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import streamlit as st

from sinkview import QUERIES_DIR
from sinkview.store import audit
from sinkview.app import accounts
from sinkview.app import context as app_context
from sinkview.metrics.evaluator import compute_indicators
from sinkview.ingest.importer import import_file
from sinkview.store.database import Store

PASSWORD = "correct horse battery"
NOW = dt.datetime(2026, 3, 2, 9, 0)
A, B = "甲医共体", "乙医共体"
YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))

INSTITUTIONS = (
    "机构编码,机构名称,机构层级,上级机构编码,所属医共体,县区,乡镇\n"
    "A001,甲县人民医院,县级医院,,甲医共体,测试县,城关镇\n"
    "A002,甲乡卫生院,乡镇卫生院,A001,甲医共体,测试县,东乡\n"
    "B001,乙县中医院,县级医院,,乙医共体,测试县,城关镇\n"
    "B002,乙乡卫生院,乡镇卫生院,B001,乙医共体,测试县,西乡\n"
).encode()

# R2 goes from community A to a hospital of community B.
REFERRALS = (
    "转诊单号,患者标识,转诊日期,转出机构编码,转入机构编码,转诊方向,转诊状态,接收日期\n"
    "R1,P1,2025-07-03,A002,A001,上转,已完成,2025-07-04\n"
    "R2,P2,2025-07-05,A002,B001,上转,已完成,2025-07-06\n"
    "R3,P3,2025-07-07,B002,B001,上转,已完成,2025-07-08\n"
).encode()


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    monkeypatch.setattr(accounts, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def store():
    store = Store(":memory:")
    yield store
    store.close()


@pytest.fixture
def cursor(store):
    return store.cursor()


def actions(cursor) -> list[tuple[str, str, str]]:
    """The audit log in the order it was written."""
    return cursor.execute("select who, action, detail from audit_log order by rowid").fetchall()


# --------------------------------------------------------------------------- passwords

def test_passwords_are_stored_only_as_bcrypt_hashes(tmp_path):
    path = tmp_path / "users.duckdb"
    store = Store(path)
    accounts.add_user(store.cursor(), "admin", PASSWORD, "admin", by="test")
    accounts.set_password(store.cursor(), "admin", PASSWORD + " 2", by="test")
    stored = store.cursor().execute("select password_hash from users").fetchall()[0][0]
    store.close()
    assert stored.startswith("$2b$") and PASSWORD not in stored
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert PASSWORD.encode() not in on_disk


def test_password_rules(cursor):
    with pytest.raises(accounts.UserChangeRefused) as refused:
        accounts.add_user(cursor, "short", "seven77", "viewer", by="test")
    assert refused.value.code == "auth.refused.password_too_short"
    with pytest.raises(accounts.UserChangeRefused) as refused:
        accounts.add_user(cursor, "long", "密" * 25, "viewer", by="test")  # 75 bytes: bcrypt would ignore the end
    assert refused.value.code == "auth.refused.password_too_long"
    assert not accounts.has_users(cursor)


def test_names_are_checked_and_unique(cursor):
    accounts.add_user(cursor, "  王医生 ", PASSWORD, "viewer", by="test")
    assert [user.name for user in accounts.list_users(cursor)] == ["王医生"]
    for name, code in (("王医生", "auth.refused.name_taken"), ("", "auth.refused.bad_name"),
                       ("a\nb", "auth.refused.bad_name"), ("x" * 65, "auth.refused.bad_name")):
        with pytest.raises(accounts.UserChangeRefused) as refused:
            accounts.add_user(cursor, name, PASSWORD, "viewer", by="test")
        assert refused.value.code == code


# --------------------------------------------------------------------------- signing in and lockout

def test_right_password_signs_in_and_wrong_ones_do_not(cursor):
    accounts.add_user(cursor, "li", PASSWORD, "editor", "甲医共体", by="test")
    assert accounts.authenticate(cursor, "li", "wrong password", NOW) is None
    assert accounts.authenticate(cursor, "nobody", PASSWORD, NOW) is None
    user = accounts.authenticate(cursor, "li", PASSWORD, NOW)
    assert (user.name, user.role, user.community) == ("li", "editor", "甲医共体")
    assert actions(cursor)[-3:] == [("li", "login_failed", "wrong password"),
                                    ("nobody", "login_failed", "unknown name"), ("li", "login", "")]


def test_five_failures_lock_the_name_for_fifteen_minutes(cursor):
    accounts.add_user(cursor, "li", PASSWORD, "viewer", by="test")
    for _ in range(4):
        assert accounts.authenticate(cursor, "li", "wrong password", NOW) is None
    assert accounts.locked_until(cursor, "li", NOW) is None
    assert accounts.authenticate(cursor, "li", "wrong password", NOW) is None  # the fifth
    assert accounts.locked_until(cursor, "li", NOW) == NOW + dt.timedelta(minutes=15)
    assert "locked until 2026-03-02 09:15" in actions(cursor)[-1][2]

    almost = NOW + dt.timedelta(minutes=14, seconds=59)
    assert accounts.authenticate(cursor, "li", PASSWORD, almost) is None  # even the right password
    assert actions(cursor)[-1] == ("li", "login_failed", "locked")
    assert accounts.authenticate(cursor, "li", PASSWORD, NOW + dt.timedelta(minutes=15, seconds=1)).name == "li"
    assert accounts.locked_until(cursor, "li", NOW + dt.timedelta(minutes=16)) is None


def test_a_success_resets_the_count_of_failures(cursor):
    accounts.add_user(cursor, "li", PASSWORD, "viewer", by="test")
    for _ in range(4):
        accounts.authenticate(cursor, "li", "wrong password", NOW)
    assert accounts.authenticate(cursor, "li", PASSWORD, NOW) is not None
    for _ in range(4):
        accounts.authenticate(cursor, "li", "wrong password", NOW)
    assert accounts.locked_until(cursor, "li", NOW) is None


def test_a_new_password_lifts_the_lock(cursor):
    accounts.add_user(cursor, "li", PASSWORD, "viewer", by="test")
    for _ in range(5):
        accounts.authenticate(cursor, "li", "wrong password", NOW)
    accounts.set_password(cursor, "li", "a new password", by="admin", now=NOW)
    assert accounts.authenticate(cursor, "li", "a new password", NOW).password_changed_at == NOW


# --------------------------------------------------------------------------- roles and user changes

@pytest.mark.parametrize("role, upload, undo, manage", [
    ("admin", True, True, True), ("editor", True, True, False), ("viewer", False, False, False)])
def test_what_each_role_may_do(cursor, role, upload, undo, manage):
    user = accounts.add_user(cursor, "u", PASSWORD, role, by="test")
    assert (user.can_upload, user.can_undo, user.can_manage_users) == (upload, undo, manage)


def test_roles_and_communities_are_checked(cursor):
    with pytest.raises(accounts.UserChangeRefused) as refused:
        accounts.add_user(cursor, "x", PASSWORD, "owner", by="test")
    assert refused.value.code == "auth.refused.bad_role"
    with pytest.raises(accounts.UserChangeRefused) as refused:
        accounts.add_user(cursor, "x", PASSWORD, "admin", A, by="test")
    assert refused.value.code == "auth.refused.admin_with_community"
    assert accounts.add_user(cursor, "x", PASSWORD, "viewer", "  ", by="test").community is None


def test_the_last_admin_stays_while_others_exist(cursor):
    accounts.add_user(cursor, "boss", PASSWORD, "admin", by="cli:root")
    accounts.add_user(cursor, "clerk", PASSWORD, "editor", A, by="boss")
    with pytest.raises(accounts.UserChangeRefused) as refused:
        accounts.remove_user(cursor, "boss", by="boss")
    assert refused.value.code == "auth.refused.last_admin"
    accounts.remove_user(cursor, "clerk", by="boss")
    accounts.remove_user(cursor, "boss", by="cli:root")
    assert not accounts.has_users(cursor)
    assert actions(cursor) == [("cli:root", "user_added", "boss role=admin community=*"),
                               ("boss", "user_added", f"clerk role=editor community={A}"),
                               ("boss", "user_removed", "clerk role=editor"),
                               ("cli:root", "user_removed", "boss role=admin")]


def test_audit_refuses_unknown_actions_and_control_characters(cursor):
    with pytest.raises(ValueError):
        audit.record(cursor, "x", "delete_everything")
    audit.record(cursor, "x\x1b[2J", "export", "file\r\n.csv")
    assert actions(cursor) == [("x?[2J", "export", "file??.csv")]
    assert audit.recent(cursor, 1)[["who", "action"]].values.tolist() == [["x?[2J", "export"]]


# --------------------------------------------------------------------------- community scope

@pytest.fixture
def two_communities(tmp_path, monkeypatch) -> str:
    path = tmp_path / "scope.duckdb"
    seed = Store(path)
    for name, raw in (("机构.csv", INSTITUTIONS), ("转诊.csv", REFERRALS)):
        validation, result = import_file(seed.cursor(), raw, name, who="tester")
        assert result is not None, validation.errors
    seed.close()
    st.cache_resource.clear()
    st.cache_data.clear()
    return str(path)


def context(db: str, scope: str | None) -> app_context.PageContext:
    store = app_context.get_store(db)
    filters = app_context.Filters(*YEAR, scope, None, "2025")
    return app_context.PageContext(store, db, "zh", filters, has_data=True, version=app_context.data_version(store),
                          user="v", role="viewer", community_scope=scope)


def cells(frame: pd.DataFrame) -> set:
    return set(frame.astype(str).to_numpy().ravel())


def test_a_scoped_context_reads_only_its_community(two_communities):
    scoped = context(two_communities, A)
    assert scoped.query("frame/communities")["community"].tolist() == [A]
    assert scoped.query("frame/townships")["township"].tolist() == ["东乡"]
    assert not scoped.query("frame/data_range").empty  # dates only: county-wide is fine
    assert sorted(context(two_communities, None).query("frame/communities")["community"]) == sorted([A, B])


def test_a_scoped_context_refuses_other_communities_and_county_wide_queries(two_communities):
    scoped = context(two_communities, A)
    with pytest.raises(app_context.OutOfScope):
        scoped.query("frame/townships", community=B)
    with pytest.raises(app_context.OutOfScope):
        scoped.query("frame/townships", community=None)
    with pytest.raises(app_context.OutOfScope):
        scoped.query("frame/dataset_status")  # counts every community's rows
    with pytest.raises(app_context.OutOfScope):
        scoped.indicators(community=B)
    with pytest.raises(app_context.OutOfScope):
        scoped.indicators(community=None)


def test_scoped_indicators_are_the_communitys(two_communities):
    scoped = context(two_communities, A)
    with app_context.get_store(two_communities).read() as cursor:
        assert scoped.indicators() == compute_indicators(cursor, *YEAR, A)
        assert scoped.indicators() != compute_indicators(cursor, *YEAR, None)


def test_the_scope_holds_even_when_the_filters_say_otherwise(two_communities):
    store = app_context.get_store(two_communities)
    tampered = app_context.PageContext(store, two_communities, "zh", app_context.Filters(*YEAR, B, None, "2025"), has_data=True,
                              version=app_context.data_version(store), community_scope=A)
    assert tampered.query("frame/townships")["township"].tolist() == ["东乡"]
    with store.read() as cursor:
        expected = compute_indicators(cursor, *YEAR, A)
    assert tampered.indicators() == expected


@pytest.mark.skipif(not (QUERIES_DIR / "referral" / "flows_by_institution.sql").exists(),
                    reason="the referral queries are not there yet")
def test_institutions_of_another_community_are_not_named(two_communities):
    everyone = cells(context(two_communities, None).query("referral/flows_by_institution"))
    assert "乙县中医院" in everyone
    scoped = cells(context(two_communities, A).query("referral/flows_by_institution"))
    assert "乙县中医院" not in scoped and "乙乡卫生院" not in scoped
    assert "甲乡卫生院" in scoped and "其他医共体" in scoped  # A's referral to B, its far end unnamed
