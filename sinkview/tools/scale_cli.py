"""Command-line pieces for scale: ``sample --scale province`` and ``export --parquet DIR``.

Owns the arguments, printing and exit codes of the two commands that ``sinkview.tools.cli`` wires in
(``add_parser`` for ``export``, ``add_scale_argument`` for ``sample``, ``run`` for both). The
work itself is in ``sinkview.tools.province`` and ``sinkview.store.parquet_export``; heavy imports wait
until a command runs, so the rest of the command line starts as fast as before.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sinkview import DATA_DIR

SCALES = ("county", "province")
DEFAULT_OUT = {"county": DATA_DIR / "sample", "province": DATA_DIR / "province"}
STORE_FILE = "sinkview.duckdb"
EXIT_OK, EXIT_ERROR = 0, 1


def add_scale_argument(sample: argparse.ArgumentParser) -> None:
    """``--scale`` for the ``sample`` command."""
    sample.add_argument("--scale", choices=SCALES, default="county",
                        help="county: the sample county's ledgers (files); province: 100 communities "
                             "generated straight into a store, OUT/sinkview.duckdb")


def add_parser(subparsers) -> None:
    """The ``export`` command."""
    export = subparsers.add_parser("export", help="write every table as hive-partitioned Parquet")
    export.add_argument("--parquet", type=Path, required=True, metavar="DIR",
                        help="folder to write (one sub-folder per table)")
    export.add_argument("--db", type=Path, help="DuckDB file (default: $SINKVIEW_DB or data/sinkview.duckdb)")
    export.add_argument("--overwrite", action="store_true", help="replace the tables already in DIR")


def sample_out_dir(args) -> Path:
    """The folder ``sample`` writes to: ``--out``, else the scale's default."""
    return args.out or DEFAULT_OUT[args.scale]


def run(args, out=sys.stdout) -> int:
    """Run ``export``, or ``sample`` at province scale."""
    try:
        if args.command == "export":
            return _export(args, out)
        return _province_sample(args, out)
    except (FileExistsError, OSError) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_ERROR


def _province_sample(args, out) -> int:
    from sinkview.tools.province import DEFAULT_SEED, generate_province

    target = sample_out_dir(args) / STORE_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    counts = generate_province(target, seed=DEFAULT_SEED if args.seed is None else args.seed)
    print(target, file=out)
    for table, rows in counts.items():
        print(f"{table}: {rows:,}", file=out)
    return EXIT_OK


def _export(args, out) -> int:
    from sinkview.store.parquet_export import export_parquet
    from sinkview.store.database import Store, default_db_path, warn_while_waiting

    db = args.db or default_db_path()
    if not Path(db).is_file():
        raise FileNotFoundError(f"no database at {db}")
    store = Store(db, shared=True)  # read while the dashboard runs on it
    store.on_wait = warn_while_waiting
    with store.read() as con:
        written = export_parquet(con, args.parquet, overwrite=args.overwrite)
    for table, rows in written.items():
        print(f"{args.parquet / table}: {rows:,} rows", file=out)
    return EXIT_OK
