"""The Streamlit frame shared by every page: store, access, filters in the URL, language, widgets.

Owns the one store per process (loaded with the sample county when empty), the access check of
each run (``sinkview.access`` owns sign-in), a user's community scope enforced where pages read
data, the sidebar filters (period, community, township, language) kept in ``st.query_params``
so a link reproduces a view, the ``PageContext`` pages read, cached named queries and
indicators, and the small widgets every page uses (KPI cards, charts with captions, tables
with downloads, the empty state). Pages call these and lay out; no business rules live here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from sinkview import audit as audit_log
from sinkview import periods, quality
from sinkview.access import access, account_panel, demo_setup_panel, login_gate
from sinkview.export import safe_csv
from sinkview.i18n import DEFAULT_LANGUAGE, LANGUAGES, dataset_label, format_number, indicator_name, t
from sinkview.indicators import TOPICS, compute_indicators, evaluate, indicator, load_targets, status
from sinkview.queries import query_parameters, run_query
from sinkview.store import Store, default_db_path

ALL = "__all__"
_CONTEXT_KEY = "_sinkview_context"
# Queries that take no $community yet may be read by a user bound to one: they name no
# community and hold no community's data.
COUNTY_WIDE_QUERIES = frozenset({"frame/data_range"})


# --------------------------------------------------------------------------- store

@st.cache_resource(show_spinner=False)
def get_store(path: str | None = None) -> Store:
    """The process's store; an empty store gets the bundled sample county."""
    from sinkview.sample_loader import load_sample_if_empty

    store = Store(path or default_db_path(), shared=True)  # shared with the command line
    load_sample_if_empty(store)
    return store


_VERSION_SEEN: dict[str, tuple[tuple, int]] = {}  # db -> (store generation, data version)


def read_batch(db: str | None = None):
    """One read-only connection for the reads of this run, opened only on a cache miss (see
    ``Store.batch``); app.py runs the frame and the page inside it."""
    return get_store(str(db or default_db_path())).batch()


def data_version(store: Store) -> int:
    """Changes whenever an import or an undo changes the data (here or in another process, the
    command line's ``load`` say): part of every cache key, so the next interaction after a
    change reads afresh. Read again only when some write happened since last asked."""
    signature = store.generation()  # before reading: a write in between is seen next time
    seen = _VERSION_SEEN.get(str(store.path))
    if seen is not None and seen[0] == signature:
        return seen[1]
    with store.read() as con:
        version = int(run_query(con, "frame/data_version")["version"][0])
    _VERSION_SEEN[str(store.path)] = (signature, version)
    return version


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(db: str, version: int, name: str, params: tuple) -> pd.DataFrame:
    with get_store(db).read() as con:
        return run_query(con, name, **dict(params))


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_indicators(db: str, version: int, start: dt.date, end: dt.date, community: str | None) -> dict:
    with get_store(db).read() as con:
        return compute_indicators(con, start, end, community)


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_evaluation(db: str, version: int, spans: tuple, by: str, community: str | None,
                       topics: tuple) -> dict:
    """The metric layer's evaluation of ``topics`` for periods × groups: one pass per topic."""
    with get_store(db).read() as con:
        return evaluate(con, list(spans), by=by, community=community, topics=topics)


@st.cache_data(show_spinner=False, max_entries=64)
def _names_of_other_communities(db: str, version: int, community: str) -> frozenset[str]:
    """What names another community: its own name, its institutions' and the townships only it has."""
    with get_store(db).read() as con:
        names = run_query(con, "frame/other_community_names", community=community)
    return frozenset(names["name"])


@st.cache_data(show_spinner=False, max_entries=16)
def _holds_data(db: str, version: int) -> bool:
    return not get_store(db).is_empty()


# --------------------------------------------------------------------------- context

@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date
    community: str | None
    township: str | None
    period: str  # the period's code in the URL (2025-Q3, 2025-09, 2025, 2025-01-01~2025-02-15)

    def params(self) -> dict:
        return {"start": self.start, "end": self.end, "community": self.community, "township": self.township}


class OutOfScope(PermissionError):
    """A page asked for data outside the community its user is bound to."""


@dataclass
class PageContext:
    store: Store
    db: str
    lang: str
    filters: Filters
    has_data: bool
    version: int
    user: str | None = None             # the signed-in user; None in demo mode
    role: str | None = None             # admin | editor | viewer; None in demo mode
    community_scope: str | None = None  # the one community the user may see; None: all of them
    can_upload: bool = False
    can_undo: bool = False
    demo_mode: bool = False

    def t(self, key: str, **params) -> str:
        return t(key, self.lang, **params)

    def query(self, name: str, **extra) -> pd.DataFrame:
        """A named query's rows under the filters; for a user bound to a community, only its rows.

        Such a user's queries run with ``$community`` bound to that community; a query without
        ``$community`` must return a ``community`` column (other rows are dropped) or be
        county-wide. Names of other communities and of their institutions and townships (the
        far end of a referral, say) are replaced by "another community"."""
        params = {**self.filters.params(), **extra}
        if self.community_scope is None:
            return _cached_query(self.db, self.version, name, tuple(sorted(params.items())))
        params["community"] = extra.get("community", self.community_scope)
        self._check_scope(params["community"], name)
        frame = _cached_query(self.db, self.version, name, tuple(sorted(params.items())))
        if "community" not in query_parameters(name):
            if "community" in frame.columns:
                frame = frame[frame["community"] == self.community_scope].reset_index(drop=True)
            elif name not in COUNTY_WIDE_QUERIES:
                raise OutOfScope(f"{name} reads every community and its user is bound to one")
        return self._mask_other_communities(frame)

    def indicators(self, start: dt.date | None = None, end: dt.date | None = None,
                   community: str | None | object = ...) -> dict:
        if community is ...:
            community = self.community_scope or self.filters.community
        self._check_scope(community, "indicators")
        return _cached_indicators(self.db, self.version, start or self.filters.start,
                                  end or self.filters.end, community)

    def indicator_periods(self, spans: list[tuple[dt.date, dt.date]], topics: tuple[str, ...] = TOPICS,
                          community: str | None | object = ...) -> list[dict]:
        """The indicators of ``topics`` for each period in ``spans`` (one pass per topic), in order."""
        if community is ...:
            community = self.community_scope or self.filters.community
        self._check_scope(community, "indicators")
        if not spans:
            return []
        cells = _cached_evaluation(self.db, self.version, tuple(spans), "none", community, tuple(topics))
        return [cells[index, None] for index in range(len(spans))]

    def league(self, start: dt.date | None = None, end: dt.date | None = None) -> dict[str, dict]:
        """Every community's indicators for the period, one pass per topic (reviewers only: a
        user bound to one community may not see the others)."""
        self._check_scope(None, "league")
        span = ((start or self.filters.start, end or self.filters.end),)
        cells = _cached_evaluation(self.db, self.version, span, "community", None, TOPICS)
        return {group: values for (_, group), values in cells.items()}

    def audit(self, action: str, detail: str = "") -> None:
        """Record that this page's user did ``action`` (import, undo, export, deck): no patient data."""
        with self.store.write(f"audit {action}") as con:
            audit_log.record(con, self.user, action, detail)

    def _check_scope(self, community: str | None, what: str) -> None:
        if self.community_scope is not None and community != self.community_scope:
            raise OutOfScope(f"{what}: its user is bound to another community")

    def _mask_other_communities(self, frame: pd.DataFrame) -> pd.DataFrame:
        names = _names_of_other_communities(self.db, self.version, self.community_scope)
        for column in frame.columns:
            if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                foreign = frame[column].isin(names)
                if foreign.any():  # the frame is this call's own copy (st.cache_data hands out copies)
                    frame[column] = frame[column].mask(foreign, self.t("auth.other_community"))
        return frame

    def url_params(self) -> dict:
        """The query parameters that reproduce this view (for links between pages)."""
        params = {"period": self.filters.period, "lang": self.lang}
        if self.filters.community:
            params["community"] = self.filters.community
        if self.filters.township:
            params["township"] = self.filters.township
        return params


def current_access():
    """Who may see what in this run (see ``sinkview.access``), on the app's store."""
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


# --------------------------------------------------------------------------- frame

def _initial(key: str, url_key: str, default):
    """Seed a widget's state from the URL once per session; afterwards the widget owns it."""
    if key not in st.session_state:
        st.session_state[key] = st.query_params.get(url_key, default)


def language() -> str:
    _initial("sv_lang", "lang", DEFAULT_LANGUAGE)
    if st.session_state["sv_lang"] not in LANGUAGES:
        st.session_state["sv_lang"] = DEFAULT_LANGUAGE
    return st.session_state["sv_lang"]


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
        bounds = _cached_query(db, version, "frame/data_range", ())
        first, last = _date_bounds(bounds)
        choices = periods.period_choices(first, last, lang)
        default_period = periods.default_period(first, last)
        _initial("sv_period", "period", default_period)
        if st.session_state["sv_period"] not in choices and not periods.is_custom(st.session_state["sv_period"]):
            st.session_state["sv_period"] = default_period
        if periods.is_custom(st.session_state["sv_period"]):
            choices = {st.session_state["sv_period"]: st.session_state["sv_period"], **choices}
        st.selectbox(t("frame.period", lang), options=list(choices), key="sv_period",
                     format_func=lambda code: choices.get(code, code))
        start, end = periods.period_range(st.session_state["sv_period"])
        with st.expander(t("frame.custom_period", lang)):
            custom = st.date_input(t("frame.custom_range", lang), value=(start, end), key="sv_custom_range")
            if st.button(t("frame.apply", lang), key="sv_apply_custom") and isinstance(custom, tuple) and len(custom) == 2:
                st.session_state["sv_period"] = periods.custom_code(*custom)
                st.rerun()

        if scope is None:
            communities = [ALL, *_cached_query(db, version, "frame/communities", ())["community"].tolist()]
            _initial("sv_community", "community", ALL)
        else:
            communities = [scope]
            st.session_state["sv_community"] = scope
        if st.session_state["sv_community"] not in communities:
            st.session_state["sv_community"] = ALL
        st.selectbox(t("frame.community", lang), options=communities, key="sv_community",
                     format_func=lambda c: t("frame.all_communities", lang) if c == ALL else c)
        community = None if st.session_state["sv_community"] == ALL else st.session_state["sv_community"]

        townships = _cached_query(db, version, "frame/townships", (("community", community),))["township"].tolist()
        _initial("sv_township", "township", ALL)
        if st.session_state["sv_township"] not in [ALL, *townships]:
            st.session_state["sv_township"] = ALL
        st.selectbox(t("frame.township", lang), options=[ALL, *townships], key="sv_township",
                     format_func=lambda c: t("frame.all_townships", lang) if c == ALL else c)
        township = None if st.session_state["sv_township"] == ALL else st.session_state["sv_township"]
        if user is not None:
            account_panel(store, user, lang)
        elif current.mode == "demo":
            demo_setup_panel(store, lang)

    if current.mode == "demo":
        st.warning(t("auth.demo_banner", lang), icon=":material/science:")
    filters = Filters(start, end, community, township, st.session_state["sv_period"])
    context = PageContext(store, db, lang, filters, has_data=_holds_data(db, version), version=version,
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


# --------------------------------------------------------------------------- widgets

def empty_state(context: PageContext) -> None:
    st.info(context.t("frame.empty_state"), icon=":material/upload_file:")
    st.page_link("pages/data.py", label=context.t("nav.data"), icon=":material/database:")


previous_period = periods.previous_period  # pages compare with it, as the KPI cards do


def kpi_cards(context: PageContext, indicator_ids: list[str], columns: int = 4) -> None:
    """One card per indicator: value, unit and change against the previous period."""
    topics = tuple(dict.fromkeys(i.split(".", 1)[0] for i in indicator_ids))
    now = (context.filters.start, context.filters.end)
    current, before = context.indicator_periods([now, previous_period(*now)], topics)
    targets = load_targets()
    caveat = volume_caveat(context) if any(map(quality.needs_caveat, indicator_ids)) else None
    slots = st.columns(min(columns, len(indicator_ids)))
    for index, indicator_id in enumerate(indicator_ids):
        item = indicator(indicator_id)
        value, old = current.get(indicator_id), before.get(indicator_id)
        delta = None
        if value is not None and old is not None:
            change = value - old
            delta = (f"{change * 100:+.1f} {context.t('frame.pp')}" if item.unit == "ratio"
                     else f"{change:+,.2f}" if item.kind == "number" else f"{change:+,}")
        direction = targets[indicator_id].direction if indicator_id in targets else item.direction
        colour = {"higher": "normal", "lower": "inverse"}.get(direction, "off")
        name = indicator_name(indicator_id, context.lang)
        with slots[index % len(slots)]:
            st.metric(name, format_number(value, item.unit, context.lang) + _unit_suffix(context, item.unit),
                      delta=delta, delta_color=colour, border=True,
                      help=f"**{name}**：{context.t(f'definition.{indicator_id}')}\n\n{context.t('frame.delta_help')}")
            if caveat and quality.needs_caveat(indicator_id):
                st.caption(f":material/warning: {caveat}")


def volume_caveat(context: PageContext) -> str | None:
    """"based on incomplete reporting (82%)" when the service-volume reports of the page's scope
    and period are incomplete (data-quality.md): volume.* figures carry it wherever shown."""
    return quality.caveat_from_frame(context.query(quality.COMPLETENESS_QUERY), context.lang)


def quality_line(context: PageContext) -> None:
    """One line when a monthly report is missing or a data-quality rule is violated in the page's
    scope and period, linking to the data-quality page (data-quality.md, "Where it shows")."""
    settings = quality.settings_or_spec()
    checks = quality.checks_from_frame(context.query(quality.CHECKS_QUERY, **settings))
    if not quality.anything_to_report(checks):
        return
    text, link = st.columns([4, 1], vertical_alignment="center")
    text.markdown(":material/fact_check: " + context.t(
        "quality.overview_line", completeness=format_number(checks[quality.COMPLETENESS], "ratio", context.lang),
        missing=checks["quality.volume_missing"],
        violations=quality.validation_violations(checks)))
    link.page_link("pages/quality.py", label=context.t("quality.overview_link"), icon=":material/arrow_forward:",
                   query_params=context.url_params())


def _unit_suffix(context: PageContext, unit: str) -> str:
    """A short unit after a card's number; none where the name already says it (每千人口…)."""
    return "" if unit in ("ratio", "count", "per_1000", "per_10k") else f" {context.t(f'unit.{unit}')}"


def status_of(indicator_id: str, value) -> str | None:
    targets = load_targets()
    return status(value, targets[indicator_id]) if indicator_id in targets else None


def chart(context: PageContext, figure, caption_key: str, key: str, selectable: bool = False) -> list[dict]:
    """A Plotly chart, full width, with its one-line explanation; returns the selected points."""
    event = st.plotly_chart(
        figure, width="stretch", key=key, theme=None,  # our theme (fonts, contrast), not Streamlit's
        on_select="rerun" if selectable else "ignore",
        selection_mode=("points",) if selectable else ("points", "box", "lasso"),
        config={"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]},
    )
    st.caption(context.t(caption_key))
    if selectable and event is not None:
        return list(event.get("selection", {}).get("points", []))
    return []


def narrow_to_clicked(points: list[dict], chart_key: str, selected_key: str, current: str | None) -> None:
    """Focus the page on the township (``customdata[0]``) of a newly clicked point: keep it under
    ``selected_key`` and rerun. The same selection seen again (Streamlit returns it on every
    rerun) is not a new click."""
    signature = repr(points)
    if not points or st.session_state.get(f"{chart_key}_handled") == signature:
        return
    st.session_state[f"{chart_key}_handled"] = signature
    clicked = next((p["customdata"][0] for p in points
                    if p.get("customdata") and isinstance(p["customdata"][0], str)), None)
    if clicked and clicked != current:
        st.session_state[selected_key] = clicked
        st.rerun()


def table(context: PageContext, frame: pd.DataFrame, name: str, key: str) -> None:
    """A table with a CSV download that Excel opens (UTF-8 with BOM) and that is formula-safe."""
    st.dataframe(frame, hide_index=True, width="stretch", key=f"{key}_table")
    detail = f"{name}.csv, {len(frame)} rows, {context.filters.period}, {context.filters.community or '*'}"
    st.download_button(context.t("frame.download_csv"), data=safe_csv(frame), file_name=f"{name}.csv",
                       mime="text/csv", key=f"{key}_download", icon=":material/download:",
                       on_click=context.audit, args=("export", detail))
