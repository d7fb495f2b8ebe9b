"""The overview's narrative: a few plain sentences about the period, from rules over the indicators.

Owns the rules (the largest changes, targets missed, nearly met or all met, township health
centres no expert visited) and their order; the wording comes from the catalogue, and every
sentence quotes its numbers, the indicator's name and what it is compared with. Pure: no query
and no Streamlit, so the briefing deck can reuse the sentences topic by topic.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from sinkview.i18n import indicator_name, t
from sinkview.metrics.declarations import INDICATORS, indicator
from sinkview.metrics.targets import Target
from sinkview.metrics.quality import needs_caveat
from sinkview.metrics.scorecard import (
    TOPICS,
    change,
    change_size,
    change_tone,
    direction_of,
    format_target,
    format_value,
    shown_percent,
    target_status,
)

MAX_CHANGES = 3        # sentences about the largest changes
MAX_NAMED_CENTRES = 5  # township centres named in the gap sentence
COVERAGE = "rotation.township_coverage"


@dataclass(frozen=True)
class Sentence:
    """One sentence of the narrative and what it speaks of (the briefing deck groups by topic)."""
    text: str
    topic: str                      # rotation | referral | village | talent | volume
    indicator_ids: tuple[str, ...]  # the indicators whose numbers the sentence quotes


def narrative(current: dict, previous: dict, year_ago: dict, targets: dict[str, Target], lang: str,
              gaps: pd.DataFrame, volume_caveat: str | None = None) -> list[Sentence]:
    """The period's sentences: largest changes, then targets by topic, then gaps.

    ``gaps`` is ``queries/overview/townships_without_expert`` for the same period and scope;
    ``volume_caveat`` (``sinkview.metrics.quality.volume_caveat``) is added to every sentence that quotes
    a volume.* figure when its reporting is incomplete."""
    sentences = [*largest_changes(current, previous, year_ago, targets, lang),
                 *target_sentences(current, targets, lang),
                 *gap_sentences(current, gaps, lang)]
    return [_with_caveat(sentence, volume_caveat, lang) for sentence in sentences]


def _with_caveat(sentence: Sentence, caveat: str | None, lang: str) -> Sentence:
    if caveat is None or not any(map(needs_caveat, sentence.indicator_ids)):
        return sentence
    text = t("quality.caveated_sentence", lang, sentence=sentence.text.rstrip("。."), caveat=caveat)
    return replace(sentence, text=text)


def largest_changes(current: dict, previous: dict, year_ago: dict, targets: dict[str, Target],
                    lang: str) -> list[Sentence]:
    """Up to ``MAX_CHANGES`` indicators with a direction whose change exceeds the "near"
    tolerance (5 points for a ratio, 10 % otherwise), largest first; for each, the comparison
    (previous period or a year before) in which it changed more."""
    candidates = []
    for item in INDICATORS:
        direction = direction_of(item.id, targets)
        if direction == "neutral":
            continue
        for comparison, before in (("previous", previous), ("year_ago", year_ago)):
            size = change_size(item.id, current.get(item.id), before.get(item.id))
            if size is not None and size >= 1:
                candidates.append((size, item.id, comparison, before[item.id], direction))
    candidates.sort(key=lambda entry: -entry[0])
    largest = {}
    for _, indicator_id, comparison, before_value, direction in candidates:
        largest.setdefault(indicator_id, (comparison, before_value, direction))
    return [_change_sentence(indicator_id, current[indicator_id], before_value, comparison, direction, lang)
            for indicator_id, (comparison, before_value, direction) in list(largest.items())[:MAX_CHANGES]]


def _change_sentence(indicator_id: str, value, before, comparison: str, direction: str, lang: str) -> Sentence:
    item = indicator(indicator_id)
    difference = change(value, before)
    percent = shown_percent(value, before)
    if item.kind == "ratio":
        amount = t("overview.narrative.points", lang, points=f"{abs(difference) * 100:.1f}")
    elif percent is None:   # the value crossed below zero
        amount = format_value(indicator_id, abs(difference), lang)
    else:
        amount = t("overview.narrative.amount_relative", lang,
                   amount=format_value(indicator_id, abs(difference), lang), percent=f"{abs(percent) * 100:.1f}%")
    text = t("overview.narrative.change", lang,
             name=indicator_name(indicator_id, lang),
             value=format_value(indicator_id, value, lang),
             comparison=t(f"overview.narrative.{comparison}", lang),
             before=format_value(indicator_id, before, lang),
             movement=t("overview.narrative.up" if difference > 0 else "overview.narrative.down", lang),
             amount=amount,
             judgement=t(f"overview.narrative.{change_tone(difference, direction)}", lang))
    return Sentence(text, item.topic, (indicator_id,))


def target_sentences(current: dict, targets: dict[str, Target], lang: str) -> list[Sentence]:
    """One sentence per topic with targets: the indicators that missed theirs and those near
    it; or, when none missed or came near, that every target was met."""
    sentences = []
    for topic in TOPICS:
        by_status: dict[str, list[str]] = {"missed": [], "near": [], "met": []}
        for item in INDICATORS:
            if item.topic == topic and (found := target_status(item.id, current.get(item.id), targets)):
                by_status[found].append(item.id)
        reported = {found: ids for found, ids in by_status.items() if ids and found != "met"}
        if not reported and by_status["met"]:
            reported = {"met": by_status["met"]}
        if reported:
            parts = [t(f"overview.narrative.part_{found}", lang, items=[_target_item(i, current, targets, lang)
                                                                       for i in ids])
                     for found, ids in reported.items()]
            text = t("overview.narrative.targets", lang, topic=t(f"topic.{topic}", lang),
                     parts=t("overview.narrative.part_separator", lang).join(parts))
            sentences.append(Sentence(text, topic, tuple(i for ids in reported.values() for i in ids)))
    return sentences


def _target_item(indicator_id: str, current: dict, targets: dict[str, Target], lang: str) -> str:
    target = targets[indicator_id]
    return t("overview.narrative.target_item", lang, name=indicator_name(indicator_id, lang),
             value=format_value(indicator_id, current[indicator_id], lang),
             target=format_target(indicator_id, target.target, target.direction, lang))


def gap_sentences(current: dict, gaps: pd.DataFrame, lang: str) -> list[Sentence]:
    """The township health centres that no expert visited in the period, with the coverage."""
    if gaps.empty:
        return []
    names = list(gaps["inst_name"])
    named = names[:MAX_NAMED_CENTRES]
    key = "overview.narrative.gap_one" if len(names) == 1 else "overview.narrative.gap_many"
    text = t(key, lang, count=len(names), names=named,
             more=t("overview.narrative.and_others", lang) if len(names) > len(named) else "",
             name=indicator_name(COVERAGE, lang),
             value=format_value(COVERAGE, current.get(COVERAGE), lang))
    return [Sentence(text, "rotation", (COVERAGE,))]
