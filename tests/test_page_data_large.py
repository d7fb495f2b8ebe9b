"""The data page with large files (issue 16), in AppTest: a file over the size threshold is
checked from a scratch file in bounded memory (here DuckDB's parallel reader, in small buffers),
and the user sees what a small file shows — rows as numbered in the file, title and total rows,
the errors — then imports it. The threshold is lowered so small files take that path."""

from __future__ import annotations

import pytest

from sinkview.app import data_page
from sinkview.ingest import fast_csv, importer, reader
from tests.builders import csv_bytes
from tests.test_page_data import (INSTITUTIONS, app, click, count, db_path, digest_key, on_store, table_with,  # noqa: F401
                                  texts, upload)

HEADER = ["转诊单号", "患者标识", "转诊日期", "转出机构编码", "转入机构编码", "转诊状态", "接收日期"]


@pytest.fixture
def large_files(monkeypatch):
    for module in (data_page, importer, reader):
        monkeypatch.setattr(module, "STREAM_BYTES", 0)
    monkeypatch.setattr(fast_csv, "BUFFER_BYTES", 1024)
    parsed = []
    for name in ("_parse_file_fast", "_parse_file_exact"):
        monkeypatch.setattr(reader, name, lambda *args, _name=name: parsed.append(_name))
    return parsed


def test_a_large_upload_is_checked_in_bounded_memory_and_imported(app, db_path, large_files):
    upload(app, ("机构.csv", INSTITUTIONS))          # GBK, a title row and a 合计 row
    assert "表头位于第 2 行" in texts(app.warning) and "合计行：第 6 行" in texts(app.warning)
    assert table_with(app, "机构层级")["行号"].tolist() == [3, 4, 5]
    click(app, f"sv_import_{digest_key(INSTITUTIONS)}")
    assert count(db_path, "institutions") == 4

    rows = [[f"RF{i}", f"P{i}", "2025-07-03", "T002", "T001", "已完成", "2025-07-04"] for i in range(2000)]
    rows[1234][2] = "2025-02-30"                      # the header is row 1: this is row 1236
    raw = csv_bytes(HEADER, rows)
    upload(app, ("转诊.csv", raw))
    errors = table_with(app, "原因")
    assert errors[["行号", "列", "值"]].values.tolist() == [[1236, "转诊日期", "2025-02-30"]]
    click(app, f"sv_import_valid_{digest_key(raw)}")
    assert "拒绝 1 行" in texts(app.success)
    assert count(db_path, "referrals") == 1999
    assert on_store(db_path, lambda con: con.execute(
        "select count(*) from referrals where referral_id = 'RF1234'").fetchall()) == [(0,)]
    assert large_files == []                         # DuckDB read both files; the exact parsers were not needed


def test_a_large_upload_with_many_errors_shows_the_first_and_says_how_to_list_all(app, db_path, large_files, monkeypatch):
    monkeypatch.setattr(importer, "ERRORS_KEPT", 10)
    upload(app, ("机构.csv", INSTITUTIONS))
    click(app, f"sv_import_{digest_key(INSTITUTIONS)}")
    rows = [[f"RF{i}", f"P{i}", "2025-07-03", "T999", "T001", "已完成", ""] for i in range(300)]
    raw = csv_bytes(HEADER, rows)
    upload(app, ("转诊.csv", raw))
    assert "错误（300 处）" in texts(app.error)                 # every error counted
    assert table_with(app, "原因")["行号"].tolist() == list(range(2, 12))   # the first ten listed
    assert "下表按行号列出前 10 处" in texts(app.caption) and "python -m sinkview load" in texts(app.caption)
