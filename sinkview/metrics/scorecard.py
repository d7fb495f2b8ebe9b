"""The overview's scorecard and league table as plain frames, built from indicator dicts.

Owns the comparison periods (the previous period of the same length, the same period a year
before, the last eight quarters), changes, favourable or unfavourable tones, statuses against
targets, ranks between communities, and the text each cell shows. It runs no query and draws
nothing: the page collects the indicator dicts (``PageContext.indicators``) and passes them here.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from sinkview.i18n import format_number, indicator_name, t
from sinkview.metrics.declarations import INDICATORS, indicator
from sinkview.metrics.targets import Target, status
from sinkview.metrics.declarations import TOPICS  # noqa: F401  (re-exported: the overview reads it here)
from sinkview.metrics.needs import TREND_QUARTERS, trend_periods, year_ago_period, year_before  # noqa: F401
from sinkview.metrics.quality import marked

# The comparison periods (year_before, year_ago_period, trend_periods) are declared with the
# pages' needs in sinkview.metrics.needs; re-exported here for the callers that read them here.
# A change is "large" when it exceeds the "near" tolerance of targets.md: 5 percentage points
# for a ratio, 10 % of the earlier value otherwise.
RATIO_STEP = 0.05
RELATIVE_STEP = 0.10

Value = float | int | None


# --------------------------------------------------------------------------- periods

def within_data(period: tuple[dt.date, dt.date], first_data_day: dt.date | None) -> bool:
    """Whether the data reach back to the start of ``period`` (unknown: yes). A period before
    the data is compared with nothing, not with the zeros its empty ledgers would give."""
    return first_data_day is None or period[0] >= first_data_day


def indicators_compared(compared: dict[str, list], first_data_day: dt.date | None, evaluate) -> dict[str, list[dict]]:
    """The indicators of every period in ``compared`` (name -> periods, "now" first), from one
    call of ``evaluate`` (a list of periods -> a list of indicator dicts: one pass per topic).
    Now is always evaluated; another period only when the data reach it, else it gets {}."""
    spans = [(name, span) for name, group in compared.items() for span in group]
    kept = [name == "now" or within_data(span, first_data_day) for name, span in spans]
    found = iter(evaluate([span for (_, span), keep in zip(spans, kept) if keep]))
    values: dict[str, list[dict]] = {name: [] for name in compared}
    for (name, _), keep in zip(spans, kept):
        values[name].append(next(found) if keep else {})
    return values


# --------------------------------------------------------------------------- comparisons

def is_missing(value: Value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def direction_of(indicator_id: str, targets: dict[str, Target]) -> str:
    """higher | lower | neutral: the editable targets file first, then the registry default."""
    target = targets.get(indicator_id)
    return target.direction if target else indicator(indicator_id).direction


def change(value: Value, before: Value) -> float | None:
    """value − before in the indicator's own unit (a fraction for ratios); None if either is missing."""
    if is_missing(value) or is_missing(before):
        return None
    return value - before


def relative_change(value: Value, before: Value) -> float | None:
    """(value − before) / before; None when either is missing or before is not positive (a
    percentage of a zero or negative base, such as a net outflow, would mislead)."""
    difference = change(value, before)
    if difference is None or before <= 0:
        return None
    return difference / before


def shown_percent(value: Value, before: Value) -> float | None:
    """The relative change as figures show it: none when the value crossed below zero (13 to
    −9 is not a fall of 169 %), nor where ``relative_change`` has none."""
    relative = relative_change(value, before)
    return None if relative is None or value < 0 else relative


def change_size(indicator_id: str, value: Value, before: Value) -> float | None:
    """How large a change is in steps of the "near" tolerance (≥ 1: large); None if unknown.

    Rounded to 9 places so that 0.90 − 0.95 counts as exactly one step."""
    if indicator(indicator_id).kind == "ratio":
        difference = change(value, before)
        return None if difference is None else round(abs(difference) / RATIO_STEP, 9)
    relative = relative_change(value, before)
    return None if relative is None else round(abs(relative) / RELATIVE_STEP, 9)


def change_tone(difference: float | None, direction: str) -> str | None:
    """'good' or 'bad' for a change of an indicator with a direction; None otherwise."""
    if difference is None or difference == 0 or direction not in ("higher", "lower"):
        return None
    return "good" if (difference > 0) == (direction == "higher") else "bad"


def notable_tone(indicator_id: str, value: Value, before: Value, direction: str) -> str | None:
    """The tone of a change beyond the "near" tolerance (the changes the narrative reports);
    None for smaller changes, so that only notable ones are coloured."""
    size = change_size(indicator_id, value, before)
    if size is None or size < 1:
        return None
    return change_tone(change(value, before), direction)


def target_status(indicator_id: str, value: Value, targets: dict[str, Target]) -> str | None:
    target = targets.get(indicator_id)
    return None if target is None or is_missing(value) else status(value, target)


# --------------------------------------------------------------------------- display text

def format_value(indicator_id: str, value: Value, lang: str) -> str:
    """A value of an indicator (or its target) with its unit, as the scorecard shows it:
    ratios as percentages, counts as integers, "—" when missing."""
    item = indicator(indicator_id)
    if is_missing(value):
        return "—"
    if item.kind == "count" and float(value).is_integer():
        value = int(value)
    text = format_number(value, item.unit, lang)
    return text if item.unit in ("ratio", "count") else f"{text} {t(f'unit.{item.unit}', lang)}"


def format_change(indicator_id: str, value: Value, before: Value, lang: str) -> str:
    """+3.2 pp for a ratio; +12 (+8.5%) otherwise; — when a value is missing."""
    difference = change(value, before)
    if difference is None:
        return "—"
    kind = indicator(indicator_id).kind
    if kind == "ratio":  # adding 0.0 turns a rounded -0.0 into +0.0
        return f"{round(difference * 100, 1) + 0.0:+.1f} {t('frame.pp', lang)}"
    absolute = f"{int(difference):+,}" if kind == "count" else f"{round(difference, 2) + 0.0:+,.2f}"
    relative = shown_percent(value, before)
    return absolute if relative is None else f"{absolute} ({round(relative * 100, 1) + 0.0:+.1f}%)"


def format_target(indicator_id: str, target: Value, direction: str, lang: str) -> str:
    """≥ 65.0% or ≤ 0 with a target; the good direction alone without one; — when neutral."""
    if direction == "neutral":
        return "—"
    if is_missing(target):
        return t(f"overview.direction.{direction}", lang)
    sign = "≥" if direction == "higher" else "≤"
    return f"{sign} {format_value(indicator_id, target, lang)}"


# --------------------------------------------------------------------------- scorecard

def scorecard_frame(current: dict, previous: dict, year_ago: dict, trend: list[dict],
                    targets: dict[str, Target]) -> pd.DataFrame:
    """One row per registered indicator, in registry order: values, changes, target, status, trend.

    ``trend`` holds one indicator dict per quarter, oldest first; a missing value is NaN there."""
    rows = []
    for item in INDICATORS:
        value, before, last_year = current.get(item.id), previous.get(item.id), year_ago.get(item.id)
        direction = direction_of(item.id, targets)
        target = targets.get(item.id)
        rows.append({
            "id": item.id,
            "topic": item.topic,
            "value": value,
            "previous": before,
            "year_ago": last_year,
            "change_previous": change(value, before),
            "change_year_ago": change(value, last_year),
            "tone_previous": notable_tone(item.id, value, before, direction),
            "tone_year_ago": notable_tone(item.id, value, last_year, direction),
            "direction": direction,
            "target": target.target if target else None,
            "status": target_status(item.id, value, targets),
            "trend": [math.nan if is_missing(q.get(item.id)) else float(q[item.id]) for q in trend],
        })
    return pd.DataFrame(rows)


def scorecard_table(frame: pd.DataFrame, topic: str, lang: str, caveat: str | None = None) -> pd.DataFrame:
    """The rows of one topic as shown: text columns, the trend list, and the status and tone
    codes the styling reads (hidden on screen). With a ``caveat`` (incomplete reporting), the
    values of volume.* figures carry its footnote mark."""
    rows = frame[frame["topic"] == topic]
    return pd.DataFrame({
        "name": [indicator_name(i, lang) for i in rows["id"]],
        "value": [marked(format_value(i, v, lang), i, caveat) for i, v in zip(rows["id"], rows["value"])],
        "change_previous": [format_change(i, v, b, lang)
                            for i, v, b in zip(rows["id"], rows["value"], rows["previous"])],
        "change_year_ago": [format_change(i, v, b, lang)
                            for i, v, b in zip(rows["id"], rows["value"], rows["year_ago"])],
        "target": [format_target(i, target, direction, lang)
                   for i, target, direction in zip(rows["id"], rows["target"], rows["direction"])],
        "status_label": [t(f"overview.status.{s}", lang) if isinstance(s, str) else "—" for s in rows["status"]],
        "trend": list(rows["trend"]),
        "status": list(rows["status"]),
        "tone_previous": list(rows["tone_previous"]),
        "tone_year_ago": list(rows["tone_year_ago"]),
    })


# --------------------------------------------------------------------------- league table

def rank_values(values: dict[str, Value], direction: str) -> dict[str, int | None]:
    """1 = best in the indicator's direction; ties share the better rank; None for a missing
    value or a neutral indicator."""
    if direction not in ("higher", "lower"):
        return {key: None for key in values}
    present = {key: v for key, v in values.items() if not is_missing(v)}
    ordered = sorted(present.values(), reverse=direction == "higher")
    return {key: (ordered.index(present[key]) + 1 if key in present else None) for key in values}


def league_frame(by_community: dict[str, dict], targets: dict[str, Target]) -> pd.DataFrame:
    """Long frame, one row per community and indicator: community, id, topic, value, rank, status."""
    rows = []
    for item in INDICATORS:
        values = {community: found.get(item.id) for community, found in by_community.items()}
        ranks = rank_values(values, direction_of(item.id, targets))
        rows.extend({"community": community, "id": item.id, "topic": item.topic, "value": value,
                     "rank": ranks[community], "status": target_status(item.id, value, targets)}
                    for community, value in values.items())
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class LeagueTable:
    """One topic's league table: communities × indicators (columns named in the language)."""
    values: pd.DataFrame    # numbers, for sorting
    texts: pd.DataFrame     # what each cell shows: value and rank
    statuses: pd.DataFrame  # met | near | missed | None, for colouring


def league_table(league: pd.DataFrame, topic: str, lang: str) -> LeagueTable:
    """The league table of one topic, from ``league_frame``."""
    rows = league[league["topic"] == topic]
    rows = rows.assign(text=[_league_cell(i, v, r, lang)
                             for i, v, r in zip(rows["id"], rows["value"], rows["rank"])])
    ids = list(dict.fromkeys(rows["id"]))

    def wide(column: str) -> pd.DataFrame:
        table = rows.pivot(index="community", columns="id", values=column)[ids]
        table = table.rename(columns={i: indicator_name(i, lang) for i in ids})
        table.index.name = t("frame.community", lang)
        table.columns.name = None
        return table

    return LeagueTable(values=wide("value").astype(float), texts=wide("text"), statuses=wide("status"))


def _league_cell(indicator_id: str, value: Value, rank: float | None, lang: str) -> str:
    text = format_value(indicator_id, value, lang)
    return text if is_missing(rank) else t("overview.league.cell", lang, value=text, rank=int(rank))

