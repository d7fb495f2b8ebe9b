"""汇报演示 · Briefing: the period's slides on screen one at a time, and the same slides as a
PowerPoint deck built when the download button is clicked.

Slides: ``sinkview.briefing.slides.build_slides`` (indicators from queries/indicators/; charts from
queries/rotation/coverage_by_month, referral/flows_by_tier, village/village_points and
township_centres, talent/grassroots_net_by_township, party/service_by_township). Deck: ``sinkview.briefing.deck.build_deck``.
Both are cached per data version, filters and language. Streamlit runs this file as
``__main__``; tests import it for its cached builders.
"""

import datetime as dt
import io

import pandas as pd
import streamlit as st

from sinkview.app import context as app_context
from sinkview.app import frame as app_frame
from sinkview.app import widgets
from sinkview.briefing.slides import Kpi, ScorecardSlide, TitleSlide, TopicSlide, build_slides, indicator_definition
from sinkview.charts.overview import tint
from sinkview.charts.theme import STATUS_COLOURS
from sinkview.briefing.deck import build_deck, render_charts
from sinkview.briefing.deck_pdf import build_pdf

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PDF_MIME = "application/pdf"
SLIDE_KEY = "sv_slide"
# Fixed heights (px) so that a slide shows whole on a 1280×720 screen, demo banner included.
CHART_HEIGHT = 440
SCORECARD_ROW_HEIGHT = 21
SCORECARD_HEIGHT = 12 * SCORECARD_ROW_HEIGHT + 40  # a scorecard slide's rows (at most 12) and the header
STATUS_DELTA_COLOURS = {"met": "green", "near": "orange", "missed": "red", None: "gray"}
# frame column -> (catalogue label, width in px): one table of a scorecard slide fits 1280 px
SCORECARD_COLUMNS = {"topic": ("topic", 150), "name": ("indicator", 430), "value_text": ("value", 160),
                     "target_text": ("target", 170), "status_text": ("status", 90)}


@st.cache_data(show_spinner=False, max_entries=32)
def briefing_slides(db: str, version: int, start: dt.date, end: dt.date, community: str | None,
                    lang: str, today: dt.date, scope: str | None, _query) -> list:
    """The slides for these filters; ``_query`` (not part of the key) is the page's scoped query."""
    with app_context.get_store(db).read() as con:
        return build_slides(con, start, end, community, lang, today=today, query=_query)


@st.cache_data(show_spinner=False, max_entries=8)
def briefing_charts(db: str, version: int, start: dt.date, end: dt.date, community: str | None,
                    lang: str, today: dt.date, scope: str | None, _query) -> list[bytes]:
    """The slides' chart images, rendered once for the .pptx and the .pdf."""
    return render_charts(briefing_slides(db, version, start, end, community, lang, today, scope, _query))


@st.cache_data(show_spinner=False, max_entries=8)
def briefing_deck(db: str, version: int, start: dt.date, end: dt.date, community: str | None,
                  lang: str, today: dt.date, scope: str | None, _query) -> bytes:
    """The .pptx the download button serves (built on click, then cached)."""
    key = (db, version, start, end, community, lang, today, scope)
    buffer = io.BytesIO()
    build_deck(briefing_slides(*key, _query), lang, buffer, briefing_charts(*key, _query))
    return buffer.getvalue()


@st.cache_data(show_spinner=False, max_entries=8)
def briefing_pdf(db: str, version: int, start: dt.date, end: dt.date, community: str | None,
                 lang: str, today: dt.date, scope: str | None, _query) -> bytes:
    """The .pdf of the same slides (printed by Chromium on click, then cached)."""
    key = (db, version, start, end, community, lang, today, scope)
    buffer = io.BytesIO()
    build_pdf(briefing_slides(*key, _query), lang, buffer, briefing_charts(*key, _query))
    return buffer.getvalue()


def status_style(row: pd.Series) -> list[str]:
    colour = f"background-color: {tint(STATUS_COLOURS[row['status']])}" if isinstance(row["status"], str) else ""
    return [colour if column == "status_text" else "" for column in row.index]


def scorecard_table(ctx: app_context.PageContext, rows: list[Kpi]) -> None:
    frame = pd.DataFrame([(ctx.t(f"topic.{kpi.topic}"), kpi.name, kpi.value_text, kpi.target_text, kpi.status_text,
                           kpi.status) for kpi in rows], columns=[*SCORECARD_COLUMNS, "status"])
    st.dataframe(frame.style.apply(status_style, axis=1), hide_index=True,
                 height=min(len(rows) * SCORECARD_ROW_HEIGHT + 40, SCORECARD_HEIGHT),
                 row_height=SCORECARD_ROW_HEIGHT, column_order=list(SCORECARD_COLUMNS),
                 column_config={column: st.column_config.TextColumn(ctx.t(f"briefing.column.{label}"), width=width)
                                for column, (label, width) in SCORECARD_COLUMNS.items()})


def show_title(slide: TitleSlide) -> None:
    st.space("large")
    st.title(slide.title, anchor=False)
    st.header(slide.scope, anchor=False)
    st.subheader(slide.period, anchor=False)
    st.caption(slide.generated)


def show_scorecard(ctx: app_context.PageContext, slide: ScorecardSlide) -> None:
    scorecard_table(ctx, list(slide.rows))
    for sentence in slide.sentences:
        st.caption(sentence)


def show_topic(ctx: app_context.PageContext, slide: TopicSlide) -> None:
    """The key chart on the left; the KPIs two by two, the sentences and the sources on the right."""
    chart, side = st.columns([3, 2], gap="medium")
    chart.plotly_chart(slide.figure.update_layout(height=CHART_HEIGHT), height=CHART_HEIGHT,
                       key=f"sv_slide_chart_{slide.topic}", config={"displaylogo": False})
    with side:
        for pair in (slide.kpis[:2], slide.kpis[2:]):
            for column, kpi in zip(st.columns(2), pair):
                column.metric(kpi.name, kpi.value_text, help=indicator_definition(kpi.indicator_id, ctx.lang),
                              delta=kpi.target_line or None, delta_color=STATUS_DELTA_COLOURS[kpi.status],
                              delta_arrow="off")
        st.markdown("\n".join(f"- {text}" for text in slide.sentences) or ctx.t("briefing.no_sentences"))
        st.caption(ctx.t("briefing.chart_source", queries=[f"queries/{q}.sql" for q in slide.chart_queries]))


def show_page() -> None:
    """Controls (previous, counter, next, download), then the current slide."""
    st.set_page_config(layout="wide", initial_sidebar_state="collapsed")  # the filters stay one click away
    ctx = app_frame.page_context()
    if not ctx.has_data:
        st.title(ctx.t("nav.briefing"), anchor=False)
        widgets.empty_state(ctx)
        st.stop()
    filters = ctx.filters
    community = ctx.community_scope or filters.community
    key = (ctx.db, ctx.version, filters.start, filters.end, community, ctx.lang, dt.date.today(),
           ctx.community_scope)
    slides = briefing_slides(*key, ctx.query)
    index = min(max(st.session_state.get(SLIDE_KEY, 0), 0), len(slides) - 1)

    def step(offset: int) -> None:
        st.session_state[SLIDE_KEY] = min(max(index + offset, 0), len(slides) - 1)

    def deck_file() -> bytes:
        """Runs when the download button is clicked (in a worker thread); each download is audited."""
        ctx.audit("deck", f"{filters.period}, {community or '*'}, {ctx.lang}")
        return briefing_deck(*key, ctx.query)

    def pdf_file() -> bytes:
        ctx.audit("deck", f"{filters.period}, {community or '*'}, {ctx.lang}, pdf")
        return briefing_pdf(*key, ctx.query)

    slide = slides[index]
    with st.container(horizontal=True, vertical_alignment="center"):
        if not isinstance(slide, TitleSlide):  # the title slide shows its own, larger
            st.header(slide.title, anchor=False, width="content")
        st.space("stretch")
        if filters.township:
            st.caption(ctx.t("briefing.township_ignored"), width="content")
        st.button(ctx.t("briefing.previous"), key="sv_slide_prev", icon=":material/chevron_left:", on_click=step,
                  args=(-1,), disabled=index == 0, shortcut="PageUp")
        st.markdown(ctx.t("briefing.counter", number=index + 1, total=len(slides)), width="content")
        st.button(ctx.t("briefing.next"), key="sv_slide_next", icon=":material/chevron_right:", on_click=step,
                  args=(1,), disabled=index == len(slides) - 1, shortcut="PageDown")
        st.download_button(ctx.t("briefing.download"), data=deck_file, mime=PPTX_MIME,
                           file_name=ctx.t("briefing.file_name", scope=community or ctx.t("briefing.whole_county_file"),
                                           period=filters.period),
                           key="sv_deck_download", icon=":material/download:", on_click="ignore",
                           help=ctx.t("briefing.download_help"))
        st.download_button(ctx.t("briefing.download_pdf"), data=pdf_file, mime=PDF_MIME,
                           file_name=ctx.t("briefing.file_name_pdf",
                                           scope=community or ctx.t("briefing.whole_county_file"), period=filters.period),
                           key="sv_pdf_download", icon=":material/picture_as_pdf:", on_click="ignore",
                           help=ctx.t("briefing.download_pdf_help"))

    if isinstance(slide, TitleSlide):
        show_title(slide)
    elif isinstance(slide, ScorecardSlide):
        show_scorecard(ctx, slide)
    else:
        show_topic(ctx, slide)


if __name__ == "__main__":
    show_page()
