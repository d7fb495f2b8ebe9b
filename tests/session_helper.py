"""A signed-in session for AppTest without the login form: a real server-side session row
(sinkview.app.sessions), as a sign-in would start it, for the tab state ``access.SESSION_KEY``."""

from __future__ import annotations

from sinkview.app import access, accounts, sessions
from sinkview.app import context as app_context
from sinkview.store.database import default_db_path


def signed_in_session(user: str, db: str | None = None) -> access.Session:
    with app_context.get_store(str(db or default_db_path())).write("test sign-in") as con:
        _, row = sessions.start(con, user, accounts.clock())
    return access.Session(row.id_hash, user, row.created_at)
