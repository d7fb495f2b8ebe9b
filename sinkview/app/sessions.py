"""Sign-ins that last: server-side sessions and the signed token a browser keeps in a cookie.

Owns the ``sessions`` table (migration 004), the token format, the two limits (at most
``$SINKVIEW_SESSION_HOURS`` hours, default 8, and ``$SINKVIEW_IDLE_MINUTES`` idle minutes,
default 30) and ending sessions. It knows nothing about Streamlit or cookies: ``sinkview.app.access``
puts the token in the browser and asks here who it names.

A token is ``v1.<random id>.<HMAC-SHA256 of the id>``, signed with a per-installation secret kept
like the pseudonymisation key (``sinkview.store.secrets``). It carries no name and no password. The
store keeps only the SHA-256 of the id, so a copy of the store signs nobody in; and a session
that ended (signed out, idle, too old, revoked) refuses its token even though it is well signed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets as _random
from dataclasses import dataclass

from sinkview.store import audit
from sinkview.store.secrets import secret

SECRET_NAME = "session_signing"
TOKEN_VERSION = "v1"
DEFAULT_MAX_HOURS = 8.0
DEFAULT_IDLE_MINUTES = 30.0
MAX_TOUCH_INTERVAL = dt.timedelta(minutes=1)


def _setting(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name) or default)
    except ValueError:
        return default
    return value if value > 0 else default


def max_age() -> dt.timedelta:
    """The longest a sign-in lasts: ``$SINKVIEW_SESSION_HOURS``, default 8."""
    return dt.timedelta(hours=_setting("SINKVIEW_SESSION_HOURS", DEFAULT_MAX_HOURS))


def idle_limit() -> dt.timedelta:
    """How long a sign-in may stay idle: ``$SINKVIEW_IDLE_MINUTES``, default 30."""
    return dt.timedelta(minutes=_setting("SINKVIEW_IDLE_MINUTES", DEFAULT_IDLE_MINUTES))


def touch_interval() -> dt.timedelta:
    """How stale ``last_active`` may get before a request writes it again (a write per request
    would make every click a write): a tenth of the idle limit, at most a minute."""
    return min(MAX_TOUCH_INTERVAL, idle_limit() / 10)


@dataclass(frozen=True)
class SessionRow:
    id_hash: str
    user_name: str
    created_at: dt.datetime
    last_active: dt.datetime
    ended_at: dt.datetime | None
    end_reason: str | None

    def why_over(self, now: dt.datetime) -> str | None:
        """None while the session may go on; else ``signed_out`` (or another end reason),
        ``too_old`` or ``idle``."""
        if self.ended_at is not None:
            return self.end_reason or "ended"
        if now - self.created_at > max_age():
            return "too_old"
        if now - self.last_active > idle_limit():
            return "idle"
        return None


def _signature(session_id: str) -> str:
    digest = hmac.new(secret(SECRET_NAME), f"{TOKEN_VERSION}.{session_id}".encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def id_hash_of(token: str | None) -> str | None:
    """The stored key of a well-signed token; None for anything else (forged, garbled, old format)."""
    if not token or len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_VERSION or not parts[1].isascii():
        return None
    if not hmac.compare_digest(_signature(parts[1]), parts[2]):
        return None
    return _id_hash(parts[1])


def start(con, user_name: str, now: dt.datetime) -> tuple[str, SessionRow]:
    """A new session for ``user_name``: its token (for the browser only) and its row."""
    session_id = _random.token_urlsafe(32)
    row = SessionRow(_id_hash(session_id), user_name, now, now, None, None)
    con.execute("insert into sessions values ($id, $user, $now, $now, null, null)",
                {"id": row.id_hash, "user": user_name, "now": now})
    return f"{TOKEN_VERSION}.{session_id}.{_signature(session_id)}", row


def find(con, id_hash: str | None) -> SessionRow | None:
    if id_hash is None:
        return None
    rows = con.execute("""select id_hash, user_name, created_at, last_active, ended_at, end_reason
        from sessions where id_hash = $id""", {"id": id_hash}).fetchall()
    return SessionRow(*rows[0]) if rows else None


def touch(con, id_hash: str, now: dt.datetime) -> None:
    con.execute("update sessions set last_active = $now where id_hash = $id and ended_at is null",
                {"id": id_hash, "now": now})


def end(con, row: SessionRow, reason: str, now: dt.datetime) -> bool:
    """End a session server-side (its token is refused from now on) and audit it: ``logout`` for
    a sign-out, ``session_expired`` for idle or too old, ``logout`` with the reason otherwise.
    False when it had already ended (another tab ended it first)."""
    ended = con.execute("""update sessions set ended_at = $now, end_reason = $reason
        where id_hash = $id and ended_at is null returning id_hash""",
                        {"id": row.id_hash, "now": now, "reason": reason}).fetchall()
    if ended:
        action = "session_expired" if reason in ("idle", "too_old") else "logout"
        audit.record(con, row.user_name, action, reason, at=now)
    return bool(ended)

