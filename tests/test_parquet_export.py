"""The Parquet export (``sinkview.store.parquet_export``, ``python -m sinkview export --parquet``): every
table read back by DuckDB with hive partitioning has the store's rows, in an ASCII layout that
Spark and Trino decode, and an existing export is only replaced when asked."""

from __future__ import annotations

import argparse
import io

import duckdb
import pytest

from sinkview.tools import scale_cli
from sinkview.store.parquet_export import EXPORTED_TABLES, PARTITIONED, export_parquet, read_exported_sql
from sinkview.tools.province import TINY, generate_province
from sinkview.store.database import CONNECTION_CONFIG


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    db = folder / "sinkview.duckdb"
    generate_province(db, TINY, seed=11)
    out = folder / "parquet"
    con = duckdb.connect(str(db), read_only=True, config=CONNECTION_CONFIG)
    written = export_parquet(con, out)
    yield con, out, written
    con.close()


def count(con, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]


@pytest.mark.parametrize("table", [t for t in EXPORTED_TABLES if t != "communities"])
def test_every_table_reads_back_with_its_rows(exported, table):
    con, out, written = exported
    stored = count(con, f"select count(*) from {table}")
    assert written[table] == stored
    assert count(con, f"select count(*) from {read_exported_sql(out, table)}") == stored


@pytest.mark.parametrize("table", sorted(PARTITIONED))
def test_ledgers_are_partitioned_by_community_and_year(exported, table):
    con, out, _ = exported
    columns = [row[0] for row in con.execute(f"describe select * from {read_exported_sql(out, table)}").fetchall()]
    assert columns[-2:] == ["community_key", "year"]
    folders = {path.relative_to(out / table).parent.as_posix() for path in (out / table).rglob("*.parquet")}
    assert folders and all(folder.startswith("community_key=") and "/year=20" in folder for folder in folders)
    assert all(folder.isascii() for folder in folders)
    # the rows themselves are unchanged: the same multiset of rows
    assert count(con, f"""select count(*) from (select * from {table}
                          except all select * exclude (community_key, year) from {read_exported_sql(out, table)})""") == 0


def test_community_keys_name_every_community(exported):
    con, out, _ = exported
    names = count(con, "select count(distinct community) from institutions where community is not null")
    assert count(con, f"select count(*) from {read_exported_sql(out, 'communities')}") == names
    assert count(con, f"""select count(*) from {read_exported_sql(out, 'referrals')} r
                          anti join {read_exported_sql(out, 'communities')} c using (community_key)
                          where r.community_key is not null""") == 0


def test_institutions_are_one_unpartitioned_file(exported):
    _, out, _ = exported
    assert [p.name for p in (out / "institutions").rglob("*.parquet")] == ["data_0.parquet"]


def test_an_existing_export_is_replaced_only_when_asked(exported):
    con, out, written = exported
    with pytest.raises(FileExistsError):
        export_parquet(con, out)
    assert export_parquet(con, out, overwrite=True) == written


def test_export_command(exported, tmp_path):
    con, _, written = exported
    db = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchall()[0][0]
    parser = argparse.ArgumentParser()
    scale_cli.add_parser(parser.add_subparsers(dest="command"))
    out = io.StringIO()
    args = parser.parse_args(["export", "--parquet", str(tmp_path / "out"), "--db", db])
    assert scale_cli.run(args, out) == 0
    assert f"referrals: {written['referrals']:,} rows" in out.getvalue()
    assert scale_cli.run(args, io.StringIO()) == 1  # not empty now, and no --overwrite
