"""Real exports import as they come (data contract, "Institution references", "Exports as
platforms write them", Privacy): institutions by code, name or alias; derived referral and
patient keys; timestamps and platform status words; unrecognised files; column mappings; what
each import did. Every ledger here is shaped like a platform export, not like our template.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging


import pytest

from sinkview.tools import cli
from sinkview.ingest import mappings
from sinkview.ingest.contract import DATASETS
from sinkview.ingest.importer import commit_validation, import_file, validate_upload
from sinkview.ingest.messages import notice_text, reason_text
from sinkview.ingest.reader import ColumnMapping, head_rows, likely_header_row
from sinkview.store.secrets import secret
from sinkview.store.database import Store
from tests.builders import csv_bytes

INSTITUTIONS = [
    # code, name, tier label, parent, community, aliases
    ("C1", "清河县人民医院", "县级医院", "", "清河县医共体", "县医院；清河县医院"),
    ("T1", "石桥镇中心卫生院", "中心卫生院", "C1", "清河县医共体", "石桥卫生院、石桥镇卫生院"),
    ("T2", "东乡卫生院", "乡镇卫生院", "C1", "清河县医共体", ""),
    ("T3", "西乡卫生院", "乡镇卫生院", "C1", "清河县医共体", "西河卫生院"),
    ("T4", "北乡卫生院", "乡镇卫生院", "C1", "清河县医共体", "西河卫生院"),   # shares an alias with T3
    ("V1", "李家村卫生室", "村卫生室", "T1", "清河县医共体", ""),
    ("V2", "王家村卫生室", "村卫生室", "T2", "清河县医共体", ""),
    ("U1", "市第一人民医院", "县外医院", "", "", "市一医院"),
]

PLATFORM_REFERRAL_HEADER = ["转诊状态", "当前状态时间", "转诊类型", "门诊/住院号", "姓名", "性别", "年龄", "联系电话",
                            "转出机构", "转出科室", "转诊医生", "申请转诊日期", "提交时间", "转入机构", "转入科室",
                            "接诊医生"]
ID_NUMBER = "430281198001011234"   # a valid check digit
MOBILE = "13912345678"


def platform_referral(status="转诊完成", record="MZ0001", name="王小明", phone=MOBILE, frm="石桥镇中心卫生院",
                      to="清河县人民医院", date="2025-03-05 14:23:11", kind="上转") -> list[str]:
    return [status, "2025-03-06 09:12:00", kind, record, name, "男", "56", phone, frm, "全科", "李医生", date,
            "2025-03-05 14:25:00", to, "心内科", "张医生"]


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "s.duckdb")
    rows = [[code, name, tier, parent, community, "", aliases] for code, name, tier, parent, community, aliases
            in INSTITUTIONS]
    raw = csv_bytes(["机构编码", "机构名称", "机构层级", "上级机构编码", "医共体", "乡镇", "机构别名"], rows)
    validation, result = import_file(opened.cursor(), raw, "机构名录.csv")
    assert validation.ok and result.rows_imported == len(INSTITUTIONS), validation.errors
    yield opened
    opened.close()


def errors_of(validation) -> list[tuple]:
    return [(r.row, r.column, r.value, r.reason, None if r.detail != r.detail else r.detail)
            for r in validation.errors.itertuples()]


def stored(cursor, sql: str) -> list[tuple]:
    return cursor.execute(sql).fetchall()


def pseudonym(value: str) -> str:
    return "h:" + hmac.new(secret("patient_hmac"), value.encode(), hashlib.sha256).hexdigest()[:32]


# --------------------------------------------------------------------------- institution references

@pytest.mark.parametrize("written, code", [
    ("T1", "T1"),                    # the code
    ("石桥镇中心卫生院", "T1"),        # the name
    ("石桥卫生院", "T1"),              # an alias
    ("石桥镇卫生院", "T1"),            # the second alias (separated by 、)
    ("石桥镇 中心卫生院", "T1"),       # a space inside
    ("石桥镇\u3000中心卫生院", "T1"),  # an ideographic space inside
    (" 石桥镇中心卫生院 ", "T1"),      # surrounding spaces
    ("县医院", "C1"),                  # an alias after a full-width semicolon
    ("市一医院", "U1"),
    ("ＭＩＸ", None),                  # full-width letters fold, but no such institution
])
def test_references_by_code_name_or_alias_store_the_code(store, written, code):
    raw = csv_bytes(["专家工号", "派出单位", "受援单位", "科室", "下沉日期", "帮扶形式"],
                    [["E1", "清河县人民医院", written, "内科", "2025-03-05", "坐诊"]])
    validation = validate_upload(store.cursor(), raw, "对口支援.csv")
    if code is None:
        assert [e[3] for e in errors_of(validation)] == ["unknown_inst"]
        return
    assert errors_of(validation) == []
    row = validation.staged.to_pylist()[0]
    assert (row["home_inst_id"], row["host_inst_id"]) == ("C1", code)


def test_full_width_brackets_and_latin_case_fold_in_names(store):
    cursor = store.cursor()
    raw = csv_bytes(["机构编码", "机构名称", "机构层级", "医共体"], [["T9", "南乡卫生院(分院)", "乡镇卫生院", "清河县医共体"]])
    assert import_file(cursor, raw, "inst2.csv")[1] is not None
    raw = csv_bytes(["统计月份", "机构名称", "门急诊人次"], [["2025-09", "南乡卫生院（分院）", "100"]])
    validation = validate_upload(cursor, raw, "月报.csv")
    assert errors_of(validation) == []
    assert validation.staged.to_pylist()[0]["inst_id"] == "T9"


def test_code_wins_over_a_name_that_equals_another_code(store):
    cursor = store.cursor()
    raw = csv_bytes(["机构编码", "机构名称", "机构层级", "医共体"], [["T8", "T2", "乡镇卫生院", "清河县医共体"]])
    import_file(cursor, raw, "odd.csv")
    raw = csv_bytes(["统计月份", "机构名称", "门急诊人次"], [["2025-09", "T2", "100"]])
    assert validate_upload(cursor, raw, "月报.csv").staged.to_pylist()[0]["inst_id"] == "T2"


def test_unknown_institution_suggests_up_to_three_close_names(store):
    raw = csv_bytes(["专家工号", "派出单位", "受援单位", "科室", "下沉日期", "帮扶形式"],
                    [["E1", "清河县人民医院", "石桥中心卫生院", "内科", "2025-03-05", "坐诊"],
                     ["E2", "清河县人民医院", "城关镇卫生所", "内科", "2025-03-05", "坐诊"]])
    validation = validate_upload(store.cursor(), raw, "对口支援.csv")
    (first, second) = errors_of(validation)
    assert first[:4] == (2, "受援单位", "石桥中心卫生院", "unknown_inst_suggest")
    assert first[4].split("、")[0] == "石桥镇中心卫生院" and len(first[4].split("、")) <= 3
    assert second[:4] == (3, "受援单位", "城关镇卫生所", "unknown_inst")   # nothing close enough
    text = reason_text(validation.dataset, first[3], first[4], first[2], "zh")
    assert text.startswith("未知机构“石桥中心卫生院”，是否为：石桥镇中心卫生院")
    assert "did you mean: 石桥镇中心卫生院" in reason_text(validation.dataset, first[3], first[4], first[2], "en")


def test_suggestions_keep_to_the_tier_the_column_asks_for(store):
    raw = csv_bytes(["统计期", "行政村代码", "行政村", "乡镇", "所属卫生院", "村卫生室", "常住人口"],
                    [["2025-Q3", "043028110001", "王家村", "东乡", "东乡村卫生室", "王家村卫生室", "900"]])
    validation = validate_upload(store.cursor(), raw, "村.csv")
    (error,) = errors_of(validation)
    # clinics such as 王家村卫生室 are about as close, but the column asks for a township centre
    assert error[3] == "unknown_inst_suggest" and error[4].split("、")[0] == "东乡卫生院"
    assert "村卫生室" not in error[4]


def test_ambiguous_name_names_both_codes(store):
    raw = csv_bytes(["统计月份", "机构名称", "门急诊人次"], [["2025-09", "西河卫生院", "100"]])
    validation = validate_upload(store.cursor(), raw, "月报.csv")
    assert errors_of(validation) == [(2, "机构名称", "西河卫生院", "ambiguous_inst", "T3、T4")]
    assert "T3、T4" in reason_text(validation.dataset, "ambiguous_inst", "T3、T4", "西河卫生院", "zh")
    assert "(codes T3, T4)" in reason_text(validation.dataset, "ambiguous_inst", "T3、T4", "西河卫生院", "en")
    suggested = reason_text(validation.dataset, "unknown_inst_suggest", "甲卫生院、乙卫生院", "丙卫生院", "en")
    assert suggested.endswith("did you mean: 甲卫生院, 乙卫生院?")


@pytest.mark.parametrize("written", ["西河卫生院", "西河 卫生院", "西河\u3000卫生院"])
def test_a_name_resolves_alike_as_registered_and_written_otherwise(store, written):
    """A name as registered is looked up as written; written otherwise (a space inside) it is
    folded first. Both lookups carry the same resolution, here an alias two centres share."""
    raw = csv_bytes(["统计月份", "机构名称", "门急诊人次"], [["2025-09", written, "100"], ["2025-09", "西乡卫生院", "90"],
                                                       ["2025-10", "西乡 卫生院", "80"]])
    validation = validate_upload(store.cursor(), raw, "月报.csv")
    assert [(e[0], e[3], e[4]) for e in errors_of(validation)] == [(2, "ambiguous_inst", "T3、T4")]
    assert [row["inst_id"] for row in validation.staged.to_pylist()] == [None, "T3", "T3"]


def test_unknown_institution_with_an_empty_list_says_to_load_it_first(tmp_path):
    empty = Store(tmp_path / "empty.duckdb")
    raw = csv_bytes(["统计月份", "机构名称", "门急诊人次"], [["2025-09", "东乡卫生院", "100"]])
    validation = validate_upload(empty.cursor(), raw, "月报.csv")
    assert [e[3] for e in errors_of(validation)] == ["unknown_inst_no_list"]
    empty.close()


def test_wrong_tier_by_name_is_still_an_error(store):
    raw = csv_bytes(["统计期", "行政村代码", "行政村", "乡镇", "所属卫生院", "村卫生室", "常住人口"],
                    [["2025-Q3", "043028110001", "李家村", "石桥镇", "石桥卫生院", "东乡卫生院", "900"]])
    validation = validate_upload(store.cursor(), raw, "村.csv")
    assert [(e[1], e[3]) for e in errors_of(validation)] == [("村卫生室", "wrong_tier")]


# --------------------------------------------------------------------------- each ledger as exported

def test_hr_export_names_original_and_current_units(store):
    raw = csv_bytes(["工号", "姓名", "变动类型", "原单位", "现单位", "变动日期", "职称", "学历"],
                    [["S1", "李护士", "下派", "清河县人民医院", "东乡卫生院", "2025-07-01", "主治医师", "本科"],
                     ["S2", "王医生", "入职", "", "石桥卫生院", "2025-07-02", "住院医师", "大专"]],
                    encoding="gb18030", title=["2025年人事变动明细", "导出时间：2025-10-08 08:00"])
    validation = validate_upload(store.cursor(), raw, "人事变动.csv")
    assert errors_of(validation) == []
    rows = validation.staged.to_pylist()
    assert [(r["from_inst_id"], r["to_inst_id"]) for r in rows] == [("C1", "T2"), (None, "T1")]


def test_village_statistics_by_township_centre_name(store):
    raw = csv_bytes(["统计期", "行政村代码", "行政村", "乡镇", "所属卫生院", "村卫生室", "常住人口", "村医人数"],
                    [["2025年第三季度", "043028110001", "李家村", "石桥镇", "石桥镇中心卫生院", "李家村卫生室", "900", "2"],
                     ["2025年第三季度", "043028110002", "张家村", "石桥镇", "石桥卫生院", "", "600", "0"]])
    validation = validate_upload(store.cursor(), raw, "村卫生室.csv")
    assert errors_of(validation) == []
    assert [(r["township_center_id"], r["clinic_id"]) for r in validation.staged.to_pylist()] == [("T1", "V1"), ("T1", None)]


def test_monthly_report_keyed_by_institution_name(store):
    raw = csv_bytes(["单位名称", "统计月份", "门急诊人次", "出院人次"],
                    [["东乡卫生院", "2025年9月", "1,200", "30"], ["合计", "", "1,200", "30"]],
                    title=["卫生统计月报（2025年9月）"])
    validation = validate_upload(store.cursor(), raw, "月报.csv")
    assert errors_of(validation) == []
    assert [(r["inst_id"], r["outpatient_visits"]) for r in validation.staged.to_pylist()] == [("T2", 1200)]


# --------------------------------------------------------------------------- referral platform export

def test_platform_referral_export_imports_with_names_timestamps_and_status_words(store):
    rows = [platform_referral(),
            platform_referral("待接诊", "ZY0002", "李四", "13800001111", "清河县 人民医院", "石桥卫生院",
                              "2025/3/7 10:00", "下转"),
            platform_referral("已关闭", "MZ0003", "赵五", "13700002222", "东乡卫生院", "市第一人民医院",
                              "2025-03-08 08:00:00"),
            platform_referral("已退回", "MZ0004", "钱六", "13600003333", "东乡卫生院", "县医院", "2025-03-09 08:00:00"),
            platform_referral("接诊完成", "MZ0005", "孙七", "13500004444", "王家村卫生室", "东乡卫生院", "20250310")]
    raw = csv_bytes(PLATFORM_REFERRAL_HEADER, rows, encoding="gb18030")
    validation = validate_upload(store.cursor(), raw, "转诊记录导出.csv")
    assert validation.file_error is None and errors_of(validation) == []
    staged = validation.staged.to_pylist()
    assert [(r["referral_date"].isoformat(), r["from_inst_id"], r["to_inst_id"], r["status"], r["direction"])
            for r in staged] == [
        ("2025-03-05", "T1", "C1", "completed", "up"),
        ("2025-03-07", "C1", "T1", "pending", "down"),
        ("2025-03-08", "T2", "U1", "cancelled", "up"),
        ("2025-03-09", "T2", "C1", "rejected", "up"),
        ("2025-03-10", "V2", "T2", "completed", "up"),
    ]
    codes = {n.code: n.params for n in validation.warnings}
    assert codes["warn_unknown_columns"]["columns"] == ["当前状态时间", "性别", "年龄", "转出科室", "转诊医生", "提交时间",
                                                        "转入科室", "接诊医生"]
    assert codes["warn_patient_key_derived"] == {"column": "联系电话"}
    assert set(codes["warn_identity_columns"]["columns"]) == {"门诊/住院号", "姓名", "联系电话"}


@pytest.mark.parametrize("status", ["待处理", "待接诊", "待审核"])
def test_platform_pending_words(store, status):
    raw = csv_bytes(PLATFORM_REFERRAL_HEADER, [platform_referral(status)])
    assert validate_upload(store.cursor(), raw, "r.csv").staged.to_pylist()[0]["status"] == "pending"


def test_a_new_status_of_the_same_referral_replaces_the_row(store):
    cursor = store.cursor()
    first = csv_bytes(PLATFORM_REFERRAL_HEADER, [platform_referral("待接诊"), platform_referral("待接诊", "MZ9", "乙", "13800009999")])
    _, result = import_file(cursor, first, "第一次导出.csv")
    assert (result.rows_new, result.rows_replaced, result.rows_unchanged) == (2, 0, 0)
    again = csv_bytes(PLATFORM_REFERRAL_HEADER, [platform_referral("转诊完成"), platform_referral("待接诊", "MZ9", "乙", "13800009999")])
    _, result = import_file(cursor, again, "第二次导出.csv")
    assert (result.rows_new, result.rows_replaced, result.rows_unchanged, result.rows_rejected) == (0, 1, 1, 0)
    assert sorted(stored(cursor, "select status from referrals")) == [("completed",), ("pending",)]
    _, result = import_file(cursor, again, "第二次导出.csv")
    assert (result.rows_new, result.rows_replaced, result.rows_unchanged) == (0, 0, 2)


def test_derived_referral_key_depends_on_patient_date_and_institutions(store):
    rows = [platform_referral(), platform_referral(date="2025-03-06 08:00:00"), platform_referral(to="东乡卫生院"),
            platform_referral(phone="13900000000")]
    validation = validate_upload(store.cursor(), csv_bytes(PLATFORM_REFERRAL_HEADER, rows), "r.csv")
    keys = [r["referral_id"] for r in validation.staged.to_pylist()]
    assert len(set(keys)) == 4 and all(k.startswith("h:") for k in keys)


def test_same_referral_twice_in_one_export_names_the_first_row(store):
    raw = csv_bytes(PLATFORM_REFERRAL_HEADER, [platform_referral(), platform_referral("待接诊")])
    validation = validate_upload(store.cursor(), raw, "r.csv")
    assert [(e[0], e[3], e[4]) for e in errors_of(validation)] == [(3, "duplicate_key", "2")]


# --------------------------------------------------------------------------- patient identity

IDENTITY_CASES = [
    # header columns present, the one the key comes from, its value
    (["身份证号", "联系电话", "门诊/住院号"], "身份证号", ID_NUMBER),
    (["证件号码", "住院号"], "证件号码", ID_NUMBER),
    (["联系电话", "门诊/住院号"], "联系电话", MOBILE),
    (["手机号"], "手机号", MOBILE),
    (["门诊/住院号", "姓名"], "门诊/住院号", "MZ-0001"),
    (["门诊号"], "门诊号", "MZ0001"),
    (["住院号"], "住院号", "ZY 0001"),
]


@pytest.mark.parametrize("columns, source, value", IDENTITY_CASES, ids=[c[1] for c in IDENTITY_CASES])
def test_patient_key_from_the_first_identity_column(store, columns, source, value):
    values = {"身份证号": ID_NUMBER, "证件号码": ID_NUMBER, "联系电话": MOBILE, "手机号": MOBILE,
              "门诊/住院号": "MZ-0001", "门诊号": "MZ0001", "住院号": "ZY 0001", "姓名": "王小明"}
    header = ["申请转诊日期", "转出机构", "转入机构", *columns]
    raw = csv_bytes(header, [["2025-03-05", "东乡卫生院", "县医院", *(values[c] for c in columns)]])
    validation = validate_upload(store.cursor(), raw, "r.csv")
    assert validation.ok, (validation.file_error, validation.errors)
    normalised = value.replace("-", "").replace(" ", "").upper()
    assert validation.staged.to_pylist()[0]["patient_key"] == pseudonym(normalised)
    assert {n.code: n.params for n in validation.warnings}["warn_patient_key_derived"] == {"column": source}


def test_an_id_number_hashes_to_the_same_key_as_in_a_patient_key_column(store):
    derived = validate_upload(store.cursor(), csv_bytes(["申请转诊日期", "转出机构", "转入机构", "身份证号"],
                                                        [["2025-03-05", "T2", "C1", ID_NUMBER]]), "a.csv")
    given = validate_upload(store.cursor(), csv_bytes(["转诊日期", "转出机构编码", "转入机构编码", "患者标识"],
                                                      [["2025-03-05", "T2", "C1", ID_NUMBER]]), "b.csv")
    assert derived.staged.to_pylist()[0]["patient_key"] == given.staged.to_pylist()[0]["patient_key"]


def test_empty_identity_cell_is_a_row_error_without_the_value(store):
    raw = csv_bytes(PLATFORM_REFERRAL_HEADER, [platform_referral(), platform_referral(phone="", record="MZ2")])
    validation = validate_upload(store.cursor(), raw, "r.csv")
    assert errors_of(validation) == [(3, "联系电话", None, "identity_missing", None)]
    assert validation.rows_valid == 1


def test_a_file_without_any_identity_column_is_refused(store):
    raw = csv_bytes(["申请转诊日期", "转出机构", "转入机构", "姓名"], [["2025-03-05", "T2", "C1", "王小明"]])
    validation = validate_upload(store.cursor(), raw, "r.csv")
    assert validation.file_error.code == "file_no_patient_identity"
    assert "身份证号" in notice_text("file_no_patient_identity", {}, "zh")


def test_no_identity_reaches_the_store_the_logs_or_an_export(store, tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    secrets_in_file = ["王小明", MOBILE, "MZ0001", "13800001111", "ZY0002", "李四"]
    rows = [platform_referral(), platform_referral("待接诊", "ZY0002", "李四", "13800001111"),
            platform_referral(phone="", name="李四", record="ZY0002")]   # a rejected row too
    path = tmp_path / "转诊导出.csv"
    path.write_bytes(csv_bytes(PLATFORM_REFERRAL_HEADER, rows, encoding="gb18030"))
    store.close()
    db = tmp_path / "s.duckdb"
    code = cli.main(["load", "--db", str(db), "--valid-rows-only", str(path)])
    printed = capsys.readouterr()
    assert code == 0
    export_dir = tmp_path / "parquet"
    assert cli.main(["export", "--parquet", str(export_dir), "--db", str(db)]) == 0
    capsys.readouterr()
    reopened = Store(db)
    cursor = reopened.cursor()
    everything = []
    for (table,) in cursor.execute("select table_name from information_schema.tables").fetchall():
        everything.append(json.dumps(cursor.execute(f'select * from "{table}"').fetchall(), default=str,
                                     ensure_ascii=False))
    reopened.close()
    exported = b"".join(p.read_bytes() for p in export_dir.rglob("*") if p.is_file())
    places = {"store": "\n".join(everything), "stdout": printed.out + printed.err, "logs": caplog.text,
              "export": exported.decode("latin-1")}
    for value in secrets_in_file:
        for place, text in places.items():
            assert value not in text, f"{value} in {place}"
        assert value.encode("utf-8") not in exported
    assert len(everything) > 3 and "h:" in places["store"]


# --------------------------------------------------------------------------- unrecognised files

def test_an_unrecognised_file_says_what_it_resembles_and_what_is_missing(store):
    raw = csv_bytes(["下派人员工号", "人员类别", "变动类型", "原单位", "现单位", "生效时间"],
                    [["S1", "医生", "下派", "清河县人民医院", "东乡卫生院", "2025-07-01"]])
    validation = validate_upload(store.cursor(), raw, "hr.csv")
    assert validation.file_error.code == "file_resembles"
    assert validation.file_error.params == {"dataset": "staff_movements", "missing": ["staff_id", "start_date"]}
    zh = notice_text(validation.file_error.code, validation.file_error.params, "zh")
    assert "人才流动" in zh and "工号" in zh and "开始日期" in zh and "映射" in zh
    en = notice_text(validation.file_error.code, validation.file_error.params, "en")
    assert "Staff movements" in en and "map" in en.lower()


def test_a_file_resembling_nothing_keeps_the_plain_message(store):
    raw = csv_bytes(["姓名", "年龄", "爱好"], [["张三", "30", "钓鱼"]])
    assert validate_upload(store.cursor(), raw, "x.csv").file_error.code == "file_no_header"


# --------------------------------------------------------------------------- column mappings

HR_HEADER = ["人员编码", "人员类别", "变动类型", "原单位", "现单位", "生效时间"]
HR_ROWS = [["S1", "医生", "下派", "清河县人民医院", "东乡卫生院", "2025-07-01"],
           ["S2", "护士", "调动", "东乡卫生院", "县医院", "2025-08-01"]]
HR_MAPPING = {"staff_id": "人员编码", "movement_type": "变动类型", "from_inst_id": "原单位", "to_inst_id": "现单位",
              "start_date": "生效时间"}


def test_guesses_prefill_aliases_then_similar_headers():
    guesses = mappings.guess_fields(DATASETS["staff_movements"], HR_HEADER)
    assert list(guesses)[:3] == ["staff_id", "movement_type", "start_date"]   # required first
    assert guesses["movement_type"] == "变动类型" and guesses["from_inst_id"] == "原单位"
    assert guesses["to_inst_id"] == "现单位"
    assert guesses["staff_id"] == "人员编码"          # similar to 人员编号
    assert guesses["education"] is None


def test_likely_header_row_skips_title_lines():
    rows = head_rows(csv_bytes(HR_HEADER, HR_ROWS, title=["2025年人员变动表", ""]))
    assert rows[likely_header_row(rows, DATASETS["staff_movements"])] == HR_HEADER


def test_a_mapping_reads_the_file_and_a_saved_one_applies_by_itself(store):
    cursor = store.cursor()
    raw = csv_bytes(HR_HEADER, HR_ROWS, title=["人员变动"])
    mapping = ColumnMapping("staff_movements", HR_MAPPING, tuple(HR_HEADER))
    tried = validate_upload(cursor, raw, "hr.csv", mapping=mapping)
    assert tried.ok and tried.mapping_name is None
    assert [(r["staff_id"], r["movement_type"], r["from_inst_id"], r["to_inst_id"]) for r in tried.staged.to_pylist()] == [
        ("S1", "dispatch_down", "C1", "T2"), ("S2", "transfer", "T2", "C1")]
    assert [r["_row"] for r in tried.staged.to_pylist()] == [3, 4]
    mappings.save(cursor, "人事系统导出", mapping, who="editor1")
    again = validate_upload(cursor, raw, "hr-next-month.csv")
    assert again.ok and again.mapping_name == "人事系统导出"
    _, result = import_file(cursor, raw, "hr-next-month.csv")
    assert result.rows_new == 2
    assert stored(cursor, "select mapping_name from imports order by import_id desc limit 1") == [("人事系统导出",)]


def test_a_mapping_that_does_not_fit_says_which_columns_are_missing(store):
    raw = csv_bytes(["工号X", "变动类型"], [["S1", "下派"]])
    mapping = ColumnMapping("staff_movements", HR_MAPPING, tuple(HR_HEADER), "人事系统导出")
    validation = validate_upload(store.cursor(), raw, "x.csv", mapping=mapping)
    assert validation.file_error.code == "mapping_does_not_fit"
    assert "人员编码" in validation.file_error.params["columns"]


def test_mappings_are_listed_renamed_and_deleted(store):
    cursor = store.cursor()
    mapping = ColumnMapping("staff_movements", HR_MAPPING, tuple(HR_HEADER))
    mappings.save(cursor, "甲", mapping, who="e")
    assert mappings.listing(cursor)["name"].tolist() == ["甲"]
    with pytest.raises(mappings.MappingRefused):
        mappings.save(cursor, "  ", mapping, who="e")
    mappings.rename(cursor, "甲", "乙")
    assert mappings.find(cursor, "甲") is None and mappings.find(cursor, "乙").fields == HR_MAPPING
    mappings.save(cursor, "丙", mapping, who="e")   # the same header row: replaces 乙
    assert mappings.listing(cursor)["name"].tolist() == ["丙"]
    mappings.delete(cursor, "丙")
    assert mappings.listing(cursor).empty


def test_cli_load_with_a_saved_mapping_prints_what_it_did(store, tmp_path, capsys):
    mappings.save(store.cursor(), "人事", ColumnMapping("staff_movements", HR_MAPPING, tuple(HR_HEADER)), who="e")
    store.close()
    path = tmp_path / "人事导出.csv"
    path.write_bytes(csv_bytes(["序号", *HR_HEADER], [[str(i), *row] for i, row in enumerate(HR_ROWS, 1)]))
    code = cli.main(["load", "--db", str(tmp_path / "s.duckdb"), "--mapping", "人事", str(path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "使用映射：人事" in out
    assert "staff_movements imported=2 rejected=0 new=2 replaced=0 unchanged=0" in out
    assert cli.main(["load", "--db", str(tmp_path / "s.duckdb"), "--mapping", "没有", str(path)]) == 1


def test_cli_prints_replaced_and_unchanged(store, tmp_path, capsys):
    store.close()
    db = str(tmp_path / "s.duckdb")
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(csv_bytes(PLATFORM_REFERRAL_HEADER, [platform_referral("待接诊"), platform_referral(phone="13800009999")]))
    second.write_bytes(csv_bytes(PLATFORM_REFERRAL_HEADER, [platform_referral("转诊完成"), platform_referral(phone="13800009999")]))
    assert cli.main(["load", "--db", db, str(first), str(second)]) == 0
    out = capsys.readouterr().out
    assert "referrals imported=2 rejected=0 new=2 replaced=0 unchanged=0" in out
    assert "referrals imported=2 rejected=0 new=0 replaced=1 unchanged=1" in out


def test_commit_of_a_mapped_file_writes_nothing_when_refused(store):
    cursor = store.cursor()
    raw = csv_bytes(HR_HEADER, [HR_ROWS[0], ["S3", "医生", "下派", "不存在医院", "东乡卫生院", "2025-07-01"]])
    validation = validate_upload(cursor, raw, "hr.csv", mapping=ColumnMapping("staff_movements", HR_MAPPING, tuple(HR_HEADER)))
    assert [e[3] for e in errors_of(validation)] == ["unknown_inst"] or [e[3] for e in errors_of(validation)] == ["unknown_inst_suggest"]
    with pytest.raises(Exception):
        commit_validation(cursor, validation)
    assert stored(cursor, "select count(*) from staff_movements") == [(0,)]


def test_every_new_message_exists_in_both_languages():
    from sinkview.i18n import catalogue

    for key in ("file_resembles", "file_no_patient_identity", "mapping_does_not_fit", "mapping_unknown",
                "reason.unknown_inst_suggest", "reason.unknown_inst_no_list", "reason.ambiguous_inst",
                "reason.identity_missing", "warn_patient_key_derived", "cli.mapping_used"):
        assert set(catalogue()[key]) == {"zh", "en"}, key


def test_contract_institution_columns_all_resolve_names():
    expected = {("expert_rotations", "home_inst_id"), ("expert_rotations", "host_inst_id"),
                ("referrals", "from_inst_id"), ("referrals", "to_inst_id"), ("village_coverage", "township_center_id"),
                ("village_coverage", "clinic_id"), ("staff_movements", "from_inst_id"), ("staff_movements", "to_inst_id"),
                ("service_volume", "inst_id")}
    found = {(d.name, c.name) for d in DATASETS.values() for c in d.columns if c.type == "institution"}
    assert expected <= found


def test_sample_path_unaffected_by_saved_mapping_of_another_header(store):
    cursor = store.cursor()
    mappings.save(cursor, "人事", ColumnMapping("staff_movements", HR_MAPPING, tuple(HR_HEADER)), who="e")
    raw = csv_bytes(PLATFORM_REFERRAL_HEADER, [platform_referral()])
    validation = validate_upload(cursor, raw, "r.csv")
    assert validation.ok and validation.mapping_name is None and validation.dataset.name == "referrals"



