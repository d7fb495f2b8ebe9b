"""The data page's column mapping in AppTest: a file whose headers are not recognised opens the
mapping form pre-filled with guesses; choosing a column updates the preview and errors; the
mapping is saved; the next upload of the same shape uses it by itself and says so; editors
rename and delete mappings; a platform-shaped referral export imports with its counts shown.
"""

from __future__ import annotations

import hashlib

from sinkview.ingest import mappings
from tests.test_page_data import PASSWORD, click, count, db_path, on_store, open_page, texts, upload  # noqa: F401

INSTITUTIONS = (
    "机构编码,机构名称,机构层级,上级机构编码,所属医共体,机构别名\n"
    "T001,测试县人民医院,县级医院,,测试医共体,县医院\n"
    "T002,测试乡卫生院,乡镇卫生院,T001,测试医共体,测试卫生院\n"
).encode("utf-8")

# An HR export: no header our aliases know for the staff id (人员编码) or the date (生效时间).
HR = ("人员变动表\n"
      "人员编码,人员类别,变动类型,原单位,现单位,生效时间\n"
      "S1,医生,下派,测试县人民医院,测试乡卫生院,2025-07-01\n"
      "S2,护士,调动,测试卫生院,县医院,2025-08-01\n").encode("gb18030")
HR_NEXT_MONTH = ("人员变动表（9月）\n"
                 "人员编码,人员类别,变动类型,原单位,现单位,生效时间\n"
                 "S3,医生,下派,测试县人民医院,测试乡卫生院,2025-09-01\n").encode("gb18030")

PLATFORM = ("转诊状态,当前状态时间,转诊类型,门诊/住院号,姓名,性别,年龄,联系电话,转出机构,转出科室,转诊医生,"
            "申请转诊日期,提交时间,转入机构,转入科室,接诊医生\n"
            "转诊完成,2025-07-04 09:00:00,上转,MZ001,王小明,男,56,13912345678,测试乡卫生院,全科,李医生,"
            "2025-07-03 14:23:11,2025-07-03 14:25:00,测试县人民医院,心内科,张医生\n"
            "待接诊,2025-07-05 09:00:00,下转,ZY002,李四,女,61,13800001111,县医院,心内科,张医生,"
            "2025-07-05 10:00:00,2025-07-05 10:01:00,测试卫生院,全科,\n").encode("gb18030")


def key(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def field(at, raw: bytes, name: str, dataset: str = "staff_movements", row: int = 1):
    return at.selectbox(key=f"sv_map_{key(raw)}_{dataset}_{row}_{name}")


def test_unrecognised_file_is_mapped_previewed_saved_and_reused(db_path):
    at = open_page("clerk")
    upload(at, ("机构.csv", INSTITUTIONS))
    click(at, f"sv_import_{key(INSTITUTIONS)}")
    upload(at, ("人事导出.csv", HR))
    # Not recognised: the form opens on the ledger it resembles, header row 2, guesses filled in.
    assert at.selectbox(key=f"sv_map_{key(HR)}_dataset").value == "staff_movements"
    assert at.number_input(key=f"sv_map_{key(HR)}_row").value == 2
    assert field(at, HR, "movement_type").value == "变动类型"
    assert field(at, HR, "from_inst_id").value == "原单位"
    assert field(at, HR, "staff_id").value == "人员编码"      # similar to 人员编号
    assert field(at, HR, "start_date").value == ""             # nothing close: the user chooses
    assert "开始日期" in texts(at.error)                       # a required field is still missing
    # Choosing the date column: the preview shows normalised rows, institutions as codes.
    field(at, HR, "start_date").set_value("生效时间").run()
    assert not at.exception
    preview = next(f.value for f in at.dataframe if "原机构编码" in f.value.columns)
    assert preview["原机构编码"].tolist() == ["T001", "T002"] and preview["目标机构编码"].tolist() == ["T002", "T001"]
    assert preview["行号"].tolist() == [3, 4]
    assert not at.button(key=f"sv_import_{key(HR)}").disabled
    # Save it under a name.
    at.text_input(key=f"sv_map_{key(HR)}_name").input("人事系统导出")
    click(at, f"sv_map_{key(HR)}_save")
    assert "已保存映射“人事系统导出”" in texts(at.success)
    assert "使用映射：人事系统导出" in texts(at.info)
    assert on_store(db_path, lambda con: mappings.find(con, "人事系统导出")).fields["start_date"] == "生效时间"
    click(at, f"sv_import_{key(HR)}")
    assert "新增 2 行" in texts(at.success)
    assert count(db_path, "staff_movements") == 2
    # The next month's export has the same header row: the mapping applies by itself.
    upload(at, ("人事导出-9月.csv", HR_NEXT_MONTH))
    assert "使用映射：人事系统导出" in texts(at.info)
    assert f"sv_map_{key(HR_NEXT_MONTH)}_dataset" not in [s.key for s in at.selectbox]
    click(at, f"sv_import_{key(HR_NEXT_MONTH)}")
    assert count(db_path, "staff_movements") == 3


def test_a_saved_mapping_can_be_changed_for_one_file(db_path):
    at = open_page("clerk")
    upload(at, ("机构.csv", INSTITUTIONS))
    click(at, f"sv_import_{key(INSTITUTIONS)}")
    upload(at, ("人事导出.csv", HR))
    field(at, HR, "start_date").set_value("生效时间").run()
    at.text_input(key=f"sv_map_{key(HR)}_name").input("人事")
    click(at, f"sv_map_{key(HR)}_save")
    click(at, f"sv_map_change_{key(HR)}")
    # The form reopens on the saved choices.
    assert field(at, HR, "start_date").value == "生效时间"
    field(at, HR, "staff_id").set_value("").run()
    assert "工号" in texts(at.error)


def test_mappings_are_renamed_and_deleted_on_their_tab(db_path):
    at = open_page("clerk")
    on_store(db_path, lambda con: mappings.save(con, "甲映射", mappings.ColumnMapping(
        "staff_movements", {"staff_id": "人员编码"}, ("人员编码", "变动类型")), who="clerk"))
    at.run()
    listed = next(f.value for f in at.dataframe if "已映射字段数" in f.value.columns)
    assert listed["名称"].tolist() == ["甲映射"] and listed["台账"].tolist() == ["人才流动"]
    at.text_input(key="sv_mapping_new_name_甲映射").input("乙映射")
    click(at, "sv_mapping_rename")
    assert on_store(db_path, lambda con: mappings.find(con, "乙映射")) is not None
    at.selectbox(key="sv_mapping_chosen").set_value("乙映射").run()
    click(at, "sv_mapping_delete")
    click(at, "sv_mapping_delete_confirm")
    assert on_store(db_path, mappings.listing).empty


def test_a_platform_referral_export_imports_and_shows_what_it_did(db_path):
    at = open_page("clerk")
    upload(at, ("机构.csv", INSTITUTIONS))
    click(at, f"sv_import_{key(INSTITUTIONS)}")
    upload(at, ("转诊平台导出.csv", PLATFORM))
    notes = texts(at.warning)
    assert "患者标识由“联系电话”列生成" in notes and "当前状态时间" in notes
    assert f"sv_map_{key(PLATFORM)}_dataset" not in [s.key for s in at.selectbox]
    click(at, f"sv_import_{key(PLATFORM)}")
    assert "导入 2 行——新增 2 行" in texts(at.success)
    stored = on_store(db_path, lambda con: con.execute("select from_inst_id, to_inst_id, status from referrals order by 1").fetchall())
    assert stored == [("T001", "T002", "pending"), ("T002", "T001", "completed")]
