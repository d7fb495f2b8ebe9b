"""Overview (总览): the period in brief, a scorecard of every indicator by topic, and, for
reviewers looking at the whole county, the communities compared.

Numbers: as declared in ``sinkview.metrics.needs`` ("overview"): every indicator for the period,
the previous period of the same length, the same period a year before and the last eight
quarters (those the data reach, ``queries/frame/data_range.sql``) in one pass per topic;
``queries/overview/townships_without_expert.sql``; every community's indicators in one pass per
topic for the league table.
Rules live in ``sinkview.metrics.scorecard`` and ``sinkview.metrics.narrative``, table looks in
``sinkview.charts.overview``; the data-quality caveat and line under the scorecard come from
``queries/quality/`` (``sinkview.app.widgets.volume_caveat``, ``sinkview.app.widgets.quality_line``).
"""

import pandas as pd
import streamlit as st

from sinkview import PROJECT_ROOT
from sinkview.metrics import periods
from sinkview.app import frame as app_frame
from sinkview.app import widgets
from sinkview.charts.overview import (
    SCORECARD_COLUMNS,
    league_columns,
    scorecard_columns,
    styled_league,
    styled_scorecard,
    table_height,
)
from sinkview.metrics.targets import load_targets
from sinkview.metrics.needs import compared_periods, page_needs
from sinkview.metrics.narrative import narrative
from sinkview.metrics.quality import CAVEATED_TOPIC, footnote
from sinkview.metrics.scorecard import (
    TOPICS,
    league_frame,
    league_table,
    scorecard_frame,
    scorecard_table,
    indicators_compared,
)

TOPIC_PAGES = {topic: f"pages/{topic}.py" for topic in ("rotation", "referral", "village", "talent", "party")}
GAP_COLUMNS = ("inst_name", "township", "community", "last_visit")

ctx = app_frame.page_context()
st.title(ctx.t("overview.title"))
if not ctx.has_data:
    widgets.empty_state(ctx)
    st.stop()

filters = ctx.filters
first_recorded = ctx.query("frame/data_range")["first_date"].iloc[0]
first_data_day = None if pd.isna(first_recorded) else pd.Timestamp(first_recorded).date()


NEEDS = page_needs("overview")
compared = compared_periods(NEEDS, filters.start, filters.end)
(previous_range,), (year_ago_range,), quarters = compared["previous"], compared["year_ago"], compared["quarters"]
values = indicators_compared(compared, first_data_day, ctx.indicator_periods)
(current,), (previous,), (year_ago,), trend = values["now"], values["previous"], values["year_ago"], values["quarters"]
targets = load_targets()
gaps = ctx.query("overview/townships_without_expert")


def date_range(period) -> str:
    return ctx.t("overview.range", start=period[0].isoformat(), end=period[1].isoformat())


def quarter_label(day) -> str:
    year, quarter = periods.quarter_of(day)
    return periods.period_label(f"{year}-Q{quarter}", ctx.lang)


st.caption(ctx.t("overview.intro", period=periods.period_label(filters.period, ctx.lang),
                 start=filters.start.isoformat(), end=filters.end.isoformat(),
                 scope=filters.community or ctx.t("frame.all_communities"),
                 previous=date_range(previous_range), year_ago=date_range(year_ago_range)))
if filters.township:
    st.caption(ctx.t("frame.scope_note"))

st.subheader(ctx.t("overview.narrative.heading"))
caveat = widgets.volume_caveat(ctx)  # volume.* figures on incomplete reporting (data-quality.md)
sentences = narrative(current, previous, year_ago, targets, ctx.lang, gaps, volume_caveat=caveat)
st.markdown("\n".join(f"- {sentence.text}" for sentence in sentences) or ctx.t("overview.narrative.none"))
st.caption(ctx.t("overview.narrative.rule"))
if not gaps.empty:
    with st.expander(ctx.t("overview.gaps.heading", count=len(gaps))):
        shown = gaps[list(GAP_COLUMNS)].rename(columns={c: ctx.t(f"overview.gaps.{c}") for c in GAP_COLUMNS})
        widgets.table(ctx, shown, "townships_without_expert", key="overview_gaps")

st.subheader(ctx.t("overview.scorecard.heading"))
st.caption(ctx.t("overview.scorecard.rule"))
scorecard = scorecard_frame(current, previous, year_ago, trend, targets)
columns = scorecard_columns(ctx.lang, ctx.t("overview.scorecard.trend_caption",
                                            first=quarter_label(quarters[0][0]),
                                            last=quarter_label(quarters[-1][0])))
for topic in TOPICS:
    topic_name = ctx.t(f"topic.{topic}")
    heading, link = st.columns([3, 1], vertical_alignment="bottom")
    heading.markdown(f"#### {topic_name}")
    page = TOPIC_PAGES.get(topic)
    if page and (PROJECT_ROOT / page).exists():  # app.py registers only the pages that exist
        link.page_link(page, label=ctx.t("overview.scorecard.open_topic", topic=topic_name),
                       icon=":material/arrow_forward:", query_params=ctx.url_params())
    table = scorecard_table(scorecard, topic, ctx.lang, caveat)
    st.dataframe(styled_scorecard(table), hide_index=True, column_order=SCORECARD_COLUMNS, column_config=columns,
                 height=table_height(len(table)), key=f"overview_scorecard_{topic}")
    if caveat and topic == CAVEATED_TOPIC:
        st.caption(f":material/warning: {footnote(caveat)}")
widgets.quality_line(ctx)

communities = ctx.query("frame/communities")["community"].tolist()
if filters.community is None and len(communities) > 1:
    st.subheader(ctx.t("overview.league.heading"))
    st.caption(ctx.t("overview.league.caption"))
    league = league_frame(ctx.league(), targets)
    for tab, topic in zip(st.tabs([ctx.t(f"topic.{topic}") for topic in TOPICS]), TOPICS):
        with tab:
            table = league_table(league, topic, ctx.lang)
            st.dataframe(styled_league(table), column_config=league_columns(table), key=f"overview_league_{topic}")
