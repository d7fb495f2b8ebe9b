"""The overview page (pages/overview.py) in AppTest, on a small two-community store imported
from CSVs written here: it renders, follows the period and the language, shows the league
table only for the whole county, and shows the empty state on an empty store.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from sinkview.tools import sample_loader
from sinkview.i18n import t
from sinkview.ingest.importer import import_file
from sinkview.metrics.scorecard import TOPICS
from sinkview.store.database import Store

APP = str(Path(__file__).resolve().parents[1] / "app.py")

INSTITUTIONS = (
    "机构编码,机构名称,机构层级,上级机构编码,所属医共体,乡镇\n"
    "C1,甲县人民医院,县级医院,,甲医共体,城关镇\n"
    "C2,甲县中医院,县级医院,,乙医共体,城关镇\n"
    "T1,东乡卫生院,乡镇卫生院,C1,甲医共体,东乡\n"
    "T2,西乡卫生院,乡镇卫生院,C1,甲医共体,西乡\n"
    "T3,南乡卫生院,乡镇卫生院,C2,乙医共体,南乡\n"
).encode("utf-8")

# 2025 Q3: 10 days at T1 and 1 at T3. 2025 Q2: 30 days at T1 and 5 at T3. The data start on
# 2025-01-10, so nothing is compared with 2024.
ROTATIONS = (
    "记录编号,专家工号,派出机构编码,接收机构编码,专科,职称,开始日期,结束日期,活动类型\n"
    "R0,E4,C2,T3,外科,中级,2025-01-10,2025-01-10,查房\n"
    "R1,E1,C1,T1,内科,高级,2025-07-01,2025-07-10,坐诊\n"
    "R2,E1,C1,T1,内科,高级,2025-04-01,2025-04-30,坐诊\n"
    "R3,E2,C2,T3,外科,中级,2025-05-01,2025-05-05,查房\n"
    "R4,E3,C2,T3,外科,中级,2025-09-30,2025-09-30,查房\n"
).encode("utf-8")


@pytest.fixture
def fresh_caches():
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def db_path(tmp_path, monkeypatch, fresh_caches) -> Path:
    path = tmp_path / "x.duckdb"
    store = Store(path)
    for name, raw in (("机构名录.csv", INSTITUTIONS), ("专家下沉台账.csv", ROTATIONS)):
        # imported as the sample county's user: the app shows it in demo mode, without a login
        validation, result = import_file(store.cursor(), raw, name, who=sample_loader.SAMPLE_USER)
        assert result is not None, validation
    store.close()
    monkeypatch.setenv("SINKVIEW_DB", str(path))
    return path


@pytest.fixture
def app(db_path) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rotation_scorecard(at: AppTest):
    """The scorecard table of the rotation topic (the first table with an indicator column)."""
    return next(frame.value for frame in at.dataframe if "name" in frame.value.columns)


def subheaders(at: AppTest) -> list[str]:
    return [element.value for element in at.subheader]


def test_renders_the_scorecard_narrative_and_league_table(app):
    assert app.title[0].value == t("overview.title", "zh")
    assert subheaders(app) == [t("overview.narrative.heading", "zh"), t("overview.scorecard.heading", "zh"),
                               t("overview.league.heading", "zh")]
    scorecard = rotation_scorecard(app).set_index("name")
    # default period: 2025 Q3, the last full quarter of the data
    assert scorecard.loc["专家下沉人日", "value"] == "11 人日"          # R1 10 days + R4 1 day
    assert scorecard.loc["卫生院专家覆盖率", "value"] == "66.7%"       # T1 and T3 of three
    assert scorecard.loc["卫生院专家覆盖率", "status_label"] == "未达标"
    assert scorecard.loc["专家下沉人日", "change_previous"] == "-24 (-68.6%)"  # against 35 days
    assert scorecard.loc["专家下沉人日", "change_year_ago"] == "—"             # before the data
    assert len(scorecard.loc["专家下沉人日", "trend"]) == 8
    narrative = "\n".join(element.value for element in app.markdown)
    assert "1 个乡镇卫生院本期没有专家下沉：西乡卫生院（卫生院专家覆盖率 66.7%）" in narrative
    assert any("西乡卫生院" in set(frame.value.iloc[:, 0]) for frame in app.dataframe)


def test_changing_the_period_changes_the_numbers(app):
    before = rotation_scorecard(app)
    app.selectbox(key="sv_period").set_value("2025-Q2").run()
    assert not app.exception
    after = rotation_scorecard(app).set_index("name")
    assert after.loc["专家下沉人日", "value"] == "35 人日"              # R2 30 days + R3 5 days
    assert list(after["value"]) != list(before["value"])


def test_a_custom_period_is_two_dates_and_an_end_before_the_start_is_refused(app):
    import datetime as dt
    app.date_input(key="sv_custom_start").set_value(dt.date(2025, 7, 10))
    app.date_input(key="sv_custom_end").set_value(dt.date(2025, 7, 1))
    app.button(key="sv_apply_custom").click().run()
    assert [element.value for element in app.error] == [t("frame.custom_end_before_start", "zh")]
    assert app.selectbox(key="sv_period").value == "2025-Q3"
    app.date_input(key="sv_custom_end").set_value(dt.date(2025, 8, 31))
    app.button(key="sv_apply_custom").click().run()
    assert not app.exception and not app.error
    assert app.selectbox(key="sv_period").value != "2025-Q3"
    assert "2025-07-10" in app.selectbox(key="sv_period").value


def test_switching_the_language_changes_the_labels(app):
    app.segmented_control(key="sv_lang").set_value("en").run()
    assert not app.exception
    assert app.title[0].value == "Scorecard"
    assert t("overview.league.heading", "en") in subheaders(app)
    assert "Expert person-days" in set(rotation_scorecard(app)["name"])
    assert any(element.value == "#### Expert rotations" for element in app.markdown)


def test_league_table_only_without_a_community(app):
    assert t("overview.league.heading", "zh") in subheaders(app)
    assert len(app.tabs) == len(TOPICS)  # one tab per topic, 党建引领 included
    app.selectbox(key="sv_community").set_value("甲医共体").run()
    assert not app.exception
    assert t("overview.league.heading", "zh") not in subheaders(app)
    assert len(app.tabs) == 0
    assert rotation_scorecard(app).set_index("name").loc["专家下沉人日", "value"] == "10 人日"


def test_empty_store_shows_the_empty_state(tmp_path, monkeypatch, fresh_caches):
    monkeypatch.setenv("SINKVIEW_DB", str(tmp_path / "x.duckdb"))
    monkeypatch.setattr(sample_loader, "sample_files", lambda folder=None: [])  # no sample county
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.info[0].value == t("frame.empty_state", "zh")
    assert len(at.dataframe) == 0
