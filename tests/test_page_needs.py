"""Pages run what they declare (``sinkview.metrics.needs``): every named query a page runs for
the default filters is declared, every declared default query runs, and the indicator
evaluations are exactly the benchmark's plan — one evaluation for the KPI cards, one for the
overview's comparisons and one for its league table, whatever the number of periods or
communities (AppTest on the hand-made store of tests/test_indicators.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sinkview import PROJECT_ROOT
from sinkview.metrics import periods
from sinkview.app import context as app_context
from sinkview.app import frame as app_frame
from sinkview.metrics.needs import NEEDS
from sinkview.store.database import Store
from tests.builders import fill_indicator_ledgers, serve_to_app
from tests import test_indicators as data

APP = str(Path(__file__).resolve().parents[1] / "app.py")
FRAME = {"frame/data_range", "frame/communities", "frame/townships", "frame/dataset_status", "frame/data_version",
         "frame/other_community_names"}


def _benchmark():
    spec = importlib.util.spec_from_file_location("benchmark_run", PROJECT_ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("needs") / "needs.duckdb"
    store = Store(path)
    cur = store.cursor()
    fill_indicator_ledgers(cur, data, township="东乡")
    store.close()
    return path


@pytest.mark.parametrize("page", ["overview", "rotation", "referral", "village", "talent", "party"])
def test_a_page_runs_what_it_declares(db, page, monkeypatch):
    serve_to_app(db, monkeypatch)
    queries, evaluations = [], []
    real_query, real_evaluation = app_context._cached_query, app_context._cached_evaluation

    def record_query(db_path, version, name, params):
        queries.append((name, params))
        return real_query(db_path, version, name, params)

    def record_evaluation(db_path, version, spans, by, community, topics):
        evaluations.append((spans, by, community, topics))
        return real_evaluation(db_path, version, spans, by, community, topics)

    monkeypatch.setattr(app_context, "_cached_query", record_query)
    monkeypatch.setattr(app_context, "_cached_evaluation", record_evaluation)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if page != "overview":
        queries.clear()
        evaluations.clear()
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception

    needs = NEEDS[page]
    declared = {need.name for need in needs.queries}
    ran = {name for name, _ in queries} - FRAME
    assert ran <= declared | {alt for need in needs.queries for alt in need.alternatives}
    always = {need.name for need in needs.queries if not need.conditional} - FRAME
    assert always <= ran <= declared  # the defaults: each declared query, none of the alternatives
    for name, params in queries:
        if name in declared:
            for key, value in NEEDS[page].query(name).defaults:
                assert dict(params)[key] == value, (name, key)

    store = app_context.get_store(str(db))
    first, last = app_frame._date_bounds(app_context._cached_query(str(db), app_context.data_version(store), "frame/data_range", ()))
    code = periods.default_period(first, last)
    filters = app_context.Filters(*periods.period_range(code), None, None, code)
    communities = sorted({c for _, _, c in data.INSTITUTIONS if c})
    if page not in _benchmark().PAGES:
        return
    plan = _benchmark().page_plan(page, filters, communities, first)
    assert [(e.spans, e.by, e.community, e.topics) for e in plan.evaluations] == evaluations
    assert len(evaluations) == (2 if page == "overview" else 1)



def test_the_briefing_declares_the_queries_its_slides_run():
    from sinkview.briefing.slides import TOPIC_PLANS

    slides = ["overview/townships_without_expert", "quality/volume_completeness",
              *(name for plan in TOPIC_PLANS for name in plan.chart_queries)]
    assert [need.name for need in NEEDS["briefing"].queries] == slides
    assert {i for plan in TOPIC_PLANS for i in plan.kpi_ids} <= set(NEEDS["briefing"].kpis)
