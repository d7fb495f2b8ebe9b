"""Grains of a grouped evaluation: the calendar periods and groups a request is cut into.

Owns the calendar quarters or months that overlap ``[start, end]``, cut to it, in date order
(metrics.md "Grouped output"), and a grouped run of the evaluator shaped as the command line
prints it. The evaluation itself is ``sinkview.metrics.evaluator``.
"""

from __future__ import annotations

import datetime as dt

from sinkview.metrics import periods
from sinkview.metrics.evaluator import Values, evaluate

CALENDAR_GRAINS = ("quarter", "month")
GRAINS = ("community", *CALENDAR_GRAINS)


def calendar_periods(start: dt.date, end: dt.date, grain: str) -> list[tuple[dt.date, dt.date]]:
    """The calendar quarters or months overlapping ``[start, end]``, each cut to it, in order."""
    if grain not in CALENDAR_GRAINS:
        raise ValueError(f"unknown calendar grain {grain!r}")
    found = []
    year, month = start.year, start.month
    if grain == "quarter":
        month = 3 * (periods.quarter_of(start)[1] - 1) + 1
    step = 3 if grain == "quarter" else 1
    while dt.date(year, month, 1) <= end:
        last_month = month + step - 1
        first, last = dt.date(year, month, 1), periods.month_end(year, last_month)
        found.append((max(first, start), min(last, end)))
        month += step
        if month > 12:
            year, month = year + 1, month - 12
    return found


def grouped(cursor, start: dt.date, end: dt.date, community: str | None, by: str) -> list[dict]:
    """Every group of ``by`` (community, quarter or month) with its indicators, one pass per
    topic: ``[{"community": name, "indicators": {...}}, ...]`` or, for a calendar grain,
    ``[{"start": ..., "end": ..., "indicators": {...}}, ...]``."""
    if by == "community":
        cells = evaluate(cursor, [(start, end)], by="community", community=community)
        return [{"community": group, "indicators": values} for (_, group), values in cells.items()]
    if by not in CALENDAR_GRAINS:
        raise ValueError(f"unknown grain {by!r}")
    spans = calendar_periods(start, end, by)
    cells: dict[tuple[int, str | None], Values] = evaluate(cursor, spans, community=community)
    return [{"start": first.isoformat(), "end": last.isoformat(), "indicators": cells[index, None]}
            for index, (first, last) in enumerate(spans)]
