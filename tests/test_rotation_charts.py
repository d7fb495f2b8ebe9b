"""The rotation chart builders on small hand-made frames: trace types, names, values, axis
titles in both languages, the display tables, and a "no data" figure for an empty frame."""

import pandas as pd
import plotly.graph_objects as go
import pytest

from sinkview.charts.rotation import (
    activity_mix_figure,
    coverage_matrix_figure,
    short_visit_table,
    stint_timeline_figure,
    township_gaps_table,
)
from sinkview.charts.theme import EMPTY_COLOUR

MONTHS = pd.to_datetime(["2025-07-01", "2025-08-01"])


def coverage_by_month() -> pd.DataFrame:
    # T1 covered both months, T2 only in August, T3 never
    return pd.DataFrame({
        "inst_id": ["T1", "T1", "T2", "T2", "T3", "T3"],
        "inst_name": ["东乡卫生院", "东乡卫生院", "西乡卫生院", "西乡卫生院", "北乡卫生院", "北乡卫生院"],
        "township": ["东乡", "东乡", "西乡", "西乡", "北乡", "北乡"],
        "community": ["A"] * 6,
        "month": list(MONTHS) * 3,
        "expert_days": [41, 31, 0, 5, 0, 0],
    })


def timeline() -> pd.DataFrame:
    return pd.DataFrame({
        "expert_order": [1, 2, 2, 3],
        "experts_total": [5] * 4,
        "expert_id": ["E2", "E1", "E1", "E9"],
        "expert_name": ["李明", "王芳", "王芳", "李明"],  # two experts called 李明
        "home_inst_id": ["C1", "C1", "C1", "C2"],
        "home_name": ["县医院", "县医院", "县医院", "中医院"],
        "host_inst_id": ["T1", "T1", "V1", "T2"],
        "host_name": ["东乡卫生院", "东乡卫生院", "东村卫生室", "西乡卫生院"],
        "specialty": ["外科", "内科", "内科", "中医科"],
        "title_level": ["intermediate", "senior", "senior", None],
        "activity": ["ward_round", "clinic", "clinic", "teleconsult"],
        "party_member": [False, True, True, None],
        "start_date": pd.to_datetime(["2025-07-01", "2025-06-21", "2025-08-05", "2025-09-29"]),
        "end_date": pd.to_datetime(["2025-09-30", "2025-07-10", "2025-08-05", "2025-09-30"]),
        "start_in_period": pd.to_datetime(["2025-07-01", "2025-07-01", "2025-08-05", "2025-09-29"]),
        "end_in_period": pd.to_datetime(["2025-09-30", "2025-07-10", "2025-08-05", "2025-09-30"]),
        "days_in_period": [92, 10, 1, 2],
        "expert_days": [92, 11, 11, 2],
    })


def activity() -> pd.DataFrame:
    return pd.DataFrame({
        "month": [MONTHS[0], MONTHS[0], MONTHS[1]],
        "activity": ["clinic", "training", "clinic"],
        "expert_days": [11, 31, 1],
        "visits": [2, 1, 1],
    })


def party() -> pd.DataFrame:
    return pd.DataFrame({
        "month": MONTHS, "expert_days": [42, 1], "party_days": [31, 0], "party_share": [31 / 42, 0.0],
    })


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("builder", [
    coverage_matrix_figure, stint_timeline_figure, activity_mix_figure,
])
def test_empty_frame_gives_a_no_data_figure(builder, lang):
    fig = builder(pd.DataFrame(), lang)
    assert isinstance(fig, go.Figure) and not fig.data
    assert fig.layout.annotations[0].text == ("所选范围内暂无数据" if lang == "zh" else "No data for this selection")


def test_coverage_matrix_by_month():
    fig = coverage_matrix_figure(coverage_by_month(), "zh")
    empty, values, cells, legend = fig.data
    assert [trace.type for trace in fig.data] == ["heatmap", "heatmap", "scatter", "scatter"]
    assert list(values.x) == ["2025-07", "2025-08"] and list(values.y) == ["T1", "T2", "T3"]
    z = [[None if pd.isna(v) else v for v in row] for row in values.z]
    assert z == [[41, 31], [None, 5], [None, None]]
    # zero cells are drawn in the empty colour underneath
    assert [[not pd.isna(v) for v in row] for row in empty.z] == [[False, False], [True, False], [True, True]]
    assert empty.colorscale[0][1] == EMPTY_COLOUR and legend.name == "无专家下沉"
    # rows keep the query order, show names, and the never-covered centre is marked
    assert list(fig.layout.yaxis.ticktext[:2]) == ["东乡卫生院", "西乡卫生院"]
    assert "北乡卫生院" in fig.layout.yaxis.ticktext[2] and "color" in fig.layout.yaxis.ticktext[2]
    # every cell carries [inst_id, inst_name, township, expert_days] for hover and selection
    assert [list(row) for row in cells.customdata[:2]] == [
        ["T1", "东乡卫生院", "东乡", 41], ["T1", "东乡卫生院", "东乡", 31]]
    assert "人日" in cells.hovertemplate
    assert fig.layout.xaxis.title.text == "月份" and fig.layout.yaxis.title.text == "乡镇卫生院"
    assert fig.layout.title.text == "乡镇卫生院专家覆盖（按月，人日）"


def test_coverage_matrix_by_specialty_in_english():
    frame = coverage_by_month().drop(columns="month").assign(specialty=["外科", "内科"] * 3)
    fig = coverage_matrix_figure(frame, "en", by="specialty")
    assert list(fig.data[1].x) == ["外科", "内科"]
    assert fig.layout.xaxis.title.text == "Specialty"
    assert fig.layout.yaxis.title.text == "Township health centre"
    assert fig.layout.title.text.startswith("Expert coverage of township health centres by specialty")


def test_coverage_matrix_grows_with_rows():
    assert coverage_matrix_figure(coverage_by_month(), "zh").layout.height >= 420
    many = pd.concat([coverage_by_month().assign(inst_id=lambda f, i=i: f["inst_id"] + str(i)) for i in range(20)])
    assert coverage_matrix_figure(many, "zh").layout.height > 1000


def test_stint_timeline_bars():
    fig = stint_timeline_figure(timeline(), "zh")
    assert all(trace.type == "bar" and trace.orientation == "h" for trace in fig.data)
    # coloured by sending hospital, the one with most expert-days first
    assert [trace.name for trace in fig.data] == ["县医院", "中医院"]
    county = fig.data[0]
    assert list(county.x) == [92 * 86_400_000, 10 * 86_400_000, 1 * 86_400_000]
    assert [pd.Timestamp(b) for b in county.base] == list(pd.to_datetime(["2025-07-01", "2025-07-01", "2025-08-05"]))
    # one row per expert in query order; namesakes get their staff id
    assert list(fig.layout.yaxis.categoryarray) == ["李明 (E2)", "王芳", "李明 (E9)"]
    assert fig.layout.yaxis.autorange == "reversed"
    hover = list(county.customdata[0])
    assert hover[:6] == ["李明 (E2)", "县医院", "东乡卫生院", "外科", "中级", "查房"]
    assert hover[6:] == ["2025-07-01", "2025-09-30", 92]
    assert fig.layout.yaxis.title.text == "专家（人日最多的 3 名，共 5 名）"
    assert fig.layout.xaxis.title.text == "日期" and fig.layout.xaxis.type == "date"


def test_stint_timeline_by_specialty_in_english():
    fig = stint_timeline_figure(timeline(), "en", colour_by="specialty")
    assert [trace.name for trace in fig.data] == ["外科", "内科", "中医科"]
    assert fig.layout.xaxis.title.text == "Date"
    assert fig.layout.yaxis.title.text == "Expert (top 3 of 5 by expert-days)"
    assert fig.data[0].customdata[0][5] == "Ward rounds"


def test_stint_timeline_groups_beyond_six_into_other():
    frame = pd.concat([timeline().iloc[[0]].assign(
        expert_id=f"E{i}", expert_order=i, home_name=f"医院{i}", days_in_period=100 - i,
    ) for i in range(8)], ignore_index=True)
    fig = stint_timeline_figure(frame, "zh")
    assert [trace.name for trace in fig.data] == [f"医院{i}" for i in range(6)] + ["其他"]
    assert len(fig.data[-1].y) == 2


def test_stint_timeline_grows_with_experts():
    frame = pd.concat([timeline().iloc[[0]].assign(expert_id=f"E{i}", expert_order=i, experts_total=100)
                       for i in range(100)], ignore_index=True)
    fig = stint_timeline_figure(frame, "zh")
    assert fig.layout.height >= 22 * 100
    assert fig.layout.yaxis.title.text == "专家（共 100 名）"


def test_activity_mix_stacks_activities_with_the_party_line():
    fig = activity_mix_figure(activity(), "zh", party_share=party())
    clinic, training, line = fig.data
    assert (clinic.type, clinic.name, list(clinic.x), list(clinic.y)) == ("bar", "坐诊", ["2025-07", "2025-08"], [11, 1])
    assert (training.name, list(training.y)) == ("培训", [31])
    assert line.type == "scatter" and line.yaxis == "y2" and line.name == "党员人日占比"
    assert list(line.y) == pytest.approx([31 / 42, 0.0])
    assert fig.layout.barmode == "stack"
    assert fig.layout.yaxis.title.text == "专家下沉人日"
    assert fig.layout.yaxis2.title.text == "党员人日占比" and fig.layout.yaxis2.tickformat == ".0%"
    assert fig.layout.xaxis.title.text == "月份"
    assert "人日" in clinic.hovertemplate


def test_activity_mix_in_visits_and_english_without_party_line():
    fig = activity_mix_figure(activity(), "en", measure="visits")
    assert [trace.name for trace in fig.data] == ["Clinic sessions", "Training"]
    assert list(fig.data[0].y) == [2, 1]
    assert fig.layout.yaxis.title.text == "Expert visits"
    assert fig.layout.xaxis.title.text == "Month"
    assert "visits" in fig.data[0].hovertemplate


def test_township_gaps_table():
    frame = pd.DataFrame({
        "inst_id": ["T4", "T5"], "inst_name": ["北乡卫生院", "中乡卫生院"], "township": ["北乡", "中乡"],
        "community": ["A", "A"], "last_visit": [pd.NaT, pd.Timestamp("2025-06-15")],
        "last_specialty": [None, "眼科"], "days_since_last_visit": [None, 107],
    })
    zh = township_gaps_table(frame, "zh")
    assert list(zh.columns) == ["卫生院", "乡镇", "医共体", "最近一次下沉", "最近下沉专科", "距期末天数"]
    assert list(zh["最近一次下沉"]) == ["从未", "2025-06-15"]
    assert township_gaps_table(frame, "en").columns[3] == "Last visit"


def test_short_visit_table():
    frame = pd.DataFrame({
        "expert_id": ["E8"], "expert_name": ["孙医生"], "home_name": ["县医院"], "specialty": ["中医科"],
        "visits": [2], "hosts": [1], "expert_days": [3], "last_visit": [pd.Timestamp("2025-09-30")],
    })
    zh = short_visit_table(frame, "zh")
    assert list(zh.columns) == ["专家", "工号", "派出医院", "专科", "下沉人次", "到访机构数", "人日", "最近到访"]
    assert zh.iloc[0].tolist() == ["孙医生", "E8", "县医院", "中医科", 2, 1, 3, "2025-09-30"]
    assert short_visit_table(frame, "en").columns[4] == "Visits"
