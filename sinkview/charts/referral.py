"""Charts and tables of two-way referrals (双向转诊), from the ``queries/referral`` frames.

Owns the flow Sankey (by tier or by institution, senders left and receivers right), the monthly
up/down trend with its ratio, the out-of-county diagnosis bars and the per-institution balance
with its display table. Tier and direction labels come from the contract enumerations.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from sinkview.charts.theme import FLOW_COLOURS, TIER_COLOURS, apply_theme, no_data_figure
from sinkview.i18n import enum_label, format_number, indicator_name, t

FLOWS = ("up", "down", "lateral")
RATIO_COLOUR = "#1F1F1F"
OUT_OF_COUNTY_COLOUR = TIER_COLOURS["upper_hospital"]
LINK_OPACITY = 0.45
SANKEY_TOP = 0.93  # the flows end here; the column headings sit above, below the legend
SANKEY_BOTTOM = 0.04  # room for the label of a thin last node, which is centred on it
NODE_GAP = 0.03  # vertical gap between Sankey nodes, as a fraction of the plot height
ROW_PX = 28
VALUE_ROOM = 1.12  # x-axis headroom so the count printed past the longest bar is not cut


def month_labels(months: pd.Series) -> pd.Series:
    """``2025-07`` for each month start."""
    return pd.to_datetime(months).dt.strftime("%Y-%m")


def _translucent(hex_colour: str, opacity: float) -> str:
    red, green, blue = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{opacity})"


def _stacked_centres(values: list[float]) -> list[float]:
    """Vertical centres (0 = top) of nodes stacked in order, sized by value, with gaps."""
    total = sum(values) or 1
    room = 1 - NODE_GAP * (len(values) - 1)
    centres, top = [], 0.0
    for value in values:
        height = room * value / total
        centres.append(min(max(top + height / 2, 0.001), 0.999))
        top += height + NODE_GAP
    return centres


def _side_nodes(links: pd.DataFrame, side: str, by: str, lang: str) -> pd.DataFrame:
    """One row per node of one side (``source`` or ``target``): key, tier, label and volume,
    ordered by tier rank (upper hospitals at the top), then volume; the grouped others last."""
    nodes = (
        pd.DataFrame({
            "key": links[f"{side}_key"].fillna(""),
            "tier": links[f"{side}_key"] if by == "tier" else links[f"{side}_tier"],
            "name": links[f"{side}_name"] if by == "institution" else None,
            "rank": links[f"{side}_rank"],
            "volume": links["referrals"],
        })
        .groupby("key", as_index=False)
        .agg(tier=("tier", "first"), name=("name", "first"), rank=("rank", "first"),
             volume=("volume", "sum"))
        .sort_values(["rank", "volume", "key"], ascending=[False, False, True], ignore_index=True)
    )
    if by == "tier":
        nodes["label"] = [enum_label("tier", tier, lang) for tier in nodes["tier"]]
    else:
        nodes["label"] = [
            name if key else t("referral.other", lang) for key, name in zip(nodes["key"], nodes["name"])
        ]
    return nodes


def referral_sankey_figure(frame: pd.DataFrame, lang: str = "zh", by: str = "tier") -> go.Figure:
    """Effective referral flows (``referral/flows_by_tier`` or ``referral/flows_by_institution``,
    ``by="tier"`` or ``"institution"``): senders on the left, receivers on the right, both ordered
    by tier rank from the top, links coloured by direction; zero links and their nodes dropped."""
    title = t(f"referral.sankey.title_{by}", lang)
    links = frame[frame["referrals"] > 0] if not frame.empty else frame
    if links.empty:
        return no_data_figure(lang, title)
    sources = _side_nodes(links, "source", by, lang)
    targets = _side_nodes(links, "target", by, lang)
    source_index = {key: i for i, key in enumerate(sources["key"])}
    target_index = {key: len(sources) + i for i, key in enumerate(targets["key"])}
    nodes = pd.concat([sources, targets], ignore_index=True)
    fig = go.Figure(go.Sankey(
        arrangement="snap", domain=dict(y=[SANKEY_BOTTOM, SANKEY_TOP]),
        node=dict(
            label=nodes["label"],
            color=[TIER_COLOURS.get(tier, TIER_COLOURS["outside"]) if isinstance(tier, str)
                   else TIER_COLOURS["outside"] for tier in nodes["tier"]],
            x=[0.001] * len(sources) + [0.999] * len(targets),
            y=_stacked_centres(list(sources["volume"])) + _stacked_centres(list(targets["volume"])),
            pad=12, thickness=18, line=dict(width=0),
            hovertemplate=t("referral.sankey.node_hover", lang),
        ),
        link=dict(
            source=[source_index[key] for key in links["source_key"].fillna("")],
            target=[target_index[key] for key in links["target_key"].fillna("")],
            value=links["referrals"].astype("int64"),
            color=[_translucent(FLOW_COLOURS[flow], LINK_OPACITY) for flow in links["flow"]],
            customdata=[enum_label("direction", flow, lang) for flow in links["flow"]],
            hovertemplate=t("referral.sankey.link_hover", lang),
        ),
    ))
    for flow in FLOWS:
        if (links["flow"] == flow).any():
            fig.add_trace(go.Scatter(
                x=[None], y=[None], mode="markers", name=enum_label("direction", flow, lang),
                marker=dict(symbol="square", size=14, color=FLOW_COLOURS[flow]),
            ))
    for x, anchor, key in ((0, "left", "senders"), (1, "right", "receivers")):
        fig.add_annotation(
            text=f"<b>{t(f'referral.sankey.{key}', lang)}</b>", x=x, y=SANKEY_TOP + 0.01, xref="paper",
            yref="paper", xanchor=anchor, yanchor="bottom", showarrow=False,
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    node_rows = max(len(sources), len(targets))
    return apply_theme(fig, title, height=max(480, 34 * node_rows + 160))


def referral_trend_figure(frame: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Monthly effective upward and downward referrals (``referral/referrals_by_month``) as
    grouped bars, with the down/up ratio as a line on a right-hand axis."""
    title = t("referral.trend.title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    months = month_labels(frame["month"])
    fig = go.Figure()
    for flow in ("up", "down"):
        fig.add_trace(go.Bar(
            x=months, y=frame[flow].astype("int64"), name=enum_label("direction", flow, lang),
            marker_color=FLOW_COLOURS[flow], hovertemplate=t("referral.trend.bar_hover", lang),
        ))
    fig.add_trace(go.Scatter(
        x=months, y=frame["down_up_ratio"], yaxis="y2", mode="lines+markers",
        name=indicator_name("referral.down_up_ratio", lang), line=dict(color=RATIO_COLOUR, width=3),
        marker=dict(size=8), connectgaps=False, hovertemplate=t("referral.trend.ratio_hover", lang),
    ))
    fig.update_xaxes(title_text=t("referral.trend.month_axis", lang), type="category")
    fig.update_layout(
        barmode="group", bargap=0.3, legend_traceorder="normal",
        yaxis_title_text=t("referral.trend.count_axis", lang),
        yaxis2=dict(
            title=dict(text=indicator_name("referral.down_up_ratio", lang)), overlaying="y", side="right",
            rangemode="tozero", showgrid=False, tickformat=".2f",
        ),
    )
    return apply_theme(fig, title, height=440)


def chapter_label(chapter: str | None, first_code: str | None, last_code: str | None, lang: str) -> str:
    """``循环系统疾病 (I00–I99)``; the unclassified bucket when ``chapter`` is missing."""
    if chapter is None or pd.isna(chapter):
        return t("referral.chapter.unclassified", lang)
    return f"{t(f'referral.chapter.{chapter}', lang)} ({first_code}–{last_code})"


def out_of_county_chapters_figure(frame: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Horizontal bars of ``referral/out_of_county_by_chapter``, most referrals at the top."""
    title = t("referral.out_of_county.chapter_title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    chapters = frame.sort_values("referrals", ascending=False)
    labels = [
        chapter_label(row.chapter, row.first_code, row.last_code, lang)
        for row in chapters.itertuples()
    ]
    fig = go.Figure(go.Bar(
        orientation="h", x=chapters["referrals"].astype("int64"), y=labels,
        marker_color=OUT_OF_COUNTY_COLOUR, text=chapters["referrals"].astype("int64"),
        textposition="outside", cliponaxis=False,
        customdata=chapters[["share"]].to_numpy(dtype=object),
        hovertemplate=t("referral.out_of_county.chapter_hover", lang),
    ))
    fig.update_xaxes(title_text=t("referral.out_of_county.count_axis", lang),
                     range=[0, chapters["referrals"].max() * VALUE_ROOM])
    fig.update_yaxes(type="category", autorange="reversed")
    return apply_theme(fig, title, height=max(380, ROW_PX * len(chapters) + 140))


def out_of_county_codes_figure(frame: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Horizontal bars of ``referral/out_of_county_top_codes`` (``C34 肺恶性肿瘤``), top first."""
    title = t("referral.out_of_county.code_title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    codes = frame.sort_values(["referrals", "code3"], ascending=[False, True])
    labels = [
        f"{code} {diagnosis}" if isinstance(diagnosis, str) and diagnosis else code
        for code, diagnosis in zip(codes["code3"], codes["diagnosis"])
    ]
    chapters = [
        t(f"referral.chapter.{chapter}", lang) if isinstance(chapter, str)
        else t("referral.chapter.unclassified", lang)
        for chapter in codes["chapter"]
    ]
    fig = go.Figure(go.Bar(
        orientation="h", x=codes["referrals"].astype("int64"), y=labels,
        marker_color=OUT_OF_COUNTY_COLOUR, text=codes["referrals"].astype("int64"),
        textposition="outside", cliponaxis=False,
        customdata=[[chapter] for chapter in chapters],
        hovertemplate=t("referral.out_of_county.code_hover", lang),
    ))
    fig.update_xaxes(title_text=t("referral.out_of_county.count_axis", lang),
                     range=[0, codes["referrals"].max() * VALUE_ROOM])
    fig.update_yaxes(type="category", autorange="reversed")
    return apply_theme(fig, title, height=max(380, ROW_PX * len(codes) + 140))


def _tick_step(reach: int) -> int:
    """A round step (1, 2 or 5 × 10^k) giving three to six ticks between 0 and ``reach``."""
    step = 1
    while reach / step > 6:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return step


def _balance_hover(row, lang: str) -> str:
    return t(
        "referral.balance.hover", lang, name=row.inst_name,
        sent_up=format_number(row.sent_up, lang=lang),
        received_down=format_number(row.received_down, lang=lang),
        net=format_number(row.net_down, lang=lang),
        rejection_rate=format_number(row.rejection_rate, "ratio", lang),
        median_days=format_number(row.median_accept_days, lang=lang),
    )


def institution_balance_figure(frame: pd.DataFrame, lang: str = "zh", limit: int = 20) -> go.Figure:
    """Diverging bars of ``referral/institution_balance`` for the ``limit`` busiest institutions
    (in query order): effective referrals sent up to the left, downward referrals received to
    the right, the net as a diamond. customdata[0] of every point is the inst_id (click-to-filter)."""
    title = t("referral.balance.title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    rows = frame.head(limit)
    ids = rows["inst_id"].tolist()
    hover = [_balance_hover(row, lang) for row in rows.itertuples()]
    customdata = rows[["inst_id", "inst_name"]].to_numpy(dtype=object)
    fig = go.Figure()
    fig.add_trace(go.Bar(
        orientation="h", y=ids, x=-rows["sent_up"].astype("int64"),
        name=t("referral.balance.sent_up", lang), marker_color=FLOW_COLOURS["up"],
        customdata=customdata, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
    ))
    fig.add_trace(go.Bar(
        orientation="h", y=ids, x=rows["received_down"].astype("int64"),
        name=t("referral.balance.received_down", lang), marker_color=FLOW_COLOURS["down"],
        customdata=customdata, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        y=ids, x=rows["net_down"].astype("int64"), mode="markers",
        name=t("referral.balance.net", lang),
        marker=dict(symbol="diamond", size=11, color=RATIO_COLOUR, line=dict(width=1, color="white")),
        customdata=customdata, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
    ))
    reach = int(max(rows["sent_up"].max(), rows["received_down"].max(), 1))
    step = _tick_step(reach)
    ticks = list(range(-(reach // step) * step, reach + 1, step))
    fig.update_xaxes(
        title_text=t("referral.balance.count_axis", lang), range=[-reach * 1.08, reach * 1.08],
        tickmode="array", tickvals=ticks, ticktext=[f"{abs(tick):,}" for tick in ticks],
        zeroline=True, zerolinewidth=2,
    )
    fig.update_yaxes(
        type="category", autorange="reversed", tickmode="array", tickvals=ids,
        ticktext=rows["inst_name"].tolist(),
    )
    fig.update_layout(barmode="relative", bargap=0.25, legend_traceorder="normal")
    return apply_theme(fig, title, height=max(420, ROW_PX * len(rows) + 160))


def institution_balance_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``referral/institution_balance`` for display: labelled columns, tiers by name, the
    rejection rate in percent (one decimal)."""
    column = {name: t(f"referral.column.{name}", lang) for name in (
        "inst_name", "tier", "township", "sent_up", "received_down", "net_down",
        "rejection_rate", "median_accept_days",
    )}
    return pd.DataFrame({
        column["inst_name"]: frame["inst_name"],
        column["tier"]: [enum_label("tier", tier, lang) for tier in frame["tier"]],
        column["township"]: frame["township"],
        column["sent_up"]: frame["sent_up"].astype("Int64"),
        column["received_down"]: frame["received_down"].astype("Int64"),
        column["net_down"]: frame["net_down"].astype("Int64"),
        column["rejection_rate"]: (frame["rejection_rate"].astype("Float64") * 100).round(1),
        column["median_accept_days"]: frame["median_accept_days"].astype("Float64"),
    }).reset_index(drop=True)
