"""First run: the one-time set-up code that creates the first administrator in the browser.

Owns the ``setup_codes`` table (migration 004). While no user exists, the app issues a code,
prints it on the server's console and writes it to ``setup-code.txt`` in the secrets folder
(``sinkview.store.secrets``: owner-only permissions). Whoever types that code in the browser creates
the first administrator. A code dies when it is used, after ``CODE_LIFETIME`` (24 h), after
``MAX_WRONG_CODES`` wrong tries, or when the server issues a newer one (each start does); the
store keeps only its SHA-256. It knows nothing about Streamlit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets as _random
import sys

from sinkview.app import accounts
from sinkview.store.secrets import secrets_dir

CODE_LIFETIME = dt.timedelta(hours=24)
MAX_WRONG_CODES = 5
CODE_FILE = "setup-code.txt"
# No 0/O, 1/I/L: a code is read off a console and typed by hand.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS, GROUP_CHARS = 3, 4


class SetupRefused(Exception):
    """The code is wrong, used or too old (``code`` is a catalogue key)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode("ascii", "ignore")).hexdigest()


def normalise(code: str) -> str:
    """What was typed, as issued: upper case, without spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_code() -> str:
    raw = "".join(_random.choice(ALPHABET) for _ in range(CODE_GROUPS * GROUP_CHARS))
    return "-".join(raw[i:i + GROUP_CHARS] for i in range(0, len(raw), GROUP_CHARS))


def issue(con, now: dt.datetime) -> str:
    """A fresh code; every older unused code dies. Recorded in the store (hashed), written to the
    owner-only code file and printed on the console."""
    code = new_code()
    con.execute("update setup_codes set expires_at = $now where used_at is null and expires_at > $now", {"now": now})
    con.execute("insert into setup_codes values ($hash, $now, $until, null, null, 0)",
                {"hash": _hash(code), "now": now, "until": now + CODE_LIFETIME})
    path = code_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"{code}\n# sinkview set-up code, valid until {now + CODE_LIFETIME:%Y-%m-%d %H:%M}\n")
    print(f"\nsinkview: no user exists yet. One-time set-up code (首次设置码): {code}\n"
          f"  valid until {now + CODE_LIFETIME:%Y-%m-%d %H:%M}; also in {path} (owner-only).\n"
          f"  Open the dashboard, choose 创建第一个管理员 / Create the first administrator, and enter it.\n",
          file=sys.stderr, flush=True)
    return code


def code_file():
    return secrets_dir() / CODE_FILE


def has_live_code(con, now: dt.datetime) -> bool:
    return con.execute("""select count(*) from setup_codes
        where used_at is null and expires_at > $now and failed_attempts < $max""",
                       {"now": now, "max": MAX_WRONG_CODES}).fetchall()[0][0] > 0


def create_first_admin(con, code: str, name: str, password: str, now: dt.datetime) -> accounts.User:
    """Check the code and create the administrator (in a write, not inside a transaction: adding
    a user is its own). A wrong code
    counts against the live code (it dies at ``MAX_WRONG_CODES``); a used or old one is refused."""
    if accounts.has_users(con):
        raise SetupRefused("first_run.refused.users_exist")
    rows = con.execute("""select used_at, expires_at, failed_attempts from setup_codes where code_hash = $hash""",
                       {"hash": _hash(code)}).fetchall()
    if not rows:
        con.execute("""update setup_codes set failed_attempts = failed_attempts + 1
            where used_at is null and expires_at > $now""", {"now": now})
        raise SetupRefused("first_run.refused.wrong_code")
    used_at, expires_at, failed = rows[0]
    if used_at is not None or expires_at <= now or failed >= MAX_WRONG_CODES:
        raise SetupRefused("first_run.refused.dead_code")
    user = accounts.add_user(con, name, password, "admin", by="setup-code", now=now)
    con.execute("update setup_codes set used_at = $now, used_by = $name where code_hash = $hash",
                {"now": now, "name": user.name, "hash": _hash(code)})
    code_file().unlink(missing_ok=True)
    return user
