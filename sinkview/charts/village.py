"""Charts and tables of village clinic coverage (村卫生室覆盖), from the ``queries/village`` frames.

Owns the offline village map (plain scatter over longitude/latitude, no tiles), the per-township
coverage bars, the coverage trend and the display form of the village lists. Indicator names
come from the registry so a chart says exactly what the KPI card says.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from sinkview.charts.theme import PALETTE, STATUS_COLOURS, apply_theme, no_data_figure
from sinkview.i18n import indicator_name, t

# Drawn in this order so that the blank villages lie on top; the legend lists them first.
COVERAGE_STATES = ("covered", "no_licensed", "blank")
LEGEND_RANKS = {"blank": 1, "no_licensed": 2, "covered": 3}
STATE_COLOURS = {
    "blank": STATUS_COLOURS["missed"],
    "no_licensed": STATUS_COLOURS["near"],
    "covered": STATUS_COLOURS["met"],
}
CENTRE_COLOUR = "#1F1F1F"
# The village.* ratios charted per township and over time, in the order of metrics.md.
COVERAGE_INDICATORS = (
    "clinic_coverage",
    "licensed_share",
    "signing_rate",
    "insurance_rate",
    "telemedicine_rate",
    "ecg_coverage",
    "party_coverage",
)
LARGEST_MARKER_PX = 24
SMALLEST_MARKER_PX = 5


def village_map_figure(
    frame: pd.DataFrame, lang: str = "zh", centres: pd.DataFrame | None = None
) -> go.Figure:
    """Villages (``village/village_points``) at their coordinates, coloured by coverage state and
    sized by population, with the township centres (``village/township_centres``) marked.

    The y axis is scaled by 1/cos(mean latitude) so that a kilometre east equals a kilometre
    north on screen. customdata[0] of every point is its township (for click-to-filter).
    """
    title = t("village.map_title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    fig = go.Figure()
    size_ref = 2.0 * max(frame["population"].max(), 1) / LARGEST_MARKER_PX**2
    for state in COVERAGE_STATES:
        villages = frame[frame["coverage_state"] == state]
        if villages.empty:
            continue
        fig.add_trace(go.Scatter(
            x=villages["longitude"], y=villages["latitude"], mode="markers",
            name=t(f"village.state.{state}", lang), legendrank=LEGEND_RANKS[state],
            marker=dict(
                size=villages["population"], sizemode="area", sizeref=size_ref,
                sizemin=SMALLEST_MARKER_PX, color=STATE_COLOURS[state], opacity=0.85,
                line=dict(width=0.8, color="white"),
            ),
            customdata=villages[
                ["township", "village_name", "population", "village_doctors", "licensed_doctors"]
            ].to_numpy(dtype=object),
            hovertemplate=t("village.map_hover", lang),
        ))
    if centres is not None and not centres.empty:
        fig.add_trace(go.Scatter(
            x=centres["longitude"], y=centres["latitude"], mode="markers+text",
            name=t("village.township_centre", lang), legendrank=4, text=centres["township"],
            textposition="top center", textfont=dict(size=13, color=CENTRE_COLOUR, shadow="auto"),
            marker=dict(symbol="square", size=11, color=CENTRE_COLOUR, line=dict(width=1.5, color="white")),
            customdata=centres[["township", "inst_name"]].to_numpy(dtype=object),
            hovertemplate=t("village.centre_hover", lang),
        ))
    mean_latitude = frame["latitude"].mean()
    fig.update_xaxes(title_text=t("village.longitude", lang), ticksuffix="°", showgrid=True)
    fig.update_yaxes(
        title_text=t("village.latitude", lang), ticksuffix="°", showgrid=True,
        scaleanchor="x", scaleratio=1 / math.cos(math.radians(mean_latitude)),
    )
    fig.update_layout(legend_itemsizing="constant")
    return apply_theme(fig, title, height=600)


def township_coverage_figure(frame: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Grouped bars (``village/township_coverage``): one group per township, one bar per
    coverage indicator; customdata[0] is the township (for click-to-filter)."""
    title = t("village.township_coverage_title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    fig = go.Figure()
    for colour, column in zip(PALETTE, COVERAGE_INDICATORS):
        fig.add_trace(go.Bar(
            x=frame["township"], y=frame[column], name=indicator_name(f"village.{column}", lang),
            marker_color=colour,
            customdata=frame[["township", "villages"]].to_numpy(dtype=object),
            hovertemplate=t("village.township_coverage_hover", lang),
        ))
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    fig.update_xaxes(title_text=t("village.township_axis", lang))
    fig.update_yaxes(title_text=t("village.ratio_axis", lang), tickformat=".0%", range=[0, 1.05])
    return apply_theme(fig, title, height=480)


def coverage_trend_figure(frame: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """One line per coverage indicator across snapshot dates (``village/coverage_trend``)."""
    title = t("village.trend_title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    fig = go.Figure()
    for colour, column in zip(PALETTE, COVERAGE_INDICATORS):
        fig.add_trace(go.Scatter(
            x=frame["snapshot_date"], y=frame[column], mode="lines+markers",
            name=indicator_name(f"village.{column}", lang), line=dict(color=colour, width=2.5),
            marker=dict(size=7), customdata=frame[["villages"]].to_numpy(dtype=object),
            hovertemplate=t("village.trend_hover", lang),
        ))
    fig.update_xaxes(title_text=t("village.snapshot_axis", lang), tickformat="%Y-%m-%d")
    fig.update_yaxes(title_text=t("village.ratio_axis", lang), tickformat=".0%", range=[0, 1.05])
    return apply_theme(fig, title, height=440)


def blank_villages_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``village/blank_villages`` for display: labelled columns and reasons, dates as text."""
    shown = pd.DataFrame({
        t("village.column.village_name", lang): frame["village_name"],
        t("village.column.township", lang): frame["township"],
        t("village.column.population", lang): frame["population"],
        t("village.column.distance_km", lang): frame["distance_km"],
        t("village.column.blank_reason", lang): [
            t(f"village.blank_reason.{reason}", lang) for reason in frame["blank_reason"]
        ],
        t("village.column.blank_since", lang): pd.to_datetime(frame["blank_since"]).dt.strftime("%Y-%m-%d"),
        t("village.column.village_code", lang): frame["village_code"],
    })
    return shown.reset_index(drop=True)


def villages_without_coordinates_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``village/villages_without_coordinates`` for display beside the map."""
    shown = pd.DataFrame({
        t("village.column.village_name", lang): frame["village_name"],
        t("village.column.township", lang): frame["township"],
        t("village.column.population", lang): frame["population"],
        t("village.column.coverage_state", lang): [
            t(f"village.state.{state}", lang) for state in frame["coverage_state"]
        ],
    })
    return shown.reset_index(drop=True)
