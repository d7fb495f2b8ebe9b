"""Charts and tables of expert rotations (专家下沉), from the ``queries/rotation`` frames.

Owns the township coverage matrix (by month or by specialty), the stint timeline, the monthly
activity mix with its party-building overlay and the display form of the two gap lists. Labels
of activities and title levels come from the contract enumerations; nothing here queries.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from sinkview.charts.theme import EMPTY_COLOUR, FLOW_COLOURS, apply_theme, no_data_figure
from sinkview.i18n import enum_label, indicator_name, t

ACTIVITIES = ("clinic", "ward_round", "surgery", "case_discussion", "training", "teleconsult", "other")
ACTIVITY_COLOURS = {
    "clinic": "#0072B2",
    "ward_round": "#56B4E9",
    "surgery": "#D55E00",
    "case_discussion": "#CC79A7",
    "training": "#E69F00",
    "teleconsult": "#009E73",
    "other": "#7F7F7F",
}
PARTY_COLOUR = "#C00000"
UNCOVERED_LABEL_COLOUR = FLOW_COLOURS["up"]
# Sequential blues that stay clearly apart from the grey of an empty cell on a projector.
COVERAGE_SCALE = [[0.0, "#C6DBEF"], [0.5, "#4292C6"], [1.0, "#08306B"]]
# The groups (hospitals or specialties) with the most expert-days get these; the rest share grey.
GROUP_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"]
OTHER_GROUP_COLOUR = "#A6A6A6"
ROW_PX = 26
BAR_ROW_PX = 22
DAY_MS = 86_400_000


def month_labels(months: pd.Series) -> pd.Series:
    """``2025-07`` for each month start."""
    return pd.to_datetime(months).dt.strftime("%Y-%m")


def coverage_matrix_figure(frame: pd.DataFrame, lang: str = "zh", by: str = "month",
                           max_rows: int | None = None) -> go.Figure:
    """Heatmap of township centres (rows, in query order) × months or specialties (``by``), from
    ``rotation/coverage_by_month`` or ``rotation/coverage_by_specialty``. ``max_rows`` (a slide,
    where every name must stay legible) keeps the centres with the fewest expert-days, and the
    title says so.

    Cells with no expert-days are drawn grey and the names of centres with none at all in red.
    An invisible marker on every cell carries the hover and the selection: its customdata is
    ``[inst_id, inst_name, township, expert_days]`` (click a row to filter by township).
    """
    title = t(f"rotation.matrix.title_{by}", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    if max_rows is not None and frame["inst_id"].nunique() > max_rows:
        totals = frame.groupby("inst_id", sort=False)["expert_days"].sum()
        frame = frame[frame["inst_id"].isin(totals.sort_values(kind="stable").index[:max_rows])]
        title = t("rotation.matrix.title_fewest", lang, count=max_rows, total=len(totals))
    cells = frame.assign(
        column=month_labels(frame["month"]) if by == "month" else frame["specialty"],
        expert_days=frame["expert_days"].astype("int64"),
    )
    rows = list(dict.fromkeys(cells["inst_id"]))
    columns = list(dict.fromkeys(cells["column"]))
    grid = (
        cells.pivot_table(index="inst_id", columns="column", values="expert_days", aggfunc="sum")
        .reindex(index=rows, columns=columns)
        .fillna(0)
    )
    covered = grid.sum(axis=1) > 0
    names = cells.drop_duplicates("inst_id").set_index("inst_id").reindex(rows)
    tick_text = [
        name if is_covered else f'<span style="color:{UNCOVERED_LABEL_COLOUR}">{name}</span>'
        for name, is_covered in zip(names["inst_name"], covered)
    ]
    empty = (grid == 0).astype(float).where(grid == 0)  # 1 where no expert came, else blank
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        z=empty.to_numpy(), x=columns, y=rows, colorscale=[[0, EMPTY_COLOUR], [1, EMPTY_COLOUR]],
        showscale=False, hoverinfo="skip", xgap=2, ygap=2,
    ))
    fig.add_trace(go.Heatmap(
        z=grid.where(grid > 0).to_numpy(), x=columns, y=rows, colorscale=COVERAGE_SCALE,
        zmin=0, texttemplate="%{z:,.0f}", hoverinfo="skip", xgap=2, ygap=2,
        colorbar=dict(title=dict(text=t("rotation.matrix.colour_axis", lang)), thickness=14),
    ))
    fig.add_trace(go.Scatter(
        x=cells["column"], y=cells["inst_id"], mode="markers", showlegend=False,
        marker=dict(symbol="square", size=ROW_PX - 6, opacity=0, color="#000000"),
        selected=dict(marker=dict(opacity=0.25)),
        customdata=cells[["inst_id", "inst_name", "township", "expert_days"]].to_numpy(dtype=object),
        hovertemplate=t("rotation.matrix.hover", lang),
    ))
    fig.add_trace(go.Scatter(
        x=[None], y=[None], mode="markers", name=t("rotation.matrix.empty_cell", lang),
        marker=dict(symbol="square", size=14, color=EMPTY_COLOUR),
    ))
    fig.update_xaxes(
        title_text=t(f"rotation.matrix.{by}_axis", lang), type="category", showgrid=False,
        tickangle=0 if by == "month" and len(columns) <= 12 else -45,
    )
    fig.update_yaxes(
        title_text=t("rotation.matrix.centre_axis", lang), type="category", showgrid=False,
        autorange="reversed", tickmode="array", tickvals=rows, ticktext=tick_text,
    )
    fig.update_layout(hoverdistance=-1)
    return apply_theme(fig, title, height=max(420, ROW_PX * len(rows) + 170))


def _expert_labels(stints: pd.DataFrame) -> pd.Series:
    """The expert's name, with the staff id added where two experts share a name."""
    experts = stints.drop_duplicates("expert_id").set_index("expert_id")
    names = experts["expert_name"].fillna(pd.Series(experts.index, index=experts.index))
    shared = names.duplicated(keep=False)
    labels = names.where(~shared, names + " (" + names.index.to_series() + ")")
    return stints["expert_id"].map(labels)


def stint_timeline_figure(
    frame: pd.DataFrame, lang: str = "zh", colour_by: str = "home"
) -> go.Figure:
    """One row per expert, one horizontal bar per stint from its first to its last day in the
    period (``rotation/stint_timeline``), coloured by sending hospital (``colour_by="home"``) or
    by specialty (``"specialty"``): the groups with the most expert-days get a colour each, the
    rest share grey. The figure grows with the number of experts."""
    title = t("rotation.timeline.title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    stints = frame.assign(label=_expert_labels(frame))
    experts = list(dict.fromkeys(stints.sort_values("expert_order")["label"]))
    total = int(stints["experts_total"].iloc[0])
    group_column = "home_name" if colour_by == "home" else "specialty"
    group_days = stints.groupby(group_column)["days_in_period"].sum().sort_values(ascending=False)
    coloured = list(group_days.index[:len(GROUP_COLOURS)])
    others = t("rotation.timeline.other_group", lang)
    stints["group"] = stints[group_column].where(stints[group_column].isin(coloured), others)
    hover = pd.DataFrame({
        "expert": stints["label"],
        "home": stints["home_name"],
        "host": stints["host_name"],
        "specialty": stints["specialty"],
        "title": [enum_label("title_level", code if pd.notna(code) else None, lang)
                  for code in stints["title_level"]],
        "activity": [enum_label("activity", code, lang) for code in stints["activity"]],
        "start": pd.to_datetime(stints["start_date"]).dt.strftime("%Y-%m-%d"),
        "end": pd.to_datetime(stints["end_date"]).dt.strftime("%Y-%m-%d"),
        "days": stints["days_in_period"].astype("int64"),
    }, index=stints.index)
    fig = go.Figure()
    for colour, group in zip(GROUP_COLOURS + [OTHER_GROUP_COLOUR], coloured + [others]):
        rows = stints[stints["group"] == group]
        if rows.empty:
            continue
        fig.add_trace(go.Bar(
            orientation="h", y=rows["label"], base=pd.to_datetime(rows["start_in_period"]),
            x=rows["days_in_period"].astype("int64") * DAY_MS, name=str(group),
            marker=dict(color=colour, line=dict(width=0.5, color="white")),
            customdata=hover.loc[rows.index].to_numpy(dtype=object),
            hovertemplate=t("rotation.timeline.hover", lang),
        ))
    expert_axis = (
        t("rotation.timeline.expert_axis_capped", lang, shown=len(experts), total=total)
        if total > len(experts) else t("rotation.timeline.expert_axis", lang, total=total)
    )
    fig.update_xaxes(type="date", title_text=t("rotation.timeline.date_axis", lang), tickformat="%Y-%m-%d")
    fig.update_yaxes(
        title_text=expert_axis, type="category",
        categoryorder="array", categoryarray=experts, autorange="reversed",
    )
    fig.update_layout(barmode="overlay", bargap=0.3)
    return apply_theme(fig, title, height=max(420, BAR_ROW_PX * len(experts) + 160))


def activity_mix_figure(
    frame: pd.DataFrame,
    lang: str = "zh",
    measure: str = "expert_days",
    party_share: pd.DataFrame | None = None,
) -> go.Figure:
    """Stacked monthly bars of ``rotation/activity_by_month`` by activity, measured in
    ``"expert_days"`` or ``"visits"``; with ``party_share`` (``rotation/party_share_by_month``)
    a line of the party members' share of expert-days on a right-hand axis."""
    title = t("rotation.activity.title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    bars = frame.assign(month_label=month_labels(frame["month"]))
    months = sorted(set(bars["month_label"]))
    if party_share is not None and not party_share.empty:
        months = sorted(set(months) | set(month_labels(party_share["month"])))
    fig = go.Figure()
    for activity in ACTIVITIES:
        rows = bars[bars["activity"] == activity]
        if rows.empty:
            continue
        fig.add_trace(go.Bar(
            x=rows["month_label"], y=rows[measure].astype("int64"),
            name=enum_label("activity", activity, lang),
            marker_color=ACTIVITY_COLOURS[activity],
            hovertemplate=t(f"rotation.activity.hover_{'days' if measure == 'expert_days' else 'visits'}", lang),
        ))
    if party_share is not None and not party_share.empty:
        fig.add_trace(go.Scatter(
            x=month_labels(party_share["month"]), y=party_share["party_share"], yaxis="y2",
            mode="lines+markers", name=t("rotation.party.line", lang),
            line=dict(color=PARTY_COLOUR, width=3), marker=dict(size=8),
            customdata=party_share[["party_days", "expert_days"]].to_numpy(dtype=object),
            hovertemplate=t("rotation.party.hover", lang),
        ))
        fig.update_layout(yaxis2=dict(
            title=dict(text=t("rotation.party.axis", lang), font=dict(color=PARTY_COLOUR)),
            overlaying="y", side="right", range=[0, 1.02], dtick=0.2, tickformat=".0%",
            showgrid=False, tickfont=dict(color=PARTY_COLOUR),
        ))
    measure_indicator = "rotation.expert_days" if measure == "expert_days" else "rotation.visits"
    fig.update_xaxes(
        title_text=t("rotation.activity.month_axis", lang), type="category",
        categoryorder="array", categoryarray=months,
    )
    fig.update_layout(
        barmode="stack", bargap=0.3, legend_traceorder="normal",
        yaxis_title_text=indicator_name(measure_indicator, lang),
    )
    return apply_theme(fig, title, height=460)


def _dates(values: pd.Series, lang: str) -> list[str]:
    return [
        pd.Timestamp(value).strftime("%Y-%m-%d") if pd.notna(value) else t("rotation.gaps.never", lang)
        for value in values
    ]


def _column(name: str, lang: str) -> str:
    return t(f"rotation.column.{name}", lang)


def township_gaps_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``rotation/township_gaps`` for display: labelled columns, dates as text."""
    return pd.DataFrame({
        _column("inst_name", lang): frame["inst_name"],
        _column("township", lang): frame["township"],
        _column("community", lang): frame["community"],
        _column("last_visit", lang): _dates(frame["last_visit"], lang),
        _column("last_specialty", lang): frame["last_specialty"],
        _column("days_since_last_visit", lang): frame["days_since_last_visit"].astype("Int64"),
    }).reset_index(drop=True)


def short_visit_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``rotation/short_visit_experts`` for display: labelled columns, dates as text."""
    return pd.DataFrame({
        _column("expert_name", lang): frame["expert_name"],
        _column("expert_id", lang): frame["expert_id"],
        _column("home_name", lang): frame["home_name"],
        _column("specialty", lang): frame["specialty"],
        _column("visits", lang): frame["visits"].astype("Int64"),
        _column("hosts", lang): frame["hosts"].astype("Int64"),
        _column("expert_days", lang): frame["expert_days"].astype("Int64"),
        _column("last_day", lang): _dates(frame["last_visit"], lang),
    }).reset_index(drop=True)
