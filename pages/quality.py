"""Data quality (数据质量): can the reviewer trust the numbers? Reporting completeness of the
monthly service-volume reports as an institution × month grid, the validation rules with their
counts and the rows behind each, and service-volume outliers against their history.

Numbers: ``queries/quality/`` (checks, reporting_grid, missing_reports, expert_overlap,
clinic_parent_mismatch, slow_acceptance, volume_outlier, outlier_history), which read the
staging models of ``queries/staging/``; the checks and their settings (``data/quality_rules.csv``):
``sinkview.metrics.quality``; charts and table looks: ``sinkview.charts.quality``.
"""

import streamlit as st

from sinkview.metrics import quality
from sinkview.app import frame as app_frame
from sinkview.app import widgets
from sinkview.charts import quality as charts
from sinkview.i18n import format_number

CARDS_PER_ROW = 3

ctx = app_frame.page_context()
st.title(ctx.t("quality.title"))
if not ctx.has_data:
    widgets.empty_state(ctx)
    st.stop()
try:
    settings = quality.load_settings()
except (OSError, quality.SettingsError) as problem:
    st.error(ctx.t("quality.settings_error", problem=problem), icon=":material/error:")
    st.stop()

filters = ctx.filters
st.caption(ctx.t("quality.intro", start=filters.start.isoformat(), end=filters.end.isoformat(),
                 scope=filters.community or ctx.t("frame.all_communities")))
if filters.township:
    st.caption(ctx.t("quality.scope_note"))
checks = quality.checks_from_frame(ctx.query(quality.CHECKS_QUERY, **settings))
threshold = format_number(settings["completeness_caveat_below"], "ratio", ctx.lang, digits=0)


def short(check_id: str) -> str:
    return check_id.split(".", 1)[1]


def name(check_id: str) -> str:
    return ctx.t(f"quality.name.{short(check_id)}")


def definition(check_id: str) -> str:
    return ctx.t(f"quality.definition.{short(check_id)}", threshold=threshold, days=settings["max_accept_days"],
                 factor=format_number(settings["outlier_factor"], "", ctx.lang),
                 months=settings["outlier_history_months"], min_months=settings["outlier_min_history_months"])


completeness = checks[quality.COMPLETENESS]
slots = [slot for row in range(2) for slot in st.columns(CARDS_PER_ROW)]
if completeness is None:
    completeness_note, note_colour = ctx.t("quality.no_expected"), "gray"
elif quality.incomplete_reporting(completeness, settings):
    completeness_note, note_colour = ctx.t("quality.below_threshold", threshold=threshold), "red"
else:
    completeness_note, note_colour = ctx.t("quality.at_threshold", threshold=threshold), "green"
slots[0].metric(name(quality.COMPLETENESS), format_number(completeness, "ratio", ctx.lang), border=True,
                delta=completeness_note, delta_color=note_colour, delta_arrow="off",
                help=definition(quality.COMPLETENESS))
for slot, rule in zip(slots[1:], quality.RULES):
    slot.metric(name(rule.id), format_number(checks[rule.id], "count", ctx.lang), border=True,
                help=f"{definition(rule.id)}\n\n{ctx.t('quality.card_help')}")

st.subheader(ctx.t("quality.heading.completeness"))
grid = ctx.query(quality.GRID_QUERY)
if grid.empty:
    st.info(ctx.t("quality.no_expected"), icon=":material/info:")
else:
    incomplete = charts.incomplete_reporters(grid)
    st.caption(ctx.t("quality.grid.counts", reporters=grid["inst_id"].nunique(),
                     incomplete=incomplete["inst_id"].nunique()))
    if incomplete.empty:
        st.success(ctx.t("quality.grid.all_reported"), icon=":material/check_circle:")
    only_incomplete = st.toggle(ctx.t("quality.only_incomplete"), value=not incomplete.empty,
                                key="quality_only_incomplete")
    shown = incomplete if only_incomplete else grid
    if not shown.empty:
        widgets.chart(ctx, charts.reporting_grid_figure(shown, ctx.lang), "quality.grid.caption", key="quality_grid")
    widgets.table(ctx, charts.reporting_grid_table(grid, ctx.lang), "reporting_grid", key="quality_grid")

st.subheader(ctx.t("quality.heading.rules"))
st.caption(ctx.t("quality.rules.caption"))
for rule in quality.RULES:
    count = checks[rule.id]
    with st.expander(ctx.t("quality.rules.entry", name=name(rule.id), count=format_number(count, "count", ctx.lang)),
                     icon=":material/error:" if count else ":material/check_circle:"):
        st.caption(definition(rule.id))
        rows = ctx.query(rule.details, **settings)
        if rows.empty:
            st.write(ctx.t("quality.rules.none"))
        else:
            widgets.table(ctx, charts.detail_table(rows, rule.id, ctx.lang), f"quality_{short(rule.id)}",
                     key=f"quality_{short(rule.id)}")

st.subheader(ctx.t("quality.heading.outliers"))
history = ctx.query(quality.OUTLIER_HISTORY_QUERY, **settings)
if history.empty:
    st.write(ctx.t("quality.outliers.none"))
else:
    widgets.chart(ctx, charts.outlier_history_figure(history, ctx.lang), "quality.outliers.caption", key="quality_outliers")

with st.expander(ctx.t("quality.heading.settings"), icon=":material/tune:"):
    st.caption(ctx.t("quality.settings.caption"))
    st.markdown("\n".join("- " + ctx.t("quality.settings.item", name=name(item.id), definition=definition(item.id))
                           for item in quality.CHECKS))
