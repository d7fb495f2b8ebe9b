"""What the faster import (issue 16) must not change: cells trimmed in pyarrow read as the SQL
used to trim them, an error still shows the cell as typed, rows sharing a key are still found
when the first pass leaves the count out (also when two keys share a hash), and a re-import
compares the rows' values."""

from __future__ import annotations

import duckdb
import pytest

from sinkview.ingest.contract import DATASETS
from sinkview.ingest import importer, reader
from sinkview.ingest.importer import import_file, validate_upload
from tests.builders import csv_bytes, store_with

INSTITUTIONS = ("机构编码,机构名称,机构层级,上级机构编码,医共体\n"
                "C1,清河县人民医院,县级医院,,甲\nT1,石桥镇中心卫生院,中心卫生院,C1,甲\n").encode()
HEADER = ["转诊单号", "患者标识", "转诊日期", "转出机构编码", "转入机构编码", "转诊状态", "诊断", "接收日期"]
ROWS = [["Z1", "P1", "2025-07-01", "T1", "C1", "已完成", "高血压", "2025-07-02"],
        ["Z2", "P2", "2025-07-03", "T1", "C1", "待接诊", "糖尿病", ""],
        ["Z3", "P3", "2025-07-04", "T1", "C1", "已完成", "", ""]]


@pytest.fixture
def cursor(tmp_path):
    store, cur = store_with(tmp_path / "s.duckdb", (INSTITUTIONS, "机构.csv"))
    yield cur
    store.close()


def both_ways(cursor, tmp_path, monkeypatch, raw: bytes):
    """The validation of ``raw`` in memory, then through the large-file path."""
    in_memory = validate_upload(cursor, raw, "r.csv")
    path = tmp_path / "r.csv"
    path.write_bytes(raw)
    monkeypatch.setattr(reader, "STREAM_BYTES", 0)
    monkeypatch.setattr(importer, "STREAM_BYTES", 0)
    streamed = validate_upload(cursor, path, path.name)
    assert streamed.staged_path is not None
    return in_memory, streamed


def test_cells_are_trimmed_of_every_space_kind_and_errors_show_them_as_typed(cursor, tmp_path, monkeypatch):
    rows = [["\tZ1 ", "\u3000P1\u00a0", " 2025-07-01\r", "Ｔ１", " C1\u3000", "\u00a0已完成", "\u3000高血压 ", ""],
            ["Z2", "P2", "\t2025-13-01 ", "T1", "C1", "已完成", "", ""]]
    for validation in both_ways(cursor, tmp_path, monkeypatch, csv_bytes(HEADER, rows)):
        staged = validation.staged.to_pylist()
        first = {k: staged[0][k] for k in ("referral_id", "patient_key", "from_inst_id", "to_inst_id", "status",
                                            "diagnosis")}
        assert first == {"referral_id": "Z1", "patient_key": "P1", "from_inst_id": "T1", "to_inst_id": "C1",
                         "status": "completed", "diagnosis": "高血压"}
        assert staged[0]["_valid"] and not staged[1]["_valid"]
        errors = validation.errors[["row", "reason", "value"]].values.tolist()
        assert errors == [[3, "date_impossible", "\t2025-13-01"]]   # as typed (spaces trimmed for display only)


def test_rows_sharing_a_key_are_errors_in_both_paths(cursor, tmp_path, monkeypatch):
    rows = [*ROWS, [" Z2", "P9", "2025-07-05", "T1", "C1", "已完成", "", ""]]
    for validation in both_ways(cursor, tmp_path, monkeypatch, csv_bytes(HEADER, rows)):
        assert validation.errors[["row", "reason", "detail"]].values.tolist() == [[5, "duplicate_key", "3"]]
        assert (validation.rows_total, validation.rows_valid) == (4, 3)


def test_a_reimport_compares_the_values(cursor):
    first = import_file(cursor, csv_bytes(HEADER, ROWS), "r.csv")[1]
    assert (first.rows_new, first.rows_replaced, first.rows_unchanged) == (3, 0, 0)
    again = import_file(cursor, csv_bytes(HEADER, ROWS), "r.csv")[1]
    assert (again.rows_new, again.rows_replaced, again.rows_unchanged) == (0, 0, 3)
    changed = [row[:] for row in ROWS]
    changed[1][5] = "已完成"
    changed[2][6] = "肺炎"   # an empty cell filled
    third = import_file(cursor, csv_bytes(HEADER, changed), "r.csv")[1]
    assert (third.rows_new, third.rows_replaced, third.rows_unchanged) == (0, 2, 1)
    assert cursor.execute("select count(*) from referrals_replaced").fetchall()[0][0] == 2
    stored = cursor.execute("select referral_id, status, diagnosis from referrals order by 1").fetchall()
    assert stored == [("Z1", "completed", "高血压"), ("Z2", "completed", "糖尿病"), ("Z3", "completed", "肺炎")]


@pytest.mark.parametrize("rows, repeated", [
    ([("Z1", 7), ("Z2", 8)], False),
    ([("Z1", 7), ("Z2", 7)], False),              # one hash, two keys: looked at again, no repeat
    ([("Z1", 7), ("Z1", 7), ("Z2", 8)], True),
    ([(None, None), (None, None)], False),        # an empty key never matches (and has no hash)
])
def test_repeated_keys_are_found_by_hash_then_by_key(rows, repeated):
    con = duckdb.connect()
    con.execute("create table staged (referral_id varchar, _key_hash ubigint)")
    con.executemany("insert into staged values (?, ?)", rows)
    assert importer._has_repeated_keys(con, DATASETS["referrals"], "staged") is repeated
