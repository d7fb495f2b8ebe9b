"""The frame around every page: language, access check, sidebar filters kept in the URL.

Owns the access check of each run (``sinkview.app.access`` owns sign-in), the sidebar filters
(period, community, township, language) kept in ``st.query_params`` so a link reproduces a view,
the data status line, and ``page_context()``, which pages call to get the context the frame
built. The one patch of Streamlit internals lives in ``_route_through_app`` (why: see there).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from sinkview.app import context as app_context
from sinkview.app.access import access, account_panel, demo_setup_panel, login_gate
from sinkview.app.context import Filters, PageContext, data_version, get_store
from sinkview.i18n import DEFAULT_LANGUAGE, LANGUAGES, dataset_label, format_number, t
from sinkview.metrics import periods
from sinkview.store.database import default_db_path


ALL = "__all__"
_CONTEXT_KEY = "_sinkview_context"


def current_access():
    """Who may see what in this run (see ``sinkview.app.access``), on the app's store."""
    return access(get_store(str(default_db_path())))


def page_context() -> PageContext:
    """The context the frame (app.py) built for this run; built here if a page runs alone.

    Access is checked again: a page Streamlit runs without app.py (a deep link before any
    session called st.navigation) must not reuse a context its session may no longer have."""
    _route_through_app()
    context = st.session_state.get(_CONTEXT_KEY)
    if context is None or not access(get_store(context.db)).allowed:
        context = render_frame()
    return context


# The one patch of Streamlit internals in sinkview (PagesManager's folder mode); why: the docstring.
def _route_through_app() -> None:
    """Run this page through app.py's st.navigation, never in Streamlit's old folder mode.

    Until some session of a fresh server has called st.navigation, Streamlit treats a folder
    named ``pages/`` as the old automatic multipage app, so a deep link (``/referral?period=..``)
    as the server's first request would run the page without app.py's frame. Switching that
    mode off and rerunning sends the same URL through st.navigation."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def _initial(key: str, url_key: str, default):
    """Seed a widget's state from the URL once per session; afterwards the widget owns it."""
    if key not in st.session_state:
        st.session_state[key] = st.query_params.get(url_key, default)


def language() -> str:
    _initial("sv_lang", "lang", DEFAULT_LANGUAGE)
    if st.session_state["sv_lang"] not in LANGUAGES:
        st.session_state["sv_lang"] = DEFAULT_LANGUAGE
    return st.session_state["sv_lang"]


def _apply_custom_period() -> None:
    first, last = st.session_state["sv_custom_start"], st.session_state["sv_custom_end"]
    if last < first:
        st.session_state["sv_custom_refused"] = True
    else:
        st.session_state["sv_period"] = periods.custom_code(first, last)


def render_frame(db: str | None = None) -> PageContext:
    """The sidebar filters and language; writes them to the URL and returns the page context.

    Until someone signs in (once any user exists) it shows the login form and stops the run
    before anything is read from the store; a user bound to a community gets only that one."""
    db = str(db or default_db_path())
    store = get_store(db)
    lang = language()
    with st.sidebar:
        st.segmented_control(t("frame.language", lang), options=list(LANGUAGES), key="sv_lang",
                             format_func=lambda code: t(f"frame.language_{code}", code),
                             selection_mode="single")
        lang = st.session_state.get("sv_lang") or DEFAULT_LANGUAGE
    current = access(store)
    if not current.allowed:
        login_gate(store, current, lang)
        st.stop()
    user = current.user
    scope = user.community if user else None
    version = data_version(store)
    with st.sidebar:
        bounds = app_context._cached_query(db, version, "frame/data_range", ())
        first, last = _date_bounds(bounds)
        choices = periods.period_choices(first, last, lang)
        default_period = periods.default_period(first, last)
        _initial("sv_period", "period", default_period)
        if st.session_state["sv_period"] not in choices and not periods.is_custom(st.session_state["sv_period"]):
            st.session_state["sv_period"] = default_period
        if periods.is_custom(st.session_state["sv_period"]):
            choices = {st.session_state["sv_period"]: st.session_state["sv_period"], **choices}
        st.selectbox(t("frame.period", lang), options=list(choices), key="sv_period", placeholder=t("frame.choose", lang),
                     format_func=lambda code: choices.get(code, code))
        start, end = periods.period_range(st.session_state["sv_period"])
        with st.expander(t("frame.custom_period", lang)):
            # Two fields rather than one range: a range does not fit the sidebar, and its picker
            # prompts in English.
            first = st.date_input(t("frame.custom_start", lang), value=start, key="sv_custom_start", format="YYYY-MM-DD")
            last = st.date_input(t("frame.custom_end", lang), value=end, key="sv_custom_end", format="YYYY-MM-DD")
            # The period is set in the click's callback: once its selectbox is drawn, a run may not change it.
            st.button(t("frame.apply", lang), key="sv_apply_custom", on_click=_apply_custom_period)
            if st.session_state.pop("sv_custom_refused", False) and last < first:
                st.error(t("frame.custom_end_before_start", lang))

        if scope is None:
            communities = [ALL, *app_context._cached_query(db, version, "frame/communities", ())["community"].tolist()]
            _initial("sv_community", "community", ALL)
        else:
            communities = [scope]
            st.session_state["sv_community"] = scope
        if st.session_state["sv_community"] not in communities:
            st.session_state["sv_community"] = ALL
        st.selectbox(t("frame.community", lang), options=communities, key="sv_community", placeholder=t("frame.choose", lang),
                     format_func=lambda c: t("frame.all_communities", lang) if c == ALL else c)
        community = None if st.session_state["sv_community"] == ALL else st.session_state["sv_community"]

        townships = app_context._cached_query(db, version, "frame/townships", (("community", community),))["township"].tolist()
        _initial("sv_township", "township", ALL)
        if st.session_state["sv_township"] not in [ALL, *townships]:
            st.session_state["sv_township"] = ALL
        st.selectbox(t("frame.township", lang), options=[ALL, *townships], key="sv_township", placeholder=t("frame.choose", lang),
                     format_func=lambda c: t("frame.all_townships", lang) if c == ALL else c)
        township = None if st.session_state["sv_township"] == ALL else st.session_state["sv_township"]
        if user is not None:
            account_panel(store, user, lang)
        elif current.mode == "demo":
            demo_setup_panel(store, lang)

    if current.mode == "demo":
        st.warning(t("auth.demo_banner", lang), icon=":material/science:")
    filters = Filters(start, end, community, township, st.session_state["sv_period"])
    context = PageContext(store, db, lang, filters, has_data=app_context._holds_data(db, version), version=version,
                          user=user.name if user else None, role=user.role if user else None,
                          community_scope=scope, can_upload=bool(user and user.can_upload),
                          can_undo=bool(user and user.can_undo), demo_mode=current.mode == "demo")
    st.query_params.from_dict(context.url_params())
    st.session_state[_CONTEXT_KEY] = context
    return context


def _date_bounds(frame: pd.DataFrame) -> tuple[dt.date | None, dt.date | None]:
    if frame.empty or pd.isna(frame.iloc[0]["first_date"]):
        return None, None
    return pd.Timestamp(frame.iloc[0]["first_date"]).date(), pd.Timestamp(frame.iloc[0]["last_date"]).date()


def status_line(context: PageContext) -> None:
    """Which data are loaded: per dataset rows, latest date and last import (county-wide, so not
    shown to a user bound to one community)."""
    if context.community_scope is not None:
        return
    frame = context.query("frame/dataset_status")
    with st.sidebar.expander(context.t("frame.data_status")):
        for row in frame.itertuples():
            latest = "—" if pd.isna(row.latest_date) else pd.Timestamp(row.latest_date).date().isoformat()
            imported = "—" if pd.isna(row.last_import) else pd.Timestamp(row.last_import).strftime("%Y-%m-%d %H:%M")
            st.caption(context.t("frame.status_row", dataset=dataset_label(row.dataset, context.lang),
                                 rows=format_number(row.row_count), latest=latest, imported=imported))
