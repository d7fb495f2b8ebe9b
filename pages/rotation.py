"""专家下沉 Expert rotations: which township health centres experts reached, month by month,
who went and for how long, what they did there, and where nobody went.

Numbers: the rotation.* indicators and ``queries/rotation/`` coverage_by_month,
coverage_by_specialty, stint_timeline, activity_by_month, party_share_by_month, township_gaps,
short_visit_experts. Looks: ``sinkview.charts.rotation``. Clicking a matrix row focuses the
charts below it on that township.
"""

import streamlit as st

from sinkview.app import frame as app_frame
from sinkview.app import widgets
from sinkview.metrics.needs import page_needs
from sinkview.charts import rotation as charts

NEEDS = page_needs("rotation")  # KPI ids and query defaults, declared as data
KPIS = NEEDS.kpis
MATRIX_QUERIES = {"month": "rotation/coverage_by_month", "specialty": "rotation/coverage_by_specialty"}
TIMELINE_EXPERTS = NEEDS.query("rotation/stint_timeline").default("limit")  # the experts with the most expert-days
TIMELINE_VIEWPORT_PX = 760  # a taller timeline scrolls inside a box of this height

ctx = app_frame.page_context()
st.title(ctx.t("rotation.page_title"))
if not ctx.has_data:
    widgets.empty_state(ctx)
    st.stop()
st.caption(ctx.t("rotation.page_intro"))
if ctx.filters.township:
    st.caption(ctx.t("frame.scope_note"))
widgets.kpi_cards(ctx, KPIS)

view = st.segmented_control(
    ctx.t("rotation.matrix.view"), list(MATRIX_QUERIES), default="month", key="rotation_matrix_view",
    format_func=lambda option: ctx.t(f"rotation.matrix.by_{option}"),
) or "month"
matrix = charts.coverage_matrix_figure(ctx.query(MATRIX_QUERIES[view]), ctx.lang, by=view)
selected = widgets.chart(ctx, matrix, "rotation.matrix.caption", key=f"rotation_matrix_{view}", selectable=True)
townships = [point["customdata"][2] for point in selected if point.get("customdata")]
focus = {"township": townships[0]} if townships and isinstance(townships[0], str) else {}
if focus:
    st.info(ctx.t("rotation.focus", township=focus["township"]), icon=":material/filter_alt:")

colour_by = st.segmented_control(
    ctx.t("rotation.timeline.colour_by"), ["home", "specialty"], default="home",
    key="rotation_timeline_colour", format_func=lambda option: ctx.t(f"rotation.timeline.colour_{option}"),
) or "home"
timeline = charts.stint_timeline_figure(
    ctx.query("rotation/stint_timeline", limit=TIMELINE_EXPERTS, **focus), ctx.lang, colour_by=colour_by)
tall = (timeline.layout.height or 0) > TIMELINE_VIEWPORT_PX
with st.container(height=TIMELINE_VIEWPORT_PX if tall else "content", border=False):
    widgets.chart(ctx, timeline, "rotation.timeline.caption", key="rotation_timeline")

measure = st.segmented_control(
    ctx.t("rotation.activity.measure"), ["expert_days", "visits"], default="expert_days",
    key="rotation_activity_measure", format_func=lambda option: ctx.t(f"rotation.activity.by_{option}"),
) or "expert_days"
activity = charts.activity_mix_figure(
    ctx.query("rotation/activity_by_month", **focus), ctx.lang, measure=measure,
    party_share=ctx.query("rotation/party_share_by_month", **focus),
)
widgets.chart(ctx, activity, "rotation.activity.caption", key="rotation_activity")

gaps_column, visits_column = st.columns(2)
with gaps_column:
    st.subheader(ctx.t("rotation.gaps.townships_title"))
    st.caption(ctx.t("rotation.gaps.townships_caption"))
    gaps = ctx.query("rotation/township_gaps", **focus)
    if gaps.empty:
        st.success(ctx.t("rotation.gaps.none"), icon=":material/check_circle:")
    else:
        widgets.table(ctx, charts.township_gaps_table(gaps, ctx.lang), "township_gaps", key="rotation_gaps")
with visits_column:
    st.subheader(ctx.t("rotation.gaps.short_title"))
    st.caption(ctx.t("rotation.gaps.short_caption"))
    short_visits = ctx.query("rotation/short_visit_experts", **focus)
    if short_visits.empty:
        st.success(ctx.t("rotation.gaps.none"), icon=":material/check_circle:")
    else:
        widgets.table(ctx, charts.short_visit_table(short_visits, ctx.lang), "short_visit_experts",
                 key="rotation_short_visits")
