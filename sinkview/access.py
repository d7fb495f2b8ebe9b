"""Who may see what: sign-in, demo mode, idle sessions and the login form.

Owns the signed-in session of a browser tab (server-side session state, no cookie), the four
access modes (signed in, demo with only the sample county, login required, set-up required),
signing out, and the widgets of the gate (login form) and of the account panel. Roles and
passwords are ``sinkview.auth``'s; what a role may read is enforced by ``ui.PageContext``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import streamlit as st

from sinkview import audit as audit_log
from sinkview import auth
from sinkview.i18n import t
from sinkview.queries import run_query
from sinkview.store import Store

SESSION_KEY = "sv_session"
AUTH_NOTICE_KEY = "sv_auth_notice"        # (level, message key, params) shown above the login form
KEPT_ACROSS_SESSIONS = ("sv_lang",)        # all other session state is forgotten at sign-in and sign-out
DEFAULT_IDLE_MINUTES = 30
IDLE_CHECK = dt.timedelta(minutes=1)


def _holds_only_sample(store: Store) -> bool:
    """True when every import still in force is the bundled sample county's (demo mode may show it)."""
    from sinkview.sample_loader import SAMPLE_USER

    return run_query(store.cursor(), "frame/imports_not_from_sample", sample_user=SAMPLE_USER)["imports"][0] == 0


@dataclass
class Session:
    """Who signed in on this browser tab, when, and when they last did something.

    Kept in Streamlit session state, on the server: no cookie is set (so no cookie secret is
    needed), and a reload or a new tab asks for the password again."""

    user: str
    signed_in_at: dt.datetime
    last_active: dt.datetime


@dataclass(frozen=True)
class Access:
    """What this run may show.

    ``signed_in``: ``user`` is signed in. ``demo``: no user exists and the store holds only the
    sample county. ``login``: users exist and nobody is signed in. ``setup``: no user exists but
    the store holds imported data, so nothing is shown until an admin is created."""

    mode: str
    user: auth.User | None = None

    @property
    def allowed(self) -> bool:
        return self.mode in ("signed_in", "demo")


def idle_limit() -> dt.timedelta:
    """How long a signed-in tab may stay idle: ``$SINKVIEW_IDLE_MINUTES``, default 30."""
    try:
        minutes = float(os.environ.get("SINKVIEW_IDLE_MINUTES") or DEFAULT_IDLE_MINUTES)
    except ValueError:
        minutes = DEFAULT_IDLE_MINUTES
    return dt.timedelta(minutes=minutes if minutes > 0 else DEFAULT_IDLE_MINUTES)


def access(store: Store) -> Access:
    """Who may see what in this run; ends a session that idled too long or whose user changed."""
    cursor = store.cursor()
    if not auth.has_users(cursor):
        st.session_state.pop(SESSION_KEY, None)
        return Access("demo" if _holds_only_sample(store) else "setup")
    session: Session | None = st.session_state.get(SESSION_KEY)
    if session is None:
        return Access("login")
    now = auth.clock()
    user = auth.get_user(cursor, session.user)
    if user is None or user.password_changed_at > session.signed_in_at:
        sign_out(store, "revoked", ("info", "auth.session_revoked", {}))
        return Access("login")
    if now - session.last_active > idle_limit():
        sign_out(store, "idle", ("info", "auth.idle_ended", {"minutes": f"{idle_limit().total_seconds() / 60:g}"}))
        return Access("login")
    session.last_active = now
    return Access("signed_in", user)


def sign_out(store: Store, reason: str = "", notice: tuple | None = ("info", "auth.signed_out", {})) -> None:
    """End this tab's session (audited) and forget everything it held but the language."""
    session: Session | None = st.session_state.get(SESSION_KEY)
    if session is not None:
        audit_log.record(store.cursor(), session.user, "logout", reason)
    _forget_session_state()
    if notice is not None:
        st.session_state[AUTH_NOTICE_KEY] = notice


def _forget_session_state() -> None:
    for key in list(st.session_state.keys()):
        if key not in KEPT_ACROSS_SESSIONS:
            del st.session_state[key]


def _attempt_sign_in(store: Store) -> None:
    """The login form's callback: sign in, or say why not (the password never stays in the session)."""
    name = st.session_state.get("sv_login_name", "")
    password = st.session_state.get("sv_login_password", "")
    st.session_state["sv_login_password"] = ""
    now = auth.clock()
    user = auth.authenticate(store.cursor(), name, password, now)
    if user is None:
        until = auth.locked_until(store.cursor(), name.strip(), now)
        st.session_state[AUTH_NOTICE_KEY] = (("error", "auth.login.locked", {"until": f"{until:%H:%M}"})
                                             if until else ("error", "auth.login.failed", {}))
        return
    _forget_session_state()
    st.session_state[SESSION_KEY] = Session(user.name, now, now)


def _show_auth_notice(lang: str) -> None:
    notice = st.session_state.pop(AUTH_NOTICE_KEY, None)
    if notice is not None:
        level, key, params = notice
        (st.error if level == "error" else st.info)(t(key, lang, **params))


def login_gate(store: Store, current: Access, lang: str) -> None:
    """The main area when nothing may be shown: the login form, or how to create the first admin.

    Nothing from the store is read here."""
    st.title(t("app_title", lang), anchor=False)
    if current.mode == "setup":
        st.error(t("auth.setup_required", lang), icon=":material/lock:")
        return
    st.subheader(t("auth.login.title", lang), anchor=False)
    st.caption(t("auth.login.intro", lang))
    _show_auth_notice(lang)
    with st.form("sv_login"):
        st.text_input(t("auth.login.name", lang), key="sv_login_name", autocomplete="username")
        st.text_input(t("auth.login.password", lang), type="password", key="sv_login_password",
                      autocomplete="current-password")
        st.form_submit_button(t("auth.login.submit", lang), type="primary", key="sv_login_submit",
                              on_click=_attempt_sign_in, args=(store,))


def account_panel(store: Store, user: auth.User, lang: str) -> None:
    """The sidebar's account lines and logout button, and the watch that ends an idle session."""
    st.caption(t("auth.signed_in_as", lang, name=user.name, role=t(f"auth.role.{user.role}", lang)))
    if user.community:
        st.caption(t("auth.scope", lang, community=user.community))
    st.button(t("auth.logout", lang), key="sv_logout", icon=":material/logout:",
              on_click=sign_out, args=(store, "button"))

    @st.fragment(run_every=IDLE_CHECK)
    def end_idle_session() -> None:
        # Without this the data stay on an idle screen until the next click.
        session: Session | None = st.session_state.get(SESSION_KEY)
        if session is not None and auth.clock() - session.last_active > idle_limit():
            st.rerun(scope="app")

    end_idle_session()
