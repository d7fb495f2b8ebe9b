"""The party page (pages/party.py) in AppTest on the hand-made party fixture: the twelve KPI
cards, every section with its chart or table, the comparison controls, and narrowing to a
township from the sidebar."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sinkview.i18n import t
from sinkview.metrics.declarations import indicator
from sinkview.store.database import Store
from tests.party_fixture import load_party_fixture
from tests.builders import serve_to_app
from tests.page_helpers import click

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "pages/party.py"


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    path = tmp_path / "party.duckdb"
    store = Store(path)
    load_party_fixture(store.cursor())
    store.close()
    serve_to_app(path, monkeypatch)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def test_cards_sections_and_downloads(app):
    assert app.title[0].value == t("party.page_title", "zh")
    labels = [metric.label for metric in app.metric]
    assert sorted(labels) == sorted(indicator(i).name_zh for i in (
        "party.organisations", "party.members", "party.institution_coverage", "party.clinic_coverage",
        "party.meeting_regularity", "party.member_turnout", "party.theme_days", "party.free_clinics",
        "party.residents_served", "party.grassroots_service_share", "party.fusion_projects",
        "party.expert_days_share"))
    values = {metric.label: metric.value for metric in app.metric}
    assert values[indicator("party.organisations").name_zh] == "5"   # 2025 Q3, whole county
    assert values[indicator("party.meeting_regularity").name_zh] == "77.8%"   # 7 / 9
    subheaders = [header.value for header in app.subheader]
    for key in ("tree", "grid", "service", "compare", "projects"):
        assert t(f"party.heading.{key}", "zh") in subheaders
    shown = "\n".join(markdown.value for markdown in app.markdown)
    assert "相关不等于因果" in shown or "不足以计算相关系数" in shown
    assert len(app.get("plotly_chart")) == 4
    frames = [frame.value for frame in app.dataframe]
    assert any("V2名" in frame.to_string() for frame in frames)   # the uncovered clinic is listed
    assert any("FP1" in frame.to_string() for frame in frames)


def test_english(app):
    app.session_state["sv_lang"] = "en"
    app.run()
    assert not app.exception
    assert app.title[0].value == "Party building"
    assert indicator("party.clinic_coverage").name_en in [metric.label for metric in app.metric]


def test_comparison_controls_change_the_caption(app):
    app.segmented_control(key="party_compare_x").set_value("institution_coverage").run()
    assert not app.exception
    shown = "\n".join(markdown.value for markdown in app.markdown)
    assert "不足以计算相关系数" in shown   # two townships with a health centre in the fixture


def test_sidebar_township_narrows_the_page(app):
    app.selectbox(key="sv_township").set_value("乙镇").run()
    assert not app.exception
    frames = "\n".join(frame.value.to_string() for frame in app.dataframe)
    assert "V2名" not in frames   # 甲镇's uncovered clinic is out of view


def uncovered_names(at: AppTest) -> list[str]:
    for frame in at.dataframe:
        if "机构编码" in frame.value.columns:
            return frame.value["机构名称"].tolist()
    return []


def test_clicking_a_township_narrows_the_page_until_cleared(app):
    assert uncovered_names(app) == ["V2名", "V5名"]
    click(app, "party_service", "乙镇", 0, 1, 200)             # a bar of the service chart
    assert "乙镇" in app.info[0].value
    assert uncovered_names(app) == []                        # 乙镇 has no blank spot
    assert app.metric[0].value == "5"                        # the cards keep the community scope
    click(app, "party_compare", "甲镇", "A", 1800)             # a point of the comparison
    assert "甲镇" in app.info[0].value and uncovered_names(app) == ["V2名"]
    app.button(key="party_clear").click().run()
    assert not app.exception and not app.info
    assert uncovered_names(app) == ["V2名", "V5名"]
