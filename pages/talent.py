"""Talent mobility (人才流动): flows between tiers and outside, the net grassroots flow per
township, the monthly mix of movements, who moves, and the 双培养 view of dispatched staff.

Numbers: ``queries/talent/`` (tier_flows, grassroots_net_by_township, monthly_movements,
mover_profile, dispatch_quality) and the talent.* indicators. Charts: ``sinkview.charts.talent``.
Clicking a township narrows the whole page.
"""

import streamlit as st

from sinkview.app import frame as app_frame
from sinkview.app import widgets
from sinkview.metrics.needs import page_needs
from sinkview.charts import talent as charts

NEEDS = page_needs("talent")  # KPI ids and query defaults, declared as data
KPIS = NEEDS.kpis
SELECTED = "talent_selected_township"

ctx = app_frame.page_context()
st.title(ctx.t("talent.title"))
if not ctx.has_data:
    widgets.empty_state(ctx)
    st.stop()

township = ctx.filters.township or st.session_state.get(SELECTED)
selectable = ctx.filters.township is None


st.caption(ctx.t("talent.intro", start=ctx.filters.start.isoformat(), end=ctx.filters.end.isoformat()))
widgets.kpi_cards(ctx, KPIS)
if township:
    st.caption(ctx.t("frame.scope_note"))
if township and selectable:
    note, clear = st.columns([4, 1], vertical_alignment="center")
    note.info(ctx.t("talent.selected", township=township), icon=":material/filter_alt:")
    clear.button(ctx.t("talent.clear_selection"), key="talent_clear", on_click=st.session_state.pop, args=(SELECTED, None))

st.subheader(ctx.t("talent.heading.flows"))
widgets.chart(ctx, charts.tier_flow_sankey_figure(ctx.query("talent/tier_flows", township=township), ctx.lang),
         "talent.caption.sankey", key="talent_sankey")

st.subheader(ctx.t("talent.heading.grassroots"))
figure = charts.grassroots_net_figure(ctx.query("talent/grassroots_net_by_township", township=township), ctx.lang)
widgets.narrow_to_clicked(widgets.chart(ctx, figure, "talent.caption.net", key="talent_net", selectable=selectable), "talent_net", SELECTED, township)

st.subheader(ctx.t("talent.heading.monthly"))
widgets.chart(ctx, charts.monthly_movements_figure(ctx.query("talent/monthly_movements", township=township), ctx.lang),
         "talent.caption.monthly", key="talent_monthly")

st.subheader(ctx.t("talent.heading.profile"))
widgets.chart(ctx, charts.mover_profile_figure(ctx.query("talent/mover_profile", township=township), ctx.lang),
         "talent.caption.profile", key="talent_profile")

st.subheader(ctx.t("talent.heading.quality"))
widgets.chart(ctx, charts.dispatch_quality_figure(ctx.query("talent/dispatch_quality", township=township), ctx.lang),
         "talent.caption.quality", key="talent_quality")
