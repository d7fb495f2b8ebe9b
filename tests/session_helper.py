"""A signed-in session for AppTest without the login form: a real server-side session row
(sinkview.sessions), as a sign-in would start it, for the tab state ``access.SESSION_KEY``."""

from __future__ import annotations

from sinkview import access, auth, sessions, ui
from sinkview.store import default_db_path


def signed_in_session(user: str, db: str | None = None) -> access.Session:
    with ui.get_store(str(db or default_db_path())).write("test sign-in") as con:
        _, row = sessions.start(con, user, auth.clock())
    return access.Session(row.id_hash, user, row.created_at)
