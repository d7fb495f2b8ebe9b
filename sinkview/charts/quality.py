"""Charts and tables of data quality (数据质量), from the ``queries/quality`` frames.

Owns the institution × month completeness grid, the small multiples of service-volume outliers
against their history, and the display form (localised headers, tier labels, dates) of the rows
behind each check. Nothing here queries or decides what is a violation: the SQL did that.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sinkview.charts.theme import STATUS_COLOURS, apply_theme, no_data_figure
from sinkview.i18n import enum_label, format_number, t

REPORTED_COLOUR = "#CFE8DC"            # a quiet green: the normal case
MISSING_COLOUR = STATUS_COLOURS["missed"]
VISITS_COLOUR = "#0072B2"
BAND_COLOUR = "rgba(0, 114, 178, 0.12)"
ROW_PX = 28
GRID_MAX_ROWS = 60                     # more rows than this: the table and the CSV hold them all
PERIOD_COLOUR = "#EBEBEB"
HALF_MONTH = pd.Timedelta(days=15)
OUTLIER_COLUMNS = 3
OUTLIER_PANEL_PX = 230
MAX_OUTLIER_PANELS = 12


def month_label(months: pd.Series) -> pd.Series:
    return pd.to_datetime(months).dt.strftime("%Y-%m")


def institution_label(name: str, code: str, lang: str = "zh") -> str:
    """``name（code）`` in Chinese, ``name (code)`` in English."""
    return t("quality.institution_label", lang, name=name, code=code)


def incomplete_reporters(grid: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``quality/reporting_grid`` of institutions that missed at least one month."""
    if grid.empty:
        return grid
    missed = grid.loc[~grid["reported"].astype(bool), "inst_id"].unique()
    return grid[grid["inst_id"].isin(missed)]


def reporting_grid_figure(grid: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Institutions (rows, in query order: highest tier first) × report months: a quiet cell
    when the month's report arrived, a red one marked "missing" when not. At most
    ``GRID_MAX_ROWS`` institutions are drawn (the caption and the table say how many exist)."""
    title = t("quality.grid.title", lang)
    if grid.empty:
        return no_data_figure(lang, title)
    cells = grid.assign(month=month_label(grid["month_start"]),
                        label=[institution_label(n, i, lang) for n, i in zip(grid["inst_name"], grid["inst_id"])])
    rows = list(dict.fromkeys(cells["label"]))[:GRID_MAX_ROWS]
    months = sorted(cells["month"].unique())
    cells = cells[cells["label"].isin(rows)]
    reported = (cells.pivot_table(index="label", columns="month", values="reported", aggfunc="max")
                .reindex(index=rows, columns=months).astype(float))
    tiers = cells.drop_duplicates("label").set_index("label").reindex(rows)["tier"]
    state = reported.map(lambda v: t("quality.grid.reported" if v == 1 else "quality.grid.missing", lang))
    tier_text = [[enum_label("tier", tier, lang)] * len(months) for tier in tiers]
    fig = go.Figure(go.Heatmap(
        z=reported.values.tolist(), x=months, y=rows,
        zmin=0, zmax=1, colorscale=[[0.0, MISSING_COLOUR], [0.5, MISSING_COLOUR], [0.5, REPORTED_COLOUR],
                                    [1.0, REPORTED_COLOUR]],
        showscale=False, xgap=2, ygap=2,
        text=[["" if v == 1 else t("quality.grid.missing", lang) for v in row] for row in reported.values],
        texttemplate="%{text}", textfont=dict(color="white", size=13),
        customdata=[[[tier, s] for tier, s in zip(tier_row, state_row)]
                    for tier_row, state_row in zip(tier_text, state.values.tolist())],
        hovertemplate=t("quality.grid.hover", lang),
    ))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top")
    apply_theme(fig, title, height=max(260, 140 + ROW_PX * len(rows)))
    fig.update_layout(margin=dict(t=90))  # the month labels sit on top, under the title
    return fig


def reporting_grid_table(grid: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The grid as a table to read or download: one row per institution, a column per month
    (reported / missing), then the months reported of those expected."""
    if grid.empty:
        return pd.DataFrame()
    cells = grid.assign(month=month_label(grid["month_start"]))
    wide = cells.pivot_table(index="inst_id", columns="month", values="reported", aggfunc="max")
    order = list(dict.fromkeys(cells["inst_id"]))
    wide = wide.reindex(order)
    names = cells.drop_duplicates("inst_id").set_index("inst_id").reindex(order)
    table = pd.DataFrame({
        t("quality.column.inst_id", lang): order,
        t("quality.column.inst_name", lang): names["inst_name"].tolist(),
        t("quality.column.tier", lang): [enum_label("tier", tier, lang) for tier in names["tier"]],
        t("quality.column.township", lang): names["township"].tolist(),
        t("quality.column.community", lang): names["community"].tolist(),
    })
    for month in wide.columns:
        table[month] = [t("quality.grid.reported" if v else "quality.grid.missing", lang)
                        for v in wide[month].astype(bool)]
    table[t("quality.column.months_reported", lang)] = [
        f"{int(done)}/{len(wide.columns)}" for done in wide.astype(int).sum(axis=1)]
    return table


def outlier_history_figure(history: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """One small chart per institution with an outlier (``quality/outlier_history``): monthly
    outpatient visits, the band its history allows (median ÷ factor to median × factor) and
    the outlier months in red; the period is shaded, the months before it are its history."""
    title = t("quality.outliers.title", lang)
    if history.empty:
        return no_data_figure(lang, title)
    frame = history.assign(month=pd.to_datetime(history["month_start"]))
    series = list(dict.fromkeys(zip(frame["inst_id"], frame["community"])))[:MAX_OUTLIER_PANELS]
    columns = min(OUTLIER_COLUMNS, len(series))
    rows = math.ceil(len(series) / columns)
    names = [_series_title(frame, inst_id, community, lang) for inst_id, community in series]
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=names, horizontal_spacing=0.06,
                        vertical_spacing=min(0.12, 0.5 / rows))
    for index, (inst_id, community) in enumerate(series):
        panel = frame[(frame["inst_id"] == inst_id) & (frame["community"] == community)].sort_values("month")
        row, column = index // columns + 1, index % columns + 1
        first = index == 0
        fig.add_trace(go.Scatter(x=panel["month"], y=panel["upper_bound"], mode="lines", line=dict(width=0),
                                 hoverinfo="skip", showlegend=False, legendgroup="band"), row=row, col=column)
        fig.add_trace(go.Scatter(x=panel["month"], y=panel["lower_bound"], mode="lines", line=dict(width=0),
                                 fill="tonexty", fillcolor=BAND_COLOUR, name=t("quality.outliers.band", lang),
                                 hoverinfo="skip", showlegend=first, legendgroup="band"), row=row, col=column)
        fig.add_trace(go.Scatter(
            x=panel["month"], y=panel["outpatient_visits"], mode="lines+markers",
            line=dict(color=VISITS_COLOUR, width=2), marker=dict(size=5),
            name=t("quality.outliers.visits", lang), showlegend=first, legendgroup="visits",
            customdata=panel[["history_median"]].to_numpy(),
            hovertemplate=t("quality.outliers.hover", lang)), row=row, col=column)
        outliers = panel[panel["is_outlier"].astype(bool)]
        fig.add_trace(go.Scatter(
            x=outliers["month"], y=outliers["outpatient_visits"], mode="markers",
            marker=dict(color=MISSING_COLOUR, size=12, symbol="diamond", line=dict(color="white", width=1)),
            name=t("quality.outliers.outlier", lang), showlegend=first, legendgroup="outlier",
            customdata=outliers[["history_median"]].to_numpy(),
            hovertemplate=t("quality.outliers.hover", lang)), row=row, col=column)
        in_period = panel.loc[panel["in_period"].astype(bool), "month"]
        if not in_period.empty:  # the period itself on a grey ground, half a month either side
            fig.add_vrect(x0=in_period.min() - HALF_MONTH, x1=in_period.max() + HALF_MONTH, fillcolor=PERIOD_COLOUR,
                          line_width=0, layer="below", row=row, col=column)
    fig.update_xaxes(tickformat="%Y-%m", dtick="M6", tickangle=0)
    fig.update_yaxes(rangemode="tozero", tickformat="~s")
    for annotation in fig.layout.annotations:
        annotation.font = dict(size=15)
    apply_theme(fig, title, height=90 + OUTLIER_PANEL_PX * rows)
    fig.update_layout(margin=dict(t=90))
    return fig


def _series_title(frame: pd.DataFrame, inst_id: str, community: str, lang: str) -> str:
    name = frame.loc[frame["inst_id"] == inst_id, "inst_name"].iloc[0]
    return institution_label(name, community, lang) if community else name


# Columns of the rows behind each check, in the order shown; headers from quality.column.*.
DETAIL_COLUMNS = {
    "quality.volume_missing": ("inst_id", "inst_name", "tier", "township", "community", "month_start"),
    "quality.expert_overlap": ("expert_id", "overlap_start", "overlap_end", "overlap_days",
                               "first_record_id", "first_host_id", "first_host_name", "first_start_date",
                               "first_end_date", "second_record_id", "second_host_id", "second_host_name",
                               "second_start_date", "second_end_date"),
    "quality.clinic_parent_mismatch": ("village_code", "village_name", "township", "snapshot_date",
                                       "township_center_id", "township_center_name", "clinic_id",
                                       "clinic_name", "clinic_parent_id", "clinic_parent_name"),
    "quality.slow_acceptance": ("referral_id", "referral_date", "accepted_date", "accept_days", "status",
                                "from_inst_id", "from_name", "to_inst_id", "to_name"),
    "quality.volume_outlier": ("inst_id", "inst_name", "tier", "community", "month_start",
                               "outpatient_visits", "history_median", "history_months_reported",
                               "ratio_to_median"),
}
_MONTH_COLUMNS = {"month_start"}
_DATE_COLUMNS = {"overlap_start", "overlap_end", "first_start_date", "first_end_date", "second_start_date",
                 "second_end_date", "snapshot_date", "referral_date", "accepted_date"}


def detail_table(frame: pd.DataFrame, check_id: str, lang: str = "zh") -> pd.DataFrame:
    """The rows behind a check as shown and downloaded: its columns in order, headers in the
    language, tiers and statuses as labels, days as YYYY-MM-DD and months as YYYY-MM."""
    columns = [c for c in DETAIL_COLUMNS[check_id] if c in frame.columns]
    shown = frame[columns].copy()
    for column in columns:
        if column in _MONTH_COLUMNS:
            shown[column] = month_label(shown[column])
        elif column in _DATE_COLUMNS:
            shown[column] = pd.to_datetime(shown[column]).dt.strftime("%Y-%m-%d")
        elif column == "tier":
            shown[column] = [enum_label("tier", v, lang) for v in shown[column]]
        elif column == "status":
            shown[column] = [enum_label("status", v, lang) for v in shown[column]]
        elif column == "history_median":
            shown[column] = shown[column].astype(float).round(1)
        elif column == "ratio_to_median":
            shown[column] = [format_number(float(v), "", lang) for v in shown[column]]
    return shown.rename(columns={c: t(f"quality.column.{c}", lang) for c in columns})
