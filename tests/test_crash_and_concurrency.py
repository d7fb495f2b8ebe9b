"""No fault may lose data: a ``kill -9`` during an import leaves the store as it was before
the import, and readers running while an import commits see the old data or the new data,
never a mixture, and never an error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sinkview.ingest.importer import import_file
from sinkview.store.database import Store

ROOT = Path(__file__).resolve().parents[1]
INSTITUTIONS = "机构编码,机构名称,机构层级,医共体\nC1,县人民医院,县级医院,一医共体\nT1,甲镇卫生院,乡镇卫生院,一医共体\n"


def _referrals_csv(rows: int, prefix: str = "R") -> bytes:
    lines = ["转诊单号,患者标识,转诊日期,转出机构编码,转入机构编码,转诊状态"]
    lines += [f"{prefix}{i},P{i % 5000},2025-0{1 + i % 9}-1{i % 9},T1,C1,已完成" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _prepared_store(path: Path) -> None:
    store = Store(path)
    import_file(store.cursor(), INSTITUTIONS.encode(), "inst.csv")
    store.close()


def _state(path: Path) -> tuple[int, int]:
    store = Store(path)
    try:
        cursor = store.cursor()
        return cursor.execute("select (select count(*) from referrals), (select count(*) from imports)").fetchall()[0]
    finally:
        store.close()


@pytest.mark.parametrize("delay", [0.8, 1.6, 2.4])
def test_kill_9_during_an_import_leaves_the_store_as_it_was_or_fully_imported(tmp_path, delay):
    db = tmp_path / "crash.duckdb"
    _prepared_store(db)
    before = _state(db)
    ledger = tmp_path / "referrals.csv"
    ledger.write_bytes(_referrals_csv(400_000))
    child = subprocess.Popen(
        [sys.executable, "-m", "sinkview", "load", "--db", str(db), str(ledger)], cwd=ROOT,
        env={**os.environ}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    finished = child.poll() is not None
    if not finished:  # a child that already ended (done, or killed by a loaded machine) is reaped: nothing to kill
        os.kill(child.pid, signal.SIGKILL)
    child.wait()
    after = _state(db)  # the store opens (WAL replay) and holds all or nothing
    assert after in (before, (before[0] + 400_000, before[1] + 1)), (after, before, finished)


def test_readers_see_old_or_new_data_never_a_mixture_while_an_import_commits(tmp_path):
    store = Store(tmp_path / "concurrent.duckdb")
    writer = store.cursor()
    import_file(writer, INSTITUTIONS.encode(), "inst.csv")
    import_file(writer, _referrals_csv(50_000, "A"), "a.csv")
    old = writer.execute("select (select count(*) from referrals), (select count(*) from imports)").fetchall()[0]
    seen: set[tuple[int, int]] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def read_until_stopped():
        cursor = store.cursor()  # a cursor per thread, as each Streamlit session gets
        try:
            while not stop.is_set():
                seen.add(cursor.execute(
                    "select (select count(*) from referrals), (select count(*) from imports)").fetchall()[0])
                time.sleep(0.05)  # a person's session rereads on interaction, not in a hot loop
        except BaseException as problem:  # noqa: BLE001 - any failure fails the test
            errors.append(problem)

    readers = [threading.Thread(target=read_until_stopped) for _ in range(20)]
    for reader in readers:
        reader.start()
    validation, result = import_file(writer, _referrals_csv(100_000, "B"), "b.csv")
    time.sleep(0.3)
    stop.set()
    for reader in readers:
        reader.join(timeout=30)
    store.close()
    assert result is not None and validation.ok
    new = (old[0] + 100_000, old[1] + 1)
    assert not errors, errors[:3]
    assert seen <= {old, new}, seen - {old, new}
    assert new in seen
