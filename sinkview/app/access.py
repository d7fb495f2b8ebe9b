"""Who may see what: sign-in, sessions that survive a reload, demo mode, first run, the login form.

Owns a browser's sign-in as the app sees it: the signed token in a cookie (set and removed by
the ``extra-streamlit-components`` cookie manager, read back from ``st.context.cookies``, never
put in a URL), the session it names (``sinkview.app.sessions``: server-side, so a sign-out or an
idle expiry ends it for every tab and for any copy of the token), the four access modes
(signed in, demo with only the sample county, login required, set-up required), the first
administrator created in the browser with the one-time set-up code (``sinkview.app.first_run``),
signing out, and the widgets of the gate (login and set-up forms) and of the account panel.
Roles and passwords are ``sinkview.app.accounts``'s; what a role may read is enforced by ``sinkview.app.context.PageContext``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from sinkview.app import accounts, first_run, sessions
from sinkview.i18n import t
from sinkview.store.named_queries import run_query
from sinkview.store.database import Store, StoreBusy

SESSION_KEY = "sv_session"
AUTH_NOTICE_KEY = "sv_auth_notice"        # (level, message key, params) shown above the login form
COOKIE_NAME = "sinkview_session"
COOKIE_ACTION_KEY = "sv_cookie_action"   # ("set", token, expires, max_age) or ("delete",), drawn on every run
ENDED_KEY = "sv_ended_session"           # the session this tab ended (its cookie may linger a moment)
IDLE_CHECK_KEY = "sv_idle_check"         # set by the idle watch: its rerun is not the user's activity
KEPT_ACROSS_SESSIONS = ("sv_lang", COOKIE_ACTION_KEY, ENDED_KEY)  # all other state is forgotten at sign-in/out
TOUCH_WAIT_S = 2.0                       # keeping a session alive never waits long for the store
SIGN_IN_WAIT_S = 20.0                    # a sign-in waits this long for a write elsewhere, then says so
END_NOTICES = {
    "idle": "auth.idle_ended", "too_old": "sessions.too_old", "revoked": "auth.session_revoked",
}
_CODES_ISSUED: set[str] = set()          # stores this process printed a set-up code for


@dataclass
class Session:
    """The sign-in this tab uses: the stored key of its session, who, and since when."""

    id_hash: str
    user: str
    signed_in_at: dt.datetime


@dataclass(frozen=True)
class Access:
    """What this run may show.

    ``signed_in``: ``user`` is signed in. ``demo``: no user exists and the store holds only the
    sample county. ``login``: users exist and nobody is signed in. ``setup``: no user exists but
    the store holds imported data, so nothing is shown until an admin is created."""

    mode: str
    user: accounts.User | None = None

    @property
    def allowed(self) -> bool:
        return self.mode in ("signed_in", "demo")


def idle_limit() -> dt.timedelta:
    return sessions.idle_limit()


def _browser_token() -> str | None:
    """The token the browser sent when this tab connected (``st.context.cookies``)."""
    try:
        return st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no browser (AppTest, bare mode)
        return None


def access(store: Store) -> Access:
    """Who may see what in this run. A tab without a sign-in of its own takes the browser's
    (reload, new tab, deep link); a session that ended, idled or grew too old ends here."""
    state = st.session_state
    now = accounts.clock()
    session: Session | None = state.get(SESSION_KEY)
    id_hash = session.id_hash if session else sessions.id_hash_of(_browser_token())
    if session is None and id_hash is not None and id_hash == state.get(ENDED_KEY):
        id_hash = None  # this tab ended it; the cookie goes with the next run
    with store.read() as con:
        has_users = accounts.has_users(con)
        row = sessions.find(con, id_hash) if has_users else None
        user = accounts.get_user(con, row.user_name) if row else None
        only_sample = None if has_users else _holds_only_sample(con)
        live_code = None if has_users else first_run.has_live_code(con, now)
    if not has_users:
        state.pop(SESSION_KEY, None)
        _issue_setup_code(store, live_code, now)
        return Access("demo" if only_sample else "setup")
    if row is None:
        if session is not None:
            _forget_session_state(("info", "auth.signed_out", {}))
        return Access("login")
    reason = row.why_over(now)
    if reason is None and (user is None or user.password_changed_at > row.created_at):
        reason = "revoked"
    if reason is not None:
        _end(store, row, reason, now)
        return Access("login")
    if session is None:
        state[SESSION_KEY] = Session(row.id_hash, row.user_name, row.created_at)
    if not state.pop(IDLE_CHECK_KEY, False) and now - row.last_active >= sessions.touch_interval():
        try:
            with store.write("keep a sign-in alive", wait_s=TOUCH_WAIT_S) as con:
                sessions.touch(con, row.id_hash, now)
        except StoreBusy:
            pass  # a long write elsewhere: the next request tries again
    return Access("signed_in", user)


def _holds_only_sample(con) -> bool:
    """True when every import still in force is the bundled sample county's (demo mode may show it)."""
    from sinkview.tools.sample_loader import SAMPLE_USER

    return run_query(con, "frame/imports_not_from_sample", sample_user=SAMPLE_USER)["imports"][0] == 0


def _issue_setup_code(store: Store, live: bool, now: dt.datetime) -> None:
    """While no user exists, a live set-up code is on this server's console: one at start, and a
    new one when it died (used elsewhere, too old, too many wrong tries)."""
    key = str(store.path)
    if live and key in _CODES_ISSUED:
        return
    with store.write("issue a set-up code") as con:
        if not accounts.has_users(con):
            first_run.issue(con, now)
    _CODES_ISSUED.add(key)


def _end(store: Store, row: sessions.SessionRow, reason: str, now: dt.datetime) -> None:
    """End a session server-side (audited once, by whichever tab sees it first) and sign this tab out."""
    if row.ended_at is None:
        with store.write("end a sign-in") as con:
            sessions.end(con, row, reason, now)
    notice_key = END_NOTICES.get(reason, "auth.signed_out")
    params = {"minutes": f"{idle_limit().total_seconds() / 60:g}", "hours": f"{sessions.max_age().total_seconds() / 3600:g}"}
    st.session_state[ENDED_KEY] = row.id_hash
    _forget_session_state(("info", notice_key, params))


def sign_out(store: Store, reason: str = "button") -> None:
    """End this tab's session everywhere (every tab of the browser, any copy of the token)."""
    session: Session | None = st.session_state.get(SESSION_KEY)
    if session is None:
        return
    now = accounts.clock()
    try:
        with store.write("sign out") as con:
            row = sessions.find(con, session.id_hash)
            if row is not None:
                sessions.end(con, row, reason, now)
    except StoreBusy:  # a very long write elsewhere: this tab forgets the sign-in anyway
        pass
    st.session_state[ENDED_KEY] = session.id_hash
    _forget_session_state(("info", "auth.signed_out", {}))


def _forget_session_state(notice: tuple | None = None) -> None:
    """Forget everything this tab held but the language (and remove the browser's cookie)."""
    for key in list(st.session_state.keys()):
        if key not in KEPT_ACROSS_SESSIONS:
            del st.session_state[key]
    st.session_state[COOKIE_ACTION_KEY] = ("delete",)
    if notice is not None:
        st.session_state[AUTH_NOTICE_KEY] = notice


def _signed_in(user: accounts.User, token: str, row: sessions.SessionRow) -> None:
    """This tab is now ``user``'s; the browser gets the token with the next run."""
    _forget_session_state()
    st.session_state.pop(ENDED_KEY, None)
    st.session_state[SESSION_KEY] = Session(row.id_hash, user.name, row.created_at)
    expires = row.created_at + sessions.max_age()
    st.session_state[COOKIE_ACTION_KEY] = ("set", token, expires, max((expires - accounts.clock()).total_seconds(), 0))


def _attempt_sign_in(store: Store) -> None:
    """The login form's callback: sign in, or say why not (the password never stays in the session)."""
    name = st.session_state.get("sv_login_name", "")
    password = st.session_state.get("sv_login_password", "")
    st.session_state["sv_login_password"] = ""
    st.session_state.pop(AUTH_NOTICE_KEY, None)
    now = accounts.clock()
    try:
        with store.write("sign in", wait_s=SIGN_IN_WAIT_S) as con:
            user = accounts.authenticate(con, name, password, now)
            until = accounts.locked_until(con, name.strip(), now) if user is None else None
            if user is not None:
                token, row = sessions.start(con, user.name, now)
    except StoreBusy:
        st.session_state[AUTH_NOTICE_KEY] = ("error", "sessions.store_busy", {})
        return
    if user is None:
        st.session_state[AUTH_NOTICE_KEY] = (("error", "auth.login.locked", {"until": f"{until:%H:%M}"})
                                             if until else ("error", "auth.login.failed", {}))
        return
    _signed_in(user, token, row)


def _attempt_first_admin(store: Store) -> None:
    """The set-up form's callback: the code creates the first administrator, who is signed in."""
    state = st.session_state
    code, name = state.get("sv_setup_code", ""), state.get("sv_setup_name", "")
    password, again = state.get("sv_setup_password", ""), state.get("sv_setup_password_again", "")
    for key in ("sv_setup_code", "sv_setup_password", "sv_setup_password_again"):
        state[key] = ""
    state.pop(AUTH_NOTICE_KEY, None)
    if password != again:
        state[AUTH_NOTICE_KEY] = ("error", "auth.refused.passwords_differ", {})
        return
    now = accounts.clock()
    try:
        with store.write("create the first administrator", wait_s=SIGN_IN_WAIT_S) as con:
            user = first_run.create_first_admin(con, code, name, password, now)
            token, row = sessions.start(con, user.name, now)
            con.execute("update users set failed_logins = 0 where name = $name", {"name": user.name})
    except first_run.SetupRefused as refusal:
        state[AUTH_NOTICE_KEY] = ("error", refusal.code, {})
        return
    except StoreBusy:
        state[AUTH_NOTICE_KEY] = ("error", "sessions.store_busy", {})
        return
    except accounts.UserChangeRefused as refusal:
        state[AUTH_NOTICE_KEY] = ("error", refusal.code, refusal.params)
        return
    _signed_in(user, token, row)
    state[AUTH_NOTICE_KEY] = ("success", "first_run.created", {"name": user.name})


def sync_browser_cookie() -> None:
    """Give the browser its token, or take it away, as the last sign-in or sign-out asked.

    Done with the cookie manager of ``extra-streamlit-components`` (no script of our own); the
    cookie is SameSite=Strict, lives no longer than the session, and is only ever sent in headers.
    The action is drawn on every run until the next sign-in or sign-out replaces it: a run that
    draws it may be superseded by a rerun before the browser mounts it, and an action drawn only
    once was then lost (the sign-in did not survive a reload). Drawn again with the same key and
    arguments, the browser does not repeat it."""
    action = st.session_state.get(COOKIE_ACTION_KEY)
    if action is None:
        return
    from extra_streamlit_components import CookieManager

    manager = CookieManager(key="sv_cookie_manager")
    if action[0] == "set":
        _, token, expires, max_age = action
        manager.set(COOKIE_NAME, token, key="sv_cookie_set", path="/", expires_at=expires,
                    max_age=max_age, same_site="strict")
    else:
        manager.cookies.setdefault(COOKIE_NAME, None)  # delete() forgets it locally too
        manager.delete(COOKIE_NAME, key="sv_cookie_delete")


def _show_auth_notice(lang: str) -> None:
    """Why the form is back (signed out, idle, wrong password): kept until the next attempt, as
    the cookie manager's own rerun would otherwise wipe it. A success is a toast, shown once."""
    notice = st.session_state.get(AUTH_NOTICE_KEY)
    if notice is None:
        return
    level, key, params = notice
    if level == "success":
        del st.session_state[AUTH_NOTICE_KEY]
        st.toast(t(key, lang, **params), icon=":material/check_circle:")
        return
    (st.error if level == "error" else st.info)(t(key, lang, **params))


def login_gate(store: Store, current: Access, lang: str) -> None:
    """The main area when nothing may be shown: the login form, or the first administrator's form.

    Nothing from the store is read here."""
    sync_browser_cookie()
    st.title(t("app_title", lang), anchor=False)
    if current.mode == "setup":
        st.error(t("auth.setup_required", lang), icon=":material/lock:")
        _show_auth_notice(lang)
        setup_form(store, lang)
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


def setup_form(store: Store, lang: str) -> None:
    """The one-time set-up code, the first administrator's name and password (twice)."""
    st.caption(t("first_run.intro", lang, file=str(first_run.code_file())))
    with st.form("sv_setup"):
        st.text_input(t("first_run.code", lang), key="sv_setup_code", autocomplete="off")
        st.text_input(t("auth.login.name", lang), key="sv_setup_name", autocomplete="username")
        st.text_input(t("auth.users.password", lang), type="password", key="sv_setup_password",
                      autocomplete="new-password")
        st.text_input(t("auth.users.password_again", lang), type="password", key="sv_setup_password_again",
                      autocomplete="new-password")
        st.form_submit_button(t("first_run.submit", lang), type="primary", key="sv_setup_submit",
                              on_click=_attempt_first_admin, args=(store,))


def demo_setup_panel(store: Store, lang: str) -> None:
    """In demo mode, the sidebar's way to create the first administrator."""
    with st.expander(t("first_run.title", lang), icon=":material/key:",
                     expanded=AUTH_NOTICE_KEY in st.session_state):
        _show_auth_notice(lang)
        setup_form(store, lang)


def account_panel(store: Store, user: accounts.User, lang: str) -> None:
    """The sidebar's account lines and logout button, and the watch that ends an idle session."""
    sync_browser_cookie()
    _show_auth_notice(lang)
    st.caption(t("auth.signed_in_as", lang, name=user.name, role=t(f"auth.role.{user.role}", lang)))
    if user.community:
        st.caption(t("auth.scope", lang, community=user.community))
    st.button(t("auth.logout", lang), key="sv_logout", icon=":material/logout:",
              on_click=sign_out, args=(store, "button"))

    @st.fragment(run_every=min(dt.timedelta(minutes=1), idle_limit() / 4))
    def end_idle_session() -> None:
        # Without this the data stay on an idle screen (or after a sign-out in another tab)
        # until the next click. Its rerun is not the user's activity: it does not keep the session.
        session: Session | None = st.session_state.get(SESSION_KEY)
        if session is None:
            return
        with store.read() as con:
            row = sessions.find(con, session.id_hash)
        if row is None or row.why_over(accounts.clock()) is not None:
            st.session_state[IDLE_CHECK_KEY] = True
            st.rerun(scope="app")

    end_idle_session()
