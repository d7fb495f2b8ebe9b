"""The data-quality chart and table builders (sinkview/charts/quality.py) on frames shaped like
the queries' results: which cells are red, what the table and the small multiples show."""

from __future__ import annotations

import pandas as pd

from sinkview.charts import quality as charts

GRID = pd.DataFrame({
    "inst_id": ["C1", "C1", "V1", "V1"],
    "inst_name": ["县医院", "县医院", "甲村卫生室", "甲村卫生室"],
    "tier": ["county_hospital", "county_hospital", "village_clinic", "village_clinic"],
    "township": ["城关镇"] * 4,
    "community": ["A"] * 4,
    "month_start": pd.to_datetime(["2025-07-01", "2025-08-01"] * 2),
    "reported": [True, True, True, False],
})


def test_grid_marks_the_missing_month_and_keeps_query_order():
    figure = charts.reporting_grid_figure(GRID, "zh")
    heatmap = figure.data[0]
    assert list(heatmap.y) == ["县医院（C1）", "甲村卫生室（V1）"]
    assert list(heatmap.x) == ["2025-07", "2025-08"]
    assert [list(row) for row in heatmap.z] == [[1.0, 1.0], [1.0, 0.0]]
    assert [list(row) for row in heatmap.text] == [["", ""], ["", "缺报"]]
    assert heatmap.customdata[1][1] == ["村卫生室", "缺报"]


def test_only_institutions_with_a_gap():
    assert charts.incomplete_reporters(GRID)["inst_id"].unique().tolist() == ["V1"]
    assert charts.incomplete_reporters(GRID[GRID["reported"]]).empty


def test_grid_table_has_a_column_per_month_and_the_months_reported():
    table = charts.reporting_grid_table(GRID, "en")
    assert table.columns.tolist() == ["Institution code", "Institution", "Tier", "Township", "Community",
                                      "2025-07", "2025-08", "Months reported"]
    assert table["2025-08"].tolist() == ["reported", "missing"]
    assert table["Months reported"].tolist() == ["2/2", "1/2"]
    assert table["Tier"].tolist() == ["County hospital", "Village clinic"]


def test_empty_frames_draw_the_no_data_figure():
    assert charts.reporting_grid_figure(GRID.iloc[0:0], "zh").layout.annotations[0].text == "所选范围内暂无数据"
    assert charts.outlier_history_figure(pd.DataFrame(), "en").layout.annotations


HISTORY = pd.DataFrame({
    "inst_id": ["T1"] * 4 + ["U1"] * 2,
    "inst_name": ["东乡卫生院"] * 4 + ["市人民医院"] * 2,
    "community": [""] * 4 + ["A"] * 2,
    "month_start": pd.to_datetime(["2025-04-01", "2025-05-01", "2025-06-01", "2025-07-01",
                                   "2025-06-01", "2025-07-01"]),
    "outpatient_visits": [600, 600, 600, 100, 100, 400],
    "history_median": [None, None, None, 600.0, None, 100.0],
    "lower_bound": [None, None, None, 200.0, None, 33.3],
    "upper_bound": [None, None, None, 1800.0, None, 300.0],
    "is_outlier": [False, False, False, True, False, True],
    "in_period": [False, False, False, True, False, True],
})


def test_one_panel_per_institution_with_its_outliers_in_red():
    figure = charts.outlier_history_figure(HISTORY, "zh")
    assert [a.text for a in figure.layout.annotations] == ["东乡卫生院", "市人民医院（A）"]
    outliers = [trace for trace in figure.data if trace.name == "异常月份"]
    assert [list(trace.y) for trace in outliers] == [[100], [400]]
    assert [trace.showlegend for trace in outliers] == [True, False]  # one legend entry per kind
    assert len(figure.layout.shapes) == 2  # the period shaded in each panel


def test_detail_table_localises_headers_dates_and_tiers():
    rows = pd.DataFrame({"inst_id": ["V1"], "inst_name": ["甲村卫生室"], "tier": ["village_clinic"],
                         "township": ["城关镇"], "community": ["A"],
                         "month_start": pd.to_datetime(["2025-08-01"])})
    table = charts.detail_table(rows, "quality.volume_missing", "zh")
    assert table.to_dict("records") == [{"机构编码": "V1", "机构名称": "甲村卫生室", "机构层级": "村卫生室",
                                         "乡镇": "城关镇", "医共体": "A", "月份": "2025-08"}]
    slow = pd.DataFrame({"referral_id": ["F2"], "referral_date": pd.to_datetime(["2025-07-01"]),
                         "accepted_date": pd.to_datetime(["2025-08-01"]), "accept_days": [31],
                         "status": ["completed"], "from_inst_id": ["T1"], "from_name": ["x"],
                         "to_inst_id": ["C1"], "to_name": ["y"]})
    shown = charts.detail_table(slow, "quality.slow_acceptance", "en")
    assert shown.iloc[0][["Referral date", "Accepted on", "Status"]].tolist() == ["2025-07-01", "2025-08-01",
                                                                               "Completed"]
