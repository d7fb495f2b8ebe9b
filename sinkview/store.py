"""The store: one DuckDB file, its schema and migrations, and a cursor per thread.

Owns where the database lives (``SINKVIEW_DB`` or ``data/sinkview.duckdb``), how it is opened
(no extension downloads, ever) and how the schema is brought up to date. It does not know
about files, the contract or indicators.
"""

from __future__ import annotations

import os
import threading
from importlib import resources
from pathlib import Path

import duckdb

from sinkview import DATA_DIR, QUERIES_DIR

DEFAULT_DB = DATA_DIR / "sinkview.duckdb"

# An unknown function must fail, not silently try to download an extension (intranet).
CONNECTION_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def default_db_path() -> Path:
    """The database the app uses: ``$SINKVIEW_DB`` when set, else ``data/sinkview.duckdb``."""
    return Path(os.environ.get("SINKVIEW_DB") or DEFAULT_DB)


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("sinkview") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


SCHEMA_VERSION = max(version for version, _ in _migrations())


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration the store has not recorded, in version order, each in its own
    transaction. Applied versions are tracked one by one (not as a high-water mark), so a
    migration merged later with a lower number than one already applied still runs."""
    con.execute("create table if not exists schema_version (version integer not null)")
    applied = {row[0] for row in con.execute("select version from schema_version").fetchall()}
    for version, sql in _migrations():
        if version in applied:
            continue
        con.execute("begin transaction")
        try:
            con.execute(sql)
            con.execute("insert into schema_version values ($v)", {"v": version})
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        applied.add(version)
    return max(applied, default=0)


def install_staging_models(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the staging models of ``queries/staging/`` (DuckDB table macros that several
    queries read, in the dbt sense): always the version of the code that opens the store."""
    pending = sorted((QUERIES_DIR / "staging").glob("*.sql"))
    while pending:  # a model may read another: install what binds, then retry the rest
        failed = []
        for path in pending:
            try:
                con.execute(path.read_text(encoding="utf-8"))
            except duckdb.CatalogException:
                failed.append(path)
        if len(failed) == len(pending):
            con.execute(failed[0].read_text(encoding="utf-8"))  # raise the real error
        pending = failed


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and create or migrate) the store at ``path``; ``":memory:"`` gives a scratch store."""
    target = str(path) if path is not None else str(default_db_path())
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(target, read_only=read_only, config=CONNECTION_CONFIG)
    if not read_only:
        migrate(con)
        install_staging_models(con)
    return con


class Store:
    """One open database shared by a process; each thread reads through its own cursor.

    A DuckDB connection must not be used from two threads at once (a partial fetch blocks it),
    so ``cursor()`` hands every thread its own cursor on the shared connection.
    """

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path not in (None, ":memory:") else path
        self.connection = connect(path)
        self._local = threading.local()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self.connection.cursor()
            self._local.cursor = cur
        return cur

    def is_empty(self) -> bool:
        return self.cursor().execute("select count(*) from institutions").fetchall()[0][0] == 0

    def close(self) -> None:
        self.connection.close()
