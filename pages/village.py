"""Village clinic coverage (村卫生室覆盖): the snapshot at the period's end as an offline map,
townships compared, the blank villages and how long they have been blank, and the trend.

Numbers: ``queries/village/`` (village_points, township_centres, villages_without_coordinates,
township_coverage, blank_villages, coverage_trend) and the village.* indicators. Charts and
table looks: ``sinkview.charts.village``. Clicking a township narrows the whole page.
"""

import streamlit as st

from sinkview.app import frame as app_frame
from sinkview.app import widgets
from sinkview.metrics.needs import page_needs
from sinkview.charts import village as charts

NEEDS = page_needs("village")  # KPI ids and query defaults, declared as data
KPIS = NEEDS.kpis
SELECTED = "village_selected_township"

ctx = app_frame.page_context()
st.title(ctx.t("village.title"))
if not ctx.has_data:
    widgets.empty_state(ctx)
    st.stop()

township = ctx.filters.township or st.session_state.get(SELECTED)
selectable = ctx.filters.township is None


st.caption(ctx.t("village.intro", end=ctx.filters.end.isoformat()))
widgets.kpi_cards(ctx, KPIS)
if township:
    st.caption(ctx.t("frame.scope_note"))
if township and selectable:
    note, clear = st.columns([4, 1], vertical_alignment="center")
    note.info(ctx.t("village.selected", township=township), icon=":material/filter_alt:")
    clear.button(ctx.t("village.clear_selection"), key="village_clear", on_click=st.session_state.pop, args=(SELECTED, None))

st.subheader(ctx.t("village.heading.map"))
map_column, list_column = st.columns([5, 2])
with map_column:
    figure = charts.village_map_figure(ctx.query("village/village_points", township=township), ctx.lang,
                                       centres=ctx.query("village/township_centres", township=township))
    widgets.narrow_to_clicked(widgets.chart(ctx, figure, "village.caption.map", key="village_map", selectable=selectable), "village_map", SELECTED, township)
with list_column:
    unplaced = ctx.query("village/villages_without_coordinates", township=township)
    st.markdown(f"**{ctx.t('village.heading.without_coordinates', count=len(unplaced))}**")
    if unplaced.empty:
        st.caption(ctx.t("village.all_have_coordinates"))
    else:
        widgets.table(ctx, charts.villages_without_coordinates_table(unplaced, ctx.lang), "villages_without_coordinates",
                 key="village_unplaced")
        st.caption(ctx.t("village.caption.without_coordinates"))

st.subheader(ctx.t("village.heading.townships"))
figure = charts.township_coverage_figure(ctx.query("village/township_coverage", township=township), ctx.lang)
widgets.narrow_to_clicked(widgets.chart(ctx, figure, "village.caption.townships", key="village_townships", selectable=selectable),
                     "village_townships", SELECTED, township)

blank = ctx.query("village/blank_villages", township=township)
st.subheader(ctx.t("village.heading.blank_villages", count=len(blank)))
if blank.empty:
    st.caption(ctx.t("village.no_blank_villages"))
else:
    widgets.table(ctx, charts.blank_villages_table(blank, ctx.lang), "blank_villages", key="village_blank")
    st.caption(ctx.t("village.caption.blank_villages"))

st.subheader(ctx.t("village.heading.trend"))
widgets.chart(ctx, charts.coverage_trend_figure(ctx.query("village/coverage_trend", township=township), ctx.lang),
         "village.caption.trend", key="village_trend")
