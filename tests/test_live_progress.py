"""Progress of a large import while it runs (issue 16): DuckDB's own progress of the reading and
of the check, polled from a second thread, reaches the app's bar and the command line's lines
as rows read and rows checked, not only when each step ends."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import duckdb

from sinkview.ingest import importer, live_progress, reader
from sinkview.ingest.importer import validate_upload
from sinkview.tools import cli
from tests.test_large_files import cursor  # noqa: F401 (the store with the institutions)


def test_a_long_statement_reports_growing_shares_from_another_thread():
    con = duckdb.connect()
    shares, threads = [], set()

    def hear(share):
        shares.append(share)
        threads.add(threading.get_ident())

    with live_progress.reported(con, hear, every_s=0.01):
        con.execute("select count(*) from range(400000000) t(i) where hash(i) % 7 = 0").fetchall()
    assert shares, "no progress was reported during a statement of about a second"
    assert shares == sorted(shares) and all(0 < s <= 1 for s in shares)
    assert threading.get_ident() not in threads
    # the connection's own settings come back: the progress bar was on only for the block
    assert con.execute("select current_setting('enable_progress_bar')").fetchall()[0][0] is False


def test_a_display_that_fails_stops_the_polling_not_the_statement():
    con = duckdb.connect()
    calls = []

    def broken(share):
        calls.append(share)
        raise RuntimeError("the page went away")

    with live_progress.reported(con, broken, every_s=0.01):
        total = con.execute("select count(*) from range(200000000) t(i) where hash(i) % 7 = 0").fetchall()[0][0]
    assert total > 0 and len(calls) <= 1


def test_no_callback_means_no_thread_and_no_setting(monkeypatch):
    con = duckdb.connect()
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self))
    with live_progress.reported(con, None):
        con.execute("select 1").fetchall()
    assert started == []


def test_a_large_file_reports_rows_checked_while_the_check_runs(cursor, tmp_path, monkeypatch):
    """The wiring, made deterministic: each long statement's poller reports half-way once."""
    @contextmanager
    def half_way(cur, on_share, every_s=0.5):
        yield
        if on_share is not None:
            on_share(0.5)

    monkeypatch.setattr(live_progress, "reported", half_way)
    monkeypatch.setattr(reader, "STREAM_BYTES", 0)
    monkeypatch.setattr(importer, "STREAM_BYTES", 0)
    rows = "".join(f"Z{i},P{i},2025-07-01,T1,C1,已完成,\n" for i in range(1, 201))
    path = tmp_path / "转诊.csv"
    path.write_text("2025年转诊台账\n转诊单号,患者标识,转诊日期,转出机构编码,转入机构编码,转诊状态,接收日期\n" + rows
                    + "合计,200\n", encoding="utf-8")
    heard = []
    validation = validate_upload(cursor, path, path.name, progress=lambda stage, n: heard.append((stage, n)))
    assert validation.rows_total == 200 and validation.ok
    stages = [stage for stage, _ in heard]
    # read (during and at the end of DuckDB's reading), then checking, then the final count
    assert stages[-1] == "validated" and heard[-1][1] == 200
    assert ("checking", 100) in heard   # half of the 200 data rows (the 合计 row is not one)
    assert stages.index("checking") > max(i for i, s in enumerate(stages) if s == "read")
    assert ("read", 201) in heard       # every body line read, the 合计 row too


def test_the_command_line_prints_progress_at_most_every_two_seconds(monkeypatch, capsys, tmp_path):
    clock = [100.0]
    monkeypatch.setattr("time.monotonic", lambda: clock[0])
    show = cli._progress_printer(tmp_path / "big.csv", "en")
    show("read", 1000)
    clock[0] += 0.5
    show("read", 2000)           # too soon: not printed
    clock[0] += 2.0
    show("checking", 500)
    clock[0] += 0.1
    show("validated", 3000)      # the end is always printed
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"{tmp_path / 'big.csv'}: 1,000 rows read…",
                     f"{tmp_path / 'big.csv'}: about 500 rows checked…",
                     f"{tmp_path / 'big.csv'}: 3,000 rows validated"]
