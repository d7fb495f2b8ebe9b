"""Indicator series: named results that are declared indicators by township or over dates.

Owns the topic-page results that are the same ratios as the KPIs, grouped: the village
coverage indicators per township of the snapshot, and as of each date a village reported; the
effective referrals and the down/up ratio per month of the period.
Each is served under its query name (``named_queries.run_query`` asks here first), computed by the
evaluator from the declarations in one pass, so a chart cannot define a ratio of its own.
A series lists its groups or dates with a small named query, then evaluates them all at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from sinkview.metrics.periods import month_end

from sinkview.metrics.evaluator import evaluate, statements


@dataclass(frozen=True)
class Series:
    name: str                    # the query name pages ask for
    indicators: tuple[str, ...]  # declared ids; columns are named by the part after the topic
    key: str                     # the first column: a township, or a snapshot date
    keys_query: str              # the named query listing the keys (in their order)
    by: str                      # township (groups) | as_of (one period per date) | month (cut to the period)
    parameters: frozenset[str] = frozenset({"end", "community", "township"})
    counts: int = 2              # leading indicator columns that are counts (the rest are ratios)

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.split(".", 1)[0] for i in self.indicators))


VILLAGE_COVERAGE = tuple(f"village.{name}" for name in (
    "villages", "blank_villages", "clinic_coverage", "licensed_share", "signing_rate", "insurance_rate",
    "telemedicine_rate", "ecg_coverage", "party_coverage"))

REFERRALS_BY_MONTH = tuple(f"referral.{name}" for name in ("up", "down", "lateral", "down_up_ratio"))

SERIES: dict[str, Series] = {series.name: series for series in (
    Series("village/township_coverage", VILLAGE_COVERAGE, "township", "village/snapshot_townships", "township"),
    Series("village/coverage_trend", VILLAGE_COVERAGE, "snapshot_date", "village/reported_dates", "as_of"),
    Series("referral/referrals_by_month", REFERRALS_BY_MONTH, "month", "referral/months", "month",
           frozenset({"start", "end", "community", "township", "institution"}), counts=3),
)}


def _plan(cursor, name: str, params: dict):
    from sinkview.store.named_queries import run_query

    series = SERIES[name]
    bound = {key: params.get(key) for key in series.parameters}
    keys = run_query(cursor, series.keys_query, **bound)[series.key].tolist()
    dates = [key.date() if isinstance(key, dt.datetime) else key for key in keys]
    if series.by == "township":
        request = {"periods": [(bound["end"], bound["end"])], "by": "township", "groups": keys}
    elif series.by == "month":  # each month cut to the period, as the period's own filter cuts it
        request = {"periods": [(max(day, bound["start"]), min(month_end(day.year, day.month), bound["end"]))
                               for day in dates], "institution": bound["institution"], "only": series.indicators}
    else:
        request = {"periods": [(day, day) for day in dates]}
    request.update(community=bound["community"], township=bound["township"], topics=series.topics)
    return series, bound, keys, request


def series_statements(cursor, name: str, params: dict) -> list[tuple[str, dict]]:
    """What series ``name`` runs, as (SQL, parameters): its keys query, then one statement per
    topic (the benchmark's bare-engine comparison)."""
    from sinkview.store.named_queries import bind, query_sql

    series, bound, keys, request = _plan(cursor, name, params)
    first = (query_sql(series.keys_query), bind(series.keys_query, bound))
    return [first, *(statements(**request) if keys else [])]


def run_series(cursor, name: str, params: dict) -> pd.DataFrame:
    """The rows of series ``name`` under ``params`` (end, community, township)."""
    series, _, keys, request = _plan(cursor, name, params)
    columns = [series.key, *(i.split(".", 1)[1] for i in series.indicators)]
    if not keys:
        return pd.DataFrame(columns=columns)
    cells = evaluate(cursor, **request)
    frame = pd.DataFrame([[key, *(values[i] for i in series.indicators)] for key, values in zip(keys, cells.values())],
                         columns=columns)
    ratios = columns[1 + series.counts:]
    frame[ratios] = frame[ratios].astype(float)
    return frame
