"""The indicator declarations, read once from ``sinkview/metrics/indicators.toml``.

Owns what an indicator is: its id and topic, zh/en names, unit, direction, kind, the definition
text (help, deck notes), the default target with its source, and its expression as aggregates
(numerator, optional minus and denominator, scale) over named base models. Everything else —
the evaluator, the catalogue's names and definitions, ``data/targets.csv``, the README's
indicator table, the scorecard — reads these declarations; nothing copies them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

AGGREGATE_FUNCTIONS = ("count", "count_distinct", "sum", "sum_or_zero", "median")
KINDS = ("count", "ratio", "number")
DIRECTIONS = ("higher", "lower", "neutral")


@dataclass(frozen=True)
class Aggregate:
    """An aggregate over the rows of one base model that fall in an evaluation cell."""
    model: str
    function: str            # count | count_distinct | sum | sum_or_zero | median
    of: str | None = None    # a column expression (count without it counts rows)
    where: str | None = None  # a predicate over the model's columns (and period_start/_end)


@dataclass(frozen=True)
class Target:
    value: float | None
    source: str
    confidence: str


@dataclass(frozen=True)
class Indicator:
    id: str
    topic: str      # the id's prefix: rotation | referral | village | talent | volume | …
    name_zh: str
    name_en: str
    unit: str       # days | calendar_days | count | persons | ratio | times | per_10k | per_1000
    direction: str  # higher | lower | neutral (the shipped default; targets.csv may change it)
    kind: str       # ratio (a fraction in [0, 1]) | count (an integer) | number
    numerator: Aggregate | None  # None for an indicator computed by a query of its own
    denominator: Aggregate | None
    minus: Aggregate | None
    scale: int
    definition_zh: str
    definition_en: str
    target: Target
    macro: str | None = None  # a staging macro (start, end, community) with a column per id, instead of aggregates

    @property
    def aggregates(self) -> tuple[Aggregate, ...]:
        return tuple(a for a in (self.numerator, self.minus, self.denominator) if a is not None)

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def definition(self, lang: str) -> str:
        return self.definition_zh if lang == "zh" else self.definition_en


def _aggregate(entry: dict | None, where: str) -> Aggregate | None:
    if entry is None:
        return None
    aggregate = Aggregate(**entry)
    if aggregate.function not in AGGREGATE_FUNCTIONS:
        raise ValueError(f"{where}: unknown aggregate function {aggregate.function!r}")
    if aggregate.of is None and aggregate.function != "count":
        raise ValueError(f"{where}: {aggregate.function} needs `of`")
    return aggregate


def _indicator(entry: dict) -> Indicator:
    item_id = entry["id"]
    target = entry.get("target", {})
    item = Indicator(
        id=item_id,
        topic=item_id.split(".", 1)[0],
        name_zh=entry["name"]["zh"],
        name_en=entry["name"]["en"],
        unit=entry["unit"],
        direction=entry["direction"],
        kind=entry["kind"],
        numerator=_aggregate(entry.get("numerator"), item_id),
        denominator=_aggregate(entry.get("denominator"), item_id),
        minus=_aggregate(entry.get("minus"), item_id),
        scale=entry.get("scale", 1),
        definition_zh=entry["definition"]["zh"],
        definition_en=entry["definition"]["en"],
        target=Target(target.get("value"), target.get("source", ""), target.get("confidence", "")),
        macro=entry.get("macro"),
    )
    if (item.numerator is None) == (item.macro is None):
        raise ValueError(f"{item_id}: declare either a numerator or a macro")
    if item.kind not in KINDS or item.direction not in DIRECTIONS:
        raise ValueError(f"{item_id}: unknown kind or direction")
    return item


@cache
def declarations() -> tuple[Indicator, ...]:
    """Every declared indicator, in the order of metrics.md."""
    text = (resources.files("sinkview.metrics") / "indicators.toml").read_text(encoding="utf-8")
    items = tuple(_indicator(entry) for entry in tomllib.loads(text)["indicator"])
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError("an indicator is declared twice")
    return items


INDICATORS: tuple[Indicator, ...] = declarations()
TOPICS: tuple[str, ...] = tuple(dict.fromkeys(item.topic for item in INDICATORS))
_BY_ID = {item.id: item for item in INDICATORS}


def indicator(indicator_id: str) -> Indicator:
    """The declared indicator ``indicator_id`` (KeyError when there is none)."""
    return _BY_ID[indicator_id]


def topic_indicators(topic: str) -> tuple[Indicator, ...]:
    return tuple(item for item in INDICATORS if item.topic == topic)


def topic_macro(topic: str) -> str | None:
    """The staging macro that computes ``topic`` when its indicators declare one (not aggregates)."""
    macros = {item.macro for item in topic_indicators(topic)}
    if len(macros) != 1:
        raise ValueError(f"{topic}: indicators of a topic are all aggregates or all one macro")
    return macros.pop()
