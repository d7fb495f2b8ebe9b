"""The ``briefing`` command: ``python -m sinkview briefing --db PATH (--period P | --start D --end D)
[--community NAME] [--lang zh|en] --out FILE.pptx [--out FILE.pdf]`` writes the briefing deck
and/or its PDF, for scheduled reports (cron runs it while the app serves the same store).

Owns the command's arguments, the periods a schedule names (``last-quarter``, ``last-month``,
``this-year`` relative to today, or any code of the sidebar such as ``2025-Q3``), its checks
(dates in order, an existing store with data, a known community, writable ``.pptx``/``.pdf``
paths) and its messages: the paths on success (exit 0), one line on standard error otherwise
(exit 1). The slides are the dashboard's: ``sinkview.briefing.slides``, ``sinkview.briefing.deck`` and
``sinkview.briefing.deck_pdf`` (charts rendered once for both files), imported only when the command runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from sinkview.i18n import LANGUAGES, t

EXIT_OK, EXIT_ERROR = 0, 1
RELATIVE_PERIODS = ("last-quarter", "last-month", "this-year")
FORMATS = (".pptx", ".pdf")


class BriefingError(Exception):
    """A problem the user can fix; printed as one line."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``briefing`` on the command line's subparsers."""
    parser = subparsers.add_parser("briefing", help="write the briefing deck (.pptx) and/or PDF for a period")
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file of the dashboard")
    parser.add_argument("--period", help="last-quarter, last-month, this-year (to today), or a period "
                                         "code: 2025-Q3, 2025-09, 2025 (instead of --start/--end)")
    parser.add_argument("--start", type=_date, help="first day of the period (YYYY-MM-DD)")
    parser.add_argument("--end", type=_date, help="last day of the period (YYYY-MM-DD)")
    parser.add_argument("--community", help="one medical community (default: the whole county)")
    # Without --lang here, the command line's own --lang (default zh) chooses the deck's language.
    parser.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS, help="language of the deck")
    parser.add_argument("--out", type=Path, required=True, action="append",
                        help="the .pptx or .pdf file to write (give it twice for both)")
    return parser


def resolve_period(text: str, today: dt.date, lang: str = "zh") -> tuple[dt.date, dt.date]:
    """The days a schedule means: the last complete quarter or month before ``today``, this year
    from 1 January to ``today``, or a period code as the sidebar writes it."""
    from sinkview.metrics import periods

    if text == "last-quarter":
        year, quarter = periods.quarter_of(today)
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        return periods.quarter_range(year, quarter)
    if text == "last-month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    if text == "this-year":
        return dt.date(today.year, 1, 1), today
    try:
        return periods.period_range(text)
    except (ValueError, KeyError):
        raise BriefingError(t("briefing.cli.unknown_period", lang, text=text, relative=list(RELATIVE_PERIODS))) from None


def _check(args, today: dt.date | None = None) -> None:
    """Settle the period (``args.start``, ``args.end``) and check every argument."""
    if args.period is not None:
        if args.start is not None or args.end is not None:
            raise BriefingError(t("briefing.cli.period_and_dates", args.lang))
        args.start, args.end = resolve_period(args.period, today or dt.date.today(), args.lang)
    elif args.start is None or args.end is None:
        raise BriefingError(t("briefing.cli.no_period", args.lang))
    if args.end < args.start:
        raise BriefingError(t("briefing.cli.end_before_start", args.lang, start=args.start, end=args.end))
    for out in args.out:
        if out.suffix.lower() not in FORMATS:
            raise BriefingError(t("briefing.cli.bad_out", args.lang, out=out))
        if not out.parent.is_dir():
            raise BriefingError(t("briefing.cli.no_folder", args.lang, folder=out.parent))
    if not args.db.is_file():
        raise BriefingError(t("cli.no_database", args.lang, path=args.db))


def write_briefing(args, warn=None) -> list[Path]:
    """Build the slides and write each ``--out`` file; returns the paths written."""
    import duckdb
    import pandas as pd
    from choreographer.browsers.chromium import ChromeNotFoundError

    from sinkview.briefing.slides import build_slides
    from sinkview.briefing.deck import build_deck, render_charts
    from sinkview.briefing.deck_pdf import PdfError, build_pdf
    from sinkview.store.named_queries import run_query
    from sinkview.store.database import Store, StoreBusy, warn_while_waiting
    from sinkview.tools.cli import UserError, check_community

    _check(args)
    try:
        store = Store(args.db, shared=True)  # read while the dashboard runs on it
        store.on_wait = warn_while_waiting
        with store.read() as cursor:
            if cursor.execute("select count(*) from institutions").fetchall()[0][0] == 0:
                raise BriefingError(t("briefing.cli.no_data", args.lang, db=args.db))
            try:
                check_community(cursor, args.community, args.lang)
            except UserError as problem:
                raise BriefingError(str(problem)) from None
            first, last = (None if pd.isna(day) else pd.Timestamp(day).date()
                           for day in run_query(cursor, "frame/data_range").iloc[0])
            if warn is not None and (first is None or args.start > last or args.end < first):
                # a scheduled deck of a quarter no ledger reaches yet: written, but said
                warn(t("briefing.cli.no_data_in_period", args.lang, start=args.start, end=args.end,
                       first=first or "—", last=last or "—"))
            slides = build_slides(cursor, args.start, args.end, args.community, args.lang)
    except (BriefingError, StoreBusy):
        raise
    except duckdb.Error as problem:  # not a DuckDB file
        raise BriefingError(t("briefing.cli.unreadable_db", args.lang, db=args.db, problem=problem)) from None
    try:
        images = render_charts(slides)  # once, for the deck and the PDF alike
        for out in args.out:
            if out.suffix.lower() == ".pdf":
                build_pdf(slides, args.lang, out, images)
            else:
                build_deck(slides, args.lang, out, images)
    except ChromeNotFoundError:
        raise BriefingError(t("briefing.cli.no_chromium", args.lang)) from None
    except PdfError as problem:
        raise BriefingError(t("briefing.cli.pdf_failed", args.lang, problem=problem)) from None
    except OSError as problem:
        raise BriefingError(t("briefing.cli.write_failed", args.lang, path=problem.filename or args.out,
                                problem=problem.strerror or problem)) from None
    return list(args.out)


def run(args, out=None, err=None) -> int:
    """The command: the deck's path on ``out`` (standard output) and exit 0, or one line on
    ``err`` (standard error) and exit 1."""
    from sinkview.store.database import StoreBusy

    try:
        paths = write_briefing(args, warn=lambda text: print(text, file=err or sys.stderr))
    except (BriefingError, StoreBusy) as problem:
        print(f"error: {problem}", file=err or sys.stderr)
        return EXIT_ERROR
    for path in paths:
        print(path, file=out or sys.stdout)
    return EXIT_OK
