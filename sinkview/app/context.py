"""The page context every page reads: the store, the cache layer and the community-scope rule.

Owns the one store per process (loaded with the sample county when empty), the data version in
every cache key, the cached named queries and indicators, and ``PageContext``: the filters,
language and user of a run, and the rule that a user bound to one community reads only its rows
(``OutOfScope`` otherwise; other communities' names masked). No widgets and no sidebar here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from sinkview.i18n import t
from sinkview.metrics.declarations import TOPICS
from sinkview.metrics.evaluator import compute_indicators, evaluate
from sinkview.store import audit as audit_log
from sinkview.store.database import Store, default_db_path
from sinkview.store.named_queries import query_parameters, run_query


# Queries that take no $community yet may be read by a user bound to one: they name no
# community and hold no community's data.
COUNTY_WIDE_QUERIES = frozenset({"frame/data_range"})


@st.cache_resource(show_spinner=False)
def get_store(path: str | None = None) -> Store:
    """The process's store; an empty store gets the bundled sample county."""
    from sinkview.tools.sample_loader import load_sample_if_empty

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
