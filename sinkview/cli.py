"""The command line: ``python -m sinkview load|metrics|sample``.

Owns argument parsing, printing and exit codes (0 success, 1 data errors or a user error such
as a missing file, 2 bad arguments). A user error prints one clear line, never a traceback.
The numbers come from the same functions the dashboard uses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

from sinkview import DATA_DIR
from sinkview.contract import DATASETS
from sinkview.i18n import LANGUAGES, t

EXIT_OK, EXIT_DATA_ERRORS, EXIT_USAGE = 0, 1, 2


class UserError(Exception):
    """A problem the user can fix; printed as one line."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sinkview", description="sinkview: 优质医疗资源下沉监测")
    parser.add_argument("--lang", choices=LANGUAGES, default=os.environ.get("SINKVIEW_LANG", "zh"),
                        help="language of messages (default zh)")
    commands = parser.add_subparsers(dest="command", required=True)

    load = commands.add_parser("load", help="import ledgers (CSV/XLSX) into the store")
    load.add_argument("--db", type=Path, help="DuckDB file (default: $SINKVIEW_DB or data/sinkview.duckdb)")
    load.add_argument("--dataset", choices=sorted(DATASETS), help="skip recognition from the header")
    load.add_argument("--valid-rows-only", action="store_true", help="import the valid rows of files with errors")
    load.add_argument("files", nargs="+", type=Path)

    metrics = commands.add_parser("metrics", help="print every indicator for a period")
    metrics.add_argument("--db", type=Path)
    metrics.add_argument("--start", type=_date, required=True)
    metrics.add_argument("--end", type=_date, required=True)
    metrics.add_argument("--community")
    metrics.add_argument("--json", action="store_true", help="one JSON object (see metrics.md)")

    sample = commands.add_parser("sample", help="regenerate the sample county's ledgers")
    sample.add_argument("--out", type=Path, default=DATA_DIR / "sample")
    sample.add_argument("--seed", type=int, default=None)
    return parser


def _open_store(db: Path | None):
    from sinkview.store import Store

    try:
        return Store(db)
    except Exception as problem:  # a locked or unreadable file
        raise UserError(f"cannot open the database {db}: {problem}") from None


def cmd_load(args, out=sys.stdout) -> int:
    from sinkview.ingest import commit_validation, validate_upload

    store = _open_store(args.db)
    cursor = store.cursor()
    status = EXIT_OK
    for path in args.files:
        try:
            raw = path.read_bytes()
        except OSError as problem:
            print(f"{path}: {problem.strerror or problem}", file=out)
            status = EXIT_DATA_ERRORS
            continue
        validation = validate_upload(cursor, raw, path.name, args.dataset)
        if validation.file_error:
            print(f"{path}:0:: {t(validation.file_error.code, args.lang, **validation.file_error.params)}", file=out)
            status = EXIT_DATA_ERRORS
            continue
        for row in validation.errors.itertuples():
            reason = t(f"reason.{row.reason}", args.lang, detail=row.detail)
            print(f"{path}:{row.row}:{row.column}: {reason}", file=out)
        written = 0
        if validation.ok or (args.valid_rows_only and validation.rows_valid):
            written = commit_validation(cursor, validation, valid_rows_only=args.valid_rows_only).rows_imported
        elif not validation.ok:
            status = EXIT_DATA_ERRORS
        print(f"{path}: {validation.dataset.name} imported={written} rejected={validation.rows_rejected}", file=out)
        for notice in validation.warnings:
            print(f"{path}: warning: {t(notice.code, args.lang, **notice.params)}", file=out)
    store.close()
    return status


def cmd_metrics(args, out=sys.stdout) -> int:
    from sinkview.indicators import INDICATORS, compute_indicators

    if args.end < args.start:
        raise UserError("--end is before --start")
    store = _open_store(args.db)
    values = compute_indicators(store.cursor(), args.start, args.end, args.community)
    store.close()
    if args.json:
        print(json.dumps({"period": {"start": args.start.isoformat(), "end": args.end.isoformat()},
                          "community": args.community, "indicators": values}, ensure_ascii=False), file=out)
        return EXIT_OK
    for item in INDICATORS:
        name = item.name_zh if args.lang == "zh" else item.name_en
        value = values[item.id]
        print(f"{item.id:36} {'—' if value is None else value!s:>14}  {name}", file=out)
    return EXIT_OK


def cmd_sample(args, out=sys.stdout) -> int:
    from sinkview.sample import write_sample_files

    kwargs = {} if args.seed is None else {"seed": args.seed}
    for path in write_sample_files(args.out, **kwargs):
        print(path, file=out)
    return EXIT_OK


COMMANDS = {"load": cmd_load, "metrics": cmd_metrics, "sample": cmd_sample}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UserError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_DATA_ERRORS
    except KeyboardInterrupt:
        return 130
