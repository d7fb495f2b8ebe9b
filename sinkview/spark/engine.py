"""The metric layer on Spark, over the hive-partitioned Parquet export (``metrics --engine spark``).

Owns the Spark session (local mode ``local[*]`` by default, a cluster with ``--master URL``, Spark
Connect when ``SPARK_REMOTE`` is set), registering the export's tables as temporary views that
read only the partitions a request needs, and a cursor that runs the metric layer's own DuckDB
statements on them through ``sinkview.spark.dialect``. The evaluator, the grains and the command
line's printing are the DuckDB path's, unchanged: only the cursor differs, so the JSON is the
same by construction.

Which partitions are read (``partitions_to_read``), from the export's partition index
(``DIR/_index``, ``sinkview.store.parquet_export``), per ledger and the way its base model meets a
period (``sinkview.metrics.models``):

- an event (referrals, movements, service volume): the years of the period;
- an interval (expert stints, partitioned by their first day): the years up to the period's
  end whose stints last into the period (the index keeps each partition's last day);
- a snapshot as of the end (villages): every year up to the period's end, since a village's
  latest row may be older than the period;
- with one community asked for: only the partitions holding a record that touches it (a
  referral or movement between two communities is stored under one of them; a village under the
  township centre of its row), so the answer is exact, not only fast.

An export written before the index existed is read whole.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sinkview.i18n import t
from sinkview.metrics.models import AS_OF, EVENT, MODELS, OVERLAP
from sinkview.store.parquet_export import INDEX_DIR, PARTITIONED, UNPARTITIONED, community_key
from sinkview.spark.dialect import CATALOGUE_VIEW, to_spark_statements

# ledger -> the base model that reads it (its way of meeting a period decides the years read)
LEDGER_MODELS = {"referrals": "referrals", "expert_rotations": "stints", "village_coverage": "villages",
                 "staff_movements": "movements", "service_volume": "volume"}
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
LOCAL_MASTER = "local[*]"
SESSION_CONFIG = {
    "spark.ui.enabled": "false",               # no web server: an intranet tool opens no port
    "spark.ui.showConsoleProgress": "false",   # standard output stays the JSON
    "spark.sql.session.timeZone": "UTC",
}


class SparkUnavailable(Exception):
    """Spark cannot run this request; ``code`` is a catalogue key, ``params`` fill it."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params

    def message(self, lang: str) -> str:
        return t(self.code, lang, **self.params)


# --------------------------------------------------------------------------- the session

def java_found() -> bool:
    """Whether a Java runtime is there for local mode (``$JAVA_HOME/bin/java`` or ``java``)."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return True
    return shutil.which("java") is not None


def spark_session(master: str | None = None, config: Mapping[str, str] | None = None):
    """The active session, else a new one: Spark Connect when ``SPARK_REMOTE`` is set, else
    ``master`` (default ``local[*]``)."""
    try:
        with warnings.catch_warnings():  # pyspark warns about pandas 3 on import; we do not use pandas there
            warnings.simplefilter("ignore")
            from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable("spark.no_pyspark") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    remote = os.environ.get("SPARK_REMOTE")
    if not remote and not java_found():
        raise SparkUnavailable("spark.no_java")
    builder = SparkSession.builder.appName("sinkview")
    builder = builder.remote(remote) if remote else builder.master(master or LOCAL_MASTER)
    for key, value in {**SESSION_CONFIG, **(config or {})}.items():
        builder = builder.config(key, value)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            session = builder.getOrCreate()
    except Exception as problem:  # no JVM, a refused cluster or Connect server, missing Connect packages
        raise SparkUnavailable("spark.cannot_start", master=remote or master or LOCAL_MASTER,
                               reason=str(problem).strip().splitlines()[0][:300] if str(problem).strip() else
                               type(problem).__name__) from None
    try:
        session.sparkContext.setLogLevel("ERROR")
    except Exception:  # Spark Connect has no SparkContext
        pass
    return session


# --------------------------------------------------------------------------- partitions

@dataclass(frozen=True)
class Partition:
    community_key: str | None
    year: int | None

    def folder(self, table_dir: Path) -> Path:
        key = HIVE_NULL if self.community_key is None else self.community_key
        year = HIVE_NULL if self.year is None else str(self.year)
        return table_dir / f"community_key={key}" / f"year={year}"


def _index(folder: Path) -> pd.DataFrame | None:
    path = folder / INDEX_DIR / "partition_index.parquet"
    if not path.is_file():
        return None
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pandas()


def partitions_to_read(folder: Path, start: dt.date, end: dt.date, community: str | None
                       ) -> dict[str, list[Partition] | None]:
    """For each ledger, the partitions a request for ``[start, end]`` (and ``community``) needs;
    ``None`` for a ledger to read whole (no partition index)."""
    index = _index(folder)
    wanted = None if community is None else community_key(community)
    found: dict[str, list[Partition] | None] = {}
    for table in PARTITIONED:
        if index is None:
            found[table] = None
            continue
        time = MODELS[LEDGER_MODELS[table]].time
        chosen = []
        for row in index[index["table_name"] == table].itertuples():
            year = None if pd.isna(row.year) else int(row.year)
            if year is None or year > end.year:
                continue
            if time == EVENT and year < start.year:
                continue
            if time == OVERLAP and (pd.isna(row.last_date) or row.last_date < start):
                continue
            if wanted is not None and wanted not in list(row.communities):
                continue
            assert time in (EVENT, OVERLAP, AS_OF)
            chosen.append(Partition(None if pd.isna(row.community_key) else row.community_key, year))
        found[table] = chosen
    return found


def check_export(folder: Path) -> None:
    """Refuse a folder that is not an export (missing, or without the tables the layer reads)."""
    if not folder.is_dir():
        raise SparkUnavailable("spark.no_folder", folder=str(folder))
    missing = [table for table in (*UNPARTITIONED, *PARTITIONED) if not (folder / table).is_dir()]
    if missing:
        raise SparkUnavailable("spark.no_export", folder=str(folder), tables=", ".join(missing))


def register_export(spark, folder: Path, start: dt.date, end: dt.date, community: str | None
                    ) -> dict[str, list[str]]:
    """Every table the metric layer reads, as a temporary view over the export, the ledgers
    pruned to ``partitions_to_read``; the files each view reads, by table."""
    folder = Path(folder)
    check_export(folder)
    files = {}
    for table in UNPARTITIONED:
        frame = spark.read.parquet(str(folder / table))
        frame.createOrReplaceTempView(table)
        files[table] = frame.inputFiles()
    for table, partitions in partitions_to_read(folder, start, end, community).items():
        table_dir = folder / table
        columns_file = folder / INDEX_DIR / f"columns_{table}.parquet"
        if partitions is None:
            frame = spark.read.option("basePath", str(table_dir)).parquet(str(table_dir))
        elif partitions:
            paths = [str(partition.folder(table_dir)) for partition in partitions]
            frame = spark.read.option("basePath", str(table_dir)).parquet(*paths)
        else:
            frame = spark.read.parquet(str(columns_file))
        frame = frame.drop("community_key", "year")
        frame.createOrReplaceTempView(table)
        files[table] = frame.inputFiles()
    spark.createDataFrame([(name,) for name in files], "table_name string").createOrReplaceTempView(CATALOGUE_VIEW)
    return files


# --------------------------------------------------------------------------- the cursor

class SparkResult:
    """A finished statement, shaped as much of a DuckDB result as the metric layer reads."""

    def __init__(self, names: list[str], rows: list[tuple]):
        self.description = [(name,) for name in names]
        self._rows = rows

    def fetchall(self) -> list[tuple]:
        return list(self._rows)

    def df(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(self._rows, columns=[name for (name,) in self.description])


class SparkCursor:
    """Runs the metric layer's DuckDB statements on Spark (``execute(sql, params)``)."""

    def __init__(self, spark):
        self.spark = spark

    def _rows(self, spark_sql: str) -> list[dict[str, object]]:
        return [row.asDict() for row in self.spark.sql(spark_sql).collect()]

    def execute(self, sql: str, params: Mapping[str, object] | None = None) -> SparkResult:
        names, rows = [], []
        for statement in to_spark_statements(sql, params, run=self._rows):  # one, or one per slice of cells
            frame = self.spark.sql(statement)
            names = list(frame.columns)
            rows += [tuple(row) for row in frame.collect()]
        return SparkResult(names, rows)


@contextmanager
def export_cursor(folder: Path, start: dt.date, end: dt.date, community: str | None,
                  master: str | None = None) -> Iterator[SparkCursor]:
    """A cursor over the export's partitions for ``[start, end]`` (and ``community``); a
    session this opens is stopped afterwards, an active one is left running."""
    check_export(Path(folder))  # before a JVM starts
    from_before = _active_session()
    spark = spark_session(master)
    try:
        register_export(spark, Path(folder), start, end, community)
        yield SparkCursor(spark)
    finally:
        if from_before is None:
            spark.stop()


def _active_session():
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    return SparkSession.getActiveSession()
