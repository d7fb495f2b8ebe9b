"""DuckDB's parallel CSV reader for large UTF-8 files (issue 16): used only when provably exact.

A file DuckDB reads as the exact parsers do (every body line one row) must give exactly the
in-memory outcome, with the user's row numbers, across many of DuckDB's read buffers; a file it
would read differently (blank lines, quoted line breaks, ragged rows, another encoding) must
fall back to the exact parsers, with the same outcome."""

from __future__ import annotations

import pyarrow as pa
import pytest

from sinkview.ingest import fast_csv, importer, reader
from sinkview.ingest.importer import import_file, validate_upload
from tests.builders import csv_bytes
from tests.test_large_files import REFERRAL_HEADER, cursor, outcome  # noqa: F401 (the store fixture)

TITLE = ["2025年第三季度双向转诊台账（导出）"]   # row 1; the header is row 2, data from row 3


def referral_rows(count: int) -> list[list[str]]:
    """``count`` valid referrals, then planted problems whose row numbers are worked out below."""
    rows = [[f"Z{i}", f"P{i}", "2025-07-01", "T1", "C1", "已完成", "2025-07-02"] for i in range(count)]
    rows[1500][2] = "2025-13-40"                       # a bad date: file row 1500 + 3 = 1503
    rows[2999][3] = "T9"                               # an unknown institution: file row 3002
    rows[10][5] = "\u3000已完成 "                      # spaces around: trimmed, no error
    rows[11][0] = " Z11\t"
    rows[12][3] = "\xa0T1"                             # a non-breaking space before: trimmed
    rows[13][1] = "\x01P13"                            # a control character is kept, as in memory
    rows[2000][0] = "Z5"                               # a repeated key: file row 2003, first at 8
    return rows


@pytest.fixture
def large_path(monkeypatch):
    """Every file takes the large-file path; DuckDB reads in 1 KB buffers (many, in parallel)."""
    monkeypatch.setattr(reader, "STREAM_BYTES", 0)
    monkeypatch.setattr(importer, "STREAM_BYTES", 0)
    monkeypatch.setattr(fast_csv, "BUFFER_BYTES", 1024)


@pytest.fixture
def parsers_used(monkeypatch):
    """The exact parsers called (the fallback), by name."""
    used = []
    for name in ("_parse_file_fast", "_parse_file_exact"):
        original = getattr(reader, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            used.append(_name)
            return _original(*args, **kwargs)
        monkeypatch.setattr(reader, name, spy)
    return used


def test_a_clean_utf8_export_is_read_by_duckdb_with_the_users_row_numbers(cursor, tmp_path, large_path,
                                                                          parsers_used):
    raw = csv_bytes(REFERRAL_HEADER, referral_rows(3000), title=TITLE)
    in_memory = outcome(validate_upload(cursor, raw, "转诊.csv"))
    path = tmp_path / "转诊.csv"
    path.write_bytes(raw)
    streamed = validate_upload(cursor, path, path.name)
    assert parsers_used == []                         # DuckDB read it
    assert outcome(streamed) == in_memory
    errors = streamed.errors[["row", "column", "reason"]].values.tolist()
    assert errors == [[1503, "转诊日期", "date_impossible"], [2003, "转诊单号", "duplicate_key"],
                      [3002, "转出机构编码", "unknown_inst"]]
    staged = {row["referral_id"]: row for row in streamed.staged.to_pylist()}
    assert staged["Z10"]["status"] == "completed" and "Z11" in staged and staged["Z12"]["from_inst_id"] == "T1"
    assert staged["Z13"]["patient_key"] == "\x01P13"
    assert streamed.staged.column("_row").to_pylist() == list(range(3, 3003))
    tables = {name for (name,) in cursor.execute("select table_name from duckdb_tables() where temporary").fetchall()}
    assert fast_csv.CELLS_TABLE not in tables          # the cells do not outlive the check


EDGE_CELLS = ["", " a", "a ", "\t\tb\t", "\r\nc", "\u3000a", "a\u3000", "\xa0a", "a\xa0", "\u3000",
              "\xa1a", "a\xa1", "\u3001a", "a\u3001", "!a", "a!", " ", "\x01a", "a\x1f", "é", "中文 ", " 中文", "x"]


def test_duckdb_trims_exactly_the_cells_the_in_memory_reader_trims(cursor):
    """The edge test compares bytes: the neighbours of the wide spaces (U+00A1, U+3001) and '!'
    are not trimmed, a control character stays, every TRIM_CHARACTERS at an end goes."""
    cursor.execute(f"create or replace temp table {fast_csv.CELLS_TABLE} as "
                   "select unnest($cells) as c0, unnest($cells) as c1", {"cells": EDGE_CELLS})
    try:
        trimmed = cursor.execute(f"select c0, r0 from ({fast_csv._numbered(['c0', 'c1'], 3)}) order by _row").fetchall()
    finally:
        fast_csv.discard(cursor)
    expected = reader.trim_cells(pa.array(EDGE_CELLS)).to_pylist()
    assert [c for c, _ in trimmed] == expected
    assert [r for _, r in trimmed] == EDGE_CELLS
    assert expected[10:15] == ["\xa1a", "a\xa1", "\u3001a", "a\u3001", "!a"]   # what the byte ranges must leave


def test_total_rows_at_the_end_are_dropped_on_the_duckdb_path(cursor, tmp_path, large_path, parsers_used):
    rows = [*referral_rows(3000), ["合计", "3000", "", "", "", "", ""], ["", "", "", "", "", "", ""]]
    raw = csv_bytes(REFERRAL_HEADER, rows, title=TITLE)
    path = tmp_path / "合计.csv"
    path.write_bytes(raw)
    streamed = validate_upload(cursor, path, path.name)
    assert parsers_used == []
    assert outcome(streamed) == outcome(validate_upload(cursor, raw, path.name))
    assert ("warn_total_rows", {"rows": [3003]}) in [(n.code, n.params) for n in streamed.warnings]


def _clean() -> bytes:
    return csv_bytes(REFERRAL_HEADER, referral_rows(3000))


NINTH = "Z9,P9,2025-07-01,T1,C1,已完成,2025-07-02".encode()
CANONICAL = ["referral_id", "patient_key", "referral_date", "from_inst_id", "to_inst_id", "status", "accepted_date"]
FALLBACKS = {
    "blank_line_in_the_body": lambda: _clean().replace(b"\nZ7,", b"\n\nZ7,", 1),
    "quoted_line_break": lambda: _clean().replace(b"Z8,P8,", b'"Z\n8",P8,', 1),
    "short_row": lambda: _clean().replace(NINTH, b"Z9,P9,2025-07-01,T1,C1", 1),
    "long_row": lambda: _clean().replace(NINTH, NINTH + b",x", 1),
    "cr_only_line_ends": lambda: _clean().replace(b"\r\n", b"\r"),
    # A line break DuckDB would see that the line count does not, and a blank line it skips:
    # the counts agree, so its strict parser refusing the lone CR is what keeps row numbers right.
    "lone_cr_and_blank_line": lambda: _clean().replace(b"\r\nZ7,", b"\r\n\r\nZ7,", 1).replace(
        b"\r\nZ20,", b"\rZ20,", 1),
}


@pytest.mark.parametrize("name", list(FALLBACKS))
def test_a_file_duckdb_would_read_differently_falls_back_with_the_same_outcome(cursor, tmp_path, large_path,
                                                                               parsers_used, name):
    raw = FALLBACKS[name]()
    path = tmp_path / f"{name}.csv"
    path.write_bytes(raw)
    streamed = validate_upload(cursor, path, path.name)
    assert parsers_used, "the exact parsers were not used"
    assert outcome(streamed) == outcome(validate_upload(cursor, raw, path.name))


@pytest.mark.parametrize(("body", "lines"), [
    (b"a\nb\n", 2), (b"a\nb", 2), (b"a\r\nb\r\n\r\n\r\n", 2), (b"", 0), (b"\n\n", 0), (b"a\n\nb\n", 3),
])
def test_body_lines_counts_what_duckdb_would_read(tmp_path, body, lines):
    path = tmp_path / "b.csv"
    path.write_bytes(b"header\n" + body)
    assert fast_csv.body_lines(path, len(b"header\n")) == lines


def test_ledgers_keep_no_index_and_an_import_keeps_keys_unique(cursor, tmp_path, large_path):
    keyed = {table for (table,) in cursor.execute("""select table_name from duckdb_constraints()
        where constraint_type = 'PRIMARY KEY'""").fetchall()}
    assert keyed.isdisjoint({"referrals", "expert_rotations", "village_coverage", "staff_movements", "service_volume"})
    path = tmp_path / "r.csv"
    rows = referral_rows(3000)
    rows[1500][2], rows[2999][3], rows[2000][0] = "2025-07-01", "T1", "Z2000"
    path.write_bytes(csv_bytes(REFERRAL_HEADER, rows))
    first = import_file(cursor, path, path.name)[1]
    rows[5][5] = "待接诊"
    path.write_bytes(csv_bytes(REFERRAL_HEADER, rows))
    again = import_file(cursor, path, path.name)[1]
    assert (first.rows_new, again.rows_new, again.rows_replaced, again.rows_unchanged) == (3000, 0, 1, 2999)
    assert cursor.execute("select count(*), count(distinct referral_id) from referrals").fetchall() == [(3000, 3000)]


def test_a_gbk_export_is_decoded_then_read_by_duckdb(cursor, tmp_path, large_path, parsers_used):
    raw = csv_bytes(REFERRAL_HEADER, referral_rows(3000), "gb18030", title=TITLE)
    path = tmp_path / "转诊_gbk.csv"
    path.write_bytes(raw)
    streamed = validate_upload(cursor, path, path.name)
    assert parsers_used == [] and streamed.encoding == "gb18030"
    assert outcome(streamed) == outcome(validate_upload(cursor, raw, path.name))
    assert streamed.errors["row"].tolist() == [1503, 2003, 3002]


def test_a_file_that_is_not_utf8_after_its_start_is_decoded_and_read_again(cursor, tmp_path, large_path):
    """Plain ASCII, then one line in GB18030: DuckDB refuses the bytes, the encoding is detected
    on the whole file, and the decoded copy is read."""
    raw = (csv_bytes(CANONICAL, [[f"Z{i}", f"P{i}", "2025-07-01", "T1", "C1", "completed", ""] for i in range(3000)])
           + "Z99999,P1,2025-07-01,东乡卫生院,C1,已完成,\r\n".encode("gb18030"))
    path = tmp_path / "late_gbk.csv"
    path.write_bytes(raw)
    streamed = validate_upload(cursor, path, path.name)
    assert streamed.encoding == "gb18030" and streamed.rows_valid == 3001
    assert outcome(streamed) == outcome(validate_upload(cursor, raw, path.name))


def test_a_platform_export_read_by_duckdb_stores_no_identity(cursor, tmp_path, large_path, parsers_used):
    """Names, phones and outpatient numbers pass through DuckDB's cells table; none reaches the store."""
    header = ["转诊状态", "门诊/住院号", "姓名", "联系电话", "转出机构", "申请转诊日期", "转入机构"]
    rows = [["转诊完成", f"MZ{i:05d}", f"患者{i}", f"139{i:08d}", "石桥镇中心卫生院", "2025-07-01 14:23:11",
             "清河县人民医院"] for i in range(3000)]
    path = tmp_path / "平台导出.csv"
    path.write_bytes(csv_bytes(header, rows, "gb18030", title=["转诊平台导出"]))
    validation, result = import_file(cursor, path, path.name)
    assert parsers_used == [] and result is not None and result.rows_new == 3000
    stored = "\n".join(str(row) for row in cursor.execute("select * from referrals").fetchall())
    assert all(f"139{i:08d}" not in stored and f"MZ{i:05d}" not in stored for i in (0, 1234, 2999))
    assert "患者" not in stored


def test_a_file_neither_utf8_nor_gb18030_is_still_detected_as_before(cursor, tmp_path, large_path):
    """GB18030 is tried first, while the UTF-8 copy is written; bytes it cannot decode ("é" before
    a comma, in Latin-1) send the file to the full detection, with the in-memory outcome."""
    header = [*CANONICAL, "diagnosis"]
    rows = [[f"Z{i}", f"P{i}", "2025-07-01", "T1", "C1", "completed", "", "café"] for i in range(3000)]
    raw = csv_bytes(header, rows, "latin-1")
    path = tmp_path / "latin1.csv"
    path.write_bytes(raw)
    streamed = validate_upload(cursor, path, path.name)
    assert streamed.encoding not in ("gb18030", "utf-8") and streamed.rows_valid == 3000
    assert outcome(streamed) == outcome(validate_upload(cursor, raw, path.name))
