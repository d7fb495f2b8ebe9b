"""The village chart builders and table formatters on small hand-made frames, in both languages."""

import math
from datetime import date

import pandas as pd
import pytest

from sinkview.charts.village import (
    COVERAGE_INDICATORS,
    blank_villages_table,
    coverage_trend_figure,
    township_coverage_figure,
    village_map_figure,
    villages_without_coordinates_table,
)

POINTS = pd.DataFrame({
    "village_code": ["VA", "VB", "VC"],
    "village_name": ["甲村", "乙村", "丙村"],
    "township": ["东乡", "东乡", "西乡"],
    "population": [1000, 500, 2000],
    "has_clinic": [True, False, True],
    "village_doctors": [0, 0, 3],
    "licensed_doctors": [0, 0, 2],
    "coverage_state": ["blank", "blank", "covered"],
    "latitude": [28.0, 28.2, 28.4],
    "longitude": [113.0, 113.1, 112.9],
})
CENTRES = pd.DataFrame({
    "inst_id": ["T1", "T2"], "inst_name": ["东乡卫生院", "西乡卫生院"], "township": ["东乡", "西乡"],
    "latitude": [28.05, 28.35], "longitude": [113.05, 112.95],
})
TOWNSHIPS = pd.DataFrame({
    "township": ["东乡", "西乡"], "villages": [2, 3], "blank_villages": [2, 0],
    "clinic_coverage": [0.5, 1.0], "licensed_share": [None, 0.6], "signing_rate": [0.3, 0.7],
    "insurance_rate": [1.0, 0.5], "telemedicine_rate": [0.0, 1.0], "ecg_coverage": [0.0, 0.5],
    "party_coverage": [1.0, 1.0],
})
TREND = pd.DataFrame({
    "snapshot_date": [date(2025, 3, 31), date(2025, 6, 30)], "villages": [3, 4], "blank_villages": [2, 2],
    **{column: [0.25, 0.75] for column in COVERAGE_INDICATORS},
})
EMPTY_POINTS = POINTS.iloc[0:0]


def annotation_texts(fig):
    return [annotation.text for annotation in fig.layout.annotations]


def test_map_traces_by_state_and_centres():
    fig = village_map_figure(POINTS, "zh", centres=CENTRES)
    assert [trace.type for trace in fig.data] == ["scatter", "scatter", "scatter"]  # no geo, no tiles
    covered, blank, centres = fig.data
    assert covered.name == "有执业(助理)医师"
    assert blank.name == "空白村"
    assert list(blank.x) == [113.0, 113.1] and list(blank.y) == [28.0, 28.2]
    assert list(blank.marker.size) == [1000, 500]
    assert [row[0] for row in blank.customdata] == ["东乡", "东乡"]  # township first, for the click
    assert "常住人口" in blank.hovertemplate and "人" in blank.hovertemplate
    assert centres.mode == "markers+text" and list(centres.text) == ["东乡", "西乡"]
    assert centres.marker.symbol == "square"
    assert blank.legendrank < covered.legendrank  # blank villages listed first


def test_map_true_aspect_ratio_and_axis_titles():
    fig = village_map_figure(POINTS, "zh")
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.yaxis.scaleratio == pytest.approx(1 / math.cos(math.radians(28.2)))
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("经度", "纬度")
    english = village_map_figure(POINTS, "en")
    assert (english.layout.xaxis.title.text, english.layout.yaxis.title.text) == ("Longitude", "Latitude")
    assert english.data[0].name == "Licensed physician"
    assert english.layout.title.text == "Village clinic coverage by village"


def test_map_without_villages_says_no_data():
    fig = village_map_figure(EMPTY_POINTS, "zh", centres=CENTRES)
    assert len(fig.data) == 0
    assert annotation_texts(fig) == ["所选范围内暂无数据"]
    assert annotation_texts(village_map_figure(EMPTY_POINTS, "en")) == ["No data for this selection"]


def test_township_coverage_grouped_bars():
    fig = township_coverage_figure(TOWNSHIPS, "zh")
    assert fig.layout.barmode == "group"
    assert [trace.type for trace in fig.data] == ["bar"] * 7
    assert [trace.name for trace in fig.data] == [
        "村卫生室覆盖率", "执业(助理)医师占比", "家庭医生签约率", "医保结算开通率",
        "远程医疗覆盖率", "村卫生室心电设备覆盖率", "党组织覆盖率",
    ]
    assert list(fig.data[0].x) == ["东乡", "西乡"] and list(fig.data[0].y) == [0.5, 1.0]
    assert pd.isna(fig.data[1].y[0])  # 0 / 0 stays empty, not 0
    assert fig.data[0].customdata[1][0] == "西乡"
    assert fig.layout.yaxis.tickformat == ".0%"
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("乡镇", "比例")
    english = township_coverage_figure(TOWNSHIPS, "en")
    assert english.data[0].name == "Village clinic coverage"
    assert (english.layout.xaxis.title.text, english.layout.yaxis.title.text) == ("Township", "Share")
    assert "%{y:.1%}" in english.data[0].hovertemplate
    assert annotation_texts(township_coverage_figure(TOWNSHIPS.iloc[0:0], "zh")) == ["所选范围内暂无数据"]


def test_coverage_trend_lines():
    fig = coverage_trend_figure(TREND, "zh")
    assert [trace.type for trace in fig.data] == ["scatter"] * 7
    assert all(trace.mode == "lines+markers" for trace in fig.data)
    assert list(fig.data[2].y) == [0.25, 0.75]
    assert fig.data[2].name == "家庭医生签约率"
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("统计期末", "比例")
    english = coverage_trend_figure(TREND, "en")
    assert english.layout.xaxis.title.text == "End of reporting period"
    assert annotation_texts(coverage_trend_figure(TREND.iloc[0:0], "en")) == ["No data for this selection"]


def test_blank_villages_table_labels():
    frame = pd.DataFrame({
        "village_code": ["VD", "VA"], "village_name": ["丁村", "甲村"], "township": ["西乡", "东乡"],
        "population": [800, 1000], "distance_km": [None, 3.5], "blank_reason": ["no_clinic", "no_doctor"],
        "blank_since": [date(2025, 3, 31), date(2025, 6, 30)],
    })
    zh = blank_villages_table(frame, "zh")
    assert list(zh.columns) == ["行政村", "乡镇", "常住人口（人）", "距卫生院距离（公里）", "空白原因", "空白起始统计期", "行政村代码"]
    assert list(zh["空白原因"]) == ["无村卫生室", "有卫生室、无村医"]
    assert list(zh["空白起始统计期"]) == ["2025-03-31", "2025-06-30"]
    en = blank_villages_table(frame, "en")
    assert list(en["Why blank"]) == ["No clinic", "Clinic without a doctor"]
    assert blank_villages_table(frame.iloc[0:0], "zh").empty


def test_villages_without_coordinates_table_labels():
    frame = POINTS[["village_code", "village_name", "township", "population", "coverage_state"]]
    zh = villages_without_coordinates_table(frame, "zh")
    assert list(zh.columns) == ["行政村", "乡镇", "常住人口（人）", "覆盖状态"]
    assert list(zh["覆盖状态"])[-1] == "有执业(助理)医师"
    assert list(villages_without_coordinates_table(frame, "en").columns)[-1] == "Coverage state"
