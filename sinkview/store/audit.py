"""The audit log: who did what and when (sign-ins, imports, undos, exports, decks, user changes).

Owns the ``audit_log`` table (migration 002): appending one entry and reading the latest ones.
Details name users, roles, files and row counts, never patient data; callers pass only those.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

ACTIONS = frozenset({
    "login", "login_failed", "logout", "session_expired", "import", "undo", "export", "deck",
    "user_added", "user_removed", "password_changed", "mapping",
})
MAX_TEXT_CHARS = 500
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def _printable(text: str | None, limit: int = MAX_TEXT_CHARS) -> str | None:
    """Text safe to print on a terminal later: control characters replaced, length bounded."""
    return None if text is None else _CONTROL_CHARACTERS.sub("?", str(text))[:limit]


def record(cursor, who: str | None, action: str, detail: str = "", at: dt.datetime | None = None) -> None:
    """Append one entry; ``who`` is None in demo mode (nobody signed in)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    cursor.execute("insert into audit_log values ($at, $who, $action, $detail)", {
        "at": at or dt.datetime.now(), "who": _printable(who), "action": action,
        "detail": _printable(detail) or ""})


def recent(cursor, limit: int = 50) -> pd.DataFrame:
    """The latest ``limit`` entries, newest first: at, who, action, detail."""
    return cursor.execute("""select "at", who, action, detail from audit_log
        order by "at" desc, rowid desc limit $limit""", {"limit": max(int(limit), 0)}).df()
