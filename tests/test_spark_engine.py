"""The Spark engine (``metrics --engine spark --parquet DIR``, ``sinkview.spark.engine``): every
indicator equal to the DuckDB path's for the store the export came from — the sample county and
a generated tiny province, ungrouped and by community — only the partitions a request needs read,
and every error a user can meet said in words from the catalogue.

Every value compares exactly, type included, as the command prints it (the insurance fund is
summed as a decimal in the base model, so no sum depends on the engine's order of additions).
One local[2] session serves the module (4 shuffle partitions), so the file runs in a few minutes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import duckdb
import pytest

pytest.importorskip("pyspark")

from sinkview import PROJECT_ROOT  # noqa: E402
from sinkview.tools import cli
from sinkview.spark import engine as spark_engine
from sinkview.spark import dialect as spark_sql
from sinkview.metrics.evaluator import compute_indicators  # noqa: E402
from sinkview.metrics.grains import grouped  # noqa: E402
from sinkview.store.parquet_export import community_key, export_parquet, read_exported_sql  # noqa: E402
from sinkview.tools.province import TINY, generate_province  # noqa: E402
from sinkview.tools.sample_loader import load_sample  # noqa: E402
from sinkview.store.database import Store  # noqa: E402

pytestmark = pytest.mark.spark

QUARTER = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
HALF_YEAR = (dt.date(2024, 10, 1), dt.date(2025, 3, 31))  # across a year boundary


@pytest.fixture(scope="module")
def spark():
    session = spark_engine.spark_session("local[2]", {"spark.sql.shuffle.partitions": "4",
                                                      "spark.default.parallelism": "2"})
    yield session
    session.stop()


def _exported(folder, fill):
    db = folder / "sinkview.duckdb"
    fill(db)
    store = Store(db, shared=True)
    with store.read() as con:
        export_parquet(con, folder / "parquet")
    return store, folder / "parquet"


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    def fill(db):
        store = Store(db)
        load_sample(store)
        store.close()

    return _exported(tmp_path_factory.mktemp("county"), fill)


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    def fill(db):
        generate_province(db, TINY, seed=11)
        Store(db).close()  # migrations and staging models, as the app opens it

    return _exported(tmp_path_factory.mktemp("province"), fill)


def assert_same(got: dict, expected: dict, where: str = "") -> None:
    assert list(got) == list(expected), where
    for key, value in expected.items():
        assert (type(got[key]), got[key]) == (type(value), value), (where, key)


def spark_values(spark, folder, period, community=None, by=None):
    spark_engine.register_export(spark, folder, *period, community)
    cursor = spark_engine.SparkCursor(spark)
    if by:
        return grouped(cursor, *period, community, by)
    return compute_indicators(cursor, *period, community)


def duckdb_values(store, period, community=None, by=None):
    with store.read() as con:
        if by:
            return grouped(con, *period, community, by)
        return compute_indicators(con, *period, community)


# --------------------------------------------------------------------------- equal to DuckDB

@pytest.mark.parametrize("scale", ["county", "province"])
def test_every_indicator_equals_duckdb_ungrouped(spark, scale, request):
    store, folder = request.getfixturevalue(scale)
    expected = duckdb_values(store, HALF_YEAR)
    assert any(value for value in expected.values())
    assert_same(spark_values(spark, folder, HALF_YEAR), expected, scale)


@pytest.mark.parametrize("scale", ["county", "province"])
def test_every_indicator_equals_duckdb_by_community(spark, scale, request, monkeypatch):
    store, folder = request.getfixturevalue(scale)
    monkeypatch.setattr(spark_sql, "CELLS_PER_STATEMENT", 2)  # the party cells in slices, as at province scale
    expected = duckdb_values(store, QUARTER, by="community")
    got = spark_values(spark, folder, QUARTER, by="community")
    assert [group["community"] for group in got] == [group["community"] for group in expected]
    assert len(expected) >= 2
    for mine, theirs in zip(got, expected):
        assert_same(mine["indicators"], theirs["indicators"], f"{scale} {theirs['community']}")


# --------------------------------------------------------------------------- pruning

def _partition(path: str) -> tuple[str, int]:
    parts = dict(piece.split("=", 1) for piece in path.split("/") if "=" in piece)
    return parts["community_key"], int(parts["year"])


def test_only_the_years_and_the_community_asked_for_are_read(spark, province):
    store, folder = province
    con = duckdb.connect()
    community = con.execute(f"select community from {read_exported_sql(folder, 'communities')} "
                            "order by community limit 1").fetchall()[0][0]
    key = community_key(community)
    files = spark_engine.register_export(spark, folder, *QUARTER, community)
    # referrals: an event; only 2025 and only partitions holding a referral with an end in the community
    touching = {(row[0], row[1]) for row in con.execute(f"""
        select distinct r.community_key, r.year
        from {read_exported_sql(folder, 'referrals')} r
        join {read_exported_sql(folder, 'institutions')} a on a.inst_id = r.from_inst_id
        join {read_exported_sql(folder, 'institutions')} b on b.inst_id = r.to_inst_id
        where $name in (a.community, b.community) and r.year = 2025""", {"name": community}).fetchall()}
    read = {_partition(path) for path in files["referrals"]}
    assert read == touching and (key, 2025) in read
    every = {_partition(path) for path in
             spark.read.parquet(str(folder / "referrals")).inputFiles()}
    assert len(read) < len(every)
    # movements and volume: events too; stints: up to 2025 and only the community's
    for table in ("staff_movements", "service_volume"):
        assert {year for _, year in map(_partition, files[table])} == {2025}, table
    stints = {_partition(path) for path in files["expert_rotations"]}
    assert stints and {k for k, _ in stints} == {key} and max(y for _, y in stints) == 2025
    # villages: a snapshot as of the end reads every earlier year, of the community only
    villages = {_partition(path) for path in files["village_coverage"]}
    assert {k for k, _ in villages} == {key} and {y for _, y in villages} == {2023, 2024, 2025}
    # and what Spark counts is exactly the rows of those partitions
    rows = sum(con.execute(f"select count(*) from {read_exported_sql(folder, 'referrals')} "
                           "where community_key = $key and year = $year", {"key": k, "year": y}).fetchall()[0][0]
               for k, y in read)
    assert spark.sql("select count(*) as n from referrals").collect()[0]["n"] == rows


def test_a_stint_from_the_year_before_is_read_when_it_lasts_into_the_period(spark, county):
    _, folder = county
    files = spark_engine.register_export(spark, folder, *QUARTER, None)
    years = {year for _, year in map(_partition, files["expert_rotations"])}
    con = duckdb.connect()
    reaching = con.execute(f"""select count(*) from {read_exported_sql(folder, 'expert_rotations')}
                               where year = 2024 and end_date >= date '2025-01-01'""").fetchall()[0][0]
    assert (2024 in years) == (reaching > 0)
    assert 2023 not in years or con.execute(
        f"""select count(*) from {read_exported_sql(folder, 'expert_rotations')}
            where year = 2023 and end_date >= date '2025-01-01'""").fetchall()[0][0] > 0


# --------------------------------------------------------------------------- the command line

def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = cli.main(list(argv))
        except SystemExit as exit_:  # argparse refusing an argument
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_the_command_prints_the_duckdb_json_for_one_community_by_quarter(spark, county):
    """One community (its partitions only, a referral between two communities included) and a
    calendar grain, printed by the command line's own code."""
    store, folder = county
    community = duckdb_values(store, QUARTER, by="community")[0]["community"]
    argv = ["--start", "2025-01-01", "--end", "2025-06-30", "--community", community, "--by", "quarter", "--json"]
    code, printed, errors = run_cli("metrics", "--engine", "spark", "--parquet", str(folder), *argv)
    assert code == 0, errors
    code, expected, errors = run_cli("metrics", "--db", str(store.path), *argv)
    assert code == 0, errors
    mine, theirs = json.loads(printed), json.loads(expected)
    mine_groups, their_groups = mine.pop("groups"), theirs.pop("groups")
    assert mine == theirs and len(their_groups) == 2
    for group, expected_group in zip(mine_groups, their_groups):
        assert (group["start"], group["end"]) == (expected_group["start"], expected_group["end"])
        assert_same(group["indicators"], expected_group["indicators"], group["start"])


def test_the_command_starts_its_own_local_spark(county):
    """A real process: no session to borrow, Java found, the JSON on standard output."""
    store, folder = county
    args = ["metrics", "--start", "2025-01-01", "--end", "2025-03-31", "--json"]
    result = subprocess.run([sys.executable, "-m", "sinkview", *args, "--engine", "spark", "--parquet", str(folder),
                             "--master", "local[2]"], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    code, expected, _ = run_cli(*args, "--db", str(store.path))
    assert_same(json.loads(result.stdout)["indicators"], json.loads(expected)["indicators"])


def test_spark_connect_answers_the_same_json(county):
    """SPARK_REMOTE names a Spark Connect server; ``local`` starts one beside the client (the
    client then runs no JVM of its own), as a cluster's Connect endpoint would answer."""
    store, folder = county
    args = ["metrics", "--start", "2025-07-01", "--end", "2025-09-30", "--json"]
    result = subprocess.run([sys.executable, "-m", "sinkview", *args, "--engine", "spark", "--parquet", str(folder)],
                            capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=600,
                            env={**os.environ, "SPARK_REMOTE": "local"})
    assert result.returncode == 0, result.stderr[-2000:]
    code, expected, _ = run_cli(*args, "--db", str(store.path))
    assert json.loads(result.stdout) == json.loads(expected)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_user_errors_are_one_catalogue_line(tmp_path, county, lang):
    _, folder = county
    period = ["--start", "2025-01-01", "--end", "2025-03-31"]
    expected = {
        "no_folder": (["--parquet", str(tmp_path / "nowhere"), *period], "nowhere"),
        "not_an_export": (["--parquet", str(tmp_path), *period], "export"),
        "no_parquet": (period, "--parquet DIR"),
        "end_before_start": (["--parquet", str(folder), "--start", "2025-03-31", "--end", "2025-01-01"], "2025-01-01"),
    }
    for name, (argv, word) in expected.items():
        code, out, err = run_cli("--lang", lang, "metrics", "--engine", "spark", *argv)
        assert code == 1 and not out and err.count("\n") == 1 and word in err, (name, err)
        assert "Traceback" not in err
    code, out, err = run_cli("--lang", lang, "metrics", "--engine", "spark", "--parquet", str(folder),
                             "--start", "2025-02-30", "--end", "2025-03-31")
    assert code == 2 and ("不是日期" if lang == "zh" else "not a date") in err and "2025-02-30" in err


def test_no_pyspark_and_no_java_are_said_in_words(county, monkeypatch):
    _, folder = county
    argv = ["--lang", "en", "metrics", "--engine", "spark", "--parquet", str(folder),
            "--start", "2025-01-01", "--end", "2025-03-31"]
    with monkeypatch.context() as patched:
        patched.setitem(sys.modules, "pyspark", None)
        patched.setitem(sys.modules, "pyspark.sql", None)
        code, _, err = run_cli(*argv)
    assert code == 1 and "requirements-spark.txt" in err and "Traceback" not in err
    from pyspark.sql import SparkSession

    monkeypatch.setattr(SparkSession, "getActiveSession", staticmethod(lambda: None))
    monkeypatch.setattr(spark_engine, "java_found", lambda: False)
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    code, _, err = run_cli(*argv)
    assert code == 1 and "openjdk-17-jre-headless" in err and "Traceback" not in err
