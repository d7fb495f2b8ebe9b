"""The expert rotation page (pages/rotation.py) in AppTest, on the small store of
test_rotation_queries: KPI cards, the three charts, the gap tables, the view toggles, the
township filter and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sinkview.store.database import Store
from tests.test_rotation_queries import INSTITUTIONS, ROTATIONS
from tests.builders import insert_institutions, insert_rows, serve_to_app
from tests.page_helpers import figures, titles

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "rotation.duckdb"
    store = Store(path)
    cur = store.cursor()
    insert_institutions(cur, "tier community township", INSTITUTIONS, name="{}院")
    insert_rows(cur, "expert_rotations",
                "record_id expert_id expert_name home_inst_id host_inst_id specialty title_level start_date end_date activity party_member",
                [(record_id, expert_id, f"{expert_id}专家", *rest) for record_id, expert_id, *rest in ROTATIONS])
    store.close()
    serve_to_app(path, monkeypatch)
    return path


def open_page(db_path: Path, **url) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"period": "2025-Q3", **url})
    at.run()
    at.switch_page("pages/rotation.py").run()
    assert not at.exception, at.exception
    return at


def test_page_shows_kpis_charts_and_gaps(db_path):
    at = open_page(db_path)
    assert at.title[0].value == "专家下沉"
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["专家下沉人日"].startswith("179") and metrics["下沉人次"] == "7"
    assert metrics["卫生院专家覆盖率"] == "60.0%"
    assert titles(at) == ["乡镇卫生院专家覆盖（按月，人日）", "专家下沉时间线", "帮扶形式构成（按月）"]
    matrix = figures(at)[0]
    # every centre, by community then township name (东乡 中乡 北乡 西乡 | 南乡)
    assert matrix["data"][1]["y"] == ["T1", "T5", "T4", "T2", "T3"]
    gaps, short_visits = (frame.value for frame in at.dataframe)
    assert gaps["卫生院"].tolist() == ["T4院", "T5院"] and gaps["最近一次下沉"].tolist() == ["从未", "2025-06-15"]
    assert short_visits["工号"].tolist() == ["E8"]


def test_matrix_and_timeline_toggles(db_path):
    at = open_page(db_path)
    at.segmented_control(key="rotation_matrix_view").set_value("specialty").run()
    at.segmented_control(key="rotation_timeline_colour").set_value("specialty").run()
    at.segmented_control(key="rotation_activity_measure").set_value("visits").run()
    assert not at.exception
    matrix, timeline, activity = figures(at)
    assert matrix["layout"]["title"]["text"] == "乡镇卫生院专家覆盖（按专科，人日）"
    assert matrix["data"][1]["x"] == ["外科", "儿科", "内科", "中医科"]
    assert {trace["name"] for trace in timeline["data"]} >= {"外科", "儿科"}
    assert activity["layout"]["yaxis"]["title"]["text"] == "下沉人次"


def test_township_filter_narrows_the_charts(db_path):
    at = open_page(db_path, township="东乡")
    matrix, timeline, _ = figures(at)
    assert matrix["data"][1]["y"] == ["T1"]
    experts = {label for trace in timeline["data"] for label in trace["y"]}
    assert experts == {"E1专家", "E2专家"}  # R1, R3 (village clinic in 东乡) and R2
    assert not at.dataframe  # no gap and no visitor-only expert in 东乡: both lists say so
    assert len(at.success) == 2


def test_page_in_english(db_path):
    at = open_page(db_path, lang="en")
    assert at.title[0].value == "Expert rotations"
    assert titles(at)[0] == "Expert coverage of township health centres by month (expert-days)"
    gaps = at.dataframe[0].value
    assert list(gaps.columns)[:2] == ["Township health centre", "Township"]
