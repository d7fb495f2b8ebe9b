"""Parquet export: the store's data tables as hive-partitioned Parquet for engines beyond one machine.

Owns the layout DuckDB, Spark and Trino all read: ``DIR/<table>/community_key=<key>/year=<yyyy>/``
for the five ledgers (the community a record belongs to, as in metrics.md, and the year of its
main date), one unpartitioned file for ``institutions``, ``tier_ranks``, ``imports`` and the two
party ledgers (a county's are a few thousand rows a year), and
``communities`` mapping each key to its name. Keys are ASCII (``c`` + 12 hex digits of the name's
MD5): Spark and Trino decode ``%XX`` in partition paths byte by byte, which garbles Chinese names.
``DIR/_index/`` holds what an engine needs to read only some partitions (``partition_index``):
per partition, the keys of every community its records touch (both ends of a referral or
movement, every township centre a village has had, a volume row's own and its institution's)
and the last day its records cover (a stint's end), plus each ledger's columns as an empty file
(``columns_<table>.parquet``) for a selection that holds no partition.
Not exported: undo history (``*_replaced``), users (password hashes) and the audit log.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb

COMMUNITY_KEY = "case when {community} is not null then 'c' || left(md5({community}), 12) end"

# table -> (joins that give the record's community, its community, its main date)
PARTITIONED = {
    "expert_rotations": ("left join institutions host on host.inst_id = t.host_inst_id",
                         "host.community", "t.start_date"),
    "referrals": ("left join institutions from_inst on from_inst.inst_id = t.from_inst_id "
                  "left join institutions to_inst on to_inst.inst_id = t.to_inst_id",
                  "coalesce(from_inst.community, to_inst.community)", "t.referral_date"),
    "village_coverage": ("left join institutions centre on centre.inst_id = t.township_center_id",
                         "centre.community", "t.snapshot_date"),
    "staff_movements": ("left join institutions from_inst on from_inst.inst_id = t.from_inst_id "
                        "left join institutions to_inst on to_inst.inst_id = t.to_inst_id",
                        "coalesce(from_inst.community, to_inst.community)", "t.start_date"),
    "service_volume": ("left join institutions inst on inst.inst_id = t.inst_id",
                       "coalesce(nullif(t.community, ''), inst.community)", "t.period"),
}
# table -> (the community keys a record touches, as a list; the last day the record covers)
_KEY = COMMUNITY_KEY.format
TOUCHED = {
    "expert_rotations": (f"[{_KEY(community='host.community')}]", "coalesce(t.end_date, t.start_date)"),
    "referrals": (f"[{_KEY(community='from_inst.community')}, {_KEY(community='to_inst.community')}]",
                  "t.referral_date"),
    "village_coverage": (f"list({_KEY(community='centre.community')}) over (partition by t.village_code)",
                         "t.snapshot_date"),
    "staff_movements": (f"[{_KEY(community='from_inst.community')}, {_KEY(community='to_inst.community')}]",
                        "t.start_date"),
    "service_volume": ("[" + _KEY(community="nullif(t.community, '')") + f", {_KEY(community='inst.community')}]",
                       "t.period"),
}
INDEX_DIR = "_index"
UNPARTITIONED = ("institutions", "tier_ranks", "imports", "party_organisations", "party_activities")
PARTITION_COLUMNS = ("community_key", "year")
EXPORTED_TABLES = (*UNPARTITIONED, "communities", *PARTITIONED)
PARQUET_OPTIONS = "format parquet, compression zstd"


def _communities_sql() -> str:
    key = COMMUNITY_KEY.format(community="community")
    return f"""select distinct {key} as community_key, community
               from institutions where community is not null order by community"""


def export_parquet(cursor: duckdb.DuckDBPyConnection, out_dir: str | Path,
                   overwrite: bool = False) -> dict[str, int]:
    """Write every exported table under ``out_dir``; rows written by table.

    An ``out_dir`` that already holds files is refused unless ``overwrite``, which replaces
    only the folders of the exported tables."""
    target = Path(out_dir)
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise FileExistsError(f"{target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    written = {}
    for table in EXPORTED_TABLES:
        folder = target / table
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        if table in PARTITIONED:
            joins, community, day = PARTITIONED[table]
            source = (f"select t.*, {COMMUNITY_KEY.format(community=community)} as community_key, "
                      f"year({day}) as year from {table} t {joins}")
            options = f"{PARQUET_OPTIONS}, partition_by ({', '.join(PARTITION_COLUMNS)})"
            destination = folder
        else:
            source = _communities_sql() if table == "communities" else f"select * from {table}"
            options = PARQUET_OPTIONS
            destination = folder / "data_0.parquet"
        written[table] = cursor.execute(
            f"copy ({source}) to '{_path_literal(destination)}' ({options})").fetchall()[0][0]
    _write_partition_index(cursor, target)
    return written


def _write_partition_index(cursor: duckdb.DuckDBPyConnection, target: Path) -> None:
    """``DIR/_index/``: the partition index and each ledger's columns (see the module docstring)."""
    folder = target / INDEX_DIR
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    parts = []
    for table, (joins, community, day) in PARTITIONED.items():
        touched, last_day = TOUCHED[table]
        parts.append(f"""select '{table}' as table_name, community_key, year,
                   list_sort(list_distinct(flatten(list(touched)))) as communities, max(last_day) as last_date
            from (select {COMMUNITY_KEY.format(community=community)} as community_key, year({day}) as year,
                         {touched} as touched, {last_day} as last_day
                  from {table} t {joins})
            group by all""")
        cursor.execute(f"copy (select * from {table} limit 0) to "
                       f"'{_path_literal(folder / f'columns_{table}.parquet')}' ({PARQUET_OPTIONS})")
    cursor.execute(f"copy ({' union all '.join(parts)} order by all) to "
                   f"'{_path_literal(folder / 'partition_index.parquet')}' ({PARQUET_OPTIONS})")


def community_key(name: str) -> str:
    """The ASCII key of a community's partitions (``COMMUNITY_KEY`` in Python)."""
    return "c" + hashlib.md5(name.encode("utf-8")).hexdigest()[:12]


def _path_literal(path: Path) -> str:
    return str(path).replace("'", "''")


def read_exported_sql(out_dir: str | Path, table: str) -> str:
    """The DuckDB expression that reads one exported table back (partition columns included)."""
    pattern = _path_literal(Path(out_dir) / table / "**" / "*.parquet")
    return f"read_parquet('{pattern}', hive_partitioning = true)"
