"""Import: cell parsing, validation, privacy, transactions, re-uploads and undo
(data-contract.md). Each test builds its own small ledgers as CSV text (or XLSX) here.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import math
import os
from pathlib import Path

import pytest
import xlsxwriter

from sinkview.i18n import has
from sinkview.metrics.evaluator import compute_indicators
from sinkview.ingest.messages import reason_text
from sinkview.ingest.importer import (
    ImportRefused,
    commit_validation,
    import_file,
    latest_import,
    undo_import,
    validate_upload,
)
from sinkview.store.database import Store

Q3 = (dt.date(2025, 7, 1), dt.date(2025, 9, 30))

# --------------------------------------------------------------------------- ledgers

# Base institutions: community 甲 (C1, T1, T2, V1, V2), community 乙 (C2, T3, V3), and an upper
# hospital U1 with no community.
BASE_INSTITUTIONS = [
    ("U1", "市第一人民医院", "upper_hospital", ""),
    ("C1", "县人民医院", "county_hospital", "甲"),
    ("T1", "城关镇卫生院", "township_center", "甲"),
    ("T2", "东乡卫生院", "township_center", "甲"),
    ("V1", "李家村卫生室", "village_clinic", "甲"),
    ("V2", "王家村卫生室", "village_clinic", "甲"),
    ("C2", "县中医院", "county_hospital", "乙"),
    ("T3", "西乡卫生院", "township_center", "乙"),
    ("V3", "赵家村卫生室", "village_clinic", "乙"),
]

# One valid row per dataset, under Chinese headers as a clerk writes them. Tests override cells.
INSTITUTION = {"机构编码": "N1", "机构名称": "新乡卫生院", "机构层级": "乡镇卫生院", "上级机构编码": "C1",
               "医共体": "甲", "县区": "某县", "乡镇": "新乡", "纬度": "28.0", "经度": "113.0",
               "服务人口": "20000", "床位数": "30"}
ROTATION = {"记录编号": "R1", "专家工号": "E1", "专家姓名": "张医生", "派出机构编码": "C1", "接收机构编码": "T1",
            "专科": "内科", "职称": "主任医师", "开始日期": "2025-07-01", "结束日期": "2025-07-05",
            "活动类型": "坐诊", "诊疗人次": "10", "培训人次": "2", "是否党员": "是"}
REFERRAL = {"转诊单号": "Z1", "患者标识": "P001", "转诊日期": "2025-07-01", "转出机构编码": "T1",
            "转入机构编码": "C1", "转诊方向": "上转", "诊断编码": "I10", "诊断名称": "高血压",
            "转诊状态": "已完成", "转诊原因": "", "接收日期": "2025-07-02"}
VILLAGE = {"统计期": "2025-Q3", "行政村代码": "043028110001", "行政村": "李家村", "乡镇": "城关镇",
           "所属卫生院编码": "T1", "村卫生室编码": "V1", "常住人口": "1200", "村医人数": "2",
           "执业(助理)医师数": "1", "家庭医生签约人数": "600", "高血压规范管理人数": "80",
           "糖尿病规范管理人数": "30", "医保结算": "是", "远程医疗": "否", "党组织覆盖": "是", "心电设备": "否",
           "纬度": "28.1", "经度": "113.2", "距卫生院距离": "3.5"}
MOVEMENT = {"记录编号": "M1", "工号": "S1", "姓名": "李护士", "流动类型": "下派", "原机构编码": "C1",
            "目标机构编码": "T1", "开始日期": "2025-07-01", "结束日期": "2025-12-31", "职称": "主治医师",
            "专业": "内科", "学历": "本科", "是否党员": "否"}
VOLUME = {"月份": "2025-09", "机构编码": "T1", "门急诊人次": "1000", "出院人次": "50", "中医诊疗人次": "100",
          "医保基金支出": "20000.5", "所属医共体": ""}

# The header of each template that names the row key; rows get distinct keys unless given.
AUTO_KEY = {id(INSTITUTION): ("机构编码", "N{}"), id(ROTATION): ("记录编号", "R{}"),
            id(REFERRAL): ("转诊单号", "Z{}"), id(VILLAGE): ("行政村代码", "0430281100{:02d}"),
            id(MOVEMENT): ("记录编号", "M{}"), id(VOLUME): ("月份", "2025-{:02d}")}


def ledger(template: dict, *rows: dict, drop: tuple[str, ...] = (), rename: dict | None = None,
           title: tuple[str, ...] = (), footer: tuple[str, ...] = (), sep: str = ",") -> str:
    """CSV text with the template's columns (minus ``drop``), one line per override dict."""
    header = [h for h in template if h not in drop]
    key = AUTO_KEY.get(id(template))
    out = io.StringIO()
    out.writelines(line + "\n" for line in title)
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")   # quotes cells holding the delimiter
    writer.writerow([(rename or {}).get(h, h) for h in header])
    for number, override in enumerate(rows, start=1):
        values = dict(template)
        if key and key[0] not in override:
            values[key[0]] = key[1].format(number)
        values.update(override)
        writer.writerow([values[h] for h in header])
    out.writelines(line + "\n" for line in footer)
    return out.getvalue()


def xlsx_bytes(rows: list[list], sheet: str = "Sheet1") -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    ws = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, date_format)
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            else:
                ws.write_number(r, c, value)
    book.close()
    return buffer.getvalue()


def validate(cursor, text: str | bytes, name: str = "f.csv", dataset: str | None = None,
             encoding: str = "utf-8"):
    raw = text.encode(encoding) if isinstance(text, str) else text
    return validate_upload(cursor, raw, name, dataset)


def load(cursor, text: str | bytes, name: str = "f.csv", dataset: str | None = None,
         valid_rows_only: bool = False, encoding: str = "utf-8"):
    """Validate and commit; the commit must happen."""
    validation = validate(cursor, text, name, dataset, encoding)
    assert validation.file_error is None, validation.file_error
    if not valid_rows_only:
        assert validation.errors.empty, validation.errors.to_string()
    return validation, commit_validation(cursor, validation, valid_rows_only=valid_rows_only)


def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def errors_of(validation) -> list[tuple]:
    """(file, row, column, value, reason) of every error, empty values as None."""
    return [(e.file, int(e.row), e.column, _plain(e.value), e.reason)
            for e in validation.errors.itertuples()]


def staged_rows(validation) -> list[dict]:
    return validation.staged.to_pylist()


def staged_value(validation, column: str, row: int | None = None):
    rows = staged_rows(validation)
    if row is None:
        assert len(rows) == 1
        return rows[0][column]
    return next(r[column] for r in rows if r["_row"] == row)


def notices(validation) -> dict[str, dict]:
    return {n.code: n.params for n in validation.warnings}


def table_rows(cursor, table: str) -> list[tuple]:
    return cursor.execute(f'select * from "{table}" order by all').fetchall()


def all_tables(cursor) -> list[str]:
    return [r[0] for r in cursor.execute(
        "select table_name from information_schema.tables where table_schema = 'main' "
        "and table_type = 'BASE TABLE' order by 1").fetchall()]


def dump(cursor) -> dict[str, list[tuple]]:
    """Every table's full contents (the store as the user would see it)."""
    return {table: table_rows(cursor, table) for table in all_tables(cursor)}


def identity_number(first17: str) -> str:
    """A PRC resident identity number with its ISO 7064 MOD 11-2 check digit."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights))
    return first17 + "10X98765432"[total % 11]


def expected_pseudonym(value: str) -> str:
    """HMAC-SHA256 under this installation's secret, as the contract describes it."""
    key = (Path(os.environ["SINKVIEW_SECRETS_DIR"]) / "patient_hmac.key").read_bytes()
    return "h:" + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


@pytest.fixture
def store():
    s = Store(":memory:")
    yield s
    s.close()


def _base_institutions(cursor) -> None:
    text = "机构编码,机构名称,机构层级,医共体\n" + "".join(
        f"{i},{n},{t},{c}\n" for i, n, t, c in BASE_INSTITUTIONS)
    load(cursor, text, "inst.csv")


@pytest.fixture
def cur(store):
    """A store with the base institutions loaded, for tests that write."""
    cursor = store.cursor()
    _base_institutions(cursor)
    return cursor


@pytest.fixture(scope="module")
def vcur():
    """One store with the base institutions for the module's validation-only tests (validation
    writes nothing: see test_validation_itself_writes_nothing)."""
    s = Store(":memory:")
    cursor = s.cursor()
    _base_institutions(cursor)
    yield cursor
    s.close()


# --------------------------------------------------------------------------- dates

@pytest.mark.parametrize("written", [
    "2025-03-05", "2025/3/5", "2025/03/05", "2025.3.5", "2025年3月5日", "2025年03月05日", "20250305",
    "2025-3-5", " 2025-03-05 ", "２０２５-０３-０５",
    "2025-03-05 08:30", "2025-03-05 08:30:15", "2025/3/5 8:30", "2025-03-05T08:30:00",
    "2025年3月5日 08:30", "2025.3.5 23:59:59",
])
def test_date_forms_are_accepted(vcur, written):
    v = validate(vcur, ledger(ROTATION, {"开始日期": written, "结束日期": ""}))
    assert errors_of(v) == []
    assert staged_value(v, "start_date") == dt.date(2025, 3, 5)
    assert staged_value(v, "end_date") == dt.date(2025, 3, 5)     # end_date defaults to start_date


@pytest.mark.parametrize("written", ["03/05/2025", "5/3/2025", "2025-03", "March 5, 2025", "昨天",
                                     "2025-03-05 noon", "2025-03-0x"])
def test_other_date_forms_are_errors_on_their_row(vcur, written):
    v = validate(vcur, ledger(ROTATION, {}, {"开始日期": written}, {}), "rot.csv")
    assert errors_of(v) == [("rot.csv", 3, "开始日期", written, "bad_date")]
    assert v.rows_valid == 2


@pytest.mark.parametrize("written", ["2025-02-30", "2025/2/30", "2025年2月30日", "2025-13-01", "20250230",
                                     "2025-03-05 25:00:00", "2025-03-05 08:61:00", "２０２５－０２－３０"])
def test_a_date_in_an_accepted_form_that_does_not_exist_says_so(vcur, written):
    v = validate(vcur, ledger(ROTATION, {}, {"开始日期": written}, {}), "rot.csv")
    assert errors_of(v) == [("rot.csv", 3, "开始日期", written, "date_impossible")]
    assert v.rows_valid == 2


def test_invalid_calendar_date_in_an_optional_column(vcur):
    v = validate(vcur, ledger(REFERRAL, {"接收日期": "2025-02-29"}), "ref.csv")
    assert errors_of(v) == [("ref.csv", 2, "接收日期", "2025-02-29", "date_impossible")]


def test_leap_day_is_a_date(vcur):
    v = validate(vcur, ledger(ROTATION, {"开始日期": "2024-02-29", "结束日期": "2024年2月29日"}))
    assert errors_of(v) == []
    assert staged_value(v, "start_date") == dt.date(2024, 2, 29)


def test_date_implausible(vcur):
    v = validate(vcur, ledger(ROTATION, {"开始日期": "1900-01-01", "结束日期": "1900-01-02"}), "rot.csv")
    errors = errors_of(v)
    assert ("rot.csv", 2, "开始日期", "1900-01-01", "date_implausible") in errors
    assert ("rot.csv", 2, "结束日期", "1900-01-02", "date_implausible") in errors


def test_date_implausible_once_when_end_date_is_empty(vcur):
    v = validate(vcur, ledger(ROTATION, {"开始日期": "1900-01-01", "结束日期": ""}), "rot.csv")
    assert errors_of(v) == [("rot.csv", 2, "开始日期", "1900-01-01", "date_implausible")]


# --------------------------------------------------------------------------- periods and months

@pytest.mark.parametrize("written, snapshot", [
    ("2025-Q3", dt.date(2025, 9, 30)),
    ("2025Q3", dt.date(2025, 9, 30)),
    ("2025q3", dt.date(2025, 9, 30)),
    ("2025-Q1", dt.date(2025, 3, 31)),
    ("2025Q2", dt.date(2025, 6, 30)),
    ("2025-Q4", dt.date(2025, 12, 31)),
    ("2025年第三季度", dt.date(2025, 9, 30)),
    ("2025年第一季度", dt.date(2025, 3, 31)),
    ("2025年第二季度", dt.date(2025, 6, 30)),
    ("2025年第四季度", dt.date(2025, 12, 31)),
    ("2025年第3季度", dt.date(2025, 9, 30)),
    ("2025-09", dt.date(2025, 9, 30)),
    ("2025-02", dt.date(2025, 2, 28)),
    ("2024-02", dt.date(2024, 2, 29)),
    ("2025/9", dt.date(2025, 9, 30)),
    ("2025年9月", dt.date(2025, 9, 30)),
    ("2025年11月", dt.date(2025, 11, 30)),
    ("2025", dt.date(2025, 12, 31)),
    ("2025年", dt.date(2025, 12, 31)),
    ("2025-08-15", dt.date(2025, 8, 15)),
    ("2025/8/15", dt.date(2025, 8, 15)),
    ("2025年8月15日", dt.date(2025, 8, 15)),
    ("20250815", dt.date(2025, 8, 15)),
])
def test_village_period_forms(vcur, written, snapshot):
    v = validate(vcur, ledger(VILLAGE, {"统计期": written}))
    assert errors_of(v) == []
    assert staged_value(v, "snapshot_date") == snapshot


@pytest.mark.parametrize("written", ["2025-Q5", "2025年第五季度", "第三季度", "Q3", "2025-13", "25年", "2025-02-30"])
def test_bad_periods(vcur, written):
    v = validate(vcur, ledger(VILLAGE, {}, {"统计期": written}), "vil.csv")
    assert errors_of(v) == [("vil.csv", 3, "统计期", written, "bad_period")]


def test_period_from_an_xlsx_date_cell(vcur):
    header = list(VILLAGE)
    row = [dt.datetime(2025, 9, 30) if h == "统计期" else VILLAGE[h] for h in header]
    v = validate(vcur, xlsx_bytes([header, row]), "vil.xlsx")
    assert errors_of(v) == []
    assert staged_value(v, "snapshot_date") == dt.date(2025, 9, 30)


@pytest.mark.parametrize("written", [
    "2025-09", "2025/9", "2025/09", "2025.9", "2025年9月", "2025年09月", "202509", "2025-9",
    "2025-09-15", "2025/9/30", "2025年9月1日", "20250930", "2025-09-15 10:00",
])
def test_service_volume_month_forms(vcur, written):
    v = validate(vcur, ledger(VOLUME, {"月份": written}))
    assert errors_of(v) == []
    assert staged_value(v, "period") == dt.date(2025, 9, 1)


@pytest.mark.parametrize("written", ["2025-13", "2025", "2025Q3", "09/2025", "九月", "2025-00"])
def test_bad_months(vcur, written):
    v = validate(vcur, ledger(VOLUME, {"机构编码": "T2"}, {"月份": written}), "vol.csv")
    assert errors_of(v) == [("vol.csv", 3, "月份", written, "bad_month")]


# --------------------------------------------------------------------------- booleans

@pytest.mark.parametrize("written, value", [
    ("是", True), ("否", False), ("有", True), ("无", False),
    ("Y", True), ("y", True), ("N", False), ("n", False),
    ("yes", True), ("YES", True), ("Yes", True), ("no", False), ("No", False), ("NO", False),
    ("true", True), ("TRUE", True), ("True", True), ("false", False), ("FALSE", False),
    ("1", True), ("0", False), (" 是 ", True),
])
def test_boolean_forms(vcur, written, value):
    v = validate(vcur, ledger(VILLAGE, {"医保结算": written, "远程医疗": written}))
    assert errors_of(v) == []
    assert staged_value(v, "insurance_settlement") is value
    assert staged_value(v, "telemedicine") is value


@pytest.mark.parametrize("written", ["对", "不", "2", "t", "ok", "是的", "-"])
def test_bad_booleans(vcur, written):
    v = validate(vcur, ledger(ROTATION, {}, {"是否党员": written}), "rot.csv")
    assert errors_of(v) == [("rot.csv", 3, "是否党员", written, "bad_boolean")]


def test_optional_booleans_and_doctor_counts_default_when_empty(vcur):
    v = validate(vcur, ledger(VILLAGE, {"村医人数": "", "执业(助理)医师数": "", "医保结算": "", "远程医疗": "",
                                       "党组织覆盖": "", "心电设备": ""}))
    assert errors_of(v) == []
    row = staged_rows(v)[0]
    assert (row["village_doctors"], row["licensed_doctors"]) == (0, 0)
    assert (row["insurance_settlement"], row["telemedicine"], row["party_group"], row["ecg_device"]) == (
        False, False, False, False)


def test_doctor_counts_default_to_zero_when_their_columns_are_absent(vcur):
    v = validate(vcur, ledger(VILLAGE, {}, drop=("村医人数", "执业(助理)医师数")))
    assert errors_of(v) == []
    row = staged_rows(v)[0]
    assert (row["village_doctors"], row["licensed_doctors"]) == (0, 0)


def test_booleans_default_to_false_when_their_columns_are_absent(vcur):
    v = validate(vcur, ledger(VILLAGE, {}, drop=("医保结算", "远程医疗", "党组织覆盖", "心电设备")))
    assert errors_of(v) == []
    row = staged_rows(v)[0]
    assert (row["insurance_settlement"], row["telemedicine"], row["party_group"], row["ecg_device"]) == (
        False, False, False, False)


@pytest.mark.parametrize("template, keep", [
    (ROTATION, ("专家工号", "派出机构编码", "接收机构编码", "专科", "开始日期", "活动类型")),
    (REFERRAL, ("转诊单号", "患者标识", "转诊日期", "转出机构编码", "转入机构编码")),
    (MOVEMENT, ("工号", "流动类型", "原机构编码", "目标机构编码", "开始日期")),
], ids=["expert_rotations", "referrals", "staff_movements"])
def test_files_with_only_the_required_columns(vcur, template, keep):
    drop = tuple(h for h in template if h not in keep)
    v = validate(vcur, ledger(template, {}, drop=drop))
    assert v.file_error is None
    assert errors_of(v) == []
    assert v.rows_valid == 1


# --------------------------------------------------------------------------- numbers

@pytest.mark.parametrize("written, value", [
    ("1234", 1234), ("1,234", 1234), ("１２３４", 1234), ("１，２３４", 1234), ("12,345,678", 12345678),
    ("12.0", 12), (" 7 ", 7), ("0", 0), ("007", 7),
])
def test_counts(vcur, written, value):
    v = validate(vcur, ledger(VILLAGE, {"常住人口": written, "家庭医生签约人数": "0"}))
    assert errors_of(v) == []
    assert staged_value(v, "population") == value


@pytest.mark.parametrize("written", ["-1", "-0.5", "1.5", "12.30", "abc", "1 234", "一百", "1e3", "+-1"])
def test_counts_that_are_not_whole_or_negative_are_errors(vcur, written):
    v = validate(vcur, ledger(ROTATION, {}, {"诊疗人次": written}), "rot.csv")
    assert errors_of(v) == [("rot.csv", 3, "诊疗人次", written, "bad_count")]


@pytest.mark.parametrize("written, value", [
    ("3.5", 3.5), ("1,234.5", 1234.5), ("１２.５", 12.5), ("12", 12.0), (".5", 0.5), ("0", 0.0),
])
def test_decimals(vcur, written, value):
    v = validate(vcur, ledger(VILLAGE, {"距卫生院距离": written}))
    assert errors_of(v) == []
    assert staged_value(v, "distance_km") == pytest.approx(value)


@pytest.mark.parametrize("written", ["3.5km", "约3公里", "abc", "1.2.3"])
def test_bad_decimals(vcur, written):
    v = validate(vcur, ledger(VILLAGE, {}, {"距卫生院距离": written}), "vil.csv")
    assert errors_of(v) == [("vil.csv", 3, "距卫生院距离", written, "bad_decimal")]


def test_insurance_fund_with_thousands_separators(vcur):
    v = validate(vcur, ledger(VOLUME, {"医保基金支出": "1,234,567.89"}))
    assert errors_of(v) == []
    assert staged_value(v, "insurance_fund") == pytest.approx(1234567.89)


# --------------------------------------------------------------------------- identifiers

def test_identifiers_keep_leading_zeros_and_are_text(vcur):
    v = validate(vcur, ledger(VILLAGE, {"行政村代码": "043028110020"}, {"行政村代码": "000000000001"},
                             {"行政村代码": " 0430281100200 "}))
    assert errors_of(v) == []
    assert [r["village_code"] for r in staged_rows(v)] == ["043028110020", "000000000001", "0430281100200"]


def test_identifiers_are_never_parsed_as_numbers(vcur):
    v = validate(vcur, ledger(ROTATION, {"专家工号": "007"}, {"专家工号": "1.50"}, {"专家工号": "1e3"},
                             {"专家工号": "00012"}))
    assert errors_of(v) == []
    assert [r["expert_id"] for r in staged_rows(v)] == ["007", "1.50", "1e3", "00012"]


def test_institution_ids_with_leading_zeros_are_references_as_written(store):
    cursor = store.cursor()
    load(cursor, "机构编码,机构名称,机构层级,医共体\n0012,县医院,县医院,甲\n012,某卫生院,乡镇卫生院,甲\n")
    v = validate(cursor, ledger(ROTATION, {"派出机构编码": "0012", "接收机构编码": "012"},
                                {"派出机构编码": "12", "接收机构编码": "012"}), "rot.csv")
    assert errors_of(v) == [("rot.csv", 3, "派出机构编码", "12", "unknown_inst")]


def test_xlsx_native_boolean_and_date_cells(vcur):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("村卫生室覆盖")
    header = list(VILLAGE)
    ws.write_row(0, 0, header)
    for c, h in enumerate(header):
        if h == "统计期":
            ws.write_datetime(1, c, dt.datetime(2025, 9, 30), book.add_format({"num_format": "yyyy/m/d"}))
        elif h in ("医保结算", "远程医疗"):
            ws.write_boolean(1, c, h == "医保结算")
        elif h in ("常住人口", "村医人数"):
            ws.write_number(1, c, float(VILLAGE[h]))
        else:
            ws.write_string(1, c, VILLAGE[h])
    book.close()
    v = validate(vcur, buffer.getvalue(), "vil.xlsx")
    assert errors_of(v) == []
    row = staged_rows(v)[0]
    assert (row["snapshot_date"], row["insurance_settlement"], row["telemedicine"]) == (dt.date(2025, 9, 30), True, False)
    assert (row["population"], row["village_doctors"]) == (1200, 2)


def test_xlsx_zero_date_is_an_error_not_an_empty_cell(vcur):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("双向转诊")
    header = list(REFERRAL)
    ws.write_row(0, 0, header)
    ws.write_row(1, 0, [REFERRAL[h] for h in header])
    ws.write_number(1, header.index("接收日期"), 0, book.add_format({"num_format": "yyyy-mm-dd"}))
    book.close()
    v = validate(vcur, buffer.getvalue(), "ref.xlsx")
    assert [(e[1], e[2]) for e in errors_of(v)] == [(2, "接收日期")]
    assert errors_of(v)[0][4] in ("bad_date", "date_implausible")


def test_identifiers_from_xlsx_text_and_number_cells(vcur):
    header = list(VILLAGE)
    text_row = [VILLAGE[h] for h in header]
    text_row[header.index("行政村代码")] = "043028110020"
    number_row = [VILLAGE[h] for h in header]
    number_row[header.index("行政村代码")] = 430281100201.0     # typed as a number in Excel
    v = validate(vcur, xlsx_bytes([header, text_row, number_row]), "vil.xlsx")
    assert errors_of(v) == []
    assert [r["village_code"] for r in staged_rows(v)] == ["043028110020", "430281100201"]


def test_identifiers_are_trimmed_before_matching_institutions(vcur):
    v = validate(vcur, ledger(ROTATION, {"派出机构编码": " C1 ", "接收机构编码": "T1\u3000"}))
    assert errors_of(v) == []
    assert staged_value(v, "home_inst_id") == "C1"
    assert staged_value(v, "host_inst_id") == "T1"


# --------------------------------------------------------------------------- enumerations

TIER_LABELS = [
    ("upper_hospital", "upper_hospital"), ("UPPER_HOSPITAL", "upper_hospital"),
    ("县外医院", "upper_hospital"), ("市级医院", "upper_hospital"), ("省级医院", "upper_hospital"),
    ("三级医院", "upper_hospital"), ("城市医院", "upper_hospital"),
    ("county_hospital", "county_hospital"), ("县级医院", "county_hospital"), ("牵头医院", "county_hospital"),
    ("县医院", "county_hospital"), ("县人民医院", "county_hospital"), ("县中医院", "county_hospital"),
    ("township_center", "township_center"), ("乡镇卫生院", "township_center"), ("中心卫生院", "township_center"),
    ("社区卫生服务中心", "township_center"),
    ("village_clinic", "village_clinic"), ("Village_Clinic", "village_clinic"), ("村卫生室", "village_clinic"),
    ("社区卫生服务站", "village_clinic"),
]

TITLE_LABELS = [
    ("senior", "senior"), ("高级", "senior"), ("正高", "senior"), ("副高", "senior"), ("主任医师", "senior"),
    ("副主任医师", "senior"), ("主任护师", "senior"), ("副主任护师", "senior"), ("主任药师", "senior"),
    ("副主任药师", "senior"), ("主任技师", "senior"), ("副主任技师", "senior"),
    ("intermediate", "intermediate"), ("中级", "intermediate"), ("主治医师", "intermediate"),
    ("主管护师", "intermediate"), ("主管药师", "intermediate"), ("主管技师", "intermediate"),
    ("junior", "junior"), ("初级", "junior"), ("住院医师", "junior"), ("医师", "junior"), ("医士", "junior"),
    ("护师", "junior"), ("护士", "junior"), ("药师", "junior"), ("技师", "junior"),
    ("none", "none"), ("无", "none"), ("无职称", "none"), ("其他", "none"),
]

ACTIVITY_LABELS = [
    ("clinic", "clinic"), ("坐诊", "clinic"), ("门诊", "clinic"),
    ("ward_round", "ward_round"), ("查房", "ward_round"), ("教学查房", "ward_round"),
    ("surgery", "surgery"), ("手术", "surgery"), ("手术带教", "surgery"),
    ("case_discussion", "case_discussion"), ("疑难病例讨论", "case_discussion"), ("病例讨论", "case_discussion"),
    ("training", "training"), ("培训", "training"), ("讲座", "training"), ("授课", "training"),
    ("teleconsult", "teleconsult"), ("远程会诊", "teleconsult"), ("远程诊疗", "teleconsult"),
    ("other", "other"), ("其他", "other"), ("CLINIC", "clinic"),
]

STATUS_LABELS = [
    ("completed", "completed"), ("已完成", "completed"), ("已到达", "completed"), ("已就诊", "completed"),
    ("accepted", "accepted"), ("已接收", "accepted"),
    ("pending", "pending"), ("待接收", "pending"), ("申请中", "pending"),
    ("rejected", "rejected"), ("已拒绝", "rejected"), ("拒收", "rejected"),
    ("cancelled", "cancelled"), ("已取消", "cancelled"), ("撤销", "cancelled"),
    ("", "completed"),                                     # the default
]

MOVEMENT_LABELS = [
    ("dispatch_down", "dispatch_down"), ("下沉派驻", "dispatch_down"), ("下派", "dispatch_down"),
    ("派驻", "dispatch_down"),
    ("training_up", "training_up"), ("上挂进修", "training_up"), ("进修", "training_up"), ("上挂", "training_up"),
    ("transfer", "transfer"), ("调动", "transfer"), ("调入", "transfer"), ("调出", "transfer"),
    ("recruit", "recruit"), ("招聘", "recruit"), ("入职", "recruit"), ("引进", "recruit"),
    ("departure", "departure"), ("离职", "departure"), ("退休", "departure"), ("辞职", "departure"),
    ("流失", "departure"), ("rotation", "rotation"), ("轮岗", "rotation"),
]

EDUCATION_LABELS = [
    ("doctorate", "doctorate"), ("博士", "doctorate"), ("master", "master"), ("硕士", "master"),
    ("bachelor", "bachelor"), ("本科", "bachelor"), ("college", "college"), ("大专", "college"),
    ("secondary", "secondary"), ("中专", "secondary"), ("高中", "secondary"), ("初中及以下", "secondary"),
    ("", None),
]


def _enum_rows(template, column, labels, other=None):
    return ledger(template, *({column: label, **(other or {})} for label, _ in labels))


@pytest.mark.parametrize("template, column, stored, labels", [
    (INSTITUTION, "机构层级", "tier", TIER_LABELS),
    (ROTATION, "职称", "title_level", TITLE_LABELS),
    (ROTATION, "活动类型", "activity", ACTIVITY_LABELS),
    (REFERRAL, "转诊状态", "status", STATUS_LABELS),
    (MOVEMENT, "流动类型", "movement_type", MOVEMENT_LABELS),
    (MOVEMENT, "职称", "title_level", TITLE_LABELS),
    (MOVEMENT, "学历", "education", EDUCATION_LABELS),
], ids=["tier", "rotation-title", "activity", "status", "movement_type", "movement-title", "education"])
def test_enumerations_by_code_or_chinese_label(vcur, template, column, stored, labels):
    v = validate(vcur, _enum_rows(template, column, labels))
    assert errors_of(v) == []
    assert [r[stored] for r in staged_rows(v)] == [code for _, code in labels]


@pytest.mark.parametrize("template, column, label", [
    (INSTITUTION, "机构层级", "卫生所"),
    (INSTITUTION, "机构层级", "二级医院"),
    (ROTATION, "职称", "教授"),
    (ROTATION, "活动类型", "跳舞"),
    (MOVEMENT, "流动类型", "借调"),
    (MOVEMENT, "学历", "小学"),
])
def test_bad_enumeration_label_is_an_error(vcur, template, column, label):
    v = validate(vcur, ledger(template, {}, {column: label}), "bad.csv")
    assert errors_of(v) == [("bad.csv", 3, column, label, "bad_enum")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_bad_enumeration_names_the_values_to_use_and_each_is_accepted(vcur, lang):
    v = validate(vcur, ledger(INSTITUTION, {}, {"机构层级": "二级医院"}), "bad.csv")
    error = v.errors.iloc[0]
    text = reason_text(v.dataset, error.reason, error.detail, error.value, lang)
    offered = {"zh": ["县外医院", "县级医院", "乡镇卫生院", "村卫生室"],
               "en": ["upper_hospital", "county_hospital", "township_center", "village_clinic"]}[lang]
    assert text.endswith(("、" if lang == "zh" else ", ").join(offered))
    for value in offered:   # the fix works: every value offered is read
        assert validate(vcur, ledger(INSTITUTION, {}, {"机构层级": value}), "fixed.csv").ok


BAD_VALUES_IN_COLUMNS_WITH_A_DEFAULT = [
    # template, overrides, column as written, value, reason
    (ROTATION, {"结束日期": "xyz"}, "结束日期", "xyz", "bad_date"),
    (ROTATION, {"结束日期": "2025-02-30"}, "结束日期", "2025-02-30", "date_impossible"),
    (REFERRAL, {"转诊状态": "已拒收"}, "转诊状态", "已拒收", "bad_enum"),
    (REFERRAL, {"转诊状态": "完成了"}, "转诊状态", "完成了", "bad_enum"),
    (REFERRAL, {"转诊方向": "横转"}, "转诊方向", "横转", "bad_enum"),
    (VILLAGE, {"医保结算": "也许"}, "医保结算", "也许", "bad_boolean"),
    (VILLAGE, {"心电设备": "坏了"}, "心电设备", "坏了", "bad_boolean"),
    (VILLAGE, {"村医人数": "abc", "执业(助理)医师数": "0"}, "村医人数", "abc", "bad_count"),
    (VILLAGE, {"执业(助理)医师数": "-1"}, "执业(助理)医师数", "-1", "bad_count"),
]


@pytest.mark.parametrize("template, override, column, value, reason", BAD_VALUES_IN_COLUMNS_WITH_A_DEFAULT,
                         ids=[f"{c[4]}-{c[2]}-{c[3]}" for c in BAD_VALUES_IN_COLUMNS_WITH_A_DEFAULT])
def test_bad_value_in_a_column_with_a_default_is_an_error(vcur, template, override, column, value, reason):
    v = validate(vcur, ledger(template, {}, override), "台账.csv")
    assert errors_of(v) == [("台账.csv", 3, column, value, reason)]


# --------------------------------------------------------------------------- every error kind

ERROR_CASES = [
    # reason, template, overrides of row 3, column as written, value
    ("required", ROTATION, {"专科": ""}, "专科", None),
    ("required", VILLAGE, {"常住人口": " "}, "常住人口", None),
    ("bad_date", ROTATION, {"开始日期": "03/05/2025"}, "开始日期", "03/05/2025"),
    ("bad_period", VILLAGE, {"统计期": "2025-Q5"}, "统计期", "2025-Q5"),
    ("bad_month", VOLUME, {"月份": "2025-13", "机构编码": "T2"}, "月份", "2025-13"),
    ("bad_count", ROTATION, {"诊疗人次": "-3"}, "诊疗人次", "-3"),
    ("bad_decimal", INSTITUTION, {"纬度": "北纬28度"}, "纬度", "北纬28度"),
    ("bad_boolean", ROTATION, {"是否党员": "也许"}, "是否党员", "也许"),
    ("bad_enum", ROTATION, {"活动类型": "跳舞"}, "活动类型", "跳舞"),
    ("unknown_inst", ROTATION, {"接收机构编码": "X9"}, "接收机构编码", "X9"),
    ("unknown_inst", INSTITUTION, {"上级机构编码": "X9"}, "上级机构编码", "X9"),
    ("unknown_inst", VOLUME, {"机构编码": "X9"}, "机构编码", "X9"),
    ("wrong_tier", VILLAGE, {"所属卫生院编码": "C1"}, "所属卫生院编码", "C1"),
    ("wrong_tier", VILLAGE, {"村卫生室编码": "T2"}, "村卫生室编码", "T2"),
    ("before_other", ROTATION, {"结束日期": "2025-06-30"}, "结束日期", "2025-06-30"),
    ("before_other", REFERRAL, {"接收日期": "2025-06-30"}, "接收日期", "2025-06-30"),
    ("before_other", MOVEMENT, {"结束日期": "2025-06-30"}, "结束日期", "2025-06-30"),
    ("more_than_other", VILLAGE, {"执业(助理)医师数": "3"}, "执业(助理)医师数", "3"),
    ("more_than_other", VOLUME, {"中医诊疗人次": "1001", "机构编码": "T2"}, "中医诊疗人次", "1001"),
    ("out_of_range", INSTITUTION, {"纬度": "60"}, "纬度", "60"),
    ("out_of_range", INSTITUTION, {"经度": "140.5"}, "经度", "140.5"),
    ("out_of_range", VOLUME, {"医保基金支出": "-5", "机构编码": "T2"}, "医保基金支出", "-5"),
    ("required_unless", MOVEMENT, {"流动类型": "调动", "原机构编码": ""}, "原机构编码", None),
    ("required_unless", MOVEMENT, {"流动类型": "下派", "目标机构编码": ""}, "目标机构编码", None),
    ("date_implausible", REFERRAL, {"转诊日期": "2100-01-01", "接收日期": ""}, "转诊日期", "2100-01-01"),
]


@pytest.mark.parametrize("reason, template, override, column, value", ERROR_CASES,
                         ids=[f"{c[0]}-{c[3]}" for c in ERROR_CASES])
def test_every_error_kind_is_reported_with_file_row_column_value(vcur, reason, template, override, column, value):
    v = validate(vcur, ledger(template, {}, override, {}), "台账.csv")
    assert errors_of(v) == [("台账.csv", 3, column, value, reason)]
    assert v.rows_total == 3 and v.rows_valid == 2
    assert not v.ok
    assert has(f"reason.{reason}")                  # the CLI can say it in the user's language


@pytest.mark.parametrize("column, written, reason", [
    ("开始日期", "２０２５-１３-０１", "date_impossible"),
    ("诊疗人次", "－５", "bad_count"),
    ("接收机构编码", "Ｔ９", "unknown_inst"),
])
def test_error_value_is_the_cell_as_written(vcur, column, written, reason):
    v = validate(vcur, ledger(ROTATION, {column: written}), "rot.csv")
    assert errors_of(v) == [("rot.csv", 2, column, written, reason)]


def test_duplicate_key_names_the_first_row(vcur):
    v = validate(vcur, ledger(REFERRAL, {"转诊单号": "Z7"}, {"转诊单号": "Z8"}, {"转诊单号": "Z7"}), "ref.csv")
    assert errors_of(v) == [("ref.csv", 4, "转诊单号", "Z7", "duplicate_key")]
    assert str(v.errors.iloc[0]["detail"]) == "2"


def test_duplicate_key_of_village_period_and_code(vcur):
    text = ledger(VILLAGE, {"行政村代码": "043028110001", "统计期": "2025-Q3"},
                  {"行政村代码": "043028110001", "统计期": "2025-09"},      # same snapshot date
                  {"行政村代码": "043028110001", "统计期": "2025-Q2"})
    v = validate(vcur, text, "vil.csv")
    assert [e[1] for e in errors_of(v)] == [3]
    assert errors_of(v)[0][4] == "duplicate_key"


def test_duplicate_inst_id_in_the_institutions_file(vcur):
    v = validate(vcur, ledger(INSTITUTION, {"机构编码": "N7"}, {"机构编码": "N7"}), "inst.csv")
    assert errors_of(v) == [("inst.csv", 3, "机构编码", "N7", "duplicate_key")]


def test_parent_in_the_same_institutions_file_is_known(vcur):
    v = validate(vcur, ledger(INSTITUTION, {"机构编码": "N2", "上级机构编码": "N1"}, {"机构编码": "N1"}))
    assert errors_of(v) == []


def test_other_column_is_named_as_written(vcur):
    v = validate(vcur, ledger(ROTATION, {"结束日期": "2025-06-01"}, rename={"开始日期": "下沉日期"}))
    assert list(v.errors["detail"]) == ["下沉日期"]
    v = validate(vcur, ledger(VILLAGE, {"执业(助理)医师数": "3"}, rename={"村医人数": "乡村医生数"}))
    assert list(v.errors["detail"]) == ["乡村医生数"]


def test_columns_are_reported_as_written_in_the_file(vcur):
    text = ledger(ROTATION, {"开始日期": "2025-13-01", "活动类型": "跳舞"},
                  rename={"开始日期": " Start_Date ", "活动类型": "帮扶形式"})
    v = validate(vcur, text, "rot.csv")
    assert sorted(errors_of(v)) == [("rot.csv", 2, "Start_Date", "2025-13-01", "date_impossible"),
                                    ("rot.csv", 2, "帮扶形式", "跳舞", "bad_enum")]


def test_one_row_with_several_errors_lists_each(vcur):
    v = validate(vcur, ledger(ROTATION, {"专科": "", "开始日期": "x", "接收机构编码": "X9", "诊疗人次": "-1"}),
                 "rot.csv")
    assert sorted(e[2] for e in errors_of(v)) == sorted(["专科", "开始日期", "接收机构编码", "诊疗人次"])
    assert v.rows_valid == 0


def test_error_rows_count_title_lines(vcur):
    text = ledger(ROTATION, {}, {"诊疗人次": "x"}, title=("2025年专家下沉台账", "", "填报单位：县人民医院"))
    v = validate(vcur, text, "rot.csv", encoding="gbk")
    assert errors_of(v) == [("rot.csv", 6, "诊疗人次", "x", "bad_count")]


# --------------------------------------------------------------------------- every warning kind

def test_warning_title_rows_and_total_rows(vcur):
    text = ledger(VOLUME, {"机构编码": "T1"}, {"机构编码": "T2"}, title=("2025年9月服务量", ""),
                  footer=("合计,,2000,100,200,40001,",))
    v = validate(vcur, text, encoding="gbk")
    assert errors_of(v) == []
    assert notices(v)["warn_title_rows"] == {"count": 2, "header_row": 3}
    assert notices(v)["warn_total_rows"] == {"rows": [6]}
    assert v.rows_total == 2


def test_warning_unknown_columns(vcur):
    text = ledger({**VOLUME, "备注": "", "填报人": "王五"}, {})
    v = validate(vcur, text)
    assert notices(v)["warn_unknown_columns"] == {"columns": ["备注", "填报人"]}


def test_warning_not_downward(vcur):
    v = validate(vcur, ledger(ROTATION, {}, {"派出机构编码": "T1", "接收机构编码": "C1"},
                             {"派出机构编码": "T1", "接收机构编码": "T2"}))
    assert errors_of(v) == []
    assert v.rows_valid == 3                       # kept
    assert notices(v)["warn_not_downward"] == {"count": 2, "rows": [3, 4]}


def test_warning_direction_disagrees_and_derived_direction_is_used(vcur):
    v = validate(vcur, ledger(REFERRAL,
                             {"转出机构编码": "T1", "转入机构编码": "C1", "转诊方向": "下转"},   # really up
                             {"转出机构编码": "C1", "转入机构编码": "T1", "转诊方向": "下转"},   # agrees
                             {"转出机构编码": "C1", "转入机构编码": "V1", "转诊方向": "up"}))    # really down
    assert errors_of(v) == []
    assert notices(v)["warn_direction"] == {"count": 2, "rows": [2, 4]}
    assert [r["direction"] for r in staged_rows(v)] == ["up", "down", "down"]


def test_warning_icd10_shape_and_upper_casing(vcur):
    v = validate(vcur, ledger(REFERRAL, {"诊断编码": "i10"}, {"诊断编码": "e11.9"}, {"诊断编码": "高血压"},
                             {"诊断编码": "J18.900"}, {"诊断编码": "10"}, {"诊断编码": ""}))
    assert errors_of(v) == []
    assert [r["icd10"] for r in staged_rows(v)] == ["I10", "E11.9", "高血压", "J18.900", "10", None]
    assert notices(v)["warn_icd10_shape"] == {"count": 2, "rows": [4, 6]}


def test_warning_contracted_more_than_population(vcur):
    v = validate(vcur, ledger(VILLAGE, {}, {"常住人口": "500", "家庭医生签约人数": "501"}))
    assert errors_of(v) == []
    assert notices(v)["warn_more_than"] == {"count": 1, "rows": [3]}


def test_warning_identity_columns(vcur):
    template = {**REFERRAL, "患者姓名": "王小明", "身份证号": identity_number("43028119800101123"),
                "手机号": "13912345678", "联系电话": "0731-1234567", "住址": "某县城关镇解放路1号"}
    v = validate(vcur, ledger(template, {}))
    assert errors_of(v) == []
    assert notices(v)["warn_identity_columns"] == {"columns": ["患者姓名", "身份证号", "手机号", "联系电话", "住址"]}
    assert "warn_unknown_columns" not in notices(v)


def test_warning_pseudonymised_count(vcur):
    v = validate(vcur, ledger(REFERRAL, {"患者标识": identity_number("43028119800101123")},
                             {"患者标识": "13912345678"}, {"患者标识": "P-0001"}))
    assert notices(v)["warn_pseudonymised"]["count"] == 2


def test_every_warning_has_a_message():
    for code in ("warn_title_rows", "warn_total_rows", "warn_unknown_columns", "warn_identity_columns",
                 "warn_not_downward", "warn_direction", "warn_icd10_shape", "warn_more_than",
                 "warn_pseudonymised"):
        assert has(code), code


# --------------------------------------------------------------------------- derived values

def test_referral_direction_from_tier_ranks(vcur):
    v = validate(vcur, ledger(REFERRAL,
                             {"转出机构编码": "V1", "转入机构编码": "T1", "转诊方向": ""},   # 1 -> 2 up
                             {"转出机构编码": "C1", "转入机构编码": "U1", "转诊方向": ""},   # 3 -> 4 up
                             {"转出机构编码": "U1", "转入机构编码": "T3", "转诊方向": ""},   # 4 -> 2 down
                             {"转出机构编码": "T1", "转入机构编码": "T3", "转诊方向": ""},   # 2 -> 2 lateral
                             {"转出机构编码": "C1", "转入机构编码": "C2", "转诊方向": ""}))  # 3 -> 3 lateral
    assert errors_of(v) == []
    assert [r["direction"] for r in staged_rows(v)] == ["up", "up", "down", "lateral", "lateral"]
    assert "warn_direction" not in notices(v)


def test_status_defaults_to_completed(vcur):
    v = validate(vcur, ledger(REFERRAL, {"转诊状态": ""}, {"转诊状态": "拒收"}))
    assert [r["status"] for r in staged_rows(v)] == ["completed", "rejected"]


def test_end_date_defaults_to_start_date(vcur):
    v = validate(vcur, ledger(ROTATION, {"开始日期": "2025-08-05", "结束日期": ""},
                             {"开始日期": "2025-08-05", "结束日期": "2025-08-09"}))
    assert [(r["start_date"], r["end_date"]) for r in staged_rows(v)] == [
        (dt.date(2025, 8, 5), dt.date(2025, 8, 5)), (dt.date(2025, 8, 5), dt.date(2025, 8, 9))]


@pytest.mark.parametrize("template, key, table, stored_key", [
    (ROTATION, "记录编号", "expert_rotations", "record_id"),
    (MOVEMENT, "记录编号", "staff_movements", "movement_id")], ids=["record_id", "movement_id"])
def test_missing_record_id_is_a_stable_hash_key(cur, template, key, table, stored_key):
    rows = [{"工号": "S1", "专家工号": "E1", "开始日期": "2025-07-01"},
            {"工号": "S2", "专家工号": "E2", "开始日期": "2025-07-02"}]
    # column absent
    first, result = load(cur, ledger(template, *rows, drop=(key,)))
    keys = sorted(r[stored_key] for r in staged_rows(first))
    assert all(k.startswith("h:") for k in keys) and len(set(keys)) == 2
    before = table_rows(cur, table)
    # the same rows again, in another order, below a title line, with the column present but empty
    again, second = load(cur, ledger(template, *[{**r, key: ""} for r in reversed(rows)], title=("台账",)))
    assert sorted(r[stored_key] for r in staged_rows(again)) == keys
    assert second.rows_changed == 0
    assert table_rows(cur, table) == before


def test_given_record_id_is_kept(vcur):
    v = validate(vcur, ledger(ROTATION, {"记录编号": "0001"}))
    assert staged_value(v, "record_id") == "0001"


def test_service_volume_community_only_for_upper_hospital_rows(cur):
    v, _ = load(cur, ledger(VOLUME,
                            {"机构编码": "T1", "所属医共体": "乙"},      # ignored: T1 is in 甲
                            {"机构编码": "C2", "所属医共体": ""},
                            {"机构编码": "U1", "所属医共体": "甲"},
                            {"机构编码": "U1", "所属医共体": "乙"},
                            {"机构编码": "U1", "所属医共体": ""}))
    stored = cur.execute("select inst_id, community from service_volume order by inst_id, community").fetchall()
    assert stored == [("C2", ""), ("T1", ""), ("U1", ""), ("U1", "乙"), ("U1", "甲")]


def test_service_volume_two_communities_of_one_upper_hospital_are_distinct_keys(vcur):
    v = validate(vcur, ledger(VOLUME, {"月份": "2025-09", "机构编码": "U1", "所属医共体": "甲"},
                             {"月份": "2025年9月", "机构编码": "U1", "所属医共体": "甲"}),
                 "vol.csv")
    assert [(e[1], e[4]) for e in errors_of(v)] == [(3, "duplicate_key")]


def test_service_volume_same_month_twice_for_a_grassroots_row_is_a_duplicate(vcur):
    # the community cell is ignored for non-upper rows, so these two rows have the same key
    v = validate(vcur, ledger(VOLUME, {"月份": "2025-09", "机构编码": "T1", "所属医共体": "甲"},
                             {"月份": "202509", "机构编码": "T1", "所属医共体": "乙"}),
                 "vol.csv")
    assert [(e[1], e[4]) for e in errors_of(v)] == [(3, "duplicate_key")]


def test_missing_optional_counts_stay_missing(vcur):
    v = validate(vcur, ledger(VOLUME, {"出院人次": "", "中医诊疗人次": "", "医保基金支出": ""}))
    row = staged_rows(v)[0]
    assert (row["admissions"], row["tcm_visits"], row["insurance_fund"]) == (None, None, None)


def test_recruit_without_origin_and_departure_without_destination(vcur):
    v = validate(vcur, ledger(MOVEMENT, {"流动类型": "招聘", "原机构编码": ""},
                             {"流动类型": "离职", "目标机构编码": ""}))
    assert errors_of(v) == []
    assert [(r["from_inst_id"], r["to_inst_id"]) for r in staged_rows(v)] == [(None, "T1"), ("C1", None)]


def test_blank_lines_are_not_rows(vcur):
    text = ledger(ROTATION, {}, {}).replace("\n", "\n\n,,,,,,,,,,,,\n", 1)
    v = validate(vcur, text)
    assert v.rows_total == 2
    assert errors_of(v) == []


def test_a_row_of_spaces_is_blank_and_a_full_width_cell_is_not(vcur):
    """Blank rows are told by their trimmed cells; a cell the cleaning turns half-width stays a cell."""
    spaces = " ,\u3000,\xa0, \t,,,,,,,,,"
    v = validate(vcur, ledger(ROTATION, {}, {}).replace("\n", f"\n{spaces}\n", 1))
    assert v.rows_total == 2 and errors_of(v) == []
    v = validate(vcur, ledger(ROTATION, {}, {}).replace("\n", "\n,,,,Ａ,,,,,,,,\n", 1))
    assert v.rows_total == 3 and 2 in {error[1] for error in errors_of(v)}


def test_header_only_file_has_nothing_to_import(cur):
    before = dump(cur)
    v = validate(cur, ledger(ROTATION, title=("专家下沉台账",), footer=("合计,,,,,,,,,,0,0,",)))
    assert v.rows_total == 0
    assert v.file_error is not None and v.file_error.code == "file_no_rows"
    with pytest.raises(ImportRefused):
        commit_validation(cur, v, valid_rows_only=True)
    assert dump(cur) == before


# --------------------------------------------------------------------------- privacy

VALID_ID = identity_number("43028119800101123")
VALID_ID_X = "11010519491231002X"          # the standard example with check character X
MOBILE = "13912345678"


def test_identity_number_helper_matches_the_standard_example():
    assert identity_number("11010519491231002") == VALID_ID_X


def test_identity_and_mobile_patient_keys_are_replaced_by_hmac(vcur):
    v = validate(vcur, ledger(REFERRAL, {"患者标识": VALID_ID}, {"患者标识": MOBILE}, {"患者标识": VALID_ID_X},
                             {"患者标识": VALID_ID_X.lower()}, {"患者标识": f" {VALID_ID} "},
                             {"患者标识": "P0001"}))
    assert errors_of(v) == []
    keys = [r["patient_key"] for r in staged_rows(v)]
    assert keys[0] == expected_pseudonym(VALID_ID)
    assert keys[1] == expected_pseudonym(MOBILE)
    assert keys[2] == expected_pseudonym(VALID_ID_X)
    assert keys[3].startswith("h:") and len(keys[3]) == 34
    assert keys[4] == keys[0]                 # trimmed first: same person, same pseudonym
    assert keys[5] == "P0001"


def test_same_input_same_pseudonym_across_imports(cur):
    _, first = load(cur, ledger(REFERRAL, {"转诊单号": "Z1", "患者标识": VALID_ID}))
    v, _ = load(cur, ledger(REFERRAL, {"转诊单号": "Z2", "患者标识": VALID_ID}))
    keys = [r[0] for r in cur.execute("select patient_key from referrals order by referral_id").fetchall()]
    assert keys[0] == keys[1] == expected_pseudonym(VALID_ID)


def test_a_different_installation_secret_gives_a_different_pseudonym(cur, monkeypatch, tmp_path):
    here = staged_value(validate(cur, ledger(REFERRAL, {"患者标识": VALID_ID})), "patient_key")
    monkeypatch.setenv("SINKVIEW_SECRETS_DIR", str(tmp_path / "other-installation"))
    other_store = Store(":memory:")
    other = other_store.cursor()
    load(other, "机构编码,机构名称,机构层级\nT1,卫生院,乡镇卫生院\nC1,县医院,县医院\n")
    there = staged_value(validate(other, ledger(REFERRAL, {"患者标识": VALID_ID})), "patient_key")
    other_store.close()
    assert here.startswith("h:") and there.startswith("h:")
    assert here != there
    assert (tmp_path / "other-installation" / "patient_hmac.key").exists()


@pytest.mark.parametrize("kept", [
    VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1"),      # 18 digits, wrong check digit
    "123456789012345678",
    "12345678901",                                              # 11 digits not starting 13-19
    "1391234567",                                               # 10 digits
    "139123456789",                                             # 12 digits
    "P43028119800101",
])
def test_values_not_shaped_like_an_identity_are_kept(vcur, kept):
    v = validate(vcur, ledger(REFERRAL, {"患者标识": kept}))
    assert errors_of(v) == []
    assert staged_value(v, "patient_key") == kept
    assert "warn_pseudonymised" not in notices(v)


def test_secret_file_is_private(vcur):
    validate(vcur, ledger(REFERRAL, {"患者标识": VALID_ID}))
    key = Path(os.environ["SINKVIEW_SECRETS_DIR"]) / "patient_hmac.key"
    assert key.stat().st_mode & 0o077 == 0
    assert len(key.read_bytes()) >= 32


IDENTITY_VALUES = {
    "患者姓名": "欧阳小明",
    "身份证号": identity_number("43028119900315456"),
    "手机号": "13700001111",
    "联系电话": "0731-88886666",
    "住址": "某县城关镇解放路88号",
}


def _referrals_with_identities() -> str:
    """Two rows with identity keys (one with a bad date, to produce an error) and identity columns."""
    template = {**REFERRAL, **IDENTITY_VALUES}
    return ledger(template,
                  {"转诊单号": "Z1", "患者标识": VALID_ID},
                  {"转诊单号": "Z2", "患者标识": MOBILE, "转诊日期": "05/07/2025"},
                  {"转诊单号": "Z3", "患者标识": VALID_ID_X, "诊断编码": "高血压"})


RAW_IDENTITIES = [VALID_ID, MOBILE, VALID_ID_X, *IDENTITY_VALUES.values()]


def test_identity_columns_are_dropped_unread(vcur):
    v = validate(vcur, _referrals_with_identities(), "ref.csv")
    assert notices(v)["warn_identity_columns"] == {"columns": list(IDENTITY_VALUES)}
    visible = " ".join([
        v.staged.to_pandas().to_csv(), v.preview().to_csv(), v.errors.to_csv(),
        repr(v.warnings), repr(v.file_error),
    ])
    for raw in RAW_IDENTITIES:
        assert raw not in visible, raw
    assert [c for c in v.preview().columns if c.startswith("raw")] == []


def test_no_raw_identity_reaches_the_database_file(tmp_path):
    path = tmp_path / "store.duckdb"
    store = Store(path)
    cursor = store.cursor()
    load(cursor, "机构编码,机构名称,机构层级\nT1,卫生院,乡镇卫生院\nC1,县医院,县医院\n")
    v, result = load(cursor, _referrals_with_identities(), "ref.csv", valid_rows_only=True)
    assert result.rows_imported == 2
    # every varchar column of every table
    columns = cursor.execute("""select table_name, column_name from information_schema.columns
        where table_schema = 'main' and data_type = 'VARCHAR'""").fetchall()
    assert ("referrals", "patient_key") in columns
    for table, column in columns:
        values = [r[0] for r in cursor.execute(f'select "{column}" from "{table}"').fetchall()]
        for raw in RAW_IDENTITIES:
            assert not any(raw in (value or "") for value in values), (table, column, raw)
    stored = [r[0] for r in cursor.execute("select patient_key from referrals order by referral_id").fetchall()]
    assert stored == [expected_pseudonym(VALID_ID), expected_pseudonym(VALID_ID_X)]
    cursor.execute("checkpoint")
    store.close()
    blobs = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("store.duckdb"))
    for raw in RAW_IDENTITIES:
        assert raw.encode("utf-8") not in blobs, raw


def test_no_raw_identity_in_the_validation_of_a_file_with_errors(vcur):
    v = validate(vcur, _referrals_with_identities(), "ref.csv")
    assert [(e[1], e[2], e[4]) for e in errors_of(v)] == [(3, "转诊日期", "bad_date")]
    text = v.errors.to_csv() + repr(v.warnings) + v.preview().to_csv()
    for raw in RAW_IDENTITIES:
        assert raw not in text


def test_identity_columns_in_gbk_with_title_rows(vcur):
    text = ledger({**REFERRAL, "姓名": "欧阳小明", "证件号码": IDENTITY_VALUES["身份证号"]}, {},
                  title=("双向转诊台账",))
    v = validate(vcur, text, encoding="gbk")
    assert errors_of(v) == []
    assert notices(v)["warn_identity_columns"] == {"columns": ["姓名", "证件号码"]}
    assert "欧阳小明" not in v.preview().to_csv()


# --------------------------------------------------------------------------- transactions and re-uploads

ROTATIONS_FILE = ledger(ROTATION,
                        {"记录编号": "R1", "专家工号": "E1", "开始日期": "2025-07-01", "结束日期": "2025-07-10"},
                        {"记录编号": "R2", "专家工号": "E2", "接收机构编码": "V1", "诊疗人次": "40"},
                        {"记录编号": "R3", "专家工号": "E3", "派出机构编码": "C2", "接收机构编码": "T3",
                         "职称": "主治医师", "开始日期": "2025-08-01", "结束日期": "2025-10-31"})


def test_a_file_with_errors_writes_nothing(cur):
    before = dump(cur)
    text = ledger(ROTATION, {"记录编号": "R1"}, {"记录编号": "R2", "开始日期": "not a date"})
    validation, result = import_file(cur, text.encode("utf-8"), "rot.csv")
    assert result is None
    assert not validation.ok
    with pytest.raises(ImportRefused) as refused:
        commit_validation(cur, validation)
    assert refused.value.code == "refused_has_errors"
    assert dump(cur) == before


def test_an_unreadable_file_is_refused_and_writes_nothing(cur):
    before = dump(cur)
    validation = validate(cur, b"\x00\x01junk")
    with pytest.raises(ImportRefused):
        commit_validation(cur, validation, valid_rows_only=True)
    assert dump(cur) == before


def test_valid_rows_only_writes_exactly_the_valid_rows(cur):
    text = ledger(ROTATION, {"记录编号": "R1"}, {"记录编号": "R2", "开始日期": "bad"}, {"记录编号": "R3"},
                  {"记录编号": "R4", "接收机构编码": "X9"})
    validation, result = import_file(cur, text.encode("utf-8"), "rot.csv", valid_rows_only=True)
    assert (result.rows_imported, result.rows_changed, result.rows_rejected) == (2, 2, 2)
    assert [r[0] for r in cur.execute("select record_id from expert_rotations order by 1").fetchall()] == ["R1", "R3"]
    log = cur.execute("select dataset, file_name, rows_imported, rows_changed, rows_rejected from imports "
                      "where import_id = ?", [result.import_id]).fetchall()
    assert log == [("expert_rotations", "rot.csv", 2, 2, 2)]


def test_valid_rows_only_with_no_valid_row_writes_nothing(cur):
    before = dump(cur)
    validation = validate(cur, ledger(ROTATION, {"开始日期": "bad"}))
    with pytest.raises(ImportRefused) as refused:
        commit_validation(cur, validation, valid_rows_only=True)
    assert refused.value.code == "refused_no_valid_rows"
    assert dump(cur) == before


def test_the_same_file_twice_changes_nothing(cur):
    _, first = load(cur, ROTATIONS_FILE, "rot.csv")
    after_first = {t: rows for t, rows in dump(cur).items() if t != "imports"}
    _, second = load(cur, ROTATIONS_FILE, "rot.csv")
    assert first.rows_changed == 3
    assert second.rows_changed == 0
    assert {t: rows for t, rows in dump(cur).items() if t != "imports"} == after_first
    assert {r[0] for r in cur.execute("select import_id from expert_rotations").fetchall()} == {first.import_id}


def test_the_same_content_in_another_form_changes_nothing(cur):
    _, first = load(cur, ROTATIONS_FILE, "rot.csv")
    before = table_rows(cur, "expert_rotations")
    # GBK, title rows, other date and label forms, a total row: the same normalised rows
    other = ROTATIONS_FILE.replace("2025-07-01", "2025年7月1日").replace("主任医师", "senior")
    _, second = load(cur, other.replace("\n", "\r\n"), "rot-gbk.csv", encoding="gbk")
    assert second.rows_changed == 0
    assert table_rows(cur, "expert_rotations") == before


def test_the_same_rows_re_exported_as_xlsx_change_nothing(cur):
    _, first = load(cur, ROTATIONS_FILE, "rot.csv")
    before = table_rows(cur, "expert_rotations")
    rows = list(csv.reader(io.StringIO(ROTATIONS_FILE)))
    header = rows[0]
    typed = []
    for row in rows[1:]:
        cells = []
        for h, value in zip(header, row):
            if h in ("开始日期", "结束日期") and value:
                cells.append(dt.datetime.fromisoformat(value))       # native Excel dates
            elif h in ("诊疗人次", "培训人次") and value:
                cells.append(float(value))                            # numbers as Excel stores them
            else:
                cells.append(value or None)
        typed.append(cells)
    _, second = load(cur, xlsx_bytes([["专家下沉台账"], header, *typed], sheet="专家下沉"), "rot.xlsx")
    assert second.rows_changed == 0
    assert table_rows(cur, "expert_rotations") == before


def test_a_changed_row_replaces_only_that_row(cur):
    _, first = load(cur, ROTATIONS_FILE, "rot.csv")
    before = {r[0]: r for r in cur.execute("select * from expert_rotations").fetchall()}
    changed = ROTATIONS_FILE.replace("R2,E2,张医生,C1,V1,内科,主任医师,2025-07-01,2025-07-05,坐诊,40",
                                     "R2,E2,张医生,C1,V1,内科,主任医师,2025-07-01,2025-07-05,坐诊,45")
    assert changed != ROTATIONS_FILE
    _, second = load(cur, changed, "rot.csv")
    assert second.rows_changed == 1
    after = {r[0]: r for r in cur.execute("select * from expert_rotations").fetchall()}
    assert after["R1"] == before["R1"] and after["R3"] == before["R3"]
    names = [d[0] for d in cur.execute("select * from expert_rotations").description]
    r2 = dict(zip(names, after["R2"]))
    assert r2["patients_served"] == 45
    assert r2["import_id"] == second.import_id
    assert cur.execute("select count(*) from expert_rotations").fetchall()[0][0] == 3


def test_undo_of_the_latest_import_restores_the_table_exactly(cur):
    load(cur, ledger(VILLAGE, {"统计期": "2025-Q2"}, {"统计期": "2025-Q2", "村卫生室编码": ""}), "q2.csv")
    load(cur, ROTATIONS_FILE, "rot.csv")
    load(cur, ledger(REFERRAL, {}, {"转出机构编码": "C1", "转入机构编码": "T1"}), "ref.csv")
    before = dump(cur)
    indicators_before = compute_indicators(cur, *Q3, None)
    # a re-upload that changes R2, adds R4 and leaves R1 and R3 alone
    changed = ROTATIONS_FILE.replace(",40,", ",45,") + "R4,E4,钱医生,C2,V3,外科,副主任医师,2025-09-01,,手术,5,0,否\n"
    _, second = load(cur, changed, "rot2.csv")
    assert second.rows_changed == 2
    assert compute_indicators(cur, *Q3, None) != indicators_before
    assert latest_import(cur, "expert_rotations") == second.import_id
    assert undo_import(cur, second.import_id) == "expert_rotations"
    after = dump(cur)
    imports_before, imports_after = before.pop("imports"), after.pop("imports")
    assert after == before
    assert compute_indicators(cur, *Q3, None) == indicators_before
    # the log keeps the undone import, marked as undone
    undone = cur.execute("select undone_at is not null from imports where import_id = ?",
                         [second.import_id]).fetchall()
    assert undone == [(True,)]
    assert [r[:-1] for r in imports_after if r[0] != second.import_id] == [r[:-1] for r in imports_before]


def test_undo_of_a_village_re_upload_with_a_composite_key(cur):
    load(cur, ledger(VILLAGE, {"统计期": "2025-Q2"}, {"统计期": "2025-Q2"}, {"统计期": "2025-Q3"}), "v1.csv")
    before = dump(cur)
    indicators_before = compute_indicators(cur, *Q3, None)
    # the same villages: one population changed in Q2, one new Q3 row, the rest unchanged
    text = ledger(VILLAGE, {"统计期": "2025年第二季度", "常住人口": "1250"}, {"统计期": "2025-06"},
                  {"统计期": "2025-09-30"}, {"统计期": "2025Q3"})
    _, second = load(cur, text, "v2.csv")
    assert second.rows_changed == 2
    assert cur.execute("select count(*) from village_coverage").fetchall() == [(4,)]
    undo_import(cur, second.import_id)
    after = dump(cur)
    before.pop("imports"), after.pop("imports")
    assert after == before
    assert compute_indicators(cur, *Q3, None) == indicators_before


def test_undo_of_a_first_import_empties_the_table(cur):
    _, result = load(cur, ROTATIONS_FILE)
    undo_import(cur, result.import_id)
    assert table_rows(cur, "expert_rotations") == []
    assert table_rows(cur, "expert_rotations_replaced") == []


def test_undo_twice_in_a_row_walks_back(cur):
    _, first = load(cur, ROTATIONS_FILE)
    state_1 = table_rows(cur, "expert_rotations")
    _, second = load(cur, ROTATIONS_FILE.replace(",40,", ",41,"))
    _, third = load(cur, ROTATIONS_FILE.replace(",40,", ",42,"))
    undo_import(cur, third.import_id)
    undo_import(cur, second.import_id)
    assert table_rows(cur, "expert_rotations") == state_1


def test_undo_of_a_non_latest_import_is_refused(cur):
    _, first = load(cur, ROTATIONS_FILE)
    _, second = load(cur, ROTATIONS_FILE.replace(",40,", ",41,"))
    before = dump(cur)
    with pytest.raises(ImportRefused) as refused:
        undo_import(cur, first.import_id)
    assert refused.value.code == "undo_not_latest"
    assert dump(cur) == before


def test_undo_of_an_unknown_or_undone_import_is_refused(cur):
    _, result = load(cur, ROTATIONS_FILE)
    undo_import(cur, result.import_id)
    with pytest.raises(ImportRefused) as refused:
        undo_import(cur, result.import_id)
    assert refused.value.code == "undo_unknown"
    with pytest.raises(ImportRefused):
        undo_import(cur, 9999)


def test_latest_import_is_per_dataset(cur):
    _, rotations = load(cur, ROTATIONS_FILE)
    _, referrals = load(cur, ledger(REFERRAL, {}))
    # the rotations import is still the latest of its dataset
    undo_import(cur, rotations.import_id)
    assert table_rows(cur, "expert_rotations") == []
    assert len(table_rows(cur, "referrals")) == 1


class FailOnImportsInsert:
    """A cursor that fails on the insert into ``imports``, like a full disk mid-commit."""

    def __init__(self, inner):
        self._inner = inner

    def execute(self, sql, *args, **kwargs):
        if " ".join(sql.split()).lower().startswith("insert into imports"):
            raise RuntimeError("simulated failure while writing the import log")
        return self._inner.execute(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_a_failure_in_the_middle_of_commit_rolls_everything_back(cur):
    load(cur, ROTATIONS_FILE)
    before = dump(cur)
    changed = ROTATIONS_FILE.replace(",40,", ",45,") + "R4,E4,钱医生,C2,V3,外科,副主任医师,2025-09-01,,手术,5,0,否\n"
    validation = validate(cur, changed)
    assert validation.ok
    with pytest.raises(RuntimeError, match="simulated failure"):
        commit_validation(FailOnImportsInsert(cur), validation)
    assert dump(cur) == before
    # the connection is usable afterwards, and the same validation then commits
    result = commit_validation(cur, validation)
    assert result.rows_changed == 2
    assert cur.execute("select patients_served from expert_rotations where record_id = 'R2'").fetchall() == [(45,)]


def test_a_failure_in_the_middle_of_a_first_commit_leaves_no_rows(cur):
    before = dump(cur)
    validation = validate(cur, ROTATIONS_FILE)
    with pytest.raises(RuntimeError):
        commit_validation(FailOnImportsInsert(cur), validation)
    assert dump(cur) == before


def test_validation_itself_writes_nothing(cur):
    before = dump(cur)
    validate(cur, ROTATIONS_FILE)
    validate(cur, _referrals_with_identities())
    validate(cur, ledger(VILLAGE, {}))
    assert dump(cur) == before


def test_import_log_records_the_upload(cur):
    validation, result = load(cur, ROTATIONS_FILE, "专家下沉.csv")
    row = cur.execute("select dataset, file_name, content_hash, rows_imported, rows_changed, rows_rejected, "
                      "warnings, undone_at from imports where import_id = ?", [result.import_id]).fetchall()[0]
    assert row == ("expert_rotations", "专家下沉.csv", hashlib.sha256(ROTATIONS_FILE.encode("utf-8")).hexdigest(),
                   3, 3, 0, len(validation.warnings), None)
