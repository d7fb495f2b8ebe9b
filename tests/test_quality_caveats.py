"""Caveats on volume.* figures that rest on incomplete reporting (data-quality.md): the narrative,
the scorecard, the briefing's KPIs, footnotes and speaker notes, the KPI cards, and the overview's
line under the scorecard that links to the data-quality page.

The store is tests/quality_fixture.py: in 2025 Q3 monthly reporting is 11/18 = 61% complete for
the whole county (below 0.9) and 3/3 for community B (no caveat there).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from sinkview.app import access, accounts
from sinkview.briefing.slides import ScorecardSlide, build_slides
from sinkview.briefing.deck import build_deck
from sinkview.metrics.declarations import INDICATORS
from sinkview.metrics.targets import Target
from sinkview.metrics.narrative import narrative
from sinkview.metrics.scorecard import scorecard_frame, scorecard_table
from tests.quality_fixture import build_quality_store
from tests.session_helper import signed_in_session

Q3 = (dt.date(2025, 7, 1), dt.date(2025, 9, 30))
APP = str(Path(__file__).resolve().parents[1] / "app.py")
PASSWORD = "quality-check-1"
CAVEAT_ZH = "基于不完整的月报（完整率 61%）"
CAVEAT_EN = "based on incomplete reporting (61%)"
NO_GAPS = pd.DataFrame(columns=["inst_id", "inst_name", "township", "community", "last_visit"])


def values(**given) -> dict:
    found = {item.id: None for item in INDICATORS}
    found.update({key.replace("__", "."): value for key, value in given.items()})
    return found


def test_sentences_quoting_a_volume_figure_carry_the_caveat():
    targets = {"volume.in_county_admission_share": Target("volume.in_county_admission_share", 0.9, "higher", "", ""),
               "village.blank_villages": Target("village.blank_villages", 0, "lower", "", "")}
    current = values(volume__in_county_admission_share=0.80, village__blank_villages=3)
    sentences = narrative(current, values(), values(), targets, "en", NO_GAPS, volume_caveat=CAVEAT_EN)
    by_topic = {sentence.topic: sentence.text for sentence in sentences}
    assert by_topic["volume"].endswith(f"), {CAVEAT_EN}.")
    assert CAVEAT_EN not in by_topic["village"]
    plain = narrative(current, values(), values(), targets, "en", NO_GAPS)
    assert [s.text for s in plain if s.topic == "village"] == [by_topic["village"]]


def test_scorecard_marks_volume_values_only():
    frame = scorecard_frame(values(volume__grassroots_visit_share=0.5, rotation__visits=3), values(), values(), [], {})
    assert scorecard_table(frame, "volume", "zh", CAVEAT_ZH)["value"].iloc[0] == "50.0% *"
    assert scorecard_table(frame, "volume", "zh")["value"].iloc[0] == "50.0%"
    assert "*" not in "".join(scorecard_table(frame, "rotation", "zh", CAVEAT_ZH)["value"])


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("caveats") / "quality.duckdb"
    store = build_quality_store(path)
    accounts.add_user(store.cursor(), "reviewer", PASSWORD, "admin", by="test")
    store.close()
    return path


def test_briefing_marks_volume_kpis_and_its_notes_carry_the_caveat(db_path, tmp_path):
    from sinkview.store.database import Store

    store = Store(db_path)
    try:
        slides = build_slides(store.cursor(), *Q3, None, "zh", today=dt.date(2025, 10, 8))
        only_b = build_slides(store.cursor(), *Q3, "B", "zh", today=dt.date(2025, 10, 8))
    finally:
        store.close()
    scorecards = [slide for slide in slides if isinstance(slide, ScorecardSlide)]
    marked = {kpi.indicator_id: kpi.value_text for slide in scorecards for kpi in slide.rows}
    assert all(text.endswith(" *") or text == "—" for item, text in marked.items() if item.startswith("volume."))
    assert not any(text.endswith(" *") for item, text in marked.items() if not item.startswith("volume."))
    assert marked["volume.grassroots_visit_share"] == "30.7% *"
    volume_slide = next(index for index, slide in enumerate(slides) if isinstance(slide, ScorecardSlide)
                        and any(kpi.indicator_id.startswith("volume.") for kpi in slide.rows))
    assert f"* {CAVEAT_ZH}" in slides[volume_slide].sentences
    assert not any(f"* {CAVEAT_ZH}" in slide.sentences for slide in scorecards
                   if not any(kpi.indicator_id.startswith("volume.") for kpi in slide.rows))
    assert not any("*" in kpi.value_text for slide in only_b if isinstance(slide, ScorecardSlide)
                   for kpi in slide.rows)  # B reported every month
    build_deck(slides, "zh", tmp_path / "deck.pptx")
    notes = Presentation(str(tmp_path / "deck.pptx")).slides[volume_slide].notes_slide.notes_text_frame.text
    assert f"* {CAVEAT_ZH}" in notes


def run_signed_in(at: AppTest, db_path: Path, monkeypatch, **url) -> AppTest:
    """Run ``at`` on the store at ``db_path`` as the reviewer, for 2025 Q3 and ``url``."""
    monkeypatch.setenv("SINKVIEW_DB", str(db_path))
    st.cache_resource.clear()
    st.cache_data.clear()
    at.session_state[access.SESSION_KEY] = signed_in_session("reviewer")
    at.query_params.update({"period": "2025-Q3", **url})
    at.run()
    assert not at.exception, at.exception
    return at


def open_app(db_path, monkeypatch, **url) -> AppTest:
    return run_signed_in(AppTest.from_file(APP, default_timeout=60), db_path, monkeypatch, **url)


def scorecard_values(at: AppTest, indicator_name: str) -> pd.Series:
    """The value column of the scorecard table that lists ``indicator_name``."""
    return next(frame.value["value"] for frame in at.dataframe
                if "name" in frame.value.columns and indicator_name in set(frame.value["name"]))


def test_overview_marks_volume_figures_and_links_to_the_quality_page(db_path, monkeypatch):
    at = open_app(db_path, monkeypatch)
    volume = scorecard_values(at, "县域内基层诊疗量占比")
    assert volume.tolist() == ["30.7% *", "—", "0.0% *", "—", "—"]  # a missing value has nothing to qualify
    assert not scorecard_values(at, "专家下沉人日").str.contains(r"\*").any()
    captions = [caption.value for caption in at.caption]
    assert f":material/warning: * {CAVEAT_ZH}" in captions
    line = next(markdown.value for markdown in at.markdown if "数据质量：" in markdown.value)
    # 61.1% complete, 7 missing, violations 3 overlaps + 2 clinics + 3 late + 3 outliers = 11
    assert "61.1%" in line and "缺报 7 个" in line and "违规 11 条" in line
    links = [link for link in at.get("page_link") if link.proto.label == "查看数据质量"]
    assert len(links) == 1


def test_overview_of_a_complete_community_has_no_caveat(db_path, monkeypatch):
    at = open_app(db_path, monkeypatch, lang="en", community="B")
    assert not scorecard_values(at, "Grassroots share of in-county visits").str.contains(r"\*").any()
    assert not any("incomplete reporting" in caption.value for caption in at.caption)
    # B still has rule violations (an overlap, a clinic, a late referral): the line shows
    line = next(markdown.value for markdown in at.markdown if "Data quality:" in markdown.value)
    assert "100.0% complete, 0 reports missing, 3 rule violations" in line


def kpi_cards_script() -> None:
    from sinkview.app import frame as app_frame
    from sinkview.app import widgets

    context = app_frame.page_context()
    widgets.kpi_cards(context, ["volume.grassroots_visit_share", "rotation.visits"])


def test_kpi_cards_of_volume_figures_carry_the_caveat(db_path, monkeypatch):
    at = run_signed_in(AppTest.from_function(kpi_cards_script, default_timeout=60), db_path, monkeypatch, lang="en")
    assert [caption.value for caption in at.caption if "incomplete" in caption.value] == [
        f":material/warning: {CAVEAT_EN}"]
