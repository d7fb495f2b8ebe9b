"""The command line: ``python -m sinkview load|metrics|check|sample|user|audit``.

Owns argument parsing, printing and exit codes (0 success, 1 data errors or a user error such
as a missing file, 2 bad arguments). A user error prints one clear line, never a traceback.
The numbers come from the same functions the dashboard uses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import getpass
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from sinkview.briefing import cli as briefing_cli
from sinkview.tools import quality_cli, scale_cli
from sinkview.ingest.contract import DATASETS
from sinkview.i18n import LANGUAGES, indicator_name, t

EXIT_OK, EXIT_DATA_ERRORS, EXIT_USAGE = 0, 1, 2


class UserError(Exception):
    """A problem the user can fix; printed as one line."""


_LANGUAGE = [os.environ.get("SINKVIEW_LANG", "zh")]  # --lang, read before the full parse (main)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(t("metrics_cli.bad_date", _LANGUAGE[0], text=text)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sinkview", description="sinkview: 优质医疗资源下沉监测")
    parser.add_argument("--lang", choices=LANGUAGES, default=os.environ.get("SINKVIEW_LANG", "zh"),
                        help="language of messages (default zh)")
    commands = parser.add_subparsers(dest="command", required=True)

    load = commands.add_parser("load", help="import ledgers (CSV/XLSX) into the store")
    load.add_argument("--db", type=Path, help="DuckDB file (default: $SINKVIEW_DB or data/sinkview.duckdb)")
    load.add_argument("--dataset", choices=sorted(DATASETS), help="skip recognition from the header")
    load.add_argument("--valid-rows-only", action="store_true", help="import the valid rows of files with errors")
    load.add_argument("--mapping", help="a column mapping saved on the data page (its name)")
    load.add_argument("files", nargs="+", type=Path)

    metrics = commands.add_parser("metrics", help="print every indicator for a period")
    metrics.add_argument("--db", type=Path)
    metrics.add_argument("--start", type=_date, required=True)
    metrics.add_argument("--end", type=_date, required=True)
    metrics.add_argument("--community")
    metrics.add_argument("--json", action="store_true", help="one JSON object (see metrics.md)")
    metrics.add_argument("--by", choices=("community", "quarter", "month"),
                         help="one group per community, calendar quarter or month (one pass per topic)")
    metrics.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                         help="duckdb: the store (--db); spark: the Parquet export (--parquet), same statements")
    metrics.add_argument("--parquet", type=Path, metavar="DIR", help="with --engine spark: the export's folder")
    metrics.add_argument("--master", metavar="URL",
                         help="with --engine spark: the cluster (default local[*]; SPARK_REMOTE: Spark Connect)")

    refresh = commands.add_parser("refresh", help="recompute the stored quarterly and yearly indicators "
                                                  "(load does it after every import)")
    refresh.add_argument("--db", type=Path, help="DuckDB file (default: $SINKVIEW_DB or data/sinkview.duckdb)")

    briefing_cli.add_parser(commands)
    quality_cli.add_parser(commands)

    sample = commands.add_parser("sample", help="regenerate the sample county's ledgers")
    sample.add_argument("--out", type=Path, default=None, help="default: data/sample, or data/province")
    sample.add_argument("--seed", type=int, default=None)
    scale_cli.add_scale_argument(sample)
    scale_cli.add_parser(commands)

    database = argparse.ArgumentParser(add_help=False)
    database.add_argument("--db", type=Path, help="DuckDB file (default: $SINKVIEW_DB or data/sinkview.duckdb)")
    user = commands.add_parser("user", help="manage who may sign in to the dashboard")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    add = user_commands.add_parser("add", parents=[database], help="add a user (password from the terminal or stdin)")
    add.add_argument("name")
    add.add_argument("--role", choices=("admin", "editor", "viewer"), required=True)
    add.add_argument("--community", help="the one medical community an editor or viewer may see")
    passwd = user_commands.add_parser("passwd", parents=[database], help="set a user's password (ends their sessions)")
    passwd.add_argument("name")
    remove = user_commands.add_parser("remove", parents=[database], help="remove a user")
    remove.add_argument("name")
    user_commands.add_parser("list", parents=[database], help="list the users")

    audit = commands.add_parser("audit", parents=[database], help="print the latest audit log entries")
    audit.add_argument("--limit", type=int, default=50, help="how many entries, newest first (default 50)")
    return parser


def _open_store(db: Path | None, existing: bool = False):
    """The store shared with a running app: each command step opens it for one unit of work;
    a wait for another writer is announced on standard error. ``existing``: a command that only
    reads refuses a path where there is no store (a mistyped --db would make an empty one)."""
    from sinkview.store.database import Store, StoreBusy, default_db_path, warn_while_waiting

    if existing and not Path(db or default_db_path()).is_file():
        raise UserError(t("cli.no_database", _LANGUAGE[0], path=db or default_db_path()))
    try:
        store = Store(db, shared=True)
    except StoreBusy as busy:
        raise UserError(str(busy)) from None
    except Exception as problem:  # an unreadable file
        raise UserError(f"cannot open the database {db}: {problem}") from None
    store.on_wait = warn_while_waiting
    return store


def cmd_load(args, out=None) -> int:
    from sinkview.ingest import mappings
    from sinkview.ingest.importer import commit_validation, validate_upload
    from sinkview.ingest.messages import notice_text, reason_text

    out = out or sys.stdout  # looked up now, so a captured stdout is honoured

    store = _open_store(args.db)
    status = EXIT_OK
    changed = False
    mapping = None
    if args.mapping:
        with store.read() as con:
            mapping = mappings.find(con, args.mapping)
        if mapping is None:
            raise UserError(t("mapping_unknown", args.lang, mapping=args.mapping))
    for path in args.files:
        try:
            path.stat()
            with open(path, "rb"):
                pass
        except OSError as problem:
            print(f"{path}: {problem.strerror or problem}", file=out)
            status = EXIT_DATA_ERRORS
            continue
        with store.read() as con:  # checking reads only: the app goes on meanwhile
            validation = validate_upload(con, path, path.name, args.dataset, mapping=mapping,
                                         progress=_progress_printer(path, args.lang))
        if validation.file_error:
            error = validation.file_error
            text = notice_text(error.code, error.params, args.lang, validation.dataset, with_codes=True)
            print(f"{path}:0:: {text}", file=out)
            status = EXIT_DATA_ERRORS
            continue
        if validation.mapping_name:
            print(f"{path}: {t('cli.mapping_used', args.lang, mapping=validation.mapping_name)}", file=out)
        said = functools.lru_cache(maxsize=1 << 16)(   # a file's errors repeat their reasons and values
            lambda reason, detail, value: reason_text(validation.dataset, reason, detail, value, args.lang))
        for errors in validation.all_errors():   # a large file's from disk, in batches
            for row in errors.itertuples():
                print(f"{path}:{row.row}:{row.column}: {said(row.reason, row.detail, row.value)}", file=out)
        result = None
        if validation.ok or (args.valid_rows_only and validation.rows_valid):
            with store.write(f"load {path.name}") as con:
                result = commit_validation(con, validation, valid_rows_only=args.valid_rows_only)
            changed = True
        elif not validation.ok:
            status = EXIT_DATA_ERRORS
        counts = (f" new={result.rows_new} replaced={result.rows_replaced} unchanged={result.rows_unchanged}"
                  if result else "")
        print(f"{path}: {validation.dataset.name} imported={result.rows_imported if result else 0} "
              f"rejected={validation.rows_rejected}{counts}", file=out)
        for notice in validation.warnings:
            print(f"{path}: warning: {notice_text(notice.code, notice.params, args.lang, validation.dataset)}", file=out)
    if changed:
        _refresh_cells(store, args.lang)
    store.close()
    return status


def _refresh_cells(store, lang: str) -> None:
    """Recompute the stored quarterly and yearly indicator cells when the ledgers changed."""
    from sinkview.metrics import cells

    count = cells.refresh_store(store, lambda: print(t("cli.cells.refreshing", lang), file=sys.stderr, flush=True))
    if count is None:
        print(t("cli.cells.fresh", lang), file=sys.stderr, flush=True)
    else:
        print(t("cli.cells.refreshed", lang, cells=f"{count:,}"), file=sys.stderr, flush=True)


def cmd_refresh(args) -> int:
    store = _open_store(args.db, existing=True)
    _refresh_cells(store, args.lang)
    store.close()
    return EXIT_OK


PROGRESS_EVERY_S = 2.0


def _progress_printer(path: Path, lang: str):
    """Progress of a large import on standard error, at most every PROGRESS_EVERY_S seconds."""
    import time

    last = [0.0]

    def show(stage: str, rows: int) -> None:
        now = time.monotonic()
        if stage != "validated" and now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        print(f"{path}: {t(f'cli.progress.{stage}', lang, rows=f'{rows:,}')}", file=sys.stderr, flush=True)

    return show


@contextmanager
def _metrics_source(args):
    """Where ``metrics`` reads: the store (DuckDB), or the Parquet export on Spark; the same
    statements run on either (``sinkview.spark.engine``)."""
    if args.engine != "spark":
        with _open_store(args.db, existing=True).read() as con:
            check_community(con, args.community, args.lang)
            yield con
        return
    from sinkview.spark import engine as spark_engine

    if args.parquet is None:
        raise UserError(t("spark.parquet_needed", args.lang))
    try:
        with spark_engine.export_cursor(args.parquet, args.start, args.end, args.community, args.master) as cursor:
            yield cursor
    except spark_engine.SparkUnavailable as problem:
        raise UserError(problem.message(args.lang)) from None


def check_community(con, community: str | None, lang: str) -> None:
    """Refuse a community the store does not know (it would print zeros as if measured)."""
    from sinkview.store.named_queries import run_query

    if community is None:
        return
    known = run_query(con, "frame/communities")["community"].tolist()
    if community not in known:
        raise UserError(t("cli.unknown_community", lang, community=community, known=known))


def cmd_metrics(args, out=None) -> int:
    from sinkview.metrics.declarations import INDICATORS
    from sinkview.metrics.evaluator import compute_indicators
    from sinkview.metrics.scorecard import format_value

    out = out or sys.stdout  # looked up now, so a captured stdout is honoured

    if args.end < args.start:
        raise UserError(t("metrics_cli.end_before_start", args.lang, start=args.start, end=args.end))
    if args.by:
        return _print_grouped_metrics(args, out)
    with _metrics_source(args) as con:
        values = compute_indicators(con, args.start, args.end, args.community)
    if args.json:
        print(json.dumps({"period": {"start": args.start.isoformat(), "end": args.end.isoformat()},
                          "community": args.community, "indicators": values}, ensure_ascii=False), file=out)
        return EXIT_OK
    for item in INDICATORS:   # as the pages show them; --json gives the exact values
        name = indicator_name(item.id, args.lang)
        print(f"{item.id:36} {format_value(item.id, values[item.id], args.lang):>14}  {name}", file=out)
    return EXIT_OK


def _print_grouped_metrics(args, out) -> int:
    """``metrics --by``: every group's indicators, exactly as metrics.md "Grouped output" says."""
    from sinkview.metrics.grains import grouped
    from sinkview.metrics.scorecard import format_value

    with _metrics_source(args) as con:
        groups = grouped(con, args.start, args.end, args.community, args.by)
    if args.json:
        print(json.dumps({"period": {"start": args.start.isoformat(), "end": args.end.isoformat()},
                          "community": args.community, "by": args.by, "groups": groups},
                         ensure_ascii=False), file=out)
        return EXIT_OK
    for group in groups:
        print(group.get("community") or f"{group['start']} ~ {group['end']}", file=out)
        for indicator_id, value in group["indicators"].items():
            print(f"  {indicator_id:36} {format_value(indicator_id, value, args.lang):>14}", file=out)
    return EXIT_OK


def cmd_sample(args, out=sys.stdout) -> int:
    from sinkview.tools.sample import write_sample_files

    if args.scale != "county":
        return scale_cli.run(args, out)
    kwargs = {} if args.seed is None else {"seed": args.seed}
    for path in write_sample_files(scale_cli.sample_out_dir(args), **kwargs):
        print(path, file=out)
    return EXIT_OK


def _actor() -> str:
    """Who makes a change from the command line, as the audit log names them."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def _new_password(lang: str) -> str:
    """Asked twice at a terminal; otherwise the first line of standard input."""
    if sys.stdin.isatty():
        password = getpass.getpass(t("auth.cli.password", lang))
        if getpass.getpass(t("auth.cli.password_again", lang)) != password:
            raise UserError(t("auth.refused.passwords_differ", lang))
        return password
    line = sys.stdin.readline()
    if not line:
        raise UserError(t("auth.refused.no_password", lang))
    return line.rstrip("\r\n")


def cmd_user(args, out=None) -> int:
    from sinkview.app import accounts
    from sinkview.store.named_queries import run_query

    out = out or sys.stdout  # looked up now, so a captured stdout is honoured
    store = _open_store(args.db)
    if args.user_command != "list":  # asked before the store is held, so a slow typist blocks nobody
        password = _new_password(args.lang) if args.user_command in ("add", "passwd") else None
    try:
        if args.user_command == "list":
            with store.read() as con:
                users = accounts.list_users(con)
            if not users:
                print(t("auth.cli.no_users", args.lang), file=out)
            for user in users:
                locked = f"  locked until {user.locked_until:%Y-%m-%d %H:%M}" if user.locked_until else ""
                print(f"{user.name}\t{user.role}\t{user.community or '*'}\t{user.created_at:%Y-%m-%d %H:%M}{locked}",
                      file=out)
        elif args.user_command == "add":
            with store.write(f"user add {args.name}") as con:
                user = accounts.add_user(con, args.name, password, args.role, args.community, by=_actor())
                known = run_query(con, "frame/communities")["community"].tolist()
            role = t(f"auth.role.{user.role}", args.lang)
            print(t("auth.cli.added", args.lang, name=user.name, role=role, community=user.community or "*"), file=out)
            if user.community and user.community not in known:
                print(t("auth.cli.unknown_community", args.lang, community=user.community), file=out)
        elif args.user_command == "passwd":
            with store.write(f"user passwd {args.name}") as con:
                accounts.set_password(con, args.name, password, by=_actor())
            print(t("auth.cli.password_changed", args.lang, name=args.name), file=out)
        else:
            with store.write(f"user remove {args.name}") as con:
                accounts.remove_user(con, args.name, by=_actor())
            print(t("auth.cli.removed", args.lang, name=args.name), file=out)
    except accounts.UserChangeRefused as refusal:
        raise UserError(t(refusal.code, args.lang, **refusal.params)) from None
    return EXIT_OK


def cmd_audit(args, out=None) -> int:
    from sinkview.store.audit import recent

    out = out or sys.stdout  # looked up now, so a captured stdout is honoured

    with _open_store(args.db, existing=True).read() as con:
        entries = recent(con, args.limit)
    if entries.empty:
        print(t("auth.cli.no_entries", args.lang), file=out)
    for entry in entries.itertuples():
        print(f"{entry.at:%Y-%m-%d %H:%M:%S}\t{entry.who or '-'}\t{entry.action}\t{entry.detail}", file=out)
    return EXIT_OK


COMMANDS = {"load": cmd_load, "metrics": cmd_metrics, "refresh": cmd_refresh, "sample": cmd_sample, "briefing": briefing_cli.run, "check": quality_cli.run, "export": scale_cli.run, "user": cmd_user, "audit": cmd_audit}


def main(argv: list[str] | None = None) -> int:
    language = argparse.ArgumentParser(add_help=False)
    language.add_argument("--lang")
    chosen = language.parse_known_args(argv)[0].lang
    _LANGUAGE[0] = chosen if chosen in LANGUAGES else os.environ.get("SINKVIEW_LANG", "zh")
    args = build_parser().parse_args(argv)
    from sinkview.store.database import StoreBusy

    try:
        return COMMANDS[args.command](args)
    except StoreBusy as busy:  # waited its bound for another writer
        print(f"error: {busy}", file=sys.stderr)
        return EXIT_DATA_ERRORS
    except UserError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_DATA_ERRORS
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:   # the reader went away (| head): stop quietly, as the Python docs advise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_DATA_ERRORS
    except Exception as problem:   # never a traceback for a user (SINKVIEW_DEBUG=1 shows it)
        if os.environ.get("SINKVIEW_DEBUG"):
            raise
        print(f"error: {t('cli.unexpected', _LANGUAGE[0], problem=f'{type(problem).__name__}: {problem}')}",
              file=sys.stderr)
        return EXIT_DATA_ERRORS
