"""The message catalogue: every user-facing string in Chinese (default) and English.

Owns lookup (``t(key, lang, **params)``), number and percentage formatting and the display
words of the data contract (dataset names, column labels and help, enumeration labels). Strings live in ``sinkview/catalogue/*.toml`` (one file per area, so
several pages can add strings without touching one file); a key missing in a language falls
back to the other, then to the key itself, so a gap shows but never crashes a page.
"""

from __future__ import annotations

import os
import string
import tomllib
from functools import lru_cache
from importlib import resources

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    entries: dict[str, dict[str, str]] = {}
    folder = resources.files("sinkview") / "catalogue"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            _flatten(data, "", entries)
    _flatten(_declared_texts(), "", entries)
    return entries


def _declared_texts() -> dict:
    """Each indicator's name and definition, read from its declaration (never copied here)."""
    from sinkview.metrics.declarations import INDICATORS

    return {
        "indicator": {item.id: {"zh": item.name_zh, "en": item.name_en} for item in INDICATORS},
        "definition": {item.id: {"zh": item.definition_zh, "en": item.definition_en} for item in INDICATORS},
    }


def _flatten(node: dict, prefix: str, into: dict) -> None:
    for key, value in node.items():
        if isinstance(value, dict) and not set(value) <= set(LANGUAGES):
            _flatten(value, f"{prefix}{key}.", into)
        elif isinstance(value, dict):
            if f"{prefix}{key}" in into:
                raise ValueError(f"duplicate catalogue key {prefix}{key}")
            into[f"{prefix}{key}"] = value


# The test suite sets SINKVIEW_STRICT_MESSAGES=1: a missing key, a missing language or a message
# its parameters cannot fill then fails loudly instead of showing the key or the raw text.
STRICT = os.environ.get("SINKVIEW_STRICT_MESSAGES") == "1"


class MissingMessage(KeyError):
    """A message the catalogue cannot give (strict mode only)."""


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params) -> str:
    """The message ``key`` in ``lang``, filled with ``params`` (str.format names)."""
    entry = catalogue().get(key)
    if entry is None:
        if STRICT:
            raise MissingMessage(f"no catalogue entry {key!r}")
        return key
    if STRICT and lang not in entry:
        raise MissingMessage(f"catalogue entry {key!r} has no {lang!r} text")
    text = entry.get(lang) or entry.get(DEFAULT_LANGUAGE) or next(iter(entry.values()))
    if params:
        separator = "、" if lang == "zh" else ", "
        params = {k: separator.join(map(str, v)) if isinstance(v, (list, tuple)) else v
                  for k, v in params.items()}
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError) as problem:
            if STRICT:
                raise MissingMessage(f"catalogue entry {key!r} cannot be filled: {problem!r}") from None
            return text
    if STRICT and "{" in text:
        # Plotly's own placeholders (``%{x}``) are filled by the chart, not by us.
        needed = [name for literal, name, _, _ in string.Formatter().parse(text)
                  if name is not None and not literal.endswith("%")]
        if needed:
            raise MissingMessage(f"catalogue entry {key!r} needs parameters {needed}")
    return text


def has(key: str) -> bool:
    return key in catalogue()


def enum_label(domain: str, code: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The display label of a contract code (``tier``/``county_hospital`` -> 县级医院).

    Every code of the contract has a label in ``enums.toml``; a value outside the contract's
    enumerations (none reach a page) shows as itself."""
    if code is None:
        return "—"
    key = f"enum.{domain}.{code}"
    if has(key):
        return t(key, lang)
    return str(code).replace("_", " ")


def format_number(value, unit: str = "", lang: str = DEFAULT_LANGUAGE, digits: int = 1) -> str:
    """A value as the dashboard shows it: ratios as percentages, "—" for undefined."""
    if value is None or value != value:  # None or NaN
        return "—"
    if unit == "ratio":
        return f"{value * 100:.{digits}f}%"
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) < 10:  # ratios such as down/up 0.26 or 0.86 doctors per 1,000 need two places
        return f"{value:,.2f}"
    return f"{value:,.{digits}f}"


def column_label(dataset: str, column: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A contract column's display name (``contract.toml``)."""
    return t(f"column.{dataset}.{column}.label", lang)


def column_help(dataset: str, column: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The rule a template explains for a contract column; empty where the type says it all."""
    key = f"column.{dataset}.{column}.help"
    return t(key, lang) if has(key) else ""


def indicator_name(indicator_id: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """An indicator's name (read from its declaration in ``metrics/indicators.toml``)."""
    return t(f"indicator.{indicator_id}", lang)


def indicator_definition(indicator_id: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """An indicator's exact definition (read from its declaration, worded as ``metrics.md``)."""
    return t(f"definition.{indicator_id}", lang)


def dataset_label(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A dataset's display name (``contract.toml``)."""
    return t(f"dataset.{name}.name", lang)


def dataset_description(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """What a dataset holds and when to load it (``contract.toml``)."""
    return t(f"dataset.{name}.description", lang)
