"""The party ledgers end to end (data contract, sections 7 and 8): recognition, institutions by
code or name (covered lists with mixed separators), parent organisations and their cycles,
party_participants ≤ participants, dates, the import and its undo, and the templates.
"""

from __future__ import annotations

import csv
import io

import pytest

from sinkview.ingest.importer import import_file, latest_import, undo_import, validate_upload
from sinkview.ingest.messages import reason_text
from sinkview.store.database import Store
from sinkview.ingest.templates import template_csv
from tests.builders import csv_bytes

INSTITUTIONS = ("机构编码,机构名称,机构层级,上级机构编码,医共体,机构别名\n"
                "C1,清河县人民医院,县级医院,,甲,县医院\n"
                "T1,石桥镇中心卫生院,中心卫生院,C1,甲,石桥卫生院\n"
                "T2,东乡卫生院,乡镇卫生院,C1,甲,\n"
                "V1,李家村卫生室,村卫生室,T1,甲,\n"
                "V2,王家村卫生室,村卫生室,T2,甲,\n"
                "V3,张家村卫生室,村卫生室,T2,甲,\n").encode("utf-8")

ORG_HEADER = ["党组织编码", "党组织名称", "组织类型", "上级党组织编码", "所在机构", "覆盖机构", "党员人数", "书记",
              "成立日期", "撤销日期"]
ACTIVITY_HEADER = ["党组织编码", "活动日期", "活动类型", "活动主题", "开展机构", "参加人数", "参加党员人数",
                   "服务群众人次", "融合项目编号"]


ORGS = [
    ["D1", "医共体党委", "医共体党委", "", "清河县人民医院", "", "120", "张书记", "", ""],
    ["D2", "石桥分院党支部", "党支部", "D1", "石桥卫生院", "李家村卫生室", "15", "", "2025年3月15日", ""],
    ["D3", "东乡联合党支部", "联合党支部", "D1", "T2", "王家村卫生室、张家村卫生室 / V1", "", "", "", "2025-06-30"],
    ["D4", "李家村党小组", "党小组", "D2", "李家村卫生室", "", "3", "", "", ""],
]


@pytest.fixture
def cursor(tmp_path):
    store = Store(tmp_path / "p.duckdb")
    cur = store.cursor()
    assert import_file(cur, INSTITUTIONS, "机构.csv")[1] is not None
    yield cur
    store.close()


def errors_of(validation) -> list[tuple]:
    return [(r.row, r.column, r.value, r.reason, None if r.detail != r.detail else r.detail)
            for r in validation.errors.itertuples()]


def test_organisations_are_recognised_and_resolved(cursor):
    validation = validate_upload(cursor, csv_bytes(ORG_HEADER, ORGS, "gb18030", title=["清河县医共体党组织名录"]),
                                 "党组织.csv")
    assert validation.dataset.name == "party_organisations" and errors_of(validation) == []
    rows = {r["org_id"]: r for r in validation.staged.to_pylist()}
    assert rows["D1"]["level"] == "committee" and rows["D1"]["inst_id"] == "C1"
    assert rows["D1"]["covered_inst_ids"] is None and rows["D1"]["members"] == 120
    assert rows["D2"]["inst_id"] == "T1" and rows["D2"]["covered_inst_ids"] == ["V1"]
    assert rows["D2"]["established_date"].isoformat() == "2025-03-15"
    # a joint branch listing its clinics by name and code, with 、 and / between them
    assert rows["D3"]["covered_inst_ids"] == ["V2", "V3", "V1"]
    assert rows["D3"]["members"] is None and rows["D3"]["dissolved_date"].isoformat() == "2025-06-30"


@pytest.mark.parametrize("cell, codes", [
    ("V1;V2", ["V1", "V2"]), ("V1；V2", ["V1", "V2"]), ("V1,V2", ["V1", "V2"]), ("V1，V2", ["V1", "V2"]),
    ("V1/V2", ["V1", "V2"]), ("李家村卫生室 、 王家村卫生室", ["V1", "V2"]), ("V1、", ["V1"]),
])
def test_covered_lists_take_every_separator(cursor, cell, codes):
    validation = validate_upload(cursor, csv_bytes(ORG_HEADER, [["D9", "支部", "党支部", "", "T2", cell, "", "", "", ""]]),
                                 "o.csv")
    assert errors_of(validation) == []
    assert validation.staged.to_pylist()[0]["covered_inst_ids"] == codes


def test_unknown_institution_in_a_covered_list_is_named(cursor):
    validation = validate_upload(cursor, csv_bytes(ORG_HEADER, [["D9", "支部", "党支部", "", "T2", "V1、赵家村卫生室",
                                                                 "", "", "", ""]]), "o.csv")
    assert errors_of(validation) == [(2, "覆盖机构", "V1、赵家村卫生室", "unknown_inst_in_list", "赵家村卫生室")]
    assert "赵家村卫生室" in reason_text(validation.dataset, "unknown_inst_in_list", "赵家村卫生室", None, "zh")


def test_unknown_institution_where_it_sits_gets_suggestions(cursor):
    validation = validate_upload(cursor, csv_bytes(ORG_HEADER, [["D9", "支部", "党支部", "", "东乡镇卫生院", "", "",
                                                                 "", "", ""]]), "o.csv")
    assert errors_of(validation) == [(2, "所在机构", "东乡镇卫生院", "unknown_inst_suggest", "东乡卫生院")]


def test_parent_must_exist_in_the_file_or_the_store(cursor):
    validation = validate_upload(cursor, csv_bytes(ORG_HEADER, [ORGS[0], ["D5", "支部", "党支部", "D7", "T2", "", "", "",
                                                                          "", ""]]), "o.csv")
    assert errors_of(validation) == [(3, "上级党组织编码", "D7", "unknown_org", None)]
    assert import_file(cursor, csv_bytes(ORG_HEADER, ORGS), "o.csv")[1] is not None
    later = validate_upload(cursor, csv_bytes(ORG_HEADER, [["D5", "支部", "党支部", "D3", "T2", "", "", "", "", ""]]),
                            "o2.csv")
    assert errors_of(later) == []


def test_parent_cycles_are_errors_in_the_file_and_across_the_store(cursor):
    rows = [["A", "甲", "党支部", "B", "T2", "", "", "", "", ""], ["B", "乙", "党支部", "A", "T2", "", "", "", "", ""],
            ["C", "丙", "党小组", "A", "T2", "", "", "", "", ""], ["S", "自己", "党小组", "S", "T2", "", "", "", "", ""]]
    validation = validate_upload(cursor, csv_bytes(ORG_HEADER, rows), "o.csv")
    assert [(e[0], e[3]) for e in errors_of(validation)] == [(2, "parent_cycle"), (3, "parent_cycle"),
                                                             (5, "parent_cycle")]
    assert import_file(cursor, csv_bytes(ORG_HEADER, ORGS), "o.csv")[1] is not None
    # D1 stored as the root; a new file making D1 the child of D4 (a grandchild of D1) closes a loop
    loop = validate_upload(cursor, csv_bytes(ORG_HEADER, [["D1", "医共体党委", "党委", "D4", "C1", "", "", "", "", ""]]),
                           "o2.csv")
    assert [(e[1], e[3]) for e in errors_of(loop)] == [("上级党组织编码", "parent_cycle")]


def test_dissolved_before_established_is_an_error(cursor):
    validation = validate_upload(cursor, csv_bytes(ORG_HEADER, [["D9", "支部", "党支部", "", "T2", "", "", "",
                                                                 "2025-05-01", "2025-04-30"]]), "o.csv")
    assert errors_of(validation) == [(2, "撤销日期", "2025-04-30", "before_other", "成立日期")]


def test_activities_need_a_known_organisation_and_no_more_party_than_all_participants(cursor):
    import_file(cursor, csv_bytes(ORG_HEADER, ORGS), "o.csv")
    rows = [["D2", "2025-04-10", "主题党日", "义诊进村", "李家村卫生室", "12", "9", "80", ""],
            ["D3", "2025/4/28 15:00", "党课", "", "", "10", "11", "", ""],
            ["D8", "2025-04-30", "支委会", "", "", "", "", "", ""],
            ["D2", "2025-05-06", "党建业务融合项目", "胸痛救治", "", "", "", "", "XM-01"]]
    validation = validate_upload(cursor, csv_bytes(ACTIVITY_HEADER, rows), "活动.csv")
    assert validation.dataset.name == "party_activities"
    assert errors_of(validation) == [(3, "参加党员人数", "11", "more_than_other", "参加人数"),
                                     (4, "党组织编码", "D8", "unknown_org", None)]
    staged = validation.staged.to_pylist()
    assert staged[0]["activity_type"] == "theme_day" and staged[0]["location_inst_id"] == "V1"
    assert staged[1]["activity_date"].isoformat() == "2025-04-28" and staged[1]["location_inst_id"] is None
    assert staged[3]["project_id"] == "XM-01" and all(r["activity_id"].startswith("h:") for r in staged)


def test_import_history_and_undo_restore_the_ledgers_exactly(cursor):
    _, first = import_file(cursor, csv_bytes(ORG_HEADER, ORGS), "o.csv")
    before = cursor.execute("select * from party_organisations order by org_id").fetchall()
    changed = [row[:] for row in ORGS]
    changed[2][5] = "王家村卫生室"          # the joint branch now covers one clinic
    _, second = import_file(cursor, csv_bytes(ORG_HEADER, changed), "o2.csv")
    assert (second.rows_new, second.rows_replaced, second.rows_unchanged) == (0, 1, 3)
    assert cursor.execute("select covered_inst_ids from party_organisations where org_id = 'D3'").fetchall() == [(["V2"],)]
    assert latest_import(cursor, "party_organisations") == second.import_id
    undo_import(cursor, second.import_id)
    assert cursor.execute("select * from party_organisations order by org_id").fetchall() == before
    undo_import(cursor, first.import_id)
    assert cursor.execute("select count(*) from party_organisations").fetchall() == [(0,)]


@pytest.mark.parametrize("dataset", ["party_organisations", "party_activities"])
def test_templates_of_the_party_ledgers_read_back_as_their_ledger(cursor, dataset):
    header = next(csv.reader(io.StringIO(template_csv(dataset).decode("utf-8-sig"))))
    validation = validate_upload(cursor, template_csv(dataset), "t.csv")
    assert validation.dataset.name == dataset
    assert header[0] in ("党组织编码", "活动编号")
