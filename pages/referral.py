"""双向转诊 Two-way referrals: where patients are referred (by tier or institution), how upward
and downward referrals move month by month, which diagnoses leave the county, and how each
grassroots or county institution sends up and takes back.

Numbers: the referral.* indicators and ``queries/referral/`` flows_by_tier, flows_by_institution,
referrals_by_month, out_of_county_by_chapter, out_of_county_top_codes, institution_balance.
Looks: ``sinkview.charts.referral``. Clicking an institution in the balance chart (at the
bottom) focuses the charts above it on that institution.
"""

import streamlit as st

from sinkview.app import frame as app_frame
from sinkview.app import widgets
from sinkview.metrics.needs import page_needs
from sinkview.charts import referral as charts

NEEDS = page_needs("referral")  # KPI ids and query defaults, declared as data
KPIS = NEEDS.kpis
FLOW_QUERIES = {"tier": "referral/flows_by_tier", "institution": "referral/flows_by_institution"}
BALANCE_KEY = "referral_balance"
BALANCE_ROWS = 20
TOP_CODES = NEEDS.query("referral/out_of_county_top_codes").default("limit")

ctx = app_frame.page_context()
st.title(ctx.t("referral.page_title"))
if not ctx.has_data:
    widgets.empty_state(ctx)
    st.stop()
st.caption(ctx.t("referral.page_intro"))
if ctx.filters.township:
    st.caption(ctx.t("frame.scope_note"))
widgets.kpi_cards(ctx, KPIS)

# The balance chart is drawn last but its selection (kept by Streamlit under its key from the
# previous run) focuses everything above it.
previous_selection = st.session_state.get(BALANCE_KEY) or {}
chosen = [point["customdata"] for point in previous_selection.get("selection", {}).get("points", [])
          if point.get("customdata")]
focus = {"institution": chosen[0][0]} if chosen else {}
if focus:
    st.info(ctx.t("referral.focus", name=chosen[0][1]), icon=":material/filter_alt:")

view_column, top_column = st.columns([2, 1])
with view_column:
    view = st.segmented_control(
        ctx.t("referral.sankey.view"), list(FLOW_QUERIES), default="tier", key="referral_flow_view",
        format_func=lambda option: ctx.t(f"referral.sankey.by_{option}"),
    ) or "tier"
with top_column:
    top_n = st.slider(ctx.t("referral.sankey.top_n"), 5, 30, 10, key="referral_top_n",
                      disabled=view != "institution")
flows = ctx.query(FLOW_QUERIES[view], **focus, **({"top_n": top_n} if view == "institution" else {}))
widgets.chart(ctx, charts.referral_sankey_figure(flows, ctx.lang, by=view), "referral.sankey.caption",
         key=f"referral_sankey_{view}")

trend = ctx.query("referral/referrals_by_month", **focus)
widgets.chart(ctx, charts.referral_trend_figure(trend, ctx.lang), "referral.trend.caption", key="referral_trend")

chapters = ctx.query("referral/out_of_county_by_chapter", **focus)
widgets.chart(ctx, charts.out_of_county_chapters_figure(chapters, ctx.lang),
         "referral.out_of_county.caption", key="referral_chapters")
codes = ctx.query("referral/out_of_county_top_codes", limit=TOP_CODES, **focus)
widgets.chart(ctx, charts.out_of_county_codes_figure(codes, ctx.lang),
         "referral.out_of_county.code_caption", key="referral_codes")

balance = ctx.query("referral/institution_balance")
widgets.chart(ctx, charts.institution_balance_figure(balance, ctx.lang, limit=BALANCE_ROWS),
         "referral.balance.caption", key=BALANCE_KEY, selectable=True)
st.subheader(ctx.t("referral.balance.table_title"))
widgets.table(ctx, charts.institution_balance_table(balance, ctx.lang), "referral_institutions",
         key="referral_balance_table")
