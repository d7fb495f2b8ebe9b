"""Data quality (shared/spec/data-quality.md): the quality.* checks, their settings, the rows
behind each count, and when a volume.* figure needs the "incomplete reporting" caveat.

Owns which checks exist (declared below as data: id, kind, the query listing the rows behind a
count, the settings it reads), the editable settings in ``data/quality_rules.csv`` (like
``data/targets.csv``: a commission tunes them without touching code), running the checks for a
period and a community, and the caveat on volume.* figures. The rules themselves are SQL staging models (``queries/staging/``)
read by ``queries/quality/``; nothing here loops over rows, formats or draws.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from sinkview import DATA_DIR
from sinkview.i18n import format_number, t
from sinkview.store.named_queries import run_query

DEFAULT_SETTINGS = DATA_DIR / "quality_rules.csv"
CHECKS_QUERY = "quality/checks"
COMPLETENESS_QUERY = "quality/volume_completeness"
GRID_QUERY = "quality/reporting_grid"
OUTLIER_HISTORY_QUERY = "quality/outlier_history"
COMPLETENESS = "quality.volume_completeness"
MISSING = "quality.volume_missing"
CAVEATED_TOPIC = "volume"  # every indicator computed from service_volume
CAVEAT_MARK = "*"          # after a caveated figure in a table; the footnote explains it


@dataclass(frozen=True)
class Check:
    id: str
    kind: str                 # ratio (a fraction in [0, 1]) | count (violations)
    details: str | None       # queries/<details>.sql: the rows behind the count; None for a ratio
    settings: tuple[str, ...]  # names in data/quality_rules.csv, bound as $name in the queries


CHECKS: tuple[Check, ...] = (
    Check("quality.volume_completeness", "ratio", None, ("completeness_caveat_below",)),
    Check("quality.volume_missing", "count", "quality/missing_reports", ()),
    Check("quality.expert_overlap", "count", "quality/expert_overlap", ()),
    Check("quality.clinic_parent_mismatch", "count", "quality/clinic_parent_mismatch", ()),
    Check("quality.slow_acceptance", "count", "quality/slow_acceptance", ("max_accept_days",)),
    Check("quality.volume_outlier", "count", "quality/volume_outlier",
          ("outlier_factor", "outlier_history_months", "outlier_min_history_months")),
)
RULES = tuple(check for check in CHECKS if check.details is not None)
_BY_ID = {check.id: check for check in CHECKS}


def check(check_id: str) -> Check:
    """The declared check ``check_id`` (KeyError when there is none)."""
    return _BY_ID[check_id]


# --------------------------------------------------------------------------- settings

@dataclass(frozen=True)
class Setting:
    name: str
    value: float | int
    unit: str      # ratio | days | times | months
    check: str     # the check it tunes
    meaning: str


class SettingsError(ValueError):
    """data/quality_rules.csv cannot be used; the message names the line and the setting."""


# What each setting may be: (whole number?, smallest allowed, largest allowed)
_ALLOWED = {
    "completeness_caveat_below": (False, 0.0, 1.0),
    "max_accept_days": (True, 0, 3650),
    "outlier_factor": (False, 1.0, 1000.0),
    "outlier_history_months": (True, 1, 120),
    "outlier_min_history_months": (True, 1, 120),
}


def load_setting_rows(path: str | Path | None = None) -> dict[str, Setting]:
    """The settings in ``path`` (default ``data/quality_rules.csv``) by name, checked: every
    setting a check reads present once, a number in its range, the minimum history not longer
    than the history. UTF-8 (with or without BOM) or GB18030, as Excel saves it."""
    raw = Path(path or DEFAULT_SETTINGS).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    found: dict[str, Setting] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
        name = (row.get("setting") or "").strip()
        if name not in _ALLOWED:
            raise SettingsError(f"quality_rules line {line}: unknown setting {name!r}")
        if name in found:
            raise SettingsError(f"quality_rules line {line}: {name} is set twice")
        found[name] = Setting(name, _setting_value(name, row.get("value"), line),
                              (row.get("unit") or "").strip(), (row.get("check") or "").strip(),
                              (row.get("meaning") or "").strip())
    missing = sorted(set(_ALLOWED) - set(found))
    if missing:
        raise SettingsError(f"quality_rules: missing settings {', '.join(missing)}")
    if found["outlier_min_history_months"].value > found["outlier_history_months"].value:
        raise SettingsError("quality_rules: outlier_min_history_months is longer than outlier_history_months")
    return found


def _setting_value(name: str, text: str | None, line: int) -> float | int:
    whole, smallest, largest = _ALLOWED[name]
    try:
        value = float((text or "").strip())
    except ValueError:
        raise SettingsError(f"quality_rules line {line}: {name} is not a number: {text!r}") from None
    if not math.isfinite(value) or not smallest <= value <= largest or (whole and not value.is_integer()):
        kind = "a whole number" if whole else "a number"
        raise SettingsError(f"quality_rules line {line}: {name} must be {kind} from {smallest} to {largest}: {text!r}")
    if name == "outlier_factor" and value == 1.0:
        raise SettingsError(f"quality_rules line {line}: outlier_factor must be above 1: {text!r}")
    return int(value) if whole else value


def load_settings(path: str | Path | None = None) -> dict[str, float | int]:
    """The settings' values by name (see ``load_setting_rows``): the $parameters of the queries."""
    return {name: setting.value for name, setting in load_setting_rows(path).items()}


# data-quality.md's own thresholds: what the caveats and the overview use while the settings file
# cannot be read (the data-quality page says why, so the error is not silent).
SPEC_SETTINGS = {"completeness_caveat_below": 0.9, "max_accept_days": 30, "outlier_factor": 3.0,
                 "outlier_history_months": 12, "outlier_min_history_months": 3}


def settings_or_spec() -> dict[str, float | int]:
    """The settings file's values, or the spec's thresholds when the file cannot be used."""
    try:
        return load_settings()
    except (OSError, SettingsError):
        return dict(SPEC_SETTINGS)


# --------------------------------------------------------------------------- checks

def _params(start: dt.date, end: dt.date, community: str | None, settings: dict) -> dict:
    return {"start": start, "end": end, "community": community, **settings}


def compute_checks(cursor: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date,
                   community: str | None, settings: dict | None = None) -> dict[str, float | int | None]:
    """Every check for the period ``[start, end]`` and a community (None: all), by id, in
    declaration order: the completeness as a fraction (None without expected reports), the
    other checks as counts. One query (``queries/quality/checks.sql``)."""
    settings = load_settings() if settings is None else settings
    return checks_from_frame(run_query(cursor, CHECKS_QUERY, **_params(start, end, community, settings)))


def checks_from_frame(frame: pd.DataFrame) -> dict[str, float | int | None]:
    """The one row of ``queries/quality/checks.sql`` (or of ``volume_completeness.sql``) as
    {id: value} for the checks it holds (pages get the frame from their cached,
    scope-enforcing ``PageContext.query``)."""
    row = frame.iloc[0]
    return {item.id: _plain(row[item.id], item.kind) for item in CHECKS if item.id in frame.columns}


def violations(cursor: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, community: str | None,
               settings: dict | None = None) -> dict[str, pd.DataFrame]:
    """The rows behind each count, by check id: institution codes, dates and the figures that
    break the rule; never a patient key."""
    settings = load_settings() if settings is None else settings
    params = _params(start, end, community, settings)
    return {item.id: run_query(cursor, item.details, **params) for item in RULES}


def _plain(value, kind: str) -> float | int | None:
    """A JSON-ready number: None for a missing value, int for a count, float for a ratio."""
    if value is None or value is pd.NA or math.isnan(float(value)):
        return None
    return float(value) if kind == "ratio" else int(value)


def records(frame: pd.DataFrame) -> list[dict]:
    """A detail frame as JSON-ready records: dates as YYYY-MM-DD, missing values as None."""
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({key: _json_cell(value) for key, value in row.items()})
    return out


def _json_cell(value):
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):  # numpy scalars
        return _json_cell(value.item())
    return value


# --------------------------------------------------------------------------- caveats

def reporting_completeness(cursor: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date,
                           community: str | None) -> float | None:
    """quality.volume_completeness alone (``queries/quality/volume_completeness.sql``): what
    the caveats need, without running the rules."""
    frame = run_query(cursor, COMPLETENESS_QUERY, start=start, end=end, community=community)
    return checks_from_frame(frame)[COMPLETENESS]


def incomplete_reporting(completeness: float | None, settings: dict) -> bool:
    """Whether volume.* figures of a scope and period rest on incomplete reporting: their
    completeness is below the caveat threshold (no expected report is not incomplete)."""
    return completeness is not None and completeness < settings["completeness_caveat_below"]


def volume_caveat(completeness: float | None, settings: dict, lang: str) -> str | None:
    """"based on incomplete reporting (82%)" when reporting is incomplete; None otherwise."""
    if not incomplete_reporting(completeness, settings):
        return None
    return t("quality.caveat", lang, completeness=format_number(completeness, "ratio", lang, digits=0))


def caveat_from_frame(frame: pd.DataFrame, lang: str) -> str | None:
    """The caveat of volume.* figures from a ``quality/volume_completeness`` frame (run by a page's
    cached ``PageContext.query`` or by the briefing), with the settings file's threshold."""
    return volume_caveat(checks_from_frame(frame)[COMPLETENESS], settings_or_spec(), lang)


def marked(text: str, indicator_id: str, caveat: str | None) -> str:
    """A volume.* figure's text with the footnote mark when its reporting is incomplete (a
    missing value, "—", has nothing to qualify)."""
    return f"{text} {CAVEAT_MARK}" if caveat and needs_caveat(indicator_id) and text != "—" else text


def footnote(caveat: str) -> str:
    """The footnote that explains the mark: "* based on incomplete reporting (82%)"."""
    return f"{CAVEAT_MARK} {caveat}"


def needs_caveat(indicator_id: str) -> bool:
    """Whether an indicator is computed from service_volume (its figures carry the caveat)."""
    return indicator_id.split(".", 1)[0] == CAVEATED_TOPIC


def validation_violations(checks: dict) -> int:
    """Violations of the validation rules (the checks across ledgers, not missing reports)."""
    return sum(checks.get(rule.id) or 0 for rule in RULES if rule.id != MISSING)


def anything_to_report(checks: dict) -> bool:
    """Whether a report is missing or any rule is violated (the overview then links here)."""
    return any((checks.get(rule.id) or 0) > 0 for rule in RULES)
