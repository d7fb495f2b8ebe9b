"""The talent chart builders on small hand-made frames, in both languages."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from sinkview.charts.talent import (
    dispatch_quality_figure,
    grassroots_net_figure,
    monthly_movements_figure,
    mover_profile_figure,
    tier_flow_sankey_figure,
)

TYPE_COLUMNS = ["dispatch_down", "training_up", "transfer", "recruit", "departure", "rotation"]


def flow(source, source_rank, target, target_rank, **counts):
    row = {"source_tier": source, "source_rank": source_rank, "target_tier": target,
           "target_rank": target_rank, **{column: counts.get(column, 0) for column in TYPE_COLUMNS}}
    row["movements"] = sum(counts.values())
    return row


FLOWS = pd.DataFrame([
    flow("county_hospital", 3, "township_center", 2, dispatch_down=2, transfer=1),
    flow("township_center", 2, "county_hospital", 3, training_up=2),
    flow("township_center", 2, "outside", 0, departure=1),
    flow("outside", 0, "township_center", 2, recruit=3),
    flow("outside", 0, "village_clinic", 1),            # no movement: dropped
])
NET = pd.DataFrame({"township": ["东乡", "南乡", None], "inflow": [1, 2, 1], "outflow": [2, 1, 0], "net": [-1, 1, 1]})
MONTHLY = pd.DataFrame({
    "month": [date(2025, 7, 1), date(2025, 7, 1), date(2025, 8, 1)],
    "movement_type": ["recruit", "dispatch_down", "dispatch_down"],
    "movements": [2, 1, 3],
})
PROFILE = pd.DataFrame([
    ("dispatch_down", "title_level", "senior", 1, 2, 2 / 3),
    ("dispatch_down", "title_level", "intermediate", 2, 1, 1 / 3),
    ("dispatch_down", "education", "master", 2, 1, 1 / 3),
    ("dispatch_down", "education", "unknown", 6, 2, 2 / 3),
    ("departure", "title_level", "junior", 3, 4, 1.0),
    ("departure", "education", "college", 4, 4, 1.0),
], columns=["movement_type", "dimension", "category", "category_order", "movements", "share"])
QUALITY = pd.DataFrame({
    "grain": ["month", "month"], "bucket_start": [date(2025, 7, 1), date(2025, 8, 1)],
    "dispatched": [4, 2], "senior": [1, 2], "party_members": [2, 0],
    "senior_share": [0.25, 1.0], "party_share": [0.5, 0.0],
})


def annotation_texts(fig):
    return [annotation.text for annotation in fig.layout.annotations]


def test_sankey_nodes_links_and_outside():
    fig = tier_flow_sankey_figure(FLOWS, "zh")
    (sankey,) = fig.data
    assert sankey.type == "sankey"
    labels = list(sankey.node.label)
    # sources (left) then targets (right), highest rank first, outside last
    assert labels == ["县级医院", "乡镇卫生院", "外部", "县级医院", "乡镇卫生院", "外部"]
    assert list(sankey.node.x) == [0.001] * 3 + [0.999] * 3
    assert list(sankey.link.value) == [3, 2, 1, 3]              # the empty link is dropped
    assert [(labels[s], labels[t]) for s, t in zip(sankey.link.source, sankey.link.target)][3] == ("外部", "乡镇卫生院")
    assert sankey.link.customdata[0] == "下沉派驻：2 人次<br>调动：1 人次"
    assert "人次" in sankey.link.hovertemplate
    assert annotation_texts(fig) == ["<b>流出层级</b>", "<b>流入层级</b>"]
    english = tier_flow_sankey_figure(FLOWS, "en")
    assert list(english.data[0].node.label)[2] == "Outside"
    assert english.data[0].link.customdata[0] == "Dispatched down: 2<br>Transfer: 1"


def test_sankey_empty():
    assert annotation_texts(tier_flow_sankey_figure(FLOWS.iloc[0:0], "zh")) == ["所选范围内暂无数据"]
    assert annotation_texts(tier_flow_sankey_figure(FLOWS.iloc[4:], "en")) == ["No data for this selection"]


def test_net_bars_up_down_and_marker():
    fig = grassroots_net_figure(NET, "zh")
    assert [trace.type for trace in fig.data] == ["bar", "bar", "scatter"]
    inflow, outflow, net = fig.data
    assert (inflow.name, outflow.name, net.name) == ("基层人才流入", "基层人才流出", "基层人才净流入")
    assert list(inflow.y) == [1, 2, 1] and list(outflow.y) == [-2, -1, 0] and list(net.y) == [-1, 1, 1]
    assert list(inflow.x) == ["东乡", "南乡", "未填乡镇"]
    assert [row[0] for row in inflow.customdata] == ["东乡", "南乡", None]  # no township: not clickable
    assert [row[1] for row in outflow.customdata] == [2, 1, 0]              # hover shows the count, positive
    assert fig.layout.barmode == "relative"
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("乡镇（基层机构所在）", "人次")
    english = grassroots_net_figure(NET, "en")
    assert english.data[0].name == "Grassroots inflow" and english.layout.yaxis.title.text == "Movements"
    assert list(english.data[0].x)[-1] == "No township"
    assert annotation_texts(grassroots_net_figure(NET.iloc[0:0], "zh")) == ["所选范围内暂无数据"]


def test_monthly_stacked_bars_in_type_order():
    fig = monthly_movements_figure(MONTHLY, "zh")
    assert fig.layout.barmode == "stack"
    assert [(trace.type, trace.name) for trace in fig.data] == [("bar", "下沉派驻"), ("bar", "招聘")]
    assert list(fig.data[0].y) == [1, 3]
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("月份", "人次")
    english = monthly_movements_figure(MONTHLY, "en")
    assert [trace.name for trace in english.data] == ["Dispatched down", "Recruitment"]
    assert english.layout.xaxis.title.text == "Month"
    assert annotation_texts(monthly_movements_figure(MONTHLY.iloc[0:0], "en")) == ["No data for this selection"]


def test_mover_profile_full_stacked_bars_per_dimension():
    fig = mover_profile_figure(PROFILE, "zh")
    assert fig.layout.barmode == "stack"
    assert all(trace.type == "bar" and trace.orientation == "h" for trace in fig.data)
    by_name = {(trace.legend or "legend", trace.name): trace for trace in fig.data}
    assert set(by_name) == {
        ("legend", "高级"), ("legend", "中级"), ("legend", "初级"),
        ("legend2", "硕士"), ("legend2", "大专"), ("legend2", "未填"),
    }
    senior = by_name[("legend", "高级")]
    assert list(senior.y) == ["下沉派驻（3 人次）"] and list(senior.x) == [pytest.approx(2 / 3)]
    assert list(senior.customdata) == [2]
    # each group's shares add up to 100 % within a dimension
    for legend in ("legend", "legend2"):
        totals = {}
        for (trace_legend, _), trace in by_name.items():
            if trace_legend == legend:
                for label, share in zip(trace.y, trace.x):
                    totals[label] = totals.get(label, 0) + share
        assert totals == {"下沉派驻（3 人次）": pytest.approx(1), "离职/流失（4 人次）": pytest.approx(1)}
    assert fig.layout.xaxis2.title.text == "占比" and fig.layout.xaxis.tickformat == ".0%"
    assert (fig.layout.legend.title.text, fig.layout.legend2.title.text) == ("职称：", "学历：")
    english = mover_profile_figure(PROFILE, "en")
    assert list(english.data[0].y) == ["Dispatched down (3)"]
    assert english.layout.xaxis2.title.text == "Share"
    assert annotation_texts(mover_profile_figure(PROFILE.iloc[0:0], "zh")) == ["所选范围内暂无数据"]


def test_dispatch_quality_shares_and_counts():
    fig = dispatch_quality_figure(QUALITY, "zh")
    assert [trace.type for trace in fig.data] == ["bar", "bar", "scatter"]
    senior, party, dispatched = fig.data
    assert (senior.name, party.name, dispatched.name) == ("高级职称下派占比", "党员下派占比", "下沉派驻人次")
    assert list(senior.x) == ["2025年7月", "2025年8月"]
    assert list(senior.y) == [0.25, 1.0] and list(party.y) == [0.5, 0.0]
    assert np.array(senior.customdata).tolist() == [[1, 4], [2, 2]]
    assert dispatched.yaxis == "y2" and list(dispatched.y) == [4, 2]
    assert fig.layout.yaxis.title.text == "占比" and fig.layout.yaxis2.title.text == "人次"
    assert fig.layout.xaxis.title.text == "统计时段"
    english = dispatch_quality_figure(QUALITY, "en")
    assert list(english.data[0].x) == ["2025-07", "2025-08"]
    assert english.layout.yaxis.title.text == "Share"
    quarterly = QUALITY.assign(grain="quarter", bucket_start=[date(2025, 4, 1), date(2025, 7, 1)])
    assert list(dispatch_quality_figure(quarterly, "zh").data[0].x) == ["2025年第2季度", "2025年第3季度"]
    assert list(dispatch_quality_figure(quarterly, "en").data[0].x) == ["2025 Q2", "2025 Q3"]
    assert annotation_texts(dispatch_quality_figure(QUALITY.iloc[0:0], "zh")) == ["所选范围内暂无数据"]
