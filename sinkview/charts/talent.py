"""Charts of talent mobility (人才流动), from the ``queries/talent`` frames.

Owns the tier-to-tier Sankey (with "outside" for recruits and departures), the net grassroots
flow per township, the monthly movement mix, the profile of who moves and the 双培养 view of
dispatches. Indicator names come from the registry so a chart says what the KPI card says.
"""

from __future__ import annotations

import itertools
import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sinkview.charts.theme import FLOW_COLOURS, PALETTE, TIER_COLOURS, apply_theme, no_data_figure
from sinkview.i18n import enum_label, indicator_name, t

MOVEMENT_TYPES = ("dispatch_down", "training_up", "transfer", "recruit", "departure", "rotation")
MOVEMENT_COLOURS = {
    "dispatch_down": FLOW_COLOURS["down"],
    "training_up": FLOW_COLOURS["up"],
    "transfer": PALETTE[0],
    "recruit": PALETTE[5],
    "departure": "#4D4D4D",
    "rotation": PALETTE[4],
}
# Link colours of the Sankey: by direction between ranks, or in from / out to outside.
LINK_COLOURS = {
    "down": FLOW_COLOURS["down"],
    "up": FLOW_COLOURS["up"],
    "lateral": FLOW_COLOURS["lateral"],
    "from_outside": PALETTE[5],
    "to_outside": "#4D4D4D",
}
LINK_OPACITY = 0.45
INFLOW_COLOUR = FLOW_COLOURS["down"]
OUTFLOW_COLOUR = FLOW_COLOURS["up"]
NET_COLOUR = "#1F1F1F"
PROFILED_TYPES = ("dispatch_down", "departure")
PROFILE_DIMENSIONS = ("title_level", "education")
# Darkest for the highest level; grey for a value the ledger left empty.
PROFILE_COLOURS = {
    "title_level": {"senior": "#08306B", "intermediate": "#2171B5", "junior": "#6BAED6",
                    "none": "#C6DBEF", "unknown": "#BDBDBD"},
    "education": {"doctorate": "#00441B", "master": "#006D2C", "bachelor": "#41AB5D",
                  "college": "#A1D99B", "secondary": "#E5F5E0", "unknown": "#BDBDBD"},
}
SHARE_LABEL_MINIMUM = 0.05  # segments narrower than this carry no percentage label
NODE_GAP = 0.04             # vertical gap between Sankey nodes, as a fraction of the height
SANKEY_TOP = 0.92           # the Sankey's share of the height; "from"/"to" headings sit above


def _count_step(largest: float) -> int:
    """A round whole tick step (1, 2, 5, 10, 20, ...) giving at most six ticks up to ``largest``,
    so that count axes never show fractional ticks."""
    for exponent in itertools.count():
        for mantissa in (1, 2, 5):
            if largest <= 6 * mantissa * 10**exponent:
                return mantissa * 10**exponent


def tier_label(tier: str, lang: str) -> str:
    """A tier's display name, "outside" (外部) included."""
    return t("talent.outside", lang) if tier == "outside" else enum_label("tier", tier, lang)


def _link_kind(source_tier: str, target_tier: str, source_rank: int, target_rank: int) -> str:
    if source_tier == "outside":
        return "from_outside"
    if target_tier == "outside":
        return "to_outside"
    if target_rank < source_rank:
        return "down"
    return "up" if target_rank > source_rank else "lateral"


def _rgba(hex_colour: str, opacity: float) -> str:
    red, green, blue = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{opacity})"


def _stacked_centres(values: list[float]) -> list[float]:
    """Vertical centres (0 top, 1 bottom) of nodes stacked in order with heights ∝ values."""
    usable = 1 - NODE_GAP * (len(values) - 1)
    total = sum(values)
    centres, top = [], 0.0
    for value in values:
        height = usable * value / total
        centres.append(min(max(top + height / 2, 0.001), 0.999))
        top += height + NODE_GAP
    return centres


def tier_flow_sankey_figure(frame: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Sankey of ``talent/tier_flows``: source tiers on the left, destination tiers on the
    right (highest rank on top, outside last), links coloured by direction."""
    title = t("talent.sankey_title", lang)
    links = frame[frame["movements"] > 0] if not frame.empty else frame
    if links.empty:
        return no_data_figure(lang, title)
    sides = []
    for tier_column, rank_column in (("source_tier", "source_rank"), ("target_tier", "target_rank")):
        totals = (
            links.groupby([tier_column, rank_column], as_index=False)["movements"].sum()
            .sort_values(rank_column, ascending=False)  # outside (rank 0) last
        )
        sides.append(totals.rename(columns={tier_column: "tier", rank_column: "rank"}))
    sources, targets = sides
    node_index = {("source", tier): i for i, tier in enumerate(sources["tier"])}
    node_index.update({("target", tier): len(sources) + i for i, tier in enumerate(targets["tier"])})
    tiers = list(sources["tier"]) + list(targets["tier"])
    kinds = [
        _link_kind(row.source_tier, row.target_tier, row.source_rank, row.target_rank)
        for row in links.itertuples()
    ]
    breakdown = [
        "<br>".join(
            t("talent.sankey_breakdown", lang,
              movement_type=enum_label("movement_type", kind, lang), count=getattr(row, kind))
            for kind in MOVEMENT_TYPES if getattr(row, kind) > 0
        )
        for row in links.itertuples()
    ]
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        domain=dict(y=[0, SANKEY_TOP]),
        valueformat=",d",
        node=dict(
            label=[tier_label(tier, lang) for tier in tiers],
            color=[TIER_COLOURS.get(tier, TIER_COLOURS["outside"]) for tier in tiers],
            x=[0.001] * len(sources) + [0.999] * len(targets),
            y=_stacked_centres(list(sources["movements"])) + _stacked_centres(list(targets["movements"])),
            pad=18, thickness=22, line=dict(width=0),
            hovertemplate=t("talent.sankey_node_hover", lang),
        ),
        link=dict(
            source=[node_index[("source", tier)] for tier in links["source_tier"]],
            target=[node_index[("target", tier)] for tier in links["target_tier"]],
            value=links["movements"],
            color=[_rgba(LINK_COLOURS[kind], LINK_OPACITY) for kind in kinds],
            customdata=breakdown,
            hovertemplate=t("talent.sankey_link_hover", lang),
        ),
    ))
    for x, anchor, key in ((0, "left", "talent.sankey_from"), (1, "right", "talent.sankey_to")):
        fig.add_annotation(
            text=f"<b>{t(key, lang)}</b>", x=x, y=1.0, xref="paper", yref="paper",
            xanchor=anchor, yanchor="top", showarrow=False,
        )
    return apply_theme(fig, title, height=520)


def grassroots_net_figure(frame: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Inflow up, outflow down and a net marker per township (``talent/grassroots_net_by_township``);
    customdata[0] is the township (None when the institution has none)."""
    title = t("talent.net_title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    labels = [
        township if isinstance(township, str) else t("talent.no_township", lang)
        for township in frame["township"]
    ]
    townships = frame["township"].astype(object).where(frame["township"].notna(), None)
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=labels, y=frame["inflow"], name=indicator_name("talent.grassroots_inflow", lang),
        marker_color=INFLOW_COLOUR, customdata=list(zip(townships, frame["inflow"])),
        hovertemplate=t("talent.net_inflow_hover", lang),
    ))
    fig.add_trace(go.Bar(
        x=labels, y=-frame["outflow"], name=indicator_name("talent.grassroots_outflow", lang),
        marker_color=OUTFLOW_COLOUR, customdata=list(zip(townships, frame["outflow"])),
        hovertemplate=t("talent.net_outflow_hover", lang),
    ))
    fig.add_trace(go.Scatter(
        x=labels, y=frame["net"], mode="markers", name=indicator_name("talent.net_grassroots", lang),
        marker=dict(symbol="diamond", size=13, color=NET_COLOUR, line=dict(width=1.5, color="white")),
        customdata=list(zip(townships, frame["net"])),
        hovertemplate=t("talent.net_hover", lang),
    ))
    fig.update_layout(barmode="relative", bargap=0.35)
    fig.update_xaxes(title_text=t("talent.township_axis", lang))
    fig.update_yaxes(
        title_text=t("talent.count_axis", lang), zerolinecolor="#1F1F1F", zerolinewidth=1.5,
        tickformat=",d", dtick=_count_step(max(frame["inflow"].max(), frame["outflow"].max())),
    )
    return apply_theme(fig, title, height=460)


def monthly_movements_figure(frame: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Stacked monthly bars by movement type (``talent/monthly_movements``)."""
    title = t("talent.monthly_title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    fig = go.Figure()
    for movement_type in MOVEMENT_TYPES:
        rows = frame[frame["movement_type"] == movement_type]
        if rows.empty:
            continue
        fig.add_trace(go.Bar(
            x=rows["month"], y=rows["movements"], name=enum_label("movement_type", movement_type, lang),
            marker_color=MOVEMENT_COLOURS[movement_type], xperiod="M1", xperiodalignment="middle",
            hovertemplate=t("talent.monthly_hover", lang),
        ))
    fig.update_layout(barmode="stack", bargap=0.2, legend_traceorder="normal")
    fig.update_xaxes(title_text=t("talent.month_axis", lang), tickformat="%Y-%m")
    monthly_totals = frame.groupby("month")["movements"].sum()
    fig.update_yaxes(
        title_text=t("talent.count_axis", lang), tickformat=",d", dtick=_count_step(monthly_totals.max()),
    )
    return apply_theme(fig, title, height=440)


def _profile_group_label(frame: pd.DataFrame, movement_type: str, lang: str) -> str:
    rows = frame[(frame["movement_type"] == movement_type) & (frame["dimension"] == "title_level")]
    return t(f"talent.profile_group.{movement_type}", lang, count=int(rows["movements"].sum()))


def _category_label(dimension: str, category: str, lang: str) -> str:
    if category == "unknown":
        return t("talent.unknown", lang)
    return enum_label(dimension, category, lang)


def mover_profile_figure(frame: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """100 % stacked bars of the title-level (top) and education (bottom) mix of dispatched vs
    departing staff (``talent/mover_profile``); each panel has its own legend."""
    title = t("talent.profile_title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    present = [kind for kind in PROFILED_TYPES if (frame["movement_type"] == kind).any()]
    group_labels = {kind: _profile_group_label(frame, kind, lang) for kind in present}
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.22)
    for row_number, (dimension, legend) in enumerate(zip(PROFILE_DIMENSIONS, ("legend", "legend2")), 1):
        rows = frame[frame["dimension"] == dimension]
        categories = rows.drop_duplicates("category").sort_values("category_order")["category"]
        for category in categories:
            cells = rows[rows["category"] == category].set_index("movement_type")
            kinds = [kind for kind in reversed(present) if kind in cells.index]
            shares = [float(cells.at[kind, "share"]) for kind in kinds]
            fig.add_trace(go.Bar(
                y=[group_labels[kind] for kind in kinds], x=shares, orientation="h",
                name=_category_label(dimension, category, lang), legend=legend,
                marker_color=PROFILE_COLOURS[dimension].get(category, "#BDBDBD"),
                text=[f"{share:.0%}" if share >= SHARE_LABEL_MINIMUM else "" for share in shares],
                textposition="inside", insidetextanchor="middle",
                customdata=[int(cells.at[kind, "movements"]) for kind in kinds],
                hovertemplate=t("talent.profile_hover", lang),
            ), row=row_number, col=1)
    row_two_top = fig.layout.yaxis2.domain[1]
    fig.update_yaxes(
        categoryorder="array", categoryarray=[group_labels[kind] for kind in reversed(present)],
    )
    fig.update_layout(
        barmode="stack", bargap=0.3,
        legend=dict(title=dict(text=t("talent.title_level", lang), side="left", font_size=14), traceorder="normal"),
        legend2=dict(
            title=dict(text=t("talent.education", lang), side="left", font_size=14),
            orientation="h", traceorder="normal",
            yanchor="bottom", y=row_two_top + 0.02, xanchor="right", x=1,
        ),
    )
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    fig.update_xaxes(title_text=t("talent.share_axis", lang), row=2, col=1)
    apply_theme(fig, title, height=560)
    # Each panel's legend right above it (the theme puts a legend under the figure, which here
    # left the title levels' legend under the education panel); a taller top margin keeps it
    # clear of the title.
    fig.update_layout(margin_t=100, legend=dict(orientation="h", yref="paper", yanchor="bottom", y=1.02,
                                               xanchor="right", x=1))
    return fig


def _bucket_label(bucket_start, grain: str, lang: str) -> str:
    day = pd.Timestamp(bucket_start)
    if grain == "quarter":
        return t("period.quarter", lang, year=day.year, quarter=(day.month - 1) // 3 + 1)
    return t("period.month", lang, year=day.year, month=day.month)


def dispatch_quality_figure(frame: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """双培养: senior and party-member shares of dispatched staff per month or quarter (bars),
    with the number dispatched on a second axis (``talent/dispatch_quality``)."""
    title = t("talent.quality_title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    labels = [_bucket_label(day, grain, lang) for day, grain in zip(frame["bucket_start"], frame["grain"])]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    shares = (
        ("senior_share", "senior", "talent.senior_dispatch_share", PALETTE[0]),
        ("party_share", "party_members", "talent.party_dispatch_share", FLOW_COLOURS["up"]),
    )
    for share_column, count_column, indicator_id, colour in shares:
        fig.add_trace(go.Bar(
            x=labels, y=frame[share_column], name=indicator_name(indicator_id, lang),
            marker_color=colour, customdata=frame[[count_column, "dispatched"]].to_numpy(),
            text=[f"{share:.0%}" for share in frame[share_column]], textposition="outside",
            hovertemplate=t("talent.quality_share_hover", lang),
        ), secondary_y=False)
    fig.add_trace(go.Scatter(
        x=labels, y=frame["dispatched"], mode="lines+markers",
        name=indicator_name("talent.dispatched_down", lang),
        line=dict(color="#7F7F7F", width=2, dash="dot"), marker=dict(size=8),
        hovertemplate=t("talent.quality_count_hover", lang),
    ), secondary_y=True)
    fig.update_layout(barmode="group", bargap=0.3)
    fig.update_xaxes(title_text=t("talent.bucket_axis", lang), type="category")
    fig.update_yaxes(
        title_text=t("talent.share_axis", lang), tickformat=".0%", range=[0, 1.15], secondary_y=False,
    )
    count_step = _count_step(frame["dispatched"].max())
    fig.update_yaxes(
        title_text=t("talent.count_axis", lang), showgrid=False, tickformat=",d", dtick=count_step,
        range=[0, count_step * math.ceil(frame["dispatched"].max() * 1.15 / count_step)],
        secondary_y=True,
    )
    return apply_theme(fig, title, height=440)
