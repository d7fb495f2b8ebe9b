"""The shared store: units of work of several processes (here threads and a child process) on one file.

Writes take turns and a writer that waits too long names what holds the store; reads wait for
a write in progress instead of failing; a read-only unit never migrates; the schema is brought
up to date once by whoever opens an old store first.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from sinkview.store.database import CONNECTION_CONFIG, SCHEMA_VERSION, Store, StoreBusy

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "shared.duckdb"
    Store(path, shared=True)
    return path


def test_a_shared_store_keeps_nothing_open(db):
    store = Store(db, shared=True)
    with store.read() as con:
        assert con.execute("select max(version) from schema_version").fetchall() == [(SCHEMA_VERSION,)]
    # Nothing is held between units: another process's plain read-write open succeeds.
    other = duckdb.connect(str(db), config=CONNECTION_CONFIG)
    other.close()
    with pytest.raises(RuntimeError, match="store.read"):
        store.cursor()


def test_a_write_waits_for_another_write_and_gives_up_naming_it(db):
    holder, waiter = Store(db, shared=True), Store(db, shared=True, write_wait_s=0.5)
    announced = []
    waiter.on_wait = announced.append
    inside, leave = threading.Event(), threading.Event()

    def hold():
        with holder.write("load 转诊.csv"):
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    inside.wait(10)
    started = time.monotonic()
    with pytest.raises(StoreBusy) as busy:
        with waiter.write("user add 张三"):
            pass
    assert 0.5 <= time.monotonic() - started < 5
    assert "load 转诊.csv" in str(busy.value) and "writing since" in str(busy.value)
    leave.set()
    thread.join()
    with waiter.transaction("user add 张三") as con:  # the holder is gone: the write goes through
        con.execute("insert into store_meta values ('probe', 'x')")
    with waiter.read() as con:
        assert con.execute("select value from store_meta where key = 'probe'").fetchall() == [("x",)]


def test_a_read_waits_for_a_write_in_progress_and_sees_it(db):
    writer, reader = Store(db, shared=True), Store(db, shared=True)
    inside, leave = threading.Event(), threading.Event()

    def write():
        with writer.transaction("probe") as con:
            con.execute("insert into store_meta values ('probe', 'written')")
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=write)
    thread.start()
    inside.wait(10)
    seen = []
    reading = threading.Thread(target=lambda: seen.append(_probe(reader)))
    reading.start()
    time.sleep(0.3)
    assert seen == []          # waiting, not failed
    leave.set()
    thread.join()
    reading.join(10)
    assert seen == ["written"]


def _probe(store: Store) -> str:
    with store.read() as con:
        return con.execute("select value from store_meta where key = 'probe'").fetchall()[0][0]


def test_a_failed_transaction_leaves_nothing(db):
    store = Store(db, shared=True)
    with pytest.raises(ValueError):
        with store.transaction("probe") as con:
            con.execute("insert into store_meta values ('probe', 'half')")
            raise ValueError("the second half failed")
    with store.read() as con:
        assert con.execute("select count(*) from store_meta where key = 'probe'").fetchall() == [(0,)]


def test_a_write_inside_a_read_is_refused_and_a_read_inside_a_write_sees_it(db):
    store = Store(db, shared=True)
    with store.read():
        with pytest.raises(RuntimeError, match="wait for itself"):
            with store.write("oops"):
                pass
    with store.write("probe") as con:
        con.execute("insert into store_meta values ('probe', 'mine')")
        assert _probe(store) == "mine"


def test_another_process_writing_is_named_with_its_purpose(db):
    waiter = Store(db, shared=True, write_wait_s=0.3)
    child = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from sinkview.store.database import Store\n"
        "with Store(sys.argv[1], shared=True).write('nightly load of 转诊.csv'):\n"
        "    print('in', flush=True); time.sleep(30)\n"), str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "in"
        with pytest.raises(StoreBusy) as busy:
            with waiter.write("briefing"):
                pass
        assert f"process {child.pid}" in str(busy.value) and "nightly load of 转诊.csv" in str(busy.value)
    finally:
        child.kill()
        child.wait()
    with Store(db, shared=True, write_wait_s=5).write("after"):  # a killed writer leaves no lock behind
        pass


def test_an_old_store_is_brought_up_to_date_once(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path), config=CONNECTION_CONFIG)
    con.execute("create table schema_version (version integer not null)")
    con.close()
    with pytest.raises(duckdb.Error):  # not yet migrated: the tables are missing
        with duckdb.connect(str(path), read_only=True) as probe:
            probe.execute("select * from institutions")
    Store(path, shared=True)
    with Store(path, shared=True).read() as con:
        assert con.execute("select count(*) from institutions").fetchall() == [(0,)]
        assert con.execute("select count(*) from schema_version").fetchall()[0][0] >= 3


def test_migration_007_rebuilds_the_ledgers_without_keys_in_date_order(tmp_path):
    """A store of schema 6 (primary keys, rows in any order) keeps every row and column rule."""
    from sinkview.store.database import _migrations, migrate

    con = duckdb.connect(str(tmp_path / "v6.duckdb"), config=CONNECTION_CONFIG)
    con.execute("create table schema_version (version integer not null)")
    for version, sql in _migrations():
        if version <= 6:
            con.execute(sql)
            con.execute("insert into schema_version values ($v)", {"v": version})
    rows = [(f"R{i}", f"P{i}", f"2025-0{m}-01", "C1", "T1", "down", None, None, "completed", None, None, 1, "h")
            for i, m in enumerate((3, 1, 2, 1, 3))]
    con.executemany("insert into referrals values (?, ?, ?::date, ?, ?, ?, ?, ?, ?, ?, ?::date, ?, ?)", rows)
    before = con.execute("select * from referrals order by referral_id").fetchall()
    migrate(con)
    # every row and value kept; the unread row fingerprint (the last column) dropped by 008
    assert con.execute("select * from referrals order by referral_id").fetchall() == [row[:-1] for row in before]
    assert "row_hash" not in [name for (name,) in con.execute("select column_name from duckdb_columns() "
                                                               "where table_name = 'referrals'").fetchall()]
    stored = [month for (month,) in con.execute("select month(referral_date) from referrals").fetchall()]
    assert stored == sorted(stored)   # stored in date order (rowid order)
    assert not con.execute("""select table_name from duckdb_constraints() where constraint_type = 'PRIMARY KEY'
        and table_name in ('referrals', 'expert_rotations', 'village_coverage', 'staff_movements',
                           'service_volume')""").fetchall()
    with pytest.raises(duckdb.ConstraintException):   # NOT NULL rules kept
        con.execute("insert into referrals (referral_id) values ('R9')")
    con.close()


def test_settings_while_restores_what_it_changed_and_leaves_values_in_force():
    from sinkview.store.database import settings_while

    con = duckdb.connect(config=CONNECTION_CONFIG)

    def value(name):
        return con.execute("select value from duckdb_settings() where name = $n", {"n": name}).fetchall()[0][0]

    con.execute("set memory_limit = '2.0 GiB'")
    with settings_while(con, memory_limit="1.0 GiB", preserve_insertion_order=False):
        assert (value("memory_limit"), value("preserve_insertion_order")) == ("1.0 GiB", "false")
        with settings_while(con, memory_limit="1.0 GiB"):   # already in force: not set, so not restored
            con.execute("set memory_limit = '3.0 GiB'")
        assert value("memory_limit") == "3.0 GiB"
    assert (value("memory_limit"), value("preserve_insertion_order")) == ("2.0 GiB", "true")
    with pytest.raises(duckdb.Error), settings_while(con, memory_limit="1.0 GiB"):
        con.execute("select * from no_such_table")
    assert value("memory_limit") == "2.0 GiB"   # restored after an error too
    con.close()
