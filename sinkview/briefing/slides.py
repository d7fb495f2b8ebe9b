"""The briefing (汇报): the slides of one period and scope, described as plain data.

Owns which slides there are (title, scorecard, one per topic), the KPIs, key chart and narrative
sentences of each topic slide, and the indicator definitions the speaker notes quote. It draws
nothing: ``pages/briefing.py`` shows the slides on screen and ``sinkview.briefing.deck`` writes them to
PowerPoint. The briefing uses the community scope only (no township), like the indicator registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd
import plotly.graph_objects as go

from sinkview.metrics import periods
from sinkview.charts import party, referral, rotation, talent, village
from sinkview.i18n import indicator_definition, indicator_name, t
from sinkview.metrics.declarations import INDICATORS, indicator
from sinkview.metrics.evaluator import evaluate
from sinkview.metrics.targets import load_targets
from sinkview.metrics.needs import compared_periods, page_needs
from sinkview.metrics.narrative import narrative
from sinkview.metrics.quality import COMPLETENESS_QUERY, caveat_from_frame, footnote, marked, needs_caveat
from sinkview.store.named_queries import run_query
from sinkview.metrics.scorecard import (
    direction_of,
    format_target,
    format_value,
    target_status,
)


SCORECARD_ROWS = 12  # indicators a scorecard slide may hold and still be read on a projector


SLIDE_MATRIX_ROWS = 10   # centres a slide's heatmap can name at projector size (20 px in 4.3 inches)


@dataclass(frozen=True)
class TopicPlan:
    """What a topic slide shows: its KPIs, and its key chart drawn by the topic's builder from
    the frames of ``chart_queries`` (in that order)."""
    topic: str
    kpi_ids: tuple[str, ...]
    chart_queries: tuple[str, ...]
    chart: Callable[..., go.Figure]


TOPIC_PLANS: tuple[TopicPlan, ...] = (
    TopicPlan("rotation",
              ("rotation.expert_days", "rotation.township_coverage", "rotation.senior_share",
               "rotation.stationed_per_10k"),
              ("rotation/coverage_by_month",),
              lambda coverage, lang: rotation.coverage_matrix_figure(coverage, lang, by="month",
                                                                     max_rows=SLIDE_MATRIX_ROWS)),
    TopicPlan("referral",
              ("referral.up", "referral.down", "referral.down_up_ratio", "referral.out_of_county_share"),
              ("referral/flows_by_tier",),
              lambda flows, lang: referral.referral_sankey_figure(flows, lang, by="tier")),
    TopicPlan("village",
              ("village.clinic_coverage", "village.blank_villages", "village.doctors_per_1000",
               "village.signing_rate"),
              ("village/village_points", "village/township_centres"),
              lambda points, centres, lang: village.village_map_figure(points, lang, centres=centres)),
    TopicPlan("talent",
              ("talent.dispatched_down", "talent.trained_up", "talent.senior_dispatch_share",
               "talent.net_grassroots"),
              ("talent/grassroots_net_by_township",),
              lambda net, lang: talent.grassroots_net_figure(net, lang)),
    TopicPlan("party",
              ("party.institution_coverage", "party.clinic_coverage", "party.meeting_regularity",
               "party.grassroots_service_share"),
              ("party/service_by_township",),
              lambda service, lang: party.service_by_township_figure(service, lang)),
)


@dataclass(frozen=True)
class Kpi:
    """One indicator as a slide shows it: the registry's value and its display texts."""
    indicator_id: str
    topic: str
    name: str
    value: float | int | None  # exactly compute_indicators' value
    value_text: str
    target_text: str           # ≥ 65.0%; the good direction alone without a target; — when neutral
    status: str | None         # met | near | missed | None (no target or no value)
    status_text: str
    target_line: str           # what a KPI card says under the value: target and status, or ""


@dataclass(frozen=True)
class Definition:
    indicator_id: str
    name: str
    text: str


@dataclass(frozen=True)
class TitleSlide:
    title: str
    scope: str       # the community, or the whole county
    period: str      # 2025年第4季度（2025-10-01 至 2025-12-31）
    generated: str   # the line with the date the briefing was made
    note: str        # speaker note: where the numbers come from


@dataclass(frozen=True)
class ScorecardSlide:
    title: str
    rows: tuple[Kpi, ...]                # at most SCORECARD_ROWS indicators, in registry order
    sentences: tuple[str, ...]           # narrative sentences of topics without a slide of their own
    definitions: tuple[Definition, ...]
    talking_points: tuple[str, ...] = ()  # the speaker notes' summary of the rows: missed, near, met


@dataclass(frozen=True)
class TopicSlide:
    topic: str
    title: str
    kpis: tuple[Kpi, ...]
    figure: go.Figure
    chart_queries: tuple[str, ...]       # queries/<topic>/<result>.sql behind the chart
    sentences: tuple[str, ...]
    definitions: tuple[Definition, ...]  # the KPIs', then those of indicators the sentences quote


Slide = TitleSlide | ScorecardSlide | TopicSlide


def period_code(start: dt.date, end: dt.date) -> str:
    """The period code of ``[start, end]``: a quarter, month or year when it is exactly one,
    else a custom range (so the label reads as the sidebar's)."""
    year, quarter = periods.quarter_of(start)
    for code in (f"{year}-Q{quarter}", f"{start.year}-{start.month:02d}", str(start.year)):
        if periods.period_range(code) == (start, end):
            return code
    return periods.custom_code(start, end)


def _kpi(indicator_id: str, values: dict, targets: dict, lang: str, caveat: str | None = None) -> Kpi:
    value = values.get(indicator_id)
    found = target_status(indicator_id, value, targets)
    status_text = t(f"overview.status.{found}", lang) if found else "—"
    target = targets[indicator_id].target if indicator_id in targets else None
    target_text = format_target(indicator_id, target, direction_of(indicator_id, targets), lang)
    if target is not None:
        target_line = (t("briefing.kpi_target", lang, target=target_text, status=status_text) if found
                       else t("briefing.kpi_target_only", lang, target=target_text))
    else:
        target_line = "" if target_text == "—" else target_text
    return Kpi(indicator_id, indicator(indicator_id).topic, indicator_name(indicator_id, lang), value,
               marked(format_value(indicator_id, value, lang), indicator_id, caveat), target_text, found,
               status_text, target_line)


def _footnotes(indicator_ids, caveat: str | None) -> tuple[str, ...]:
    """The footnote of the caveat mark, for a slide that shows a volume.* figure (it reaches the
    slide's sentences and the speaker notes)."""
    return (footnote(caveat),) if caveat and any(map(needs_caveat, indicator_ids)) else ()


def _definitions(indicator_ids, lang: str) -> tuple[Definition, ...]:
    return tuple(Definition(i, indicator_name(i, lang), indicator_definition(i, lang))
                 for i in dict.fromkeys(indicator_ids))


def build_slides(cursor: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, community: str | None,
                 lang: str, today: dt.date | None = None,
                 query: Callable[..., pd.DataFrame] | None = None) -> list[Slide]:
    """The briefing of ``[start, end]`` for a community (None: the whole county) in ``lang``:
    a title slide, the scorecard, then one slide per topic of ``TOPIC_PLANS``.

    ``query(name, **params)`` runs the named queries of the charts and the narrative; by default
    ``run_query`` on ``cursor``. The page passes ``PageContext.query``, which keeps a user bound
    to one community from seeing the names of the others."""
    run = query or (lambda name, **params: run_query(cursor, name, **params))
    params = {"start": start, "end": end, "community": community, "township": None}
    targets = load_targets()
    compared = compared_periods(page_needs("briefing"), start, end)  # now, previous, a year ago
    spans = [*compared["now"], *compared["previous"], *compared["year_ago"]]
    values = evaluate(cursor, spans, community=community)  # one pass per topic
    current, previous, year_ago = (values[index, None] for index in range(3))
    # volume.* figures carry a caveat (mark, footnote, notes) when their reporting is incomplete
    caveat = caveat_from_frame(run(COMPLETENESS_QUERY, **params), lang)
    sentences = narrative(current, previous, year_ago, targets, lang,
                          run("overview/townships_without_expert", **params), volume_caveat=caveat)

    title = TitleSlide(
        title=t("briefing.deck_title", lang),
        scope=community or t("briefing.whole_county", lang),
        period=t("briefing.period", lang, label=periods.period_label(period_code(start, end), lang),
                 start=start.isoformat(), end=end.isoformat()),
        generated=t("briefing.generated", lang, date=(today or dt.date.today()).isoformat()),
        note=t("briefing.notes.source", lang, start=start.isoformat(), end=end.isoformat()),
    )
    slide_topics = {plan.topic for plan in TOPIC_PLANS}
    pages = scorecard_pages([_kpi(item.id, current, targets, lang, caveat) for item in INDICATORS])
    # A sentence of a topic without a slide of its own goes on the scorecard page of its figures.
    page_of = {kpi.indicator_id: number for number, rows in enumerate(pages, start=1) for kpi in rows}
    placed: dict[int, list[str]] = {}
    for sentence in sentences:
        if sentence.topic not in slide_topics:
            number = next((page_of[i] for i in sentence.indicator_ids if i in page_of), len(pages))
            placed.setdefault(number, []).append(sentence.text)
    scorecards = [ScorecardSlide(
        title=(t("briefing.scorecard_title", lang) if len(pages) == 1 else
               t("briefing.scorecard_page", lang, title=t("briefing.scorecard_title", lang),
                 number=number, total=len(pages))),
        rows=tuple(rows),
        sentences=tuple(placed.get(number, ())) + _footnotes([kpi.indicator_id for kpi in rows], caveat),
        definitions=_definitions((kpi.indicator_id for kpi in rows), lang),
        talking_points=scorecard_points(rows, lang),
    ) for number, rows in enumerate(pages, start=1)]
    topics = []
    for plan in TOPIC_PLANS:
        frames = [run(name, **params) for name in plan.chart_queries]
        own = [s for s in sentences if s.topic == plan.topic]
        quoted = [i for s in own for i in s.indicator_ids]
        topics.append(TopicSlide(
            topic=plan.topic,
            title=t(f"topic.{plan.topic}", lang),
            kpis=tuple(_kpi(i, current, targets, lang, caveat) for i in plan.kpi_ids),
            figure=plan.chart(*frames, lang),
            chart_queries=plan.chart_queries,
            sentences=tuple(s.text for s in own) + _footnotes(plan.kpi_ids, caveat),
            definitions=_definitions([*plan.kpi_ids, *quoted], lang),
        ))
    return [title, *scorecards, *topics]


def scorecard_points(rows: list[Kpi], lang: str) -> tuple[str, ...]:
    """What a speaker says of a scorecard page: its indicators that missed their target, those
    near it, or that every target on it was met (or that none of them has a target)."""
    named = {status: [kpi.name for kpi in rows if kpi.status == status] for status in ("missed", "near", "met")}
    points = tuple(t(f"briefing.points.{status}", lang, items=named[status])
                   for status in ("missed", "near") if named[status])
    if points:
        return points
    return (t("briefing.points.all_met" if named["met"] else "briefing.points.no_targets", lang),)


def scorecard_pages(rows: list[Kpi], limit: int = SCORECARD_ROWS) -> list[list[Kpi]]:
    """The scorecard's rows in slides of at most ``limit``: a topic stays on one slide when it
    fits on a slide of its own, and starts a new slide rather than being split; a topic longer
    than ``limit`` is cut into slides of ``limit``."""
    topics: dict[str, list[Kpi]] = {}
    for kpi in rows:
        topics.setdefault(kpi.topic, []).append(kpi)
    pages: list[list[Kpi]] = []
    for own in topics.values():
        chunks = [own[i:i + limit] for i in range(0, len(own), limit)]
        for chunk in chunks:
            if pages and len(pages[-1]) + len(chunk) <= limit and len(chunks) == 1:
                pages[-1].extend(chunk)
            else:
                pages.append(list(chunk))
    return pages
