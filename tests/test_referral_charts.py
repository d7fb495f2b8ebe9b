"""The referral chart builders on small hand-made frames: trace types, names, values, axis
titles in both languages, the display table, and a "no data" figure for an empty frame."""

import pandas as pd
import plotly.graph_objects as go
import pytest

from sinkview.charts.referral import (
    chapter_label,
    institution_balance_figure,
    institution_balance_table,
    out_of_county_chapters_figure,
    out_of_county_codes_figure,
    referral_sankey_figure,
    referral_trend_figure,
)
from sinkview.charts.theme import FLOW_COLOURS, TIER_COLOURS


def flows_by_tier() -> pd.DataFrame:
    return pd.DataFrame({
        "source_key": ["upper_hospital", "county_hospital", "county_hospital", "township_center", "village_clinic"],
        "source_rank": [4, 3, 3, 2, 1],
        "target_key": ["county_hospital", "upper_hospital", "township_center", "county_hospital", "township_center"],
        "target_rank": [3, 4, 2, 3, 2],
        "flow": ["down", "up", "down", "up", "up"],
        "referrals": [1, 5, 2, 2, 0],  # the village link is zero: dropped with its node
    })


def flows_by_institution() -> pd.DataFrame:
    return pd.DataFrame({
        "source_key": ["U1", "C1", "T1", None],
        "source_name": ["市医院", "县医院", "东乡卫生院", None],
        "source_tier": ["upper_hospital", "county_hospital", "township_center", None],
        "source_rank": [4, 3, 2, 0],
        "target_key": ["C1", "U1", None, None],
        "target_name": ["县医院", "市医院", None, None],
        "target_tier": ["county_hospital", "upper_hospital", None, None],
        "target_rank": [3, 4, 0, 0],
        "flow": ["down", "up", "up", "down"],
        "referrals": [1, 4, 1, 1],
    })


def by_month() -> pd.DataFrame:
    return pd.DataFrame({
        "month": pd.to_datetime(["2025-07-01", "2025-08-01", "2025-09-01"]),
        "up": [1, 3, 0], "down": [2, 0, 1], "lateral": [0, 1, 0],
        "down_up_ratio": [2.0, 0.0, None],
    })


def chapters() -> pd.DataFrame:
    return pd.DataFrame({
        "chapter": ["II", None, "IX"], "chapter_order": [2, None, 9],
        "first_code": ["C00", None, "I00"], "last_code": ["D48", None, "I99"],
        "referrals": [2, 2, 1], "share": [0.4, 0.4, 0.2],
    })


def top_codes() -> pd.DataFrame:
    return pd.DataFrame({
        "code3": ["C34", "D49", "I21"], "chapter": ["II", None, "IX"],
        "diagnosis": ["肺恶性肿瘤", None, "急性心肌梗死"], "referrals": [2, 1, 1],
    })


def balance() -> pd.DataFrame:
    return pd.DataFrame({
        "inst_id": ["C1", "T1", "V1"], "inst_name": ["县医院", "东乡卫生院", "东村卫生室"],
        "tier": ["county_hospital", "township_center", "village_clinic"], "township": ["城关镇", "东乡", "东乡"],
        "community": ["A"] * 3, "sent_up": [4, 2, 0], "received_down": [1, 1, 0], "net_down": [-3, -1, 0],
        "rejected": [0, 1, 0], "received_not_cancelled": [2, 2, 0],
        "rejection_rate": [0.0, 0.5, None], "median_accept_days": [1.5, 3.0, None],
    })


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("builder", [
    referral_sankey_figure, referral_trend_figure, out_of_county_chapters_figure,
    out_of_county_codes_figure, institution_balance_figure,
])
def test_empty_frame_gives_a_no_data_figure(builder, lang):
    fig = builder(pd.DataFrame(), lang)
    assert isinstance(fig, go.Figure) and not fig.data
    assert fig.layout.annotations[0].text == ("所选范围内暂无数据" if lang == "zh" else "No data for this selection")


def test_sankey_by_tier_puts_senders_left_and_receivers_right_by_rank():
    fig = referral_sankey_figure(flows_by_tier(), "zh")
    sankey = fig.data[0]
    assert sankey.type == "sankey"
    # left: senders, right: receivers, each from the upper tier down; the village node is gone
    assert list(sankey.node.label) == ["县外医院", "县级医院", "乡镇卫生院", "县外医院", "县级医院", "乡镇卫生院"]
    assert list(sankey.node.x) == [0.001] * 3 + [0.999] * 3
    assert list(sankey.node.y[:3]) == sorted(sankey.node.y[:3])
    assert list(sankey.node.color[:3]) == [TIER_COLOURS[t] for t in ("upper_hospital", "county_hospital", "township_center")]
    assert list(sankey.link.source) == [0, 1, 1, 2] and list(sankey.link.target) == [4, 3, 5, 4]
    assert list(sankey.link.value) == [1, 5, 2, 2]
    assert list(sankey.link.customdata) == ["下转", "上转", "下转", "上转"]
    up_colour, down_colour = sankey.link.color[1], sankey.link.color[0]
    assert up_colour != down_colour and up_colour.startswith("rgba(213,94,0")  # FLOW_COLOURS["up"]
    assert FLOW_COLOURS["up"] == "#D55E00"
    # a legend of the directions and the two column headings
    assert [trace.name for trace in fig.data[1:]] == ["上转", "下转"]
    assert [a.text for a in fig.layout.annotations] == ["<b>转出方</b>", "<b>转入方</b>"]
    assert fig.layout.title.text == "双向转诊流向（按机构层级，有效转诊人次）"


def test_sankey_by_institution_groups_others_last_in_english():
    fig = referral_sankey_figure(flows_by_institution(), "en", by="institution")
    sankey = fig.data[0]
    assert list(sankey.node.label) == ["市医院", "县医院", "东乡卫生院", "Others", "市医院", "县医院", "Others"]
    assert sankey.node.color[3] == TIER_COLOURS["outside"]
    assert list(sankey.link.value) == [1, 4, 1, 1]
    assert list(sankey.link.source) == [0, 1, 2, 3] and list(sankey.link.target) == [5, 4, 6, 6]
    assert [a.text for a in fig.layout.annotations] == ["<b>Referred from</b>", "<b>Referred to</b>"]
    assert fig.layout.title.text.startswith("Referral flows by institution")


def test_trend_bars_and_ratio_line():
    fig = referral_trend_figure(by_month(), "zh")
    up, down, ratio = fig.data
    assert (up.type, up.name, list(up.y)) == ("bar", "上转", [1, 3, 0])
    assert (down.name, list(down.y), down.marker.color) == ("下转", [2, 0, 1], FLOW_COLOURS["down"])
    assert list(up.x) == ["2025-07", "2025-08", "2025-09"]
    assert ratio.type == "scatter" and ratio.yaxis == "y2" and ratio.name == "下转/上转比"
    assert list(ratio.y[:2]) == [2.0, 0.0] and pd.isna(ratio.y[2])
    assert fig.layout.xaxis.title.text == "月份" and fig.layout.yaxis.title.text == "有效转诊人次"
    assert fig.layout.yaxis2.title.text == "下转/上转比"
    en = referral_trend_figure(by_month(), "en")
    assert en.layout.yaxis.title.text == "Effective referrals" and en.data[2].name == "Down/up referral ratio"


def test_out_of_county_chapters():
    fig = out_of_county_chapters_figure(chapters(), "zh")
    bars = fig.data[0]
    assert bars.type == "bar" and bars.orientation == "h"
    assert list(bars.y) == ["肿瘤 (C00–D48)", "编码缺失或无法归类", "循环系统疾病 (I00–I99)"]
    assert list(bars.x) == [2, 2, 1]
    assert fig.layout.xaxis.title.text == "上转县外人次"
    assert fig.layout.yaxis.autorange == "reversed"
    assert chapter_label("IX", "I00", "I99", "en") == "Diseases of the circulatory system (I00–I99)"


def test_out_of_county_codes():
    fig = out_of_county_codes_figure(top_codes(), "en")
    bars = fig.data[0]
    assert list(bars.y) == ["C34 肺恶性肿瘤", "D49", "I21 急性心肌梗死"]
    assert list(bars.x) == [2, 1, 1]
    assert [row[0] for row in bars.customdata] == [
        "Neoplasms", "Code missing or not classifiable", "Diseases of the circulatory system"]
    assert fig.layout.xaxis.title.text == "Referrals to upper hospitals"


def test_institution_balance_diverges_around_zero():
    fig = institution_balance_figure(balance(), "zh", limit=2)
    sent, received, net = fig.data
    assert (sent.type, sent.name, list(sent.x)) == ("bar", "上转转出", [-4, -2])
    assert (received.name, list(received.x)) == ("接收下转", [1, 1])
    assert net.type == "scatter" and list(net.x) == [-3, -1]
    assert list(sent.y) == ["C1", "T1"] and list(fig.layout.yaxis.ticktext) == ["县医院", "东乡卫生院"]
    # customdata[0] is the inst_id on every trace (the page filters by it)
    assert all(trace.customdata[1][0] == "T1" for trace in fig.data)
    assert "拒收率：50.0%" in sent.hovertext[1] and "中位数：3" in sent.hovertext[1]
    assert fig.layout.barmode == "relative"
    assert "上转转出" in fig.layout.xaxis.title.text and "接收下转" in fig.layout.xaxis.title.text
    assert all(not text.startswith("-") for text in fig.layout.xaxis.ticktext)  # counts, not negatives
    en = institution_balance_figure(balance(), "en")
    assert [trace.name for trace in en.data] == ["Sent up", "Received down", "Net (received down − sent up)"]
    assert "—" in en.data[0].hovertext[2]  # no rate without received referrals


def test_institution_balance_table():
    zh = institution_balance_table(balance(), "zh")
    assert list(zh.columns) == ["机构", "层级", "乡镇", "上转转出", "接收下转", "净接收", "接收拒收率(%)", "接收天数中位数"]
    assert list(zh["层级"]) == ["县级医院", "乡镇卫生院", "村卫生室"]
    assert zh["接收拒收率(%)"].tolist()[:2] == [0.0, 50.0] and pd.isna(zh["接收拒收率(%)"].iloc[2])
    en = institution_balance_table(balance(), "en")
    assert en.columns[0] == "Institution" and en.iloc[0, 1] == "County hospital"
