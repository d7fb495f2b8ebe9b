"""Reading uploads exactly as the user sees them (data-contract.md, "Files in general").

Covers encodings, delimiters, XLSX, title and total rows, header matching, dataset recognition
and row numbering. Every fixture is built here, and its bytes are written with an explicit
encoding.
"""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
import xlsxwriter

from sinkview.ingest.importer import commit_validation, validate_upload
from sinkview.ingest.reader import OVERFLOW, ROW_NUMBER, UnreadableFile, read_upload
from sinkview.store.database import Store

# --------------------------------------------------------------------------- helpers

INST_HEADER = ["机构编码", "机构名称", "机构层级", "医共体"]
INST_ROWS = [["C1", "县人民医院", "county_hospital", "甲医共体"],
             ["T1", "城关镇卫生院", "township_center", "甲医共体"]]


def csv_text(header: list[str], rows: list[list[str]], sep: str = ",", title: list[str] = (),
             footer: list[str] = ()) -> str:
    """A CSV file as text: title lines, the header, the rows, then footer lines."""
    lines = [*title, sep.join(header), *(sep.join(r) for r in rows), *footer]
    return "\n".join(lines) + "\n"


def xlsx_bytes(sheets: list[tuple[str, list[list]]]) -> bytes:
    """An XLSX workbook: strings as text cells, numbers as numbers, dates as native dates."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    time_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, rows in sheets:
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, time_format)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_format)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write_number(r, c, value)
    book.close()
    return buffer.getvalue()


def cells(table, column: str) -> list:
    return table.table.column(column).to_pylist()


def row_numbers(table) -> list[int]:
    return table.table.column(ROW_NUMBER).to_pylist()


@pytest.fixture
def cursor():
    """A scratch store holding a few institutions, for checks that go through validation."""
    store = Store(":memory:")
    cur = store.cursor()
    text = csv_text(["inst_id", "inst_name", "tier", "community"],
                    [["C1", "县人民医院", "county_hospital", "甲"],
                     ["T1", "城关镇卫生院", "township_center", "甲"]])
    commit_validation(cur, validate_upload(cur, text.encode("utf-8"), "inst.csv"))
    yield cur
    store.close()


# --------------------------------------------------------------------------- encodings

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(encoding):
    raw = csv_text(INST_HEADER, INST_ROWS).encode(encoding)
    table = read_upload(raw)
    assert table.dataset.name == "institutions"
    assert cells(table, "inst_name") == ["县人民医院", "城关镇卫生院"]
    assert cells(table, "community") == ["甲医共体", "甲医共体"]
    assert table.header_row == 1
    assert row_numbers(table) == [2, 3]


def test_utf8_bom_is_not_part_of_the_first_header():
    raw = csv_text(["inst_id", "inst_name", "tier"], [["C1", "县人民医院", "county_hospital"]]).encode("utf-8-sig")
    table = read_upload(raw)
    assert table.headers["inst_id"] == "inst_id"
    assert table.missing_columns == []
    assert cells(table, "inst_id") == ["C1"]


@pytest.mark.parametrize("rare", ["𠀀", "𪚥", "䶮"])
def test_gb18030_with_a_character_outside_gbk(rare):
    name = f"{rare}家村卫生室"
    with pytest.raises(UnicodeEncodeError):
        name.encode("gbk")            # the fixture really needs GB18030
    raw = csv_text(INST_HEADER, [["V1", name, "村卫生室", "甲医共体"]] + INST_ROWS).encode("gb18030")
    table = read_upload(raw)
    assert cells(table, "inst_name")[0] == name
    assert cells(table, "tier")[0] == "村卫生室"


def test_gbk_with_title_rows_and_total_row():
    raw = csv_text(INST_HEADER, INST_ROWS, title=["2025年机构名录", "", "单位：县卫生健康局"],
                   footer=["合计,2,,"]).encode("gbk")
    table = read_upload(raw)
    assert table.header_row == 4
    assert row_numbers(table) == [5, 6]
    assert table.total_rows_dropped == [7]
    assert cells(table, "inst_name") == ["县人民医院", "城关镇卫生院"]


# --------------------------------------------------------------------------- delimiters

@pytest.mark.parametrize("sep", [",", "\t", ";"])
def test_delimiters_are_detected(sep):
    rows = [["C1", "县人民医院", "county_hospital", "甲医共体"],
            ["T1", "城关镇卫生院", "township_center", ""],
            ["V1", "李家村卫生室", "village_clinic", "乙医共体"]]
    table = read_upload(csv_text(INST_HEADER, rows, sep=sep).encode("utf-8"))
    assert table.dataset.name == "institutions"
    assert cells(table, "inst_id") == ["C1", "T1", "V1"]
    assert cells(table, "community") == ["甲医共体", "", "乙医共体"]
    assert table.unknown_columns == []


def test_semicolon_file_with_commas_in_values():
    """A semicolon file whose text cells hold commas (e.g. a European export)."""
    rows = [["C1", "县人民医院,总院", "county_hospital", "甲"], ["T1", "卫生院,分院", "township_center", "甲"],
            ["T2", "镇卫生院", "township_center", "甲"]]
    table = read_upload(csv_text(INST_HEADER, rows, sep=";").encode("utf-8"))
    assert cells(table, "inst_name") == ["县人民医院,总院", "卫生院,分院", "镇卫生院"]


def test_crlf_line_endings_with_title_rows():
    text = csv_text(INST_HEADER, INST_ROWS, title=["2025年机构名录", ""]).replace("\n", "\r\n")
    table = read_upload(text.encode("gbk"))
    assert table.header_row == 3
    assert row_numbers(table) == [4, 5]
    assert cells(table, "inst_id") == ["C1", "T1"]
    assert cells(table, "community") == ["甲医共体", "甲医共体"]


# --------------------------------------------------------------------------- XLSX

VOLUME_HEADER = ["月份", "机构编码", "门急诊人次", "出院人次", "中医诊疗人次", "医保基金支出(元)", "所属医共体"]


def test_xlsx_first_sheet_is_read():
    raw = xlsx_bytes([("Sheet1", [INST_HEADER, *INST_ROWS]), ("Sheet2", [["备注"], ["无关"]])])
    table = read_upload(raw)
    assert table.dataset.name == "institutions"
    assert table.encoding == "xlsx"
    assert cells(table, "inst_id") == ["C1", "T1"]
    assert row_numbers(table) == [2, 3]


@pytest.mark.parametrize("sheet_name", ["service_volume", "服务量"])
def test_xlsx_sheet_named_after_the_dataset_is_chosen_over_the_first(sheet_name):
    raw = xlsx_bytes([
        ("填表说明", [["本表按月填报"], ["机构编码", "机构名称", "机构层级"], ["X", "说明", "县医院"]]),
        (sheet_name, [VOLUME_HEADER, ["2025-09", "T1", 100, 10, 5, 1000, None]]),
    ])
    table = read_upload(raw)
    assert table.dataset.name == "service_volume"
    assert cells(table, "inst_id") == ["T1"]
    # also when the user forces the dataset
    assert cells(read_upload(raw, "service_volume"), "inst_id") == ["T1"]


def test_xlsx_native_dates_numbers_and_text_cells():
    raw = xlsx_bytes([("服务量", [
        ["2025年服务量月报"],
        [],
        VOLUME_HEADER,
        [dt.date(2025, 9, 1), "043028110020", 1200.0, 12, 30.5, 1234.56, "甲"],
        [dt.datetime(2025, 8, 15, 13, 30), 4302811002.0, 12.0, None, 3, 0.1, None],
        ["合计", None, 1212, 12, None, None, None],
    ])])
    table = read_upload(raw)
    assert table.header_row == 3
    assert table.title_rows == 2
    assert row_numbers(table) == [4, 5]
    assert table.total_rows_dropped == [6]
    assert cells(table, "period") == ["2025-09-01", "2025-08-15"]          # native dates, time dropped
    assert cells(table, "inst_id") == ["043028110020", "4302811002"]       # text kept; numbers lose ".0"
    assert cells(table, "outpatient_visits") == ["1200", "12"]             # 12.0 -> "12"
    assert cells(table, "admissions") == ["12", ""]
    assert cells(table, "tcm_visits") == ["30.5", "3"]
    assert cells(table, "insurance_fund") == ["1234.56", "0.1"]
    assert cells(table, "community") == ["甲", ""]


def test_xlsx_blank_row_in_the_middle_keeps_row_numbers(cursor):
    raw = xlsx_bytes([("机构名录", [
        INST_HEADER,
        ["T2", "东乡卫生院", "township_center", "甲"],
        [],
        ["T3", "西乡卫生院", "没有这个层级", "甲"],
    ])])
    validation = validate_upload(cursor, raw, "inst.xlsx")
    assert validation.errors[["row", "column", "value", "reason"]].values.tolist() == [
        [4, "机构层级", "没有这个层级", "bad_enum"]]


def test_xlsx_table_not_starting_at_a1():
    raw = xlsx_bytes([("Sheet1", [
        [],
        [None, "2025年机构名录"],
        [],
        [None, "机构编码", "机构名称", "机构层级"],
        [None, "C1", "县人民医院", "县医院"],
    ])])
    table = read_upload(raw)
    assert table.header_row == 4
    assert row_numbers(table) == [5]
    assert cells(table, "inst_id") == ["C1"]
    assert cells(table, "tier") == ["县医院"]


def test_corrupt_xlsx_is_reported():
    raw = b"PK\x03\x04" + os.urandom(300)
    with pytest.raises(UnreadableFile) as problem:
        read_upload(raw)
    assert problem.value.code == "file_bad_xlsx"


# --------------------------------------------------------------------------- title and total rows

TITLE_LINES = ["2025年第三季度机构名录", "", "单位：县卫生健康局", "填报人：王五", "填报日期：2025年10月8日"]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_title_rows_above_the_header(count):
    raw = csv_text(INST_HEADER, INST_ROWS, title=TITLE_LINES[:count]).encode("utf-8")
    table = read_upload(raw)
    assert table.header_row == count + 1
    assert table.title_rows == count
    assert row_numbers(table) == [count + 2, count + 3]
    assert cells(table, "inst_id") == ["C1", "T1"]


def test_title_row_spanning_columns_like_a_merged_excel_cell():
    raw = csv_text(INST_HEADER, INST_ROWS, title=["2025年机构名录,,,", ",,,"]).encode("gbk")
    table = read_upload(raw)
    assert table.header_row == 3
    assert row_numbers(table) == [4, 5]


def test_merged_cells_give_every_row_they_span_the_value_excel_shows(cursor):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Sheet1")
    sheet.merge_range("A1:D1", "2025年机构名录")          # a title across columns: left as it is
    sheet.write_row(1, 0, INST_HEADER)
    sheet.write_row(2, 0, ["C1", "县人民医院", "county_hospital"])
    sheet.write_row(3, 0, ["T1", "城关镇卫生院", "township_center"])
    sheet.merge_range("D3:D5", "甲医共体")               # one community for three rows
    sheet.write_row(4, 0, ["T2", "东乡卫生院", "township_center"])
    sheet.write_row(5, 0, ["T3", "西乡卫生院", "township_center", "乙医共体"])
    book.close()
    raw = buffer.getvalue()
    table = read_upload(raw)
    assert table.header_row == 2
    assert cells(table, "community") == ["甲医共体", "甲医共体", "甲医共体", "乙医共体"]
    assert table.merged_rows_filled == [4, 5]
    validation = validate_upload(cursor, raw, "inst.xlsx")
    assert validation.errors.empty
    notices = {n.code: n.params for n in validation.warnings}
    assert notices["warn_merged_filled"] == {"count": 2, "rows": [4, 5]}


def test_a_merged_range_across_columns_fills_only_its_first_column_down():
    from sinkview.ingest.reader import _fill_merged_down
    rows = [["a", "", "x"], ["", "", "y"], ["", "", "z"]]
    # A1:B2 (two rows, two columns) and C1:C1 (one cell); a range running past the sheet's end.
    assert _fill_merged_down(rows, [((0, 0), (1, 1)), ((0, 2), (0, 2)), ((2, 0), (9, 0))]) == [2]
    assert rows == [["a", "", "x"], ["a", "", "y"], ["", "", "z"]]


def test_title_rows_are_reported_as_a_warning(cursor):
    raw = csv_text(INST_HEADER, [["T2", "东乡卫生院", "township_center", "甲"]],
                   title=TITLE_LINES[:3]).encode("utf-8")
    validation = validate_upload(cursor, raw, "inst.csv")
    notices = {n.code: n.params for n in validation.warnings}
    assert notices["warn_title_rows"] == {"count": 3, "header_row": 4}


@pytest.mark.parametrize("label", ["合计", "总计", "小计"])
def test_trailing_total_row_is_dropped_and_reported(label, cursor):
    rows = [["T2", "东乡卫生院", "township_center", "甲"], ["T3", "西乡卫生院", "township_center", "甲"]]
    raw = csv_text(INST_HEADER, rows, footer=[f"{label},2家,,"]).encode("gbk")
    table = read_upload(raw)
    assert cells(table, "inst_id") == ["T2", "T3"]
    assert table.total_rows_dropped == [4]
    validation = validate_upload(cursor, raw, "inst.csv")
    assert validation.errors.empty
    assert validation.rows_total == 2
    assert {n.code: n.params for n in validation.warnings}["warn_total_rows"] == {"rows": [4]}


def test_total_row_whose_first_cell_is_empty_and_blank_lines_after_it():
    rows = [["C1", "县人民医院", "county_hospital", "甲"]]
    raw = csv_text(INST_HEADER, rows, footer=[",合计,,", "", ""]).encode("utf-8")
    table = read_upload(raw)
    assert table.total_rows_dropped == [3]
    assert cells(table, "inst_id") == ["C1"]


@pytest.mark.parametrize("label", ["合 计", " 合计 ", "总  计"])
def test_total_label_with_spaces_between_its_characters(label):
    table = read_upload(csv_text(INST_HEADER, INST_ROWS, footer=[f"{label},,,"]).encode("utf-8"))
    assert table.total_rows_dropped == [4]


def test_total_label_with_a_full_width_space():
    table = read_upload(csv_text(INST_HEADER, INST_ROWS, footer=["合\u3000计,,,"]).encode("gbk"))
    assert table.total_rows_dropped == [4]


def test_total_row_labelled_in_an_unknown_first_column(cursor):
    text = ("序号,机构编码,机构名称,机构层级,床位数\n"
            "1,T2,东乡卫生院,township_center,30\n"
            "2,T3,西乡卫生院,township_center,20\n"
            "合计,,,,50\n")
    table = read_upload(text.encode("gbk"))
    assert table.total_rows_dropped == [4]
    validation = validate_upload(cursor, text.encode("gbk"), "inst.csv")
    assert validation.errors.empty
    assert validation.rows_total == 2


def test_total_label_in_the_middle_is_data_not_a_total():
    rows = [["合计", "合计乡卫生院", "township_center", "甲"], ["C1", "县人民医院", "county_hospital", "甲"]]
    table = read_upload(csv_text(INST_HEADER, rows).encode("utf-8"))
    assert table.total_rows_dropped == []
    assert cells(table, "inst_id") == ["合计", "C1"]


# --------------------------------------------------------------------------- header matching

@pytest.mark.parametrize("written, canonical", [
    ("INST_ID", "inst_id"),
    ("Inst_Id", "inst_id"),
    ("  机构编码  ", "inst_id"),
    ("ｉｎｓｔ＿ｉｄ", "inst_id"),          # full-width letters
    ("Tier", "tier"),
    ("县（区）", "county"),                 # full-width brackets = 县(区)
    ("县 (区)", "county"),
    ("服务人口(人)", "population"),         # unit suffix
    ("服务人口（人）", "population"),       # full-width unit suffix
    ("床位数（张）", "beds"),
])
def test_institution_header_aliases(written, canonical):
    header = ["机构编码", "机构名称", "机构层级"]
    header = [h for h in header if {"机构编码": "inst_id", "机构层级": "tier"}.get(h) != canonical]
    header.append(written)
    rows = [["x"] * len(header)]
    table = read_upload(csv_text(header, rows).encode("utf-8"), "institutions")
    assert canonical in table.table.column_names
    assert table.headers[canonical] == written.strip()
    assert table.unknown_columns == []


@pytest.mark.parametrize("written, canonical", [
    ("距卫生院距离(km)", "distance_km"),
    ("距卫生院距离（km）", "distance_km"),
    ("距卫生院距离（公里）", "distance_km"),
    ("执业（助理）医师数", "licensed_doctors"),
    ("执业(助理)医师数(人)", "licensed_doctors"),
    ("执业（助理）医师数（人）", "licensed_doctors"),
    ("Village_Doctors", "village_doctors"),
    (" 常住人口（人） ", "population"),
])
def test_village_header_aliases(written, canonical):
    header = ["统计期", "行政村代码", "行政村", "乡镇", "所属卫生院编码", "村卫生室编码", "村医人数"]
    header = [h for h in header if not (canonical == "village_doctors" and h == "村医人数")]
    if canonical != "population":
        header.append("常住人口")
    header.append(written)
    table = read_upload(csv_text(header, [["1"] * len(header)]).encode("utf-8"))
    assert table.dataset.name == "village_coverage"
    assert canonical in table.table.column_names
    assert table.unknown_columns == []
    assert table.missing_columns == []


def test_insurance_fund_alias_with_its_unit_written_in_full_width():
    header = ["月份", "机构编码", "门急诊人次", "医保基金支出（元）"]
    table = read_upload(csv_text(header, [["2025-09", "T1", "1", "2.5"]]).encode("utf-8"))
    assert cells(table, "insurance_fund") == ["2.5"]


def test_unknown_extra_columns_are_named(cursor):
    header = INST_HEADER + ["备注", "填报人 "]
    raw = csv_text(header, [["T2", "东乡卫生院", "township_center", "甲", "新建", "王五"]]).encode("utf-8")
    table = read_upload(raw)
    assert table.unknown_columns == ["备注", "填报人"]
    validation = validate_upload(cursor, raw, "inst.csv")
    assert validation.errors.empty
    assert {n.code: n.params for n in validation.warnings}["warn_unknown_columns"] == {"columns": ["备注", "填报人"]}


def test_missing_required_columns_are_all_named(cursor):
    # 7 of the 11 institution columns: recognised, but inst_name and tier are missing
    header = ["机构编码", "上级机构编码", "医共体", "县区", "乡镇", "纬度", "经度"]
    raw = csv_text(header, [["C9", "", "甲", "某县", "城关镇", "28.1", "113.2"]]).encode("utf-8")
    validation = validate_upload(cursor, raw, "inst.csv")
    assert validation.file_error is not None
    assert validation.file_error.code == "file_missing_columns"
    assert sorted(validation.file_error.params["columns"]) == ["inst_name", "tier"]


def test_referrals_without_patient_key_or_identity_column_are_refused(cursor):
    # referral_id may be absent (it is derived); the patient needs a key or an identity column.
    header = ["转诊日期", "转出机构编码", "转入机构编码", "转诊方向", "诊断编码", "诊断名称", "转诊状态"]
    raw = csv_text(header, [["2025-09-01", "T1", "C1", "上转", "I10", "高血压", "已完成"]]).encode("utf-8")
    validation = validate_upload(cursor, raw, "ref.csv")
    assert validation.dataset.name == "referrals"
    assert validation.file_error.code == "file_no_patient_identity"


def test_missing_required_columns_of_referrals_are_all_named(cursor):
    header = ["患者标识", "转出机构编码", "转诊方向", "诊断编码", "诊断名称", "转诊状态"]
    raw = csv_text(header, [["P1", "T1", "上转", "I10", "高血压", "已完成"]]).encode("utf-8")
    validation = validate_upload(cursor, raw, "ref.csv")
    assert validation.dataset.name == "referrals"
    assert validation.file_error.code == "file_missing_columns"
    assert sorted(validation.file_error.params["columns"]) == ["referral_date", "to_inst_id"]


def test_no_header_at_all():
    raw = csv_text(["姓名", "年龄", "爱好"], [["张三", "30", "钓鱼"]]).encode("utf-8")
    with pytest.raises(UnreadableFile) as problem:
        read_upload(raw)
    assert problem.value.code == "file_no_header"


# --------------------------------------------------------------------------- dataset recognition

FULL_HEADERS = {
    "institutions": ["机构编码", "机构名称", "机构层级", "上级机构编码", "医共体", "县区", "乡镇", "纬度", "经度",
                     "服务人口", "床位数"],
    "expert_rotations": ["记录编号", "专家工号", "专家姓名", "派出机构编码", "接收机构编码", "专科", "职称",
                         "开始日期", "结束日期", "活动类型", "诊疗人次", "培训人次", "是否党员"],
    "referrals": ["转诊单号", "患者标识", "转诊日期", "转出机构编码", "转入机构编码", "转诊方向", "诊断编码",
                  "诊断名称", "转诊状态", "转诊原因", "接收日期"],
    "village_coverage": ["统计期", "行政村代码", "行政村", "乡镇", "所属卫生院编码", "村卫生室编码", "常住人口",
                         "村医人数", "执业(助理)医师数", "家庭医生签约人数", "高血压规范管理人数",
                         "糖尿病规范管理人数", "医保结算", "远程医疗", "党组织覆盖", "心电设备", "纬度", "经度",
                         "距卫生院距离"],
    "staff_movements": ["记录编号", "工号", "姓名", "流动类型", "原机构编码", "目标机构编码", "开始日期",
                        "结束日期", "职称", "专业", "学历", "是否党员"],
    "service_volume": ["月份", "机构编码", "门急诊人次", "出院人次", "中医诊疗人次", "医保基金支出", "所属医共体"],
}

REQUIRED_ONLY_HEADERS = {
    "institutions": ["机构编码", "机构名称", "机构层级"],
    "expert_rotations": ["专家工号", "派出机构编码", "接收机构编码", "专科", "开始日期", "活动类型"],
    "referrals": ["转诊单号", "患者标识", "转诊日期", "转出机构编码", "转入机构编码"],
    "village_coverage": ["统计期", "行政村代码", "行政村", "乡镇", "所属卫生院编码", "常住人口"],
    "staff_movements": ["工号", "流动类型", "开始日期", "原机构编码", "目标机构编码"],
    "service_volume": ["月份", "机构编码", "门急诊人次"],
}

ENGLISH_HEADERS = {
    "institutions": ["inst_id", "inst_name", "tier", "community"],
    "expert_rotations": ["record_id", "expert_id", "home_inst_id", "host_inst_id", "specialty", "start_date",
                         "activity"],
    "referrals": ["referral_id", "patient_key", "referral_date", "from_inst_id", "to_inst_id"],
    "village_coverage": ["period", "village_code", "village_name", "township", "township_center_id",
                         "population"],
    "staff_movements": ["movement_id", "staff_id", "movement_type", "from_inst_id", "to_inst_id", "start_date"],
    "service_volume": ["period", "inst_id", "outpatient_visits", "community"],
}


@pytest.mark.parametrize("headers", [FULL_HEADERS, REQUIRED_ONLY_HEADERS, ENGLISH_HEADERS],
                         ids=["full", "required-only", "english"])
@pytest.mark.parametrize("dataset", list(FULL_HEADERS))
def test_dataset_is_recognised_from_the_header(dataset, headers):
    header = headers[dataset]
    raw = csv_text(header, [["1"] * len(header)]).encode("utf-8")
    table = read_upload(raw)
    assert table.dataset.name == dataset
    assert table.missing_columns == []
    assert table.unknown_columns == []


@pytest.mark.parametrize("dataset", list(FULL_HEADERS))
def test_dataset_is_recognised_below_title_rows_in_gbk(dataset):
    header = FULL_HEADERS[dataset]
    raw = csv_text(header, [["1"] * len(header)], title=["某县医共体台账", ""]).encode("gbk")
    table = read_upload(raw)
    assert table.dataset.name == dataset
    assert table.header_row == 3


# --------------------------------------------------------------------------- row numbers

def test_row_numbers_count_title_header_and_blank_lines():
    text = csv_text(INST_HEADER, [
        ["C1", "县人民医院", "county_hospital", "甲"],     # line 4
        [""],                                              # line 5: blank
        ["T1", "城关镇卫生院", "township_center", "甲"],   # line 6
        [""],                                              # line 7: blank
        [""],                                              # line 8: blank
        ["V1", "李家村卫生室", "village_clinic", "甲"],    # line 9
    ], title=["2025年机构名录", ""])
    table = read_upload(text.encode("utf-8"))
    ids = dict(zip(row_numbers(table), cells(table, "inst_id")))
    assert ids[4] == "C1" and ids[6] == "T1" and ids[9] == "V1"


def test_error_rows_as_the_user_sees_them(cursor):
    text = csv_text(INST_HEADER, [
        ["T2", "东乡卫生院", "township_center", "甲"],       # line 3
        [""],                                                # line 4: blank
        ["T3", "西乡卫生院", "无此层级", "甲"],              # line 5: bad tier
        ["T4", "南乡卫生院", "township_center", "甲"],       # line 6
        ["T5", "", "township_center", "甲"],                 # line 7: no name
    ], title=["机构名录"])
    validation = validate_upload(cursor, text.encode("gbk"), "inst.csv")
    assert validation.errors[["row", "column", "reason"]].values.tolist() == [
        [5, "机构层级", "bad_enum"], [7, "机构名称", "required"]]
    assert validation.rows_total == 4


def test_ragged_row_with_fewer_cells_is_numbered_correctly(cursor):
    text = ("机构名录\n"
            "机构编码,机构名称,机构层级,医共体\n"
            "T2,东乡卫生院,township_center,甲\n"
            "T3,西乡卫生院\n"                                 # line 4: two cells only
            "T4,南乡卫生院,township_center,甲\n")
    table = read_upload(text.encode("utf-8"))
    assert row_numbers(table) == [3, 4, 5]
    assert cells(table, "tier") == ["township_center", "", "township_center"]
    validation = validate_upload(cursor, text.encode("utf-8"), "inst.csv")
    assert validation.errors[["row", "column", "reason"]].values.tolist() == [[4, "机构层级", "required"]]


def test_row_with_more_cells_than_the_header_is_reported(cursor):
    text = ("机构编码,机构名称,机构层级,医共体\n"
            "T2,东乡卫生院,township_center,甲\n"
            "T3,西乡卫生院,township_center,甲,多余,的值\n"   # line 3
            "T4,南乡卫生院,township_center,甲\n")
    table = read_upload(text.encode("utf-8"))
    assert table.table.column(OVERFLOW).to_pylist() == [False, True, False]
    validation = validate_upload(cursor, text.encode("utf-8"), "inst.csv")
    errors = validation.errors[["row", "reason"]].values.tolist()
    assert errors == [[3, "too_many_cells"]]
    assert validation.rows_valid == 2


def test_trailing_empty_cells_are_not_too_many(cursor):
    text = ("机构编码,机构名称,机构层级,医共体\n"
            "T2,东乡卫生院,township_center,甲,,\n")
    validation = validate_upload(cursor, text.encode("utf-8"), "inst.csv")
    assert validation.errors.empty


def test_quoted_cells_with_commas_and_newlines(cursor):
    text = ('机构编码,机构名称,机构层级,医共体\n'
            'T2,"东乡卫生院,分院",township_center,甲\n'
            'T3,"西乡\n卫生院",township_center,甲\n'
            'T4,南乡卫生院,无此层级,甲\n')
    table = read_upload(text.encode("utf-8"))
    assert cells(table, "inst_name")[:2] == ["东乡卫生院,分院", "西乡\n卫生院"]
    # The bad row is line 5 of the text file (the quoted newline takes a line); in Excel it is
    # row 4. Either way it must be one of those, and the other rows must be valid.
    validation = validate_upload(cursor, text.encode("utf-8"), "inst.csv")
    assert validation.errors["reason"].tolist() == ["bad_enum"]
    assert validation.errors["row"].tolist()[0] in (4, 5)


# --------------------------------------------------------------------------- unreadable files

@pytest.mark.parametrize("raw", [b"", b"   ", b"\n\n\r\n"], ids=["empty", "spaces", "newlines"])
def test_empty_file(raw):
    with pytest.raises(UnreadableFile) as problem:
        read_upload(raw)
    assert problem.value.code == "file_empty"


@pytest.mark.parametrize("raw", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"], ids=["bom", "bom-crlf"])
def test_empty_file_with_only_a_bom(raw):
    with pytest.raises(UnreadableFile) as problem:
        read_upload(raw)
    assert problem.value.code == "file_empty"


@pytest.mark.parametrize("raw", [
    b"\x00\x01\x02\x03binary\x00\xff\xfe",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    b"%PDF-1.7\n" + bytes(range(256)) * 4,
], ids=["nul-bytes", "png", "pdf"])
def test_binary_junk_is_refused_with_a_reason(raw):
    with pytest.raises(UnreadableFile) as problem:
        read_upload(raw)
    assert problem.value.code in ("file_binary", "file_encoding")


def test_binary_junk_through_validation_is_a_file_error(cursor):
    validation = validate_upload(cursor, b"\x00\x01\x02junk" * 50, "photo.jpg")
    assert validation.file_error is not None
    assert validation.file_error.code == "file_binary"
    assert not validation.ok
