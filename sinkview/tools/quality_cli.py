"""The ``check`` command: ``python -m sinkview check --db PATH --start D --end D
[--community NAME] [--json] [--details] [--settings FILE]`` prints the data-quality checks.

Owns the command's arguments and output. With ``--json`` it prints one object as
shared/spec/data-quality.md says: ``{"period": {...}, "community": ..., "checks": {id: value}}``
and, with ``--details``, ``"violations": {id: [row, ...]}`` (institution codes and dates, never
a patient key). Without ``--json`` it prints one line per check. The numbers come from
``sinkview.metrics.quality``, as on the data-quality page; exit 0, or 1 with one line on a user error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sinkview.briefing.cli import _date
from sinkview.i18n import t


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``check`` on the command line's subparsers."""
    parser = subparsers.add_parser("check", help="print the data-quality checks for a period")
    parser.add_argument("--db", type=Path, help="DuckDB file (default: $SINKVIEW_DB or data/sinkview.duckdb)")
    parser.add_argument("--start", type=_date, required=True, help="first day of the period (YYYY-MM-DD)")
    parser.add_argument("--end", type=_date, required=True, help="last day of the period (YYYY-MM-DD)")
    parser.add_argument("--community", help="one medical community (default: all)")
    parser.add_argument("--json", action="store_true", help="one JSON object (see data-quality.md)")
    parser.add_argument("--details", action="store_true", help="add the rows behind every count")
    parser.add_argument("--settings", type=Path, help="thresholds file (default: data/quality_rules.csv)")
    return parser


def run(args, out=None) -> int:
    from sinkview.metrics import quality
    from sinkview.tools.cli import EXIT_OK, UserError, _open_store, check_community

    out = out or sys.stdout  # looked up now, so a captured stdout is honoured
    if args.end < args.start:
        raise UserError(t("metrics_cli.end_before_start", args.lang, start=args.start, end=args.end))
    if args.db is not None and not args.db.is_file():
        raise UserError(f"no database at {args.db}")
    try:
        settings = quality.load_settings(args.settings)
    except (OSError, quality.SettingsError) as problem:
        raise UserError(str(problem)) from None
    with _open_store(args.db, existing=True).read() as cursor:  # read-only: runs while the app serves the store
        check_community(cursor, args.community, args.lang)
        checks = quality.compute_checks(cursor, args.start, args.end, args.community, settings)
        found = quality.violations(cursor, args.start, args.end, args.community, settings) if args.details else {}
    if args.json:
        result = {"period": {"start": args.start.isoformat(), "end": args.end.isoformat()},
                  "community": args.community, "checks": checks}
        if args.details:
            result["violations"] = {check_id: quality.records(rows) for check_id, rows in found.items()}
        print(json.dumps(result, ensure_ascii=False), file=out)
        return EXIT_OK
    for item in quality.CHECKS:
        value = checks[item.id]
        shown = "—" if value is None else (f"{value:.4f}" if item.kind == "ratio" else str(value))
        name = t(f"quality.name.{item.id.split('.', 1)[1]}", args.lang)
        print(f"{item.id:34} {shown:>10}  {name}", file=out)
        for row in quality.records(found[item.id]) if item.id in found else []:
            print("    " + "\t".join("" if v is None else str(v) for v in row.values()), file=out)
    return EXIT_OK
