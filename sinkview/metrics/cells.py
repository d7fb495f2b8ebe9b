"""Stored indicator cells: every indicator for each calendar quarter and year the data cover,
for all communities together and for each one, computed once after the ledgers change.

A commission's overview asks for the same cells on every visit (the quarter, the one before,
a year ago, eight quarters of sparklines, the league of a hundred communities); at province
scale computing them from ten million referrals takes seconds, reading them takes
milliseconds. ``refresh`` computes the cells with the evaluator (one pass per topic and grain)
and stores them with a fingerprint of what they were computed from: each ledger's row count
and import ids, and the definitions (declarations, base models, evaluator). ``lookup``
answers an evaluation from them only when that fingerprint still matches and every asked
cell is stored; anything else (a custom period, a township, stale cells) is computed live, so
a stored value is always the value the evaluator would compute now.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pyarrow as pa

from sinkview.metrics import periods
from sinkview.ingest.contract import DATASETS
from sinkview.metrics.declarations import INDICATORS, TOPICS
from sinkview.store.named_queries import run_query
from sinkview.store.database import staging_fingerprint

CELLS_TABLE = "indicator_cells"
STATE_TABLE = "indicator_cells_state"
Period = tuple[dt.date, dt.date]
_DEFINITIONS = [Path(__file__).with_name(name) for name in ("indicators.toml", "evaluator.py", "models.py",
                                                            "declarations.py", "cells.py")]


def stored_periods(first: dt.date | None, last: dt.date | None) -> list[Period]:
    """The calendar quarters, then the calendar years, from the one holding ``first`` to the one
    holding ``last`` (none when there is no data)."""
    if first is None or last is None:
        return []
    years = range(first.year, last.year + 1)
    first_index = first.year * 4 + periods.quarter_of(first)[1] - 1
    last_index = last.year * 4 + periods.quarter_of(last)[1] - 1
    quarters = [periods.quarter_range(i // 4, i % 4 + 1) for i in range(first_index, last_index + 1)]
    return quarters + [(dt.date(year, 1, 1), dt.date(year, 12, 31)) for year in years]


@cache
def _definitions_digest() -> str:
    digest = hashlib.sha256(staging_fingerprint().encode())
    for path in _DEFINITIONS:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# Per ledger: its rows and the sum of the imports that wrote them. An import that changes
# nothing leaves both as they were; one that adds, replaces or undoes rows moves them.
_LEDGERS_SQL = "select " + ", ".join(
    f"(select count(*) || '/' || coalesce(sum(import_id), 0) from {name})" for name in DATASETS)
_TABLES_SQL = "select count(*) from duckdb_tables() where table_name in ($cells, $state)"
_STATE_SQL = f"select fingerprint from {STATE_TABLE}"


def fingerprint(cursor) -> str:
    """What the cells of this store would be computed from now: the definitions, and each
    ledger's row count and import ids (rows written outside an import change the count)."""
    ledgers = cursor.execute(_LEDGERS_SQL).fetchall()[0]
    return f"{_definitions_digest()}:{'.'.join(map(str, ledgers))}"


def freshness_statements() -> list[tuple[str, dict | None]]:
    """The statements ``is_fresh`` runs (the benchmark runs them bare)."""
    return [(_TABLES_SQL, {"cells": CELLS_TABLE, "state": STATE_TABLE}), (_STATE_SQL, None), (_LEDGERS_SQL, None)]


def is_fresh(cursor) -> bool:
    """Whether stored cells exist and were computed from what the store holds now."""
    if cursor.execute(_TABLES_SQL, {"cells": CELLS_TABLE, "state": STATE_TABLE}).fetchall()[0][0] != 2:
        return False
    stored = cursor.execute(_STATE_SQL).fetchall()
    return bool(stored) and stored[0][0] == fingerprint(cursor)


def refresh(cursor) -> int:
    """Compute and store every cell (inside the caller's write unit); returns how many.

    One evaluation per grain, each one pass per topic, over the quarters and years the data
    cover; the ``community`` column is null for the cells of all communities together."""
    from sinkview.metrics.evaluator import default_groups, evaluate  # the evaluator reads these cells

    bounds = run_query(cursor, "frame/data_range")
    first, last = (None, None) if bounds.empty else (bounds["first_date"][0], bounds["last_date"][0])
    spans = stored_periods(_as_date(first), _as_date(last))
    rows: list[dict] = []
    if spans:
        groups = default_groups(cursor, "community", None)
        for by, asked in (("none", None), ("community", groups)):
            if by == "community" and not groups:
                continue
            cells = evaluate(cursor, spans, by=by, groups=asked, stored=False)
            for (index, group), values in cells.items():
                rows.append({"period_start": spans[index][0], "period_end": spans[index][1],
                             "community": group, **values})
    ids = [item.id for item in INDICATORS]
    table = pa.Table.from_pylist(rows, schema=_schema(rows, ids))
    cursor.register("computed_cells", table)
    try:
        cursor.execute(f"create or replace table {CELLS_TABLE} as select * from computed_cells")
    finally:
        cursor.unregister("computed_cells")
    cursor.execute(f"create or replace table {STATE_TABLE} as select $fingerprint as fingerprint, "
                   "current_timestamp::timestamp as computed_at, $cells as cells",
                   {"fingerprint": fingerprint(cursor), "cells": len(rows)})
    return len(rows)


def _as_date(value) -> dt.date | None:
    if value is None or value != value:  # NaT from an empty store
        return None
    return value.date() if isinstance(value, dt.datetime) else value


def _schema(rows: list[dict], ids: list[str]) -> pa.Schema:
    """Each indicator's column typed as the evaluator's value (whole numbers stay whole)."""
    fields = [pa.field("period_start", pa.date32()), pa.field("period_end", pa.date32()),
              pa.field("community", pa.string())]
    for key in ids:
        kinds = {type(row.get(key)) for row in rows} - {type(None)}
        fields.append(pa.field(key, pa.int64() if kinds == {int} else pa.float64()))
    return pa.schema(fields)


def _asked(spans: Sequence[Period], by: str, community: str | None, groups: Sequence[str]) -> list[tuple[int, str | None]]:
    return [(index, community if by == "none" else group)
            for index in range(len(spans)) for group in ([None] if by == "none" else groups)]


def indicator_ids(topics: Sequence[str] = TOPICS) -> list[str]:
    return [item.id for item in INDICATORS if item.topic in topics]


def lookup_statement(spans: Sequence[Period], by: str, community: str | None, groups: Sequence[str],
                     wanted: Sequence[str]) -> tuple[str, dict]:
    """The one statement that reads the asked cells (what ``lookup`` runs once they are fresh)."""
    keys = _asked(spans, by, community, groups)
    columns = ", ".join(f'stored."{key}"' for key in wanted)
    sql = f"""select asked.period_no, asked.community, {columns}
from (
    select
        unnest($period_nos::integer[]) as period_no,
        unnest($starts::date[]) as period_start,
        unnest($ends::date[]) as period_end,
        unnest($communities::varchar[]) as community
) as asked
join {CELLS_TABLE} as stored
    on stored.period_start = asked.period_start
    and stored.period_end = asked.period_end
    and stored.community is not distinct from asked.community"""
    return sql, {"period_nos": [index for index, _ in keys], "starts": [spans[index][0] for index, _ in keys],
                 "ends": [spans[index][1] for index, _ in keys], "communities": [group for _, group in keys]}


def lookup(cursor, spans: Sequence[Period], by: str, community: str | None, township: str | None,
           groups: Sequence[str], wanted: Sequence[str] | None = None) -> dict[tuple[int, str | None], dict] | None:
    """The stored values of the ``wanted`` indicators (default: all) of the cells (period index,
    group or None) an evaluation asks for, or None when any is not stored or the store changed
    since they were computed.

    ``by`` is ``none`` (then ``community`` filters) or ``community`` (then ``groups``)."""
    if township is not None or by not in ("none", "community") or not _asked(spans, by, community, groups):
        return None
    if not is_fresh(cursor):
        return None
    sql, params = lookup_statement(spans, by, community, groups, indicator_ids() if wanted is None else wanted)
    result = cursor.execute(sql, params)
    wanted = [column[0] for column in result.description][2:]
    rows = result.fetchall()
    if len(rows) != len(params["period_nos"]):
        return None
    return {(row[0], None if by == "none" else row[1]): dict(zip(wanted, row[2:])) for row in rows}


def refresh_store(store, starting=None) -> int | None:
    """``refresh`` in a write unit of its own, after a write that may have changed the ledgers;
    None when the stored cells are still those of what the store holds (nothing to do).
    ``starting()`` is called once the work is known to be needed (a progress line)."""
    with store.read() as con:
        if is_fresh(con):
            return None
    if starting is not None:
        starting()
    with store.write("refresh the stored indicator cells") as con:
        return refresh(con)
