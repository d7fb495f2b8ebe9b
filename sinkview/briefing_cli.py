"""The ``briefing`` command: ``python -m sinkview briefing --db PATH --start D --end D
[--community NAME] [--lang zh|en] --out FILE.pptx`` writes the briefing deck, for scheduled reports.

Owns the command's arguments, its checks (dates in order, an existing store with data, a known
community, a writable ``.pptx`` path) and its messages: the path on success (exit 0), one line
on standard error otherwise (exit 1). The deck is the dashboard's: ``sinkview.briefing`` and
``sinkview.deck``, imported only when the command runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from sinkview.i18n import LANGUAGES

EXIT_OK, EXIT_ERROR = 0, 1


class BriefingError(Exception):
    """A problem the user can fix; printed as one line."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``briefing`` on the command line's subparsers."""
    parser = subparsers.add_parser("briefing", help="write the briefing deck (.pptx) for a period")
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file of the dashboard")
    parser.add_argument("--start", type=_date, required=True, help="first day of the period (YYYY-MM-DD)")
    parser.add_argument("--end", type=_date, required=True, help="last day of the period (YYYY-MM-DD)")
    parser.add_argument("--community", help="one medical community (default: the whole county)")
    # Without --lang here, the command line's own --lang (default zh) chooses the deck's language.
    parser.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS, help="language of the deck")
    parser.add_argument("--out", type=Path, required=True, help="the .pptx file to write")
    return parser


def _check(args) -> None:
    if args.end < args.start:
        raise BriefingError(f"--end {args.end} is before --start {args.start}")
    if args.out.suffix.lower() != ".pptx":
        raise BriefingError(f"--out must name a .pptx file: {args.out}")
    if not args.out.parent.is_dir():
        raise BriefingError(f"no such folder for --out: {args.out.parent}")
    if not args.db.is_file():
        raise BriefingError(f"no database at {args.db}")


def write_briefing(args) -> Path:
    """Build the slides and write the deck; returns the path written."""
    import duckdb
    from choreographer.browsers.chromium import ChromeNotFoundError

    from sinkview.briefing import build_slides
    from sinkview.deck import build_deck
    from sinkview.queries import run_query
    from sinkview.store import Store, StoreBusy, warn_while_waiting

    _check(args)
    try:
        store = Store(args.db, shared=True)  # read while the dashboard runs on it
        store.on_wait = warn_while_waiting
        with store.read() as cursor:
            if cursor.execute("select count(*) from institutions").fetchall()[0][0] == 0:
                raise BriefingError(f"{args.db} holds no data: import the ledgers first (python -m sinkview load)")
            communities = run_query(cursor, "frame/communities")["community"].tolist()
            if args.community is not None and args.community not in communities:
                raise BriefingError(f"unknown community {args.community!r}; known: {', '.join(communities)}")
            slides = build_slides(cursor, args.start, args.end, args.community, args.lang)
    except (BriefingError, StoreBusy):
        raise
    except duckdb.Error as problem:  # not a DuckDB file
        raise BriefingError(f"cannot open the database {args.db}: {problem}") from None
    try:
        build_deck(slides, args.lang, args.out)
    except ChromeNotFoundError:
        raise BriefingError("cannot render the charts: Chromium not found "
                            "(install Debian's chromium or set BROWSER_PATH)") from None
    except OSError as problem:
        raise BriefingError(f"cannot write {args.out}: {problem.strerror or problem}") from None
    return args.out


def run(args, out=None, err=None) -> int:
    """The command: the deck's path on ``out`` (standard output) and exit 0, or one line on
    ``err`` (standard error) and exit 1."""
    from sinkview.store import StoreBusy

    try:
        path = write_briefing(args)
    except (BriefingError, StoreBusy) as problem:
        print(f"error: {problem}", file=err or sys.stderr)
        return EXIT_ERROR
    print(path, file=out or sys.stdout)
    return EXIT_OK
