"""``python -m sinkview user add|passwd|remove|list`` and ``python -m sinkview audit``.

Scripts provision users by piping the password on standard input; at a terminal it is asked
for twice with getpass. Refusals print one line and exit 1; the audit log names who changed
what, never a password.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sinkview.app import accounts
from sinkview.tools import cli
from sinkview.store.database import Store

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    monkeypatch.setattr(accounts, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "users.duckdb"


def run(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def users(db: Path) -> list[tuple]:
    store = Store(db)
    rows = store.cursor().execute("select name, role, community, password_hash from users order by name").fetchall()
    store.close()
    return rows


def test_a_script_provisions_the_first_admin_through_standard_input(db):
    environment = {**os.environ, "SINKVIEW_LANG": "en"}
    added = subprocess.run([sys.executable, "-m", "sinkview", "user", "add", "root", "--role", "admin", "--db", str(db)],
                           input=PASSWORD + "\n", capture_output=True, text=True, cwd=ROOT, env=environment)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "User root added (Administrator, *)"
    listed = subprocess.run([sys.executable, "-m", "sinkview", "user", "list", "--db", str(db)],
                            capture_output=True, text=True, cwd=ROOT, env=environment)
    assert listed.stdout.split("\t")[:3] == ["root", "admin", "*"]
    [(name, role, community, password_hash)] = users(db)
    assert password_hash.startswith("$2b$") and PASSWORD not in password_hash


def test_add_list_passwd_remove(db, monkeypatch, capsys):
    assert run(monkeypatch, capsys, "user", "add", "boss", "--role", "admin", "--db", str(db), stdin=PASSWORD)[0] == 0
    status, out, _ = run(monkeypatch, capsys, "user", "add", "王医生", "--role", "viewer", "--community", "清河县第一医共体",
                         "--db", str(db), stdin=PASSWORD + "\r\n")
    assert status == 0 and "已添加用户 王医生（查阅者，清河县第一医共体）" in out
    assert "提示：机构名录中还没有医共体“清河县第一医共体”" in out  # an empty store: probably a typo
    store = Store(db)
    assert accounts.authenticate(store.cursor(), "王医生", PASSWORD, accounts.clock()) is not None  # "\r\n" is not kept
    store.close()

    status, out, _ = run(monkeypatch, capsys, "user", "list", "--db", str(db))
    assert [line.split("\t")[:3] for line in out.splitlines()] == [["boss", "admin", "*"],
                                                                    ["王医生", "viewer", "清河县第一医共体"]]

    before = users(db)[1][3]
    assert run(monkeypatch, capsys, "user", "passwd", "王医生", "--db", str(db), stdin="another password\n")[0] == 0
    assert users(db)[1][3] != before
    status, out, _ = run(monkeypatch, capsys, "user", "remove", "王医生", "--db", str(db))
    assert status == 0 and out.strip() == "已删除用户 王医生"
    assert [row[0] for row in users(db)] == ["boss"]


def test_refusals_print_one_line_and_exit_1(db, monkeypatch, capsys):
    run(monkeypatch, capsys, "user", "add", "boss", "--role", "admin", "--db", str(db), stdin=PASSWORD)
    run(monkeypatch, capsys, "user", "add", "clerk", "--role", "editor", "--db", str(db), stdin=PASSWORD)
    cases = [
        (("user", "add", "x", "--role", "viewer"), "short\n", "error: 密码至少需要 8 个字符。"),
        (("user", "add", "x", "--role", "viewer"), "", "error: 标准输入中没有读到密码。"),
        (("user", "add", "boss", "--role", "viewer"), PASSWORD, "error: 用户 boss 已存在。"),
        (("user", "add", "x", "--role", "admin", "--community", "甲"), PASSWORD,
         "error: 管理员可查看全部医共体，不能绑定某一个医共体。"),
        (("user", "passwd", "nobody"), PASSWORD, "error: 没有用户 nobody。"),
        (("user", "remove", "boss"), "", "error: boss 是最后一位管理员，还有其他用户时不能删除。"),
    ]
    for argv, stdin, message in cases:
        status, _, err = run(monkeypatch, capsys, *argv, "--db", str(db), stdin=stdin)
        assert (status, err.strip()) == (1, message)
    assert [row[0] for row in users(db)] == ["boss", "clerk"]


def test_bad_arguments_exit_2(db, monkeypatch, capsys):
    with pytest.raises(SystemExit) as stopped:
        run(monkeypatch, capsys, "user", "add", "x", "--role", "owner", "--db", str(db))
    assert stopped.value.code == 2


def test_at_a_terminal_the_password_is_asked_twice(db, monkeypatch, capsys):
    answers = iter([PASSWORD, PASSWORD, PASSWORD, "something else"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: next(answers))
    monkeypatch.setattr(sys, "stdin", Terminal())
    assert cli.main(["user", "add", "boss", "--role", "admin", "--db", str(db)]) == 0
    assert cli.main(["user", "passwd", "boss", "--db", str(db)]) == 1
    assert capsys.readouterr().err.strip() == "error: 两次输入的密码不一致。"


def test_audit_lists_user_changes_newest_first_without_passwords(db, monkeypatch, capsys):
    run(monkeypatch, capsys, "user", "add", "boss", "--role", "admin", "--db", str(db), stdin=PASSWORD)
    run(monkeypatch, capsys, "user", "add", "li", "--role", "editor", "--community", "甲", "--db", str(db), stdin=PASSWORD)
    run(monkeypatch, capsys, "user", "passwd", "li", "--db", str(db), stdin="another password")
    run(monkeypatch, capsys, "user", "remove", "li", "--db", str(db))
    store = Store(db)
    accounts.authenticate(store.cursor(), "boss", "wrong password", accounts.clock())
    store.close()

    status, out, _ = run(monkeypatch, capsys, "audit", "--db", str(db))
    entries = [line.split("\t") for line in out.splitlines()]
    assert status == 0
    assert [entry[1:] for entry in entries] == [
        ["boss", "login_failed", "wrong password"],
        [cli._actor(), "user_removed", "li role=editor"],
        [cli._actor(), "password_changed", "li"],
        [cli._actor(), "user_added", "li role=editor community=甲"],
        [cli._actor(), "user_added", "boss role=admin community=*"],
    ]
    assert PASSWORD not in out and "another password" not in out
    assert len(run(monkeypatch, capsys, "audit", "--limit", "2", "--db", str(db))[1].splitlines()) == 2


def test_empty_store_says_so(db, monkeypatch, capsys):
    assert run(monkeypatch, capsys, "--lang", "en", "user", "list", "--db", str(db))[1].strip() == \
        "No users yet (the app runs in demo mode)."
    assert run(monkeypatch, capsys, "--lang", "en", "audit", "--db", str(db))[1].strip() == "The audit log is empty."
