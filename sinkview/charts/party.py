"""Charts and tables of party building (党建引领), from the ``queries/party`` frames.

Owns the organisation tree (a treemap: community -> committee -> branches -> groups -> the
member institutions each covers, uncovered ones in red), the 三会一课 branch × month grid, where
theme days and free clinics go (by township and tier), the township comparison with the
sinking (and its plain correlation caption) and the display form of the project tables. Pure:
frames in, figures and frames out.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from sinkview.charts.theme import EMPTY_COLOUR, STATUS_COLOURS, TIER_COLOURS, apply_theme, no_data_figure
from sinkview.i18n import enum_label, format_number, t

LEVEL_COLOURS = {"committee": "#B2182B", "general_branch": "#D6604D", "branch": "#F4A582",
                 "joint_branch": "#FDDBC7", "group": "#FEF0E6"}
COMMUNITY_COLOUR = "#F7F7F7"
UNCOVERED_COLOUR = STATUS_COLOURS["missed"]
STATES = ("held", "not_held", "part_month", "inactive")
STATE_COLOURS = {"held": STATUS_COLOURS["met"], "not_held": STATUS_COLOURS["missed"],
                 "part_month": "#A6CEE3", "inactive": EMPTY_COLOUR}
SERVICE_TIERS = ("village_clinic", "township_center", "county_hospital", "upper_hospital")
# the township comparison's choices: party work (x) and sinking outcomes (y), frame columns
PARTY_MEASURES = ("activities_per_branch_month", "institution_coverage")
SINKING_MEASURES = ("expert_days_per_10k", "down_referrals", "clinic_coverage", "licensed_share")
RATIO_MEASURES = {"institution_coverage", "clinic_coverage", "licensed_share"}
LARGEST_MARKER_PX = 46
SMALLEST_MARKER_PX = 10
GRID_ROW_PX = 30
ORGANISATION_AREA = 0.5  # an organisation's own area in the tree, in member institutions


def covered_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Per node of ``party/organisation_tree``: the member institutions in its subtree."""
    parent_of = dict(zip(frame["node_id"], frame["parent_id"]))
    counts = dict.fromkeys(frame["node_id"], 0)
    for node in frame.loc[frame["kind"] == "institution", "node_id"]:
        seen = set()
        while isinstance(node, str) and node in counts and node not in seen:
            seen.add(node)
            counts[node] += 1
            node = parent_of.get(node)
    return counts


def organisation_tree_figure(frame: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """The treemap of ``party/organisation_tree``, three levels at a time (click to open one):
    organisations coloured by level with the number of member institutions under them,
    institutions by tier, the uncovered in red. Every organisation keeps a small area of its
    own, so one that covers no institution of its own (a hospital's second branch) still shows."""
    title = t("party.tree.title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    counts = covered_counts(frame)
    texts, colours, hovers, values = [], [], [], []
    for row in frame.itertuples():
        count = t("party.tree.count_one" if counts[row.node_id] == 1 else "party.tree.count", lang,
                  count=counts[row.node_id])
        if row.kind == "uncovered":
            texts.append(f"{t('party.tree.uncovered', lang)}<br>{count}")
            colours.append(UNCOVERED_COLOUR)
            hovers.append(t("party.tree.uncovered_hover", lang, community=row.community))
        elif row.kind == "institution":
            texts.append(row.label)
            colours.append(UNCOVERED_COLOUR if str(row.parent_id).startswith("uncovered:")
                           else TIER_COLOURS.get(row.tier, EMPTY_COLOUR))
            hovers.append(t("party.tree.institution_hover", lang, tier=enum_label("tier", row.tier, lang),
                            township=row.township or "—"))
        elif row.kind == "organisation":
            texts.append(f"{row.label}<br>{count}")
            colours.append(LEVEL_COLOURS.get(row.level, EMPTY_COLOUR))
            members = "—" if pd.isna(row.members) else format_number(int(row.members))
            hovers.append(t("party.tree.organisation_hover", lang, level=t(f"party.level.{row.level}", lang),
                            members=members, count=counts[row.node_id]))
        else:
            texts.append(f"{row.label}<br>{count}")
            colours.append(COMMUNITY_COLOUR)
            hovers.append("")
        values.append(1.0 if row.kind == "institution" else ORGANISATION_AREA if row.kind == "organisation" else 0.0)
    labels = [t("party.tree.uncovered", lang) if kind == "uncovered" else label
              for kind, label in zip(frame["kind"], frame["label"])]
    fig = go.Figure(go.Treemap(
        ids=frame["node_id"], parents=frame["parent_id"].fillna(""), labels=labels, values=values, text=texts,
        branchvalues="remainder", marker=dict(colors=colours, line=dict(width=1, color="white")),
        customdata=hovers, maxdepth=3, textfont=dict(size=16),
        texttemplate="%{text}", hovertemplate="<b>%{label}</b><br>%{customdata}<extra></extra>",
        pathbar=dict(visible=True, textfont=dict(size=14)), tiling=dict(pad=2),
    ))
    fig = apply_theme(fig, title, height=680)
    fig.update_layout(margin=dict(l=4, r=4, t=50, b=4))
    return fig


def tree_legend(lang: str = "zh") -> str:
    """What the tree's colours mean, as one caption line (a treemap has no legend of its own)."""
    parts = [t("party.tree.legend_levels", lang),
             *(t("party.tree.legend_item", lang, colour=TIER_COLOURS[tier], name=enum_label("tier", tier, lang))
               for tier in ("county_hospital", "township_center", "village_clinic")),
             t("party.tree.legend_item", lang, colour=UNCOVERED_COLOUR, name=t("party.tree.uncovered", lang))]
    return " ".join(parts)


def regularity_grid_figure(frame: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """``party/branch_months`` as a branch × month grid: held, not held, part of a month (founded
    or dissolved in it, or cut by the period: not counted), not yet founded or dissolved."""
    title = t("party.grid.title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    rows = frame.drop_duplicates("org_id")
    row_labels = [f"{township or '—'} · {name}" for township, name in zip(rows["township"], rows["org_name"])]
    row_of = dict(zip(rows["org_id"], row_labels))
    months = sorted(frame["month"].unique())
    month_labels = [pd.Timestamp(month).strftime("%Y-%m") for month in months]
    fig = go.Figure()
    for state in STATES:
        cells = frame[frame["state"] == state]
        fig.add_trace(go.Scatter(
            x=[pd.Timestamp(m).strftime("%Y-%m") for m in cells["month"]], y=cells["org_id"].map(row_of),
            mode="markers", name=t(f"party.state.{state}", lang),
            marker=dict(symbol="square", size=GRID_ROW_PX - 6, color=STATE_COLOURS[state],
                        line=dict(width=1, color="white")),
            customdata=cells[["org_name", "meetings"]].to_numpy(dtype=object),
            hovertemplate=t("party.grid.hover", lang, state=t(f"party.state.{state}", lang)),
        ))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=month_labels, side="top",
                     showgrid=False, title_text=None)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=list(reversed(row_labels)),
                     showgrid=False, title_text=None)
    height = max(260, GRID_ROW_PX * len(row_labels) + 150)
    return apply_theme(fig, title, height=height)


def service_by_township_figure(frame: pd.DataFrame, lang: str = "zh") -> go.Figure:
    """Theme days and free clinics (``party/service_by_township``) per township, stacked by the
    tier of the place; the residents served above each bar. customdata[0] is the township."""
    title = t("party.service.title", lang)
    if frame.empty:
        return no_data_figure(lang, title)
    frame = frame.assign(township=frame["township"].fillna(t("party.service.outside_townships", lang)))
    order = list(dict.fromkeys(frame["township"]))
    fig = go.Figure()
    for tier in SERVICE_TIERS:
        cells = frame[frame["tier"] == tier]
        if cells.empty:
            continue
        fig.add_trace(go.Bar(
            x=cells["township"], y=cells["activities"], name=enum_label("tier", tier, lang),
            marker_color=TIER_COLOURS[tier],
            customdata=cells[["township", "theme_days", "free_clinics", "residents_served"]].to_numpy(dtype=object),
            hovertemplate=t("party.service.hover", lang),
        ))
    totals = frame.groupby("township", sort=False)[["activities", "residents_served"]].sum().reindex(order)
    fig.add_trace(go.Scatter(
        x=totals.index, y=totals["activities"], mode="text", showlegend=False, hoverinfo="skip",
        text=[format_number(int(v)) for v in totals["residents_served"]],
        textposition="top center", textfont=dict(size=12, color="#404040"), cliponaxis=False,
    ))
    fig.update_layout(barmode="stack", bargap=0.3)
    fig.update_xaxes(title_text=t("party.service.township_axis", lang), categoryorder="array", categoryarray=order)
    # Headroom for the residents above the tallest bar (a label above the plot would be cut).
    fig.update_yaxes(title_text=t("party.service.count_axis", lang), rangemode="tozero",
                     range=[0, max(float(totals["activities"].max()), 1.0) * 1.15])
    return apply_theme(fig, title, height=460)


def measure_label(column: str, lang: str) -> str:
    """The axis name of a comparison measure (the indicator's name where it is one)."""
    return t(f"party.compare.measure.{column}", lang)


def correlation(frame: pd.DataFrame, x: str, y: str) -> tuple[float | None, int]:
    """Pearson's r between two columns over the rows where both are present, and that number of
    rows; r is None with fewer than three rows or when either column does not vary."""
    pairs = frame[[x, y]].astype(float).dropna()
    if len(pairs) < 3 or pairs[x].nunique() < 2 or pairs[y].nunique() < 2:
        return None, len(pairs)
    return float(pairs[x].corr(pairs[y])), len(pairs)


def strength(r: float) -> str:
    """A plain word for |r| (conventional bands: < 0.1 none, < 0.3 weak, < 0.5 moderate, else strong)."""
    size = abs(r)
    return "none" if size < 0.1 else "weak" if size < 0.3 else "moderate" if size < 0.5 else "strong"


def comparison_caption(frame: pd.DataFrame, x: str, y: str, lang: str = "zh") -> str:
    """The correlation said plainly, with the number of townships, and that it is not causation."""
    r, count = correlation(frame, x, y)
    if r is None:
        return t("party.compare.too_few", lang, count=count)
    size = strength(r)
    key = "party.compare.none" if size == "none" else (
        "party.compare.positive" if r > 0 else "party.compare.negative")
    def in_sentence(column: str) -> str:  # "Expert-days ..." reads "expert-days ..." mid-sentence
        label = measure_label(column, lang)
        return label[:1].lower() + label[1:] if lang == "en" else label

    return t(key, lang, r=f"{r:.2f}", count=count, strength=t(f"party.compare.strength.{size}", lang),
             x=in_sentence(x), y=in_sentence(y)) + t("party.compare.not_causation", lang)


def label_positions(xs: pd.Series, ys: pd.Series, near_x: float = 0.06, near_y: float = 0.12) -> list[str]:
    """Where each point's name goes: above it, or below it when a higher point close by (within
    ``near_x``/``near_y`` of the axes' spans) already has its name above, where the two would
    overlap, or has its name below, twice as far (that name then fills the gap between them)."""
    x = xs.astype(float).to_numpy()
    y = ys.astype(float).to_numpy()
    span_x, span_y = max(x.max() - x.min(), 1e-9), max(y.max() - y.min(), 1e-9)
    positions = ["top center"] * len(x)
    placed: list[int] = []
    for i in sorted(range(len(x)), key=lambda k: -y[k]):
        if any(abs(x[i] - x[j]) / span_x < near_x
               and abs(y[i] - y[j]) / span_y < (near_y if positions[j] == "top center" else 2 * near_y)
               for j in placed):
            positions[i] = "bottom center"
        placed.append(i)
    return positions


def comparison_figure(frame: pd.DataFrame, x: str, y: str, lang: str = "zh",
                      highlight: str | None = None) -> go.Figure:
    """One point per township (``party/township_comparison``): party work across, a sinking
    outcome up, size the population; ``highlight`` (a township) is drawn in the accent colour.
    customdata[0] of every point is its township (for click-to-narrow)."""
    title = t("party.compare.title", lang)
    present = frame.dropna(subset=[x, y])
    if present.empty:
        return no_data_figure(lang, title)
    population = present["population"].fillna(0).astype(float)
    size_ref = 2.0 * max(population.max(), 1) / LARGEST_MARKER_PX ** 2
    colours = [STATUS_COLOURS["near"] if name == highlight else "#0072B2" for name in present["township"]]
    fig = go.Figure(go.Scatter(
        x=present[x], y=present[y], mode="markers+text", text=present["township"],
        textposition=label_positions(present[x], present[y]),
        textfont=dict(size=13), showlegend=False,
        marker=dict(size=population, sizemode="area", sizeref=size_ref, sizemin=SMALLEST_MARKER_PX,
                    color=colours, opacity=0.75, line=dict(width=1, color="white")),
        customdata=present[["township", "community", "population", x, y]].to_numpy(dtype=object),
        hovertemplate=t("party.compare.hover", lang, x=measure_label(x, lang), y=measure_label(y, lang),
                        x_format=".1%" if x in RATIO_MEASURES else ",.2f",
                        y_format=".1%" if y in RATIO_MEASURES else ",.1f"),
    ))
    fig.update_xaxes(title_text=measure_label(x, lang), tickformat=".0%" if x in RATIO_MEASURES else None)
    fig.update_yaxes(title_text=measure_label(y, lang), tickformat=".0%" if y in RATIO_MEASURES else None)
    return apply_theme(fig, title, height=520)


def comparison_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``party/township_comparison`` for display: every measure under its axis name."""
    shown = pd.DataFrame({t("party.uncovered.column.township", lang): frame["township"],
                          t("frame.community", lang): frame["community"]})
    for column in (*PARTY_MEASURES, *SINKING_MEASURES):
        values = frame[column].astype(float)
        shown[measure_label(column, lang)] = values.round(3 if column in RATIO_MEASURES else 2)
    shown[t("party.compare.population", lang)] = frame["population"]
    return shown.reset_index(drop=True)


def _date_text(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d") for v in values]


def fusion_projects_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``party/fusion_projects`` for display."""
    return pd.DataFrame({
        t("party.projects.column.project_id", lang): frame["project_id"],
        t("party.projects.column.topic", lang): frame["topic"].fillna(""),
        t("party.projects.column.organisations", lang): frame["organisations"],
        t("party.projects.column.activities", lang): frame["activities"],
        t("party.projects.column.grassroots_activities", lang): frame["grassroots_activities"],
        t("party.projects.column.places", lang): frame["places"],
        t("party.projects.column.participants", lang): frame["participants"],
        t("party.projects.column.residents_served", lang): frame["residents_served"],
        t("party.projects.column.first_date", lang): _date_text(frame["first_date"]),
        t("party.projects.column.last_date", lang): _date_text(frame["last_date"]),
    }).reset_index(drop=True)


def project_activities_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``party/project_activities`` for display."""
    return pd.DataFrame({
        t("party.projects.column.project_id", lang): frame["project_id"],
        t("party.activities.column.date", lang): _date_text(frame["activity_date"]),
        t("party.activities.column.type", lang): [t(f"party.activity_type.{v}", lang) for v in frame["activity_type"]],
        t("party.projects.column.topic", lang): frame["topic"].fillna(""),
        t("party.activities.column.organisation", lang): frame["org_name"],
        t("party.activities.column.place", lang): frame["location_name"].fillna(""),
        t("party.activities.column.tier", lang): [enum_label("tier", v, lang) if isinstance(v, str) else "—"
                                                  for v in frame["location_tier"]],
        t("party.projects.column.participants", lang): frame["participants"],
        t("party.projects.column.residents_served", lang): frame["residents_served"],
    }).reset_index(drop=True)


def uncovered_table(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``party/uncovered_institutions`` for display."""
    return pd.DataFrame({
        t("party.uncovered.column.inst_name", lang): frame["inst_name"],
        t("party.uncovered.column.tier", lang): [enum_label("tier", v, lang) for v in frame["tier"]],
        t("party.uncovered.column.township", lang): frame["township"].fillna("—"),
        t("frame.community", lang): frame["community"],
        t("party.uncovered.column.inst_id", lang): frame["inst_id"],
    }).reset_index(drop=True)

