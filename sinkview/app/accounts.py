"""Users and sign-in: bcrypt password hashes, roles, community scope and the lockout.

Owns the ``users`` table (migration 002): adding users, changing passwords, removing users,
checking a password (five failed sign-ins lock that name for 15 minutes) and what each role
may do. Every user change and every sign-in attempt is written to the audit log in the same
step. It knows nothing about Streamlit: the login form and the session live in ``sinkview.app.access``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import bcrypt

from sinkview.store import audit

ROLES = ("admin", "editor", "viewer")
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_BYTES = 72  # bcrypt reads no further (bcrypt 5 refuses longer passwords)
MAX_NAME_CHARS = 64
BCRYPT_ROUNDS = 12

_USER_COLUMNS = "name, role, community, created_at, password_changed_at, locked_until"


class UserChangeRefused(Exception):
    """A user change that cannot be made: ``code`` is a catalogue key, ``params`` fill it."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class User:
    name: str
    role: str
    community: str | None  # None: every community
    created_at: dt.datetime
    password_changed_at: dt.datetime
    locked_until: dt.datetime | None

    @property
    def can_upload(self) -> bool:
        return self.role in ("admin", "editor")

    @property
    def can_undo(self) -> bool:
        return self.role in ("admin", "editor")

    @property
    def can_manage_users(self) -> bool:
        return self.role == "admin"


def clock() -> dt.datetime:
    """Now, local time without a zone like the store's other timestamps (tests replace it)."""
    return dt.datetime.now()


# --------------------------------------------------------------------------- passwords

def hash_password(password: str) -> str:
    check_password_rules(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


def password_matches(password: str, password_hash: str) -> bool:
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_PASSWORD_BYTES:
        return False
    return bcrypt.checkpw(encoded, password_hash.encode("ascii"))


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserChangeRefused("auth.refused.password_too_short", chars=MIN_PASSWORD_CHARS)
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise UserChangeRefused("auth.refused.password_too_long", bytes=MAX_PASSWORD_BYTES)


@cache
def _unknown_user_hash(rounds: int) -> str:
    """A hash no password matches, checked for unknown names so they take as long as known ones."""
    return bcrypt.hashpw(b"no such user", bcrypt.gensalt(rounds)).decode("ascii")


# --------------------------------------------------------------------------- reading users

def has_users(cursor) -> bool:
    return cursor.execute("select count(*) from users").fetchall()[0][0] > 0


def get_user(cursor, name: str) -> User | None:
    rows = cursor.execute(f"select {_USER_COLUMNS} from users where name = $name", {"name": name}).fetchall()
    return User(*rows[0]) if rows else None


def list_users(cursor) -> list[User]:
    return [User(*row) for row in cursor.execute(f"select {_USER_COLUMNS} from users order by name").fetchall()]


def locked_until(cursor, name: str, now: dt.datetime) -> dt.datetime | None:
    """When the lockout of ``name`` ends, or None when the name is not locked."""
    user = get_user(cursor, name)
    return user.locked_until if user and user.locked_until and user.locked_until > now else None


# --------------------------------------------------------------------------- changing users

def _in_transaction(cursor, change) -> None:
    cursor.execute("begin transaction")
    try:
        change()
        cursor.execute("commit")
    except Exception:
        cursor.execute("rollback")
        raise


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise UserChangeRefused("auth.refused.bad_name", chars=MAX_NAME_CHARS)
    return name


def add_user(cursor, name: str, password: str, role: str, community: str | None = None, *,
             by: str | None, now: dt.datetime | None = None) -> User:
    """A new user; an admin sees every community, so only editors and viewers take one."""
    name = _checked_name(name)
    community = (community or "").strip() or None
    if role not in ROLES:
        raise UserChangeRefused("auth.refused.bad_role", role=role, roles=list(ROLES))
    if role == "admin" and community:
        raise UserChangeRefused("auth.refused.admin_with_community")
    if get_user(cursor, name) is not None:
        raise UserChangeRefused("auth.refused.name_taken", name=name)
    password_hash = hash_password(password)
    now = now or clock()

    def insert() -> None:
        cursor.execute("""insert into users (name, password_hash, role, community, created_at, password_changed_at)
            values ($name, $hash, $role, $community, $now, $now)""",
                       {"name": name, "hash": password_hash, "role": role, "community": community, "now": now})
        audit.record(cursor, by, "user_added", f"{name} role={role} community={community or '*'}", at=now)

    _in_transaction(cursor, insert)
    return get_user(cursor, name)


def set_password(cursor, name: str, password: str, *, by: str | None, now: dt.datetime | None = None) -> None:
    """A new password; it also lifts a lockout and ends the user's open sessions."""
    if get_user(cursor, name) is None:
        raise UserChangeRefused("auth.refused.unknown_user", name=name)
    password_hash = hash_password(password)
    now = now or clock()

    def update() -> None:
        cursor.execute("""update users set password_hash = $hash, password_changed_at = $now,
            failed_logins = 0, locked_until = null where name = $name""",
                       {"name": name, "hash": password_hash, "now": now})
        audit.record(cursor, by, "password_changed", name, at=now)

    _in_transaction(cursor, update)


def remove_user(cursor, name: str, *, by: str | None) -> None:
    """Remove a user; the last admin stays while anyone else could still sign in."""
    user = get_user(cursor, name)
    if user is None:
        raise UserChangeRefused("auth.refused.unknown_user", name=name)
    users = list_users(cursor)
    if user.role == "admin" and len(users) > 1 and sum(u.role == "admin" for u in users) == 1:
        raise UserChangeRefused("auth.refused.last_admin", name=name)

    def delete() -> None:
        cursor.execute("delete from users where name = $name", {"name": name})
        audit.record(cursor, by, "user_removed", f"{name} role={user.role}")

    _in_transaction(cursor, delete)


# --------------------------------------------------------------------------- signing in

def authenticate(cursor, name: str, password: str, now: dt.datetime) -> User | None:
    """The user when ``password`` is theirs and the name is not locked; every attempt is audited.

    The fifth failure in a row locks the name until ``now`` + 15 minutes; a success clears the count."""
    name = name.strip()[:MAX_NAME_CHARS]
    rows = cursor.execute("select password_hash, locked_until from users where name = $name",
                          {"name": name}).fetchall()
    if not rows:
        password_matches(password, _unknown_user_hash(BCRYPT_ROUNDS))
        audit.record(cursor, name, "login_failed", "unknown name", at=now)
        return None
    password_hash, locked = rows[0]
    if locked is not None and locked > now:
        audit.record(cursor, name, "login_failed", "locked", at=now)
        return None
    if not password_matches(password, password_hash):
        _count_failure(cursor, name, now)
        return None
    cursor.execute("update users set failed_logins = 0, locked_until = null where name = $name", {"name": name})
    audit.record(cursor, name, "login", "", at=now)
    return get_user(cursor, name)


def _count_failure(cursor, name: str, now: dt.datetime) -> None:
    failures = cursor.execute("""update users set failed_logins = failed_logins + 1
        where name = $name returning failed_logins""", {"name": name}).fetchall()[0][0]
    detail = "wrong password"
    if failures >= MAX_FAILED_LOGINS:
        until = now + LOCKOUT
        cursor.execute("update users set failed_logins = 0, locked_until = $until where name = $name",
                       {"name": name, "until": until})
        detail += f"; locked until {until:%Y-%m-%d %H:%M}"
    audit.record(cursor, name, "login_failed", detail, at=now)
