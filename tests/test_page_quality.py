"""The data-quality page (pages/quality.py) in AppTest on the hand-made quality store
(tests/quality_fixture.py): the cards, the completeness grid, every rule with the rows behind
its count, the outlier charts, the community filter, English, and a broken settings file."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sinkview.app import access, accounts
from sinkview.metrics import quality
from tests.quality_fixture import build_quality_store
from tests.session_helper import signed_in_session
from tests.builders import serve_to_app
from tests.page_helpers import figures

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PASSWORD = "quality-check-1"


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "quality.duckdb"
    store = build_quality_store(path)  # it holds an upload, so a signed-in user is needed
    accounts.add_user(store.cursor(), "reviewer", PASSWORD, "admin", by="test")
    accounts.add_user(store.cursor(), "viewer_b", PASSWORD, "viewer", "B", by="test")
    store.close()
    serve_to_app(path, monkeypatch)
    return path


def open_page(user: str = "reviewer", **url) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[access.SESSION_KEY] = signed_in_session(user)
    at.query_params.update({"period": "2025-Q3", **url})
    at.run()
    at.switch_page("pages/quality.py").run()
    assert not at.exception, at.exception
    return at


def expander_labels(at: AppTest) -> list[str]:
    return [expander.label for expander in at.expander]


def test_cards_show_every_check_for_the_whole_county(db_path):
    at = open_page()
    assert at.title[0].value == "数据质量"
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics == {"月报完整率": "61.1%", "月报缺报数": "7", "专家同日多处下沉": "3",
                       "村卫生室归属不一致": "2", "转诊接收超时": "3", "服务量异常波动": "3"}
    assert at.metric[0].delta == "低于 90%：服务量指标加注"


def test_grid_shows_the_institutions_that_missed_a_month(db_path):
    at = open_page()
    grid = figures(at)[0]
    assert grid["layout"]["title"]["text"] == "机构 × 月份 报送情况"
    heatmap = grid["data"][0]
    # only the reporters with a gap, highest tier first: T2 never reports, V1 misses August,
    # V3 reported only before the period; V2 never reported and is not expected
    assert heatmap["y"] == ["T2 name（T2）", "V1 name（V1）", "V3 name（V3）"]
    assert heatmap["x"] == ["2025-07", "2025-08", "2025-09"]
    assert heatmap["z"] == [[0, 0, 0], [1, 0, 1], [0, 0, 0]]
    table = at.dataframe[0].value
    assert table["机构编码"].tolist() == ["C1", "T1", "T2", "T3", "V1", "V3"]
    assert table["2025-08"].tolist() == ["已报", "已报", "缺报", "已报", "缺报", "缺报"]
    assert table["已报月数"].tolist() == ["3/3", "3/3", "0/3", "3/3", "2/3", "0/3"]

    at.toggle(key="quality_only_incomplete").set_value(False).run()
    assert figures(at)[0]["data"][0]["y"][0] == "C1 name（C1）"
    assert len(figures(at)[0]["data"][0]["y"]) == 6


def test_each_rule_opens_the_rows_behind_its_count(db_path):
    at = open_page()
    assert expander_labels(at)[:5] == ["月报缺报数：7", "专家同日多处下沉：3", "村卫生室归属不一致：2",
                                       "转诊接收超时：3", "服务量异常波动：3"]
    missing, overlaps, mismatches, slow, outliers = (frame.value for frame in at.dataframe[1:6])
    assert missing["机构编码"].tolist() == ["T2", "T2", "T2", "V1", "V3", "V3", "V3"]
    assert overlaps["专家工号"].tolist() == ["E2", "E1", "E6"]
    assert overlaps["重叠天数"].tolist() == [1, 3, 1]
    assert mismatches["行政村代码"].tolist() == ["VL2", "VL7"]
    assert slow["转诊单号"].tolist() == ["F2", "F3", "F7"] and slow["接收天数"].tolist() == [31, 45, 44]
    assert outliers["机构编码"].tolist() == ["C1", "T1", "U1"]
    assert outliers["月份"].tolist() == ["2025-09", "2025-09", "2025-07"]
    assert len(at.get("download_button")) == 6  # the grid and every rule


def test_outliers_are_drawn_against_their_history(db_path):
    at = open_page()
    chart = figures(at)[1]
    assert [a["text"] for a in chart["layout"]["annotations"]] == ["C1 name", "T1 name", "U1 name（A）"]
    outlier_points = [trace for trace in chart["data"] if trace.get("name") == "异常月份"]
    assert [len(trace["x"]) for trace in outlier_points] == [1, 1, 1]


def test_community_filter_and_english(db_path):
    at = open_page(community="B", lang="en")
    assert at.title[0].value == "Data quality"
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics == {"Monthly reporting completeness": "100.0%", "Monthly reports missing": "0",
                       "Expert in two places on one day": "1", "Village clinic under another centre": "1",
                       "Referral accepted late": "1", "Service volume outlier": "0"}
    assert "Expert in two places on one day: 1" in expander_labels(at)
    assert any("No service-volume outlier" in markdown.value for markdown in at.markdown)


def test_a_broken_settings_file_is_a_clear_message(db_path, tmp_path, monkeypatch):
    broken = tmp_path / "quality_rules.csv"
    broken.write_text("setting,value,unit,check,meaning\nmax_accept_days,thirty,days,,\n", encoding="utf-8")
    monkeypatch.setattr(quality, "DEFAULT_SETTINGS", broken)
    at = open_page()
    assert "max_accept_days" in at.error[0].value and "data/quality_rules.csv" in at.error[0].value


def test_a_viewer_bound_to_a_community_sees_only_its_checks(db_path):
    at = open_page(user="viewer_b")
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["月报完整率"] == "100.0%" and metrics["专家同日多处下沉"] == "1"
    overlaps = at.dataframe[1].value  # after the grid (no report is missing in B: no table)
    assert overlaps["专家工号"].tolist() == ["E2"]
    # the other host is in community A: its name is masked, as on every page
    assert overlaps["记录二接收机构"].tolist() == ["其他医共体"]
