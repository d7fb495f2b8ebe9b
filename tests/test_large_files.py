"""Large files read in bounded memory (issue 16): a CSV over the size threshold is decoded in
chunks, parsed in batches into a cells file on disk, checked in SQL and written from disk. The
outcome must be exactly that of the in-memory path: the same rows, row numbers as the user sees
them, the same errors, warnings and counts. Here the threshold is lowered so small files take
the large-file path, and each file is checked both ways."""

from __future__ import annotations


import pandas as pd
import pytest

from sinkview.ingest import importer, reader
from sinkview.ingest.importer import commit_validation, import_file, validate_upload
from sinkview.store.database import Store
from tests.builders import csv_bytes

INSTITUTIONS = ("机构编码,机构名称,机构层级,上级机构编码,医共体\n"
                "C1,清河县人民医院,县级医院,,甲\nT1,石桥镇中心卫生院,中心卫生院,C1,甲\n"
                "T2,东乡卫生院,乡镇卫生院,C1,甲\n").encode()
REFERRAL_HEADER = ["转诊单号", "患者标识", "转诊日期", "转出机构编码", "转入机构编码", "转诊状态", "接收日期"]
REFERRALS = [["Z1", "P1", "2025-07-01", "T1", "C1", "已完成", "2025-07-02"],
             ["Z2", "P2", "2025/7/3", "东乡卫生院", "C1", "待接诊", ""],
             ["Z3", "P3", "03/07/2025", "T1", "C1", "已完成", ""],            # a bad date
             ["Z4", "P4", "2025-07-05 08:00:00", "T9", "C1", "已完成", ""],   # unknown institution
             ["Z1", "P5", "2025-07-06", "T2", "C1", "已完成", ""]]            # duplicate key
PLATFORM_HEADER = ["转诊状态", "门诊/住院号", "姓名", "联系电话", "转出机构", "申请转诊日期", "转入机构"]
PLATFORM = [["转诊完成", "MZ1", "王小明", "13912345678", "石桥镇中心卫生院", "2025-07-01 14:23:11", "清河县人民医院"],
            ["已退回", "MZ2", "李四", "", "东乡卫生院", "2025-07-02 09:00:00", "清河县人民医院"]]

FILES = {
    "title_and_total_rows_gbk": csv_bytes(REFERRAL_HEADER, [*REFERRALS, ["合计", "5"], ["", ""]], "gb18030",
                                          title=["2025年第三季度双向转诊台账", ""]),
    "utf8_bom": b"\xef\xbb\xbf" + csv_bytes(REFERRAL_HEADER, REFERRALS),
    "ragged_rows": (",".join(REFERRAL_HEADER) + "\n" + "Z1,P1,2025-07-01,T1,C1\n"
                    + "Z2,P2,2025-07-02,T1,C1,已完成,2025-07-03,extra,cells\n"
                    + "Z3,P3,2025-07-04,T1,C1,已完成,\n").encode(),
    "quoted_newline": (",".join(REFERRAL_HEADER) + '\nZ1,P1,2025-07-01,T1,C1,"已\n完成",\nZ2,P2,2025-07-02,T1,C1,已完成,\n').encode(),
    "platform_export": csv_bytes(PLATFORM_HEADER, PLATFORM, "gb18030"),
    "header_only": (",".join(REFERRAL_HEADER) + "\n").encode(),
}


@pytest.fixture
def cursor(tmp_path):
    store = Store(tmp_path / "l.duckdb")
    cur = store.cursor()
    import_file(cur, INSTITUTIONS, "机构.csv")
    yield cur
    store.close()


def outcome(validation) -> dict:
    staged = validation.staged
    return {
        "dataset": validation.dataset.name if validation.dataset else None,
        "file_error": (validation.file_error.code, validation.file_error.params) if validation.file_error else None,
        "errors": validation.errors.astype(object).where(validation.errors.notna(), None).values.tolist(),
        "warnings": [(n.code, n.params) for n in validation.warnings],
        "counts": (validation.rows_total, validation.rows_valid),
        "rows": staged.to_pylist() if staged is not None else None,
        "preview": validation.preview().astype(object).to_dict("records"),
        "encoding": validation.encoding,
    }


@pytest.mark.parametrize("name", list(FILES))
def test_the_large_file_path_gives_the_same_outcome(cursor, tmp_path, monkeypatch, name):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(FILES[name])
    in_memory = outcome(validate_upload(cursor, FILES[name], path.name))
    monkeypatch.setattr(reader, "STREAM_BYTES", 0)
    monkeypatch.setattr(importer, "STREAM_BYTES", 0)
    monkeypatch.setattr(reader, "CHUNK_BYTES", 64)             # many chunks and batches, even here
    monkeypatch.setattr(reader, "EXACT_BATCH_ROWS", 2)
    streamed_validation = validate_upload(cursor, path, path.name)
    assert streamed_validation.staged_path is not None or streamed_validation.file_error is not None
    assert outcome(streamed_validation) == in_memory


def test_a_large_file_is_written_from_disk_and_its_scratch_files_go(cursor, tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "STREAM_BYTES", 0)
    monkeypatch.setattr(importer, "STREAM_BYTES", 0)
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(REFERRAL_HEADER, REFERRALS[:2]))
    validation = validate_upload(cursor, path, path.name)
    workdir = validation.staged_path.parent
    result = commit_validation(cursor, validation)
    assert (result.rows_new, result.rows_imported) == (2, 2)
    stored = cursor.execute("select referral_id, from_inst_id, status from referrals order by 1").fetchall()
    assert stored == [("Z1", "T1", "completed"), ("Z2", "T2", "pending")]
    assert workdir.exists()
    del validation
    assert not workdir.exists()


def test_utf8_check_reads_to_the_end_of_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "CHUNK_BYTES", 8)
    path = tmp_path / "late_gbk.csv"
    path.write_bytes(("a,b\n" + "x,y\n" * 20).encode() + "中,文\n".encode("gb18030"))
    assert reader.detect_file_encoding(path) == "gb18030"
    path.write_bytes(("a,b\n" + "x,y\n" * 20 + "中,文\n").encode())
    assert reader.detect_file_encoding(path) == "utf-8"





def _many_errors() -> bytes:
    """40 referrals: every second one from an unknown code, every other one from a name close to
    a registered one (a suggestion), and every third with a month that does not exist."""
    rows = [[f"Z{i}", f"P{i}", "2025/13/01" if i % 3 == 0 else "2025-07-01",
             "T9" if i % 2 else "石桥镇卫生院", "C1", "已完成", ""] for i in range(1, 41)]
    return csv_bytes(REFERRAL_HEADER, rows)


def _listed(frame) -> list:
    return frame.astype(object).where(frame.notna(), None).values.tolist()


def test_a_large_file_keeps_its_first_errors_in_memory_and_every_one_on_disk(cursor, tmp_path, monkeypatch):
    in_memory = validate_upload(cursor, _many_errors(), "bad.csv").errors
    assert len(in_memory) > 40 and {"unknown_inst", "unknown_inst_suggest", "date_impossible"} <= set(in_memory["reason"])
    path = tmp_path / "bad.csv"
    path.write_bytes(_many_errors())
    monkeypatch.setattr(reader, "STREAM_BYTES", 0)
    monkeypatch.setattr(importer, "STREAM_BYTES", 0)
    monkeypatch.setattr(importer, "ERRORS_KEPT", 5)
    large = validate_upload(cursor, path, path.name)
    assert large.error_count == len(in_memory) and len(large.errors) == 5
    assert _listed(large.errors) == _listed(in_memory.head(5))
    # every error, read back from disk in batches: suggestions and header names as in memory
    every = pd.concat(list(large.all_errors(batch_rows=7)), ignore_index=True)
    assert _listed(every) == _listed(in_memory)
    assert not large.ok
    with pytest.raises(importer.ImportRefused) as refused:
        commit_validation(cursor, large)
    assert refused.value.params["count"] == len(in_memory)


def test_the_command_line_lists_every_error_of_a_large_file(tmp_path, monkeypatch, capsys):
    from sinkview.tools import cli

    store = Store(tmp_path / "cli.duckdb")
    import_file(store.cursor(), INSTITUTIONS, "机构.csv")
    expected = validate_upload(store.cursor(), _many_errors(), "bad.csv").errors
    store.close()
    path = tmp_path / "bad.csv"
    path.write_bytes(_many_errors())
    monkeypatch.setattr(reader, "STREAM_BYTES", 0)
    monkeypatch.setattr(importer, "STREAM_BYTES", 0)
    monkeypatch.setattr(importer, "ERRORS_KEPT", 5)
    assert cli.main(["--lang", "en", "load", "--db", str(tmp_path / "cli.duckdb"), str(path)]) == cli.EXIT_DATA_ERRORS
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith(f"{path}:") and ":0::" not in line
               and line.split(":")[1].isdigit()]
    assert [(int(line.split(":")[1]), line.split(":")[2]) for line in printed] == list(zip(expected["row"], expected["column"]))
