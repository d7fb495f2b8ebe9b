"""党建引领 Party building: the party organisations and how far they cover the member
institutions, whether branches hold 三会一课 every month, where theme days and free clinics go,
each township's party work beside its sinking outcomes, and the fusion projects.

Numbers: the party.* indicators (``queries/indicators/party.sql``) and ``queries/party/``
organisation_tree, uncovered_institutions, branch_months, service_by_township,
township_comparison, fusion_projects, project_activities. Looks: ``sinkview.charts.party``.
Clicking a township (service bars or comparison points) narrows the page to it.
"""

import streamlit as st

from sinkview.app import frame as app_frame
from sinkview.app import widgets
from sinkview.metrics.needs import page_needs
from sinkview.charts import party as charts

NEEDS = page_needs("party")  # KPI ids and query defaults, declared as data
KPIS = NEEDS.kpis
SELECTED = "party_selected_township"

ctx = app_frame.page_context()
st.title(ctx.t("party.page_title"))
if not ctx.has_data:
    widgets.empty_state(ctx)
    st.stop()

township = ctx.filters.township or st.session_state.get(SELECTED)
selectable = ctx.filters.township is None

st.caption(ctx.t("party.page_intro", end=ctx.filters.end.isoformat()))
widgets.kpi_cards(ctx, KPIS)
if township:
    st.caption(ctx.t("frame.scope_note"))
if township and selectable:
    note, clear = st.columns([4, 1], vertical_alignment="center")
    note.info(ctx.t("party.selected", township=township), icon=":material/filter_alt:")
    clear.button(ctx.t("party.clear_selection"), key="party_clear", on_click=st.session_state.pop,
                 args=(SELECTED, None))

tree = ctx.query("party/organisation_tree", township=township)
if not (tree["kind"] == "organisation").any():
    st.info(ctx.t("party.no_party_data"), icon=":material/upload_file:")

st.subheader(ctx.t("party.heading.tree"))
widgets.chart(ctx, charts.organisation_tree_figure(tree, ctx.lang), "party.caption.tree", key="party_tree")
st.caption(charts.tree_legend(ctx.lang), unsafe_allow_html=True)
uncovered = ctx.query("party/uncovered_institutions", township=township)
with st.expander(ctx.t("party.heading.uncovered", count=len(uncovered)), expanded=not uncovered.empty):
    if uncovered.empty:
        st.success(ctx.t("party.uncovered.none"), icon=":material/check_circle:")
    else:
        widgets.table(ctx, charts.uncovered_table(uncovered, ctx.lang), "uncovered_institutions", key="party_uncovered")
        st.caption(ctx.t("party.caption.uncovered"))

st.subheader(ctx.t("party.heading.grid"))
widgets.chart(ctx, charts.regularity_grid_figure(ctx.query("party/branch_months", township=township), ctx.lang),
         "party.caption.grid", key="party_grid")

st.subheader(ctx.t("party.heading.service"))
service = charts.service_by_township_figure(ctx.query("party/service_by_township", township=township), ctx.lang)
widgets.narrow_to_clicked(widgets.chart(ctx, service, "party.caption.service", key="party_service", selectable=selectable),
                     "party_service", SELECTED, township)

st.subheader(ctx.t("party.heading.compare"))
x = st.segmented_control(ctx.t("party.compare.x"), list(charts.PARTY_MEASURES), key="party_compare_x",
                         default=charts.PARTY_MEASURES[0],
                         format_func=lambda m: charts.measure_label(m, ctx.lang)) or charts.PARTY_MEASURES[0]
y = st.segmented_control(ctx.t("party.compare.y"), list(charts.SINKING_MEASURES), key="party_compare_y",
                         default=charts.SINKING_MEASURES[0],
                         format_func=lambda m: charts.measure_label(m, ctx.lang)) or charts.SINKING_MEASURES[0]
comparison = ctx.query("party/township_comparison")
points = widgets.chart(ctx, charts.comparison_figure(comparison, x, y, ctx.lang, highlight=township),
                  "party.caption.compare_size", key="party_compare", selectable=selectable)
st.markdown(f"**{charts.comparison_caption(comparison, x, y, ctx.lang)}**")
with st.expander(ctx.t("party.compare.table")):
    widgets.table(ctx, charts.comparison_table(comparison, ctx.lang), "party_township_comparison", key="party_comparison")
widgets.narrow_to_clicked(points, "party_compare", SELECTED, township)

st.subheader(ctx.t("party.heading.projects"))
projects = ctx.query("party/fusion_projects", township=township)
if projects.empty:
    st.caption(ctx.t("party.projects.none"))
else:
    widgets.table(ctx, charts.fusion_projects_table(projects, ctx.lang), "fusion_projects", key="party_projects")
    st.caption(ctx.t("party.caption.projects"))
    activities = ctx.query("party/project_activities", township=township)
    with st.expander(ctx.t("party.activities.heading", count=len(activities))):
        widgets.table(ctx, charts.project_activities_table(activities, ctx.lang), "fusion_project_activities",
                 key="party_project_activities")
st.caption(ctx.t("party.sources"))
