"""Stored indicator cells (issue 12): the quarters and years kept after an import are exactly
what the evaluator computes, are read only while the store still holds what they were computed
from, and are refreshed by every path that changes the ledgers."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from hypothesis import given

from sinkview import PROJECT_ROOT
from sinkview.metrics import cells
from sinkview.metrics.evaluator import evaluate
from sinkview.tools.sample_loader import load_sample
from sinkview.store.database import Store
from tests.test_metric_layer import PROPERTY, fill, small_store

Q = dt.date


def test_stored_periods_are_the_calendar_quarters_then_years_the_data_touch():
    assert cells.stored_periods(Q(2024, 2, 10), Q(2024, 11, 30)) == [
        (Q(2024, 1, 1), Q(2024, 3, 31)), (Q(2024, 4, 1), Q(2024, 6, 30)), (Q(2024, 7, 1), Q(2024, 9, 30)),
        (Q(2024, 10, 1), Q(2024, 12, 31)), (Q(2024, 1, 1), Q(2024, 12, 31))]
    assert cells.stored_periods(Q(2023, 12, 31), Q(2024, 1, 1)) == [
        (Q(2023, 10, 1), Q(2023, 12, 31)), (Q(2024, 1, 1), Q(2024, 3, 31)),
        (Q(2023, 1, 1), Q(2023, 12, 31)), (Q(2024, 1, 1), Q(2024, 12, 31))]
    assert cells.stored_periods(None, None) == []


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample county loaded the way the app loads it (which stores its cells)."""
    store = Store(tmp_path_factory.mktemp("cells") / "sample.duckdb", shared=True)
    load_sample(store)
    return store


def same_values_and_types(stored: dict, live: dict) -> bool:
    return stored == live and all(type(stored[cell][key]) is type(live[cell][key]) for cell in live for key in live[cell])


def test_the_sample_load_stores_every_quarter_and_year_for_all_and_each_community(sample):
    with sample.read() as con:
        assert cells.is_fresh(con)
        first, last = con.execute("select min(period_start), max(period_end) from indicator_cells").fetchall()[0]
        communities = con.execute("select count(distinct community) from indicator_cells").fetchall()[0][0]
        stored = con.execute("select count(*) from indicator_cells").fetchall()[0][0]
    spans = cells.stored_periods(first, last)
    assert stored == len(spans) * (1 + communities) and communities >= 2


@pytest.mark.parametrize("by, community", [("none", None), ("community", None), ("none", "清河县中医医共体")])
def test_stored_cells_equal_the_live_evaluation_value_for_value(sample, by, community):
    with sample.read() as con:
        first, last = con.execute("select min(period_start), max(period_end) from indicator_cells").fetchall()[0]
        spans = cells.stored_periods(first, last)
        groups = [row[0] for row in con.execute("select distinct community from indicator_cells "
                                                "where community is not null order by 1").fetchall()]
        assert cells.lookup(con, spans, by, community, None, groups if by == "community" else []) is not None
        stored = evaluate(con, spans, by=by, community=community)
        live = evaluate(con, spans, by=by, community=community, stored=False)
    assert same_values_and_types(stored, live)


def test_a_custom_period_or_a_township_is_computed_live(sample):
    with sample.read() as con:
        quarter = (Q(2025, 7, 1), Q(2025, 9, 30))
        assert cells.lookup(con, [quarter], "none", None, None, []) is not None
        assert cells.lookup(con, [(Q(2025, 7, 1), Q(2025, 8, 31))], "none", None, None, []) is None
        assert cells.lookup(con, [quarter], "none", None, "石桥镇", []) is None
        assert cells.lookup(con, [quarter], "community", None, None, ["no such community"]) is None
        assert cells.lookup(con, [quarter], "township", None, None, ["石桥镇"]) is None


def test_rows_written_outside_an_import_make_the_cells_stale_until_refreshed(tmp_path):
    store = Store(tmp_path / "s.duckdb", shared=True)
    load_sample(store)
    quarter = (Q(2025, 7, 1), Q(2025, 9, 30))
    with store.read() as con:
        before = evaluate(con, [quarter])[0, None]["referral.up"]
    with store.write("test") as con:  # one more effective upward referral in the quarter
        con.execute("""insert into referrals (referral_id, patient_key, referral_date, from_inst_id, to_inst_id, status)
            select 'EXTRA', 'p', date '2025-08-01', low.inst_id, high.inst_id, 'completed'
            from institutions as low, institutions as high
            where low.tier = 'village_clinic' and high.tier = 'county_hospital' limit 1""")
    with store.read() as con:
        assert not cells.is_fresh(con)
        assert cells.lookup(con, [quarter], "none", None, None, []) is None
        assert evaluate(con, [quarter])[0, None]["referral.up"] == before + 1
    assert cells.refresh_store(store) > 0
    with store.read() as con:
        assert cells.is_fresh(con)
        assert cells.lookup(con, [quarter], "none", None, None, [])[0, None]["referral.up"] == before + 1


def test_an_empty_store_stores_no_cells_and_computes_live(tmp_path):
    store = Store(tmp_path / "empty.duckdb", shared=True)
    assert cells.refresh_store(store) == 0
    with store.read() as con:
        assert cells.is_fresh(con)
        assert cells.lookup(con, [(Q(2025, 1, 1), Q(2025, 3, 31))], "none", None, None, []) is None
        assert evaluate(con, [(Q(2025, 1, 1), Q(2025, 3, 31))])[0, None]["referral.up"] == 0


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sinkview", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=300)


def test_the_load_and_refresh_commands_store_fresh_cells(tmp_path):
    db = tmp_path / "cli.duckdb"
    sample = sorted((PROJECT_ROOT / "data" / "sample").glob("0[12]_*"))
    loaded = run_cli("load", "--db", str(db), *map(str, sample))
    assert loaded.returncode == 0, loaded.stderr
    assert "指标汇总已更新" in loaded.stderr
    store = Store(db, shared=True)
    with store.read() as con:
        assert cells.is_fresh(con)
        assert con.execute("select cells from indicator_cells_state").fetchall()[0][0] > 0
    with store.write("test") as con:
        con.execute("delete from indicator_cells")
        con.execute("update indicator_cells_state set fingerprint = 'old'")
    refreshed = run_cli("--lang", "en", "refresh", "--db", str(db))
    assert refreshed.returncode == 0 and "stored indicators updated" in refreshed.stderr
    again = run_cli("--lang", "en", "refresh", "--db", str(db))
    assert again.returncode == 0 and "up to date" in again.stderr
    with store.read() as con:
        assert cells.is_fresh(con) and con.execute("select count(*) from indicator_cells").fetchall()[0][0] > 0


@PROPERTY
@given(rows=small_store())
def test_on_random_stores_stored_cells_equal_the_live_evaluation(rows):
    store = Store(":memory:")
    con = store.cursor()
    fill(con, rows)
    cells.refresh(con)
    stored_spans = con.execute("select distinct period_start, period_end from indicator_cells "
                               "order by 1, 2").fetchall()
    groups = [row[0] for row in con.execute("select distinct community from indicator_cells "
                                            "where community is not null order by 1").fetchall()]
    if not stored_spans:  # nothing dated: nothing stored, and the evaluation is computed
        assert cells.lookup(con, [(Q(2025, 1, 1), Q(2025, 3, 31))], "none", None, None, []) is None
    for by, asked in (("none", []), ("community", groups)):
        if not stored_spans or (by == "community" and not groups):
            continue
        assert cells.lookup(con, stored_spans, by, None, None, asked) is not None
        stored = evaluate(con, stored_spans, by=by, groups=asked or None)
        live = evaluate(con, stored_spans, by=by, groups=asked or None, stored=False)
        assert same_values_and_types(stored, live), by
    store.close()
