"""The shared look of every chart: CJK-capable fonts, a projector-friendly palette, sizes.

Owns colours (by tier, by status, by direction of flow), the font stack (Noto Sans CJK SC is
installed by the set-up, so Chinese never renders as boxes, in the browser or in kaleido
exports) and ``apply_theme``, which every builder calls last.
"""

from __future__ import annotations

import plotly.graph_objects as go

from sinkview.i18n import t

FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'

# Colour-blind-safe, high contrast on a white projector background (Okabe–Ito based).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

TIER_COLOURS = {
    "upper_hospital": "#7F3C8D",
    "county_hospital": "#0072B2",
    "township_center": "#009E73",
    "village_clinic": "#E69F00",
    "outside": "#7F7F7F",
}
FLOW_COLOURS = {"up": "#D55E00", "down": "#009E73", "lateral": "#7F7F7F"}
STATUS_COLOURS = {"met": "#009E73", "near": "#E69F00", "missed": "#D55E00", None: "#7F7F7F"}
EMPTY_COLOUR = "#D9D9D9"


def apply_theme(fig: go.Figure, title: str | None = None, height: int = 420) -> go.Figure:
    """Fonts, margins and background shared by every chart; returns the same figure."""
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=18)) if title else None,
        font=dict(family=FONT_FAMILY, size=14, color="#1F1F1F"),
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=PALETTE,
        height=height,
        margin=dict(l=10, r=10, t=50 if title else 20, b=10),
        # Below the plot, anchored to the figure: a legend that wraps pushes the plot up
        # instead of running into the title (a top legend collides with it at narrow widths).
        legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0, xanchor="left"),
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=14)),
    )
    fig.update_xaxes(automargin=True, gridcolor="#EEEEEE", zerolinecolor="#CCCCCC")
    fig.update_yaxes(automargin=True, gridcolor="#EEEEEE", zerolinecolor="#CCCCCC")
    return fig


def no_data_figure(lang: str, title: str | None = None) -> go.Figure:
    """An empty chart that says so in the middle (never an exception, never a blank box)."""
    fig = go.Figure()
    fig.add_annotation(text=t("chart.no_data", lang), x=0.5, y=0.5, xref="paper", yref="paper",
                       showarrow=False, font=dict(size=18, color="#7F7F7F"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return apply_theme(fig, title)
