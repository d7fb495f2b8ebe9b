"""How the overview's tables look: status tints, change colours, sparklines and column settings.

Owns the pandas Stylers and ``st.column_config`` of the scorecard (one table per topic, the
trend drawn by ``LineChartColumn``, so 39 sparklines cost no Plotly figure and render offline)
and of the league table (numbers kept for sorting, shown with their rank). The frames come
from ``sinkview.metrics.scorecard``; nothing here computes a value.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from sinkview.charts.theme import PALETTE, STATUS_COLOURS
from sinkview.i18n import t
from sinkview.metrics.scorecard import LeagueTable

TINT_ALPHA = 0.35  # status backgrounds: light enough for black text on a projector
ROW_HEIGHT_PX = 35  # st.dataframe's row height; tables are sized to show every row
# Column widths (px) that fit the main area beside the sidebar on a 1280-px projector.
COLUMN_WIDTHS = {
    "zh": {"name": 250, "value": 100, "change": 110, "target": 100, "status": 60, "trend": 80},
    "en": {"name": 260, "value": 125, "change": 100, "target": 90, "status": 60, "trend": 80},
}
TONE_COLOURS = {"good": STATUS_COLOURS["met"], "bad": STATUS_COLOURS["missed"]}
SCORECARD_COLUMNS = ("name", "value", "change_previous", "change_year_ago", "target", "status_label", "trend")


def tint(colour: str, alpha: float = TINT_ALPHA) -> str:
    """A hex colour as a translucent CSS rgba() background."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _status_css(status: str | None) -> str:
    return f"background-color: {tint(STATUS_COLOURS[status])}" if isinstance(status, str) else ""


def _tone_css(tone: str | None) -> str:
    return f"color: {TONE_COLOURS[tone]}; font-weight: 600" if isinstance(tone, str) else ""


def styled_scorecard(table: pd.DataFrame) -> Styler:
    """The scorecard rows of one topic: status cells tinted, changes coloured good or bad."""
    def row_styles(row: pd.Series) -> list[str]:
        styles = {"status_label": _status_css(row["status"]),
                  "change_previous": _tone_css(row["tone_previous"]),
                  "change_year_ago": _tone_css(row["tone_year_ago"])}
        return [styles.get(column, "") for column in row.index]

    return table.style.apply(row_styles, axis=1)


def table_height(rows: int) -> int:
    """The height in pixels that shows a header and ``rows`` rows without scrolling."""
    return (rows + 1) * ROW_HEIGHT_PX + 3


def scorecard_columns(lang: str, trend_caption: str) -> dict:
    """Column labels and widths of the scorecard; the trend is a sparkline per row."""
    widths = COLUMN_WIDTHS[lang]

    def text_column(key: str, width: int, **options):
        return st.column_config.TextColumn(t(f"overview.column.{key}", lang), width=width, **options)

    return {
        "name": text_column("name", widths["name"], pinned=True),
        "value": text_column("value", widths["value"]),
        "change_previous": text_column("change_previous", widths["change"],
                                       help=t("overview.column.change_previous_help", lang)),
        "change_year_ago": text_column("change_year_ago", widths["change"],
                                       help=t("overview.column.change_year_ago_help", lang)),
        "target": text_column("target", widths["target"]),
        "status_label": text_column("status", widths["status"]),
        "trend": st.column_config.LineChartColumn(t("overview.column.trend", lang), help=trend_caption,
                                                  width=widths["trend"], color=PALETTE[0]),
    }


def styled_league(table: LeagueTable) -> Styler:
    """Communities × indicators: numbers underneath (so sorting is numeric), each cell showing
    its value and rank, tinted by its status where the indicator has a target."""
    def cell_text(column: str):
        texts = dict(zip(table.values[column], table.texts[column]))
        return lambda value: "—" if value is None or math.isnan(value) else texts[value]

    return (table.values.style
            .format({column: cell_text(column) for column in table.values.columns})
            .apply(lambda _: table.statuses.map(_status_css), axis=None))


def league_columns(table: LeagueTable) -> dict:
    """Every indicator column aligned the same way (the cells are text over numbers)."""
    return {column: st.column_config.NumberColumn(column, alignment="left") for column in table.values.columns}
