"""The presentation page (pages/briefing.py) in AppTest on the sample county: it steps through
the slides with the previous and next buttons, shows the registry's KPI values, offers the deck
download, and its cached deck builder returns a valid deck, built again only for new data.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
from pathlib import Path

import pytest
import streamlit as st
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from sinkview.briefing.slides import TOPIC_PLANS
from sinkview.i18n import t
from sinkview.metrics.evaluator import compute_indicators
from sinkview.tools.sample_loader import load_sample
from sinkview.metrics.scorecard import format_value
from sinkview.store.database import Store
from tests.builders import serve_to_app

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = ROOT / "pages" / "briefing.py"
QUARTER = "2025-Q4"
START, END = dt.date(2025, 10, 1), dt.date(2025, 12, 31)
SCORECARD_SLIDES = 5  # every indicator, at most 12 a slide (tests/test_briefing_pdf.py checks the split)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("page_briefing") / "sample.duckdb"
    store = Store(path)
    load_sample(store)  # imported as the sample user: the app shows it in demo mode
    store.close()
    return path


@pytest.fixture
def app(sample_db, monkeypatch) -> AppTest:
    serve_to_app(sample_db, monkeypatch)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["period"] = QUARTER
    at.run()
    at.switch_page("pages/briefing.py").run()
    assert not at.exception, [e.value for e in at.exception]
    yield at
    st.cache_resource.clear()
    st.cache_data.clear()


def counter(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("第 "))


def next_slide(at: AppTest) -> AppTest:
    at.button(key="sv_slide_next").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_steps_through_every_slide_and_back(app, sample_db):
    scorecards = SCORECARD_SLIDES
    total = 1 + scorecards + len(TOPIC_PLANS)
    assert app.title[0].value == t("briefing.deck_title", "zh")
    assert counter(app) == t("briefing.counter", "zh", number=1, total=total)
    assert app.button(key="sv_slide_prev").disabled

    for number in range(1, scorecards + 1):
        next_slide(app)
        assert app.header[0].value == t("briefing.scorecard_page", "zh", title=t("briefing.scorecard_title", "zh"),
                                        number=number, total=scorecards)
        assert len(app.dataframe) == 1 and len(app.dataframe[0].value) <= 12

    with Store(sample_db, shared=True).read() as con:
        registry = compute_indicators(con, START, END, None)
    for number, plan in enumerate(TOPIC_PLANS, start=2 + scorecards):
        next_slide(app)
        assert counter(app) == t("briefing.counter", "zh", number=number, total=total)
        assert app.header[0].value == t(f"topic.{plan.topic}", "zh")
        assert [metric.value for metric in app.metric] == [
            format_value(i, registry[i], "zh") for i in plan.kpi_ids]
        assert app.get("plotly_chart")
    assert app.button(key="sv_slide_next").disabled

    app.button(key="sv_slide_prev").click().run()
    assert app.header[0].value == t(f"topic.{TOPIC_PLANS[-2].topic}", "zh")


def test_offers_the_deck_download_in_the_chosen_language(app):
    button = app.download_button(key="sv_deck_download")
    assert button.label == t("briefing.download", "zh")
    assert app.download_button(key="sv_pdf_download").label == "下载 PDF"
    app.sidebar.segmented_control(key="sv_lang").set_value("en").run()
    assert app.download_button(key="sv_deck_download").label == t("briefing.download", "en")
    assert app.button(key="sv_slide_next").label == t("briefing.next", "en")


def load_page_module():
    """pages/briefing.py imported (not run as ``__main__``): its cached builders, no page."""
    spec = importlib.util.spec_from_file_location("briefing_page", PAGE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cached_deck_builder_returns_a_valid_deck_once_per_data_version(sample_db, monkeypatch):
    st.cache_data.clear()
    page = load_page_module()
    real_build_deck, builds = page.build_deck, []

    def counting_build_deck(slides, lang, out, images=None):
        builds.append(lang)
        real_build_deck(slides, lang, out, images)

    monkeypatch.setattr(page, "build_deck", counting_build_deck)
    key = (str(sample_db), 1, START, END, None, "zh", dt.date(2026, 1, 5), None)
    deck = Presentation(io.BytesIO(page.briefing_deck(*key, None)))
    assert len(deck.slides) == 1 + SCORECARD_SLIDES + len(TOPIC_PLANS)
    assert deck.slides[0].shapes.title.text == t("briefing.deck_title", "zh")
    assert page.briefing_deck(*key, None) and builds == ["zh"]

    monkeypatch.setattr(page, "build_deck",
                        lambda slides, lang, out, images=None: builds.append(lang) or Presentation().save(out))
    page.briefing_deck(str(sample_db), 2, *key[2:], None)  # an import or an undo changes the version
    assert builds == ["zh", "zh"]
    st.cache_data.clear()
