"""The village page (pages/village.py) in AppTest on a small store: cards, map, lists, and the
township selection that narrows the page (a click, the sidebar filter, clearing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sinkview.store.database import Store
from tests.builders import insert_rows, serve_to_app
from tests.page_helpers import click, figures, metric

APP = str(Path(__file__).resolve().parents[1] / "app.py")

# inst_id, tier, community, township, latitude, longitude
INSTITUTIONS = [
    ("T1", "township_center", "A", "东乡", 28.0, 113.0),
    ("T2", "township_center", "A", "西乡", 28.1, 112.9),
    ("V1", "village_clinic", "A", "东乡", None, None),
    ("V3", "village_clinic", "A", "西乡", None, None),
]
# The data end on 2025-09-30, so the default period is 2025 Q3. At its end: VA (clinic, no doctor:
# blank since Q2), VB (no clinic, no coordinates), VC (covered), VD (no clinic).
VILLAGES = [
    ("2025-06-30", "VA", "甲村", "东乡", "T1", "V1", 1000, 1, 0, 28.01, 113.01, 3.5),
    ("2025-09-30", "VA", "甲村", "东乡", "T1", "V1", 1000, 0, 0, 28.01, 113.01, 3.5),
    ("2025-09-30", "VB", "乙村", "东乡", "T1", None, 500, 0, 0, None, None, 6.0),
    ("2025-09-30", "VC", "丙村", "西乡", "T2", "V3", 2000, 3, 2, 28.1, 112.9, 1.0),
    ("2025-09-30", "VD", "丁村", "西乡", "T2", None, 800, 0, 0, 28.12, 112.95, None),
]


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    path = tmp_path / "village.duckdb"
    store = Store(path)
    cursor = store.cursor()
    insert_rows(cursor, "institutions", "inst_id inst_name tier community township latitude longitude",
                [(inst_id, f"{township}卫生院", tier, community, township, lat, lon)
                 for inst_id, tier, community, township, lat, lon in INSTITUTIONS])
    insert_rows(cursor, "village_coverage",
                "snapshot_date village_code village_name township township_center_id clinic_id population village_doctors licensed_doctors latitude longitude distance_km",
                VILLAGES, insurance_settlement=True, telemedicine=False, party_group=True, ecg_device=False)
    store.close()
    serve_to_app(path, monkeypatch)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/village.py").run()
    assert not at.exception
    return at


def trace_names(figure: dict) -> list[str]:
    return [trace.get("name") for trace in figure["data"]]


def table_with(at: AppTest, column: str):
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def test_page_shows_cards_map_lists_and_trend(app):
    assert app.title[0].value == "村卫生室覆盖"
    assert metric(app, "行政村数") == "4"
    assert metric(app, "空白村数") == "3"
    assert metric(app, "村卫生室覆盖率") == "50.0%"
    village_map, townships, trend = figures(app)
    assert trace_names(village_map) == [
        "有执业(助理)医师", "空白村", "乡镇卫生院",
    ]
    assert village_map["layout"]["yaxis"]["scaleanchor"] == "x"
    assert all(trace["type"] == "scatter" for trace in village_map["data"])
    assert townships["data"][0]["x"] == ["东乡", "西乡"]
    assert trend["data"][0]["name"] == "村卫生室覆盖率"
    assert table_with(app, "覆盖状态")["行政村"].tolist() == ["乙村"]            # no coordinates
    blank = table_with(app, "空白原因")
    assert blank["行政村"].tolist() == ["甲村", "丁村", "乙村"]   # all blank since Q3: by population
    assert blank["空白起始统计期"].tolist() == ["2025-09-30"] * 3


def test_a_clicked_township_narrows_the_page_until_cleared(app):
    click(app, "village_map", "西乡", "丙村")
    assert "本页已聚焦：西乡" in app.info[0].value
    assert table_with(app, "空白原因")["行政村"].tolist() == ["丁村"]
    assert figures(app)[1]["data"][0]["x"] == ["西乡"]
    assert metric(app, "行政村数") == "4"                      # the cards keep the community scope
    app.button(key="village_clear").click().run()
    assert not app.exception
    # the chart still holds its old selection; it is not applied again
    assert table_with(app, "空白原因")["行政村"].tolist() == ["甲村", "丁村", "乙村"]
    assert not app.info


def test_sidebar_township_narrows_without_selection(app):
    app.selectbox(key="sv_township").set_value("东乡").run()
    assert not app.exception
    assert table_with(app, "空白原因")["行政村"].tolist() == ["甲村", "乙村"]
    assert not app.info                                        # the filter is the sidebar's, nothing to clear
    assert "乡镇筛选作用于图表" in "\n".join(caption.value for caption in app.caption)


def test_english(app):
    app.segmented_control(key="sv_lang").set_value("en").run()
    assert not app.exception
    assert app.title[0].value == "Village clinic coverage"
    assert "Why blank" in table_with(app, "Why blank").columns
    assert figures(app)[0]["layout"]["xaxis"]["title"]["text"] == "Longitude"
