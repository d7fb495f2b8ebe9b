"""Reporting periods: the codes kept in the URL and the date ranges they stand for.

Codes: ``2025-Q3`` (a quarter), ``2025-09`` (a month), ``2025`` (a year) and
``2025-01-01~2025-02-15`` (a custom range). Owns parsing them, labelling them in either
language, the choices offered for the loaded data, and the default: the last full calendar
quarter the data cover (metrics.md "Scope"), or the current quarter with no data.
"""

from __future__ import annotations

import datetime as dt
import re

from sinkview.i18n import t

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_CUSTOM = re.compile(r"^(\d{4}-\d{2}-\d{2})~(\d{4}-\d{2}-\d{2})$")


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_range(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * quarter - 2, 1)
    return start, month_end(year, 3 * quarter)


def month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def is_custom(code: str) -> bool:
    return bool(_CUSTOM.match(code or ""))


def custom_code(start: dt.date, end: dt.date) -> str:
    return f"{start.isoformat()}~{end.isoformat()}"


def period_range(code: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a period code (both included). Raises ValueError if unknown."""
    if match := _QUARTER.match(code):
        return quarter_range(int(match[1]), int(match[2]))
    if match := _MONTH.match(code):
        year, month = int(match[1]), int(match[2])
        return dt.date(year, month, 1), month_end(year, month)
    if match := _YEAR.match(code):
        return dt.date(int(match[1]), 1, 1), dt.date(int(match[1]), 12, 31)
    if match := _CUSTOM.match(code):
        start, end = dt.date.fromisoformat(match[1]), dt.date.fromisoformat(match[2])
        return (start, end) if start <= end else (end, start)
    raise ValueError(code)


def default_period(first_data_date: dt.date | None, last_data_date: dt.date | None,
                   today: dt.date | None = None) -> str:
    """The last full quarter covered by the data (its end on or before the last data date);
    the last data date's quarter when the data cover no full quarter; with no data, today's."""
    if last_data_date is None:
        year, quarter = quarter_of(today or dt.date.today())
        return f"{year}-Q{quarter}"
    year, quarter = quarter_of(last_data_date)
    if quarter_range(year, quarter)[1] > last_data_date:
        previous = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        if first_data_date is None or quarter_range(*previous)[0] >= first_data_date:
            year, quarter = previous
    return f"{year}-Q{quarter}"


def period_label(code: str, lang: str) -> str:
    if match := _QUARTER.match(code):
        return t("period.quarter", lang, year=match[1], quarter=match[2])
    if match := _MONTH.match(code):
        return t("period.month", lang, year=match[1], month=int(match[2]))
    if match := _YEAR.match(code):
        return t("period.year", lang, year=match[1])
    start, end = period_range(code)
    return t("period.custom", lang, start=start.isoformat(), end=end.isoformat())


def period_choices(first: dt.date | None, last: dt.date | None, lang: str) -> dict[str, str]:
    """Quarters, then years, then months covering the data, newest first: code -> label."""
    if first is None or last is None:
        first = last = dt.date.today()
    quarters, years, months = [], [], []
    year, month = last.year, last.month
    while (year, month) >= (first.year, first.month):
        months.append(f"{year}-{month:02d}")
        if month in (3, 6, 9, 12) or (year, month) == (last.year, last.month):
            quarters.append(f"{year}-Q{(month - 1) // 3 + 1}")
        if month == 12 or (year, month) == (last.year, last.month):
            years.append(str(year))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    codes = list(dict.fromkeys(quarters)) + list(dict.fromkeys(years)) + months
    return {code: period_label(code, lang) for code in codes}


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period just before, for "change against the previous period": the previous calendar
    month, quarter or year when the period is whole months (2025 Q3 -> 2025 Q2, 2025 -> 2024),
    else the same number of days just before."""
    if start.day == 1 and end == month_end(end.year, end.month):
        months = (end.year * 12 + end.month) - (start.year * 12 + start.month) + 1
        return _add_months(start, -months), start - dt.timedelta(days=1)
    length = (end - start).days + 1
    return start - dt.timedelta(days=length), start - dt.timedelta(days=1)
