"""The data page (pages/data.py) in AppTest: upload → check and preview → import → history → undo.

Each test starts from its own store, seeded with one institution so that the sample county is
not loaded, signs in as an editor and drives the page with real files: a GBK institutions
ledger with a title row and a 合计 row, and a referrals ledger with one bad date.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from sinkview.store import audit
from sinkview.app import accounts, data_page
from sinkview.app import context as app_context
from sinkview.metrics.evaluator import compute_indicators
from sinkview.metrics import cells
from sinkview.metrics.evaluator import evaluate
from sinkview.ingest.importer import import_file, validate_upload
from sinkview.store.database import Store
from tests.builders import serve_to_app

APP = str(Path(__file__).resolve().parents[1] / "app.py")
YEAR = (date(2025, 1, 1), date(2025, 12, 31))

SEED = "机构编码,机构名称,机构层级\nS001,种子县医院,县级医院\n".encode()

# Title on line 1, header on line 2, data on lines 3-5, 合计 on line 6.
INSTITUTIONS = (
    "清河县测试医共体机构名录（2025年）\n"
    "机构编码,机构名称,机构层级,上级机构编码,所属医共体,县区,乡镇\n"
    "T001,测试县人民医院,县级医院,,测试医共体,测试县,城关镇\n"
    "T002,测试乡卫生院,乡镇卫生院,T001,测试医共体,测试县,东乡\n"
    "T003,测试村卫生室,村卫生室,T002,测试医共体,测试县,东乡\n"
    "合计,3,,,,,\n"
).encode("gbk")

# Title on line 1, header on line 2; the bad date is on line 4.
REFERRALS = (
    "2025年第三季度双向转诊台账\n"
    "转诊单号,患者标识,转诊日期,转出机构编码,转入机构编码,转诊方向,转诊状态,接收日期\n"
    "RF1,P1,2025-07-03,T002,T001,上转,已完成,2025-07-04\n"
    "RF2,P2,03/05/2025,T002,T001,上转,已完成,\n"
    "RF3,P3,2025/8/9,T001,T002,下转,已完成,2025-08-10\n"
).encode("utf-8")

# A later ledger that changes RF1 (now rejected) and adds RF4: undoing it must restore RF1.
REFERRALS_UPDATE = (
    "转诊单号,患者标识,转诊日期,转出机构编码,转入机构编码,转诊方向,转诊状态,接收日期\n"
    "RF1,P1,2025-07-03,T002,T001,上转,已拒绝,\n"
    "RF4,P4,2025-09-01,T003,T001,上转,已完成,2025-09-02\n"
).encode("utf-8")


def digest_key(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


PASSWORD = "correct horse battery"


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "x.duckdb"
    seed = Store(path)
    import_file(seed.cursor(), SEED, "seed.csv")
    monkeypatch.setattr(accounts, "BCRYPT_ROUNDS", 4)
    accounts.add_user(seed.cursor(), "clerk", PASSWORD, "editor", by="test")
    accounts.add_user(seed.cursor(), "reader", PASSWORD, "viewer", by="test")
    seed.close()
    serve_to_app(path, monkeypatch)
    return path


def open_page(user: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input(key="sv_login_name").input(user)
    at.text_input(key="sv_login_password").input(PASSWORD)
    at.button(key="sv_login_submit").click().run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    return at


@pytest.fixture
def app(db_path) -> AppTest:
    return open_page("clerk")


def on_store(db_path: Path, work):
    """``work(connection)`` in one unit of work on the app's (shared) store."""
    with app_context.get_store(str(db_path)).write("test") as con:
        return work(con)


def count(db_path: Path, table: str) -> int:
    return on_store(db_path, lambda con: con.execute(f"select count(*) from {table}").fetchall())[0][0]


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="sv_upload").set_value([(name, raw, "text/csv") for name, raw in files]).run()
    assert not at.exception
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception
    return at


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def texts(elements) -> str:
    return "\n".join(str(element.value) for element in elements)


def test_upload_import_history_undo(app, db_path):
    upload(app, ("机构.csv", INSTITUTIONS), ("转诊.csv", REFERRALS))
    # Recognised and previewed, with the title and total rows reported; nothing written yet.
    assert "**机构名录**：共 3 行" in texts(app.markdown)
    notes = texts(app.warning)
    assert "表头位于第 2 行" in notes and "合计行：第 6 行" in notes
    preview = table_with(app, "机构层级")
    assert preview["行号"].tolist() == [3, 4, 5] and preview["机构层级"].tolist()[0] == "县级医院"
    assert count(db_path, "institutions") == 1 and count(db_path, "imports") == 1

    click(app, f"sv_import_{digest_key(INSTITUTIONS)}")
    assert "已导入 机构.csv（机构名录）：导入 3 行" in texts(app.success)
    assert count(db_path, "institutions") == 4
    # The referrals were checked again against the new institutions: only the bad date is left.
    errors = table_with(app, "原因")
    assert errors[["行号", "列", "值"]].values.tolist() == [[4, "转诊日期", "03/05/2025"]]
    assert errors["原因"].iloc[0].startswith("日期无法识别")
    assert app.button(key=f"sv_import_{digest_key(REFERRALS)}").disabled
    assert count(db_path, "referrals") == 0

    click(app, f"sv_import_valid_{digest_key(REFERRALS)}")
    stored = on_store(db_path, lambda con: con.execute("select referral_id from referrals order by 1").fetchall())
    assert stored == [("RF1",), ("RF3",)]
    assert "拒绝 1 行" in texts(app.success)
    history = table_with(app, "文件名")
    assert history["文件名"].tolist()[:2] == ["转诊.csv", "机构.csv"]
    assert history["拒绝行数"].tolist()[0] == 1

    before = on_store(db_path, lambda con: compute_indicators(con, *YEAR, None))
    before_rows = on_store(db_path, lambda con: con.execute("select * from referrals order by referral_id").fetchall())
    upload(app, ("转诊更新.csv", REFERRALS_UPDATE))
    click(app, f"sv_import_{digest_key(REFERRALS_UPDATE)}")
    assert on_store(db_path, lambda con: compute_indicators(con, *YEAR, None)) != before
    assert on_store(db_path, cells.is_fresh)  # the import recomputed the stored quarters and years

    click(app, "sv_undo_referrals")             # the first click only asks
    assert count(db_path, "referrals") == 3
    assert "转诊更新.csv" in texts(app.warning)
    click(app, "sv_undo_confirm_referrals")
    assert "已撤销 转诊更新.csv" in texts(app.success)
    assert on_store(db_path, lambda con: compute_indicators(con, *YEAR, None)) == before
    assert on_store(db_path, cells.is_fresh)  # and so did the undo
    assert on_store(db_path, lambda con: cells.lookup(con, [YEAR], "none", None, None, []))[0, None] == \
        on_store(db_path, lambda con: evaluate(con, [YEAR], stored=False))[0, None]
    assert on_store(db_path, lambda con: con.execute("select * from referrals order by referral_id").fetchall()) == before_rows
    assert table_with(app, "撤销时间")["撤销时间"].iloc[0] != ""
    assert set(table_with(app, "操作人")["操作人"].head(3)) == {"clerk"}
    actions = on_store(db_path, audit.recent)
    assert actions.query("who == 'clerk'")["action"].tolist()[:4] == ["undo", "import", "import", "import"]


def test_discard_writes_nothing(app, db_path):
    upload(app, ("机构.csv", INSTITUTIONS))
    click(app, f"sv_discard_{digest_key(INSTITUTIONS)}")
    assert "已放弃 机构.csv" in texts(app.info)
    assert not [b for b in app.button if b.key and b.key.startswith("sv_import_")]
    assert count(db_path, "institutions") == 1 and count(db_path, "imports") == 1


def test_english_translates_reasons(app, db_path):
    on_store(db_path, lambda con: import_file(con, INSTITUTIONS, "机构.csv"))
    upload(app, ("referrals.csv", REFERRALS))
    app.segmented_control(key="sv_lang").set_value("en").run()
    errors = table_with(app, "Reason")
    assert errors["Row"].tolist() == [4]
    assert errors["Reason"].iloc[0].startswith("not a date")
    assert "Recognised as **Referrals**" in texts(app.markdown)


def test_file_with_missing_columns_is_refused(app, db_path):
    upload(app, ("缺列.csv", "机构编码,机构名称,上级机构编码,县区,乡镇,床位数\nX1,某医院,,某县,某镇,20\n".encode()))
    assert "缺少必填列：机构层级" in texts(app.error)
    assert not [b for b in app.button if b.key and b.key.startswith("sv_import")]


def test_file_above_the_limit_is_refused():
    limit = st.get_option("server.maxUploadSize")
    assert data_page.size_refusal(limit * 1024 * 1024, limit) is None
    refusal = data_page.size_refusal(limit * 1024 * 1024 + 1, limit)
    assert refusal.code == "file_too_large" and refusal.params["limit_mb"] == limit


def test_unexpected_failure_is_translated_and_logged_without_values(app, db_path, monkeypatch, caplog):
    mobile = "138" + "00138000"   # a cell value the exception message quotes

    def failing_commit(*args, **kwargs):
        raise RuntimeError(f"value {mobile} in a cell")

    monkeypatch.setattr(data_page, "commit_validation", failing_commit)
    upload(app, ("机构.csv", INSTITUTIONS))
    with caplog.at_level(logging.ERROR, logger="sinkview.app.data_page"):
        click(app, f"sv_import_{digest_key(INSTITUTIONS)}")
    assert "意外错误" in texts(app.error)
    assert "RuntimeError" in caplog.text and mobile not in caplog.text
    assert count(db_path, "institutions") == 1


def test_upload_limit_is_stated(app):
    assert f"单个文件不超过 {st.get_option('server.maxUploadSize')} MB" in texts(app.caption)


def test_a_viewer_may_read_the_history_but_not_upload_or_undo(db_path):
    at = open_page("reader")
    assert not [uploader for uploader in at.file_uploader]
    assert "只有管理员和数据员可以上传数据" in texts(at.info)
    assert "seed.csv" in table_with(at, "文件名")["文件名"].tolist()
    assert not [b for b in at.button if b.key and b.key.startswith("sv_undo")]


def test_error_details_name_labels_not_codes():
    store = Store(":memory:")
    import_file(store.cursor(), "机构编码,机构名称,机构层级\nA1,县医院,县级医院\nB1,某村卫生室,村卫生室\n".encode(), "i.csv")
    staff = "工号,流动类型,原机构编码,目标机构编码,开始日期\nS1,下派,,B1,2025-03-05\n".encode()
    village = ("统计期,行政村代码,行政村,乡镇,所属卫生院编码,常住人口\n"
               "2025-Q1,043028110020,某村,某镇,B1,900\n").encode()
    staff_reasons = data_page.error_frame(validate_upload(store.cursor(), staff, "s.csv"), "zh")["原因"]
    village_reasons = data_page.error_frame(validate_upload(store.cursor(), village, "v.csv"), "en")["Reason"]
    assert staff_reasons.tolist() == ["必填项为空（仅“招聘”类可为空）"]
    assert village_reasons.tolist() == ["wrong kind of institution (must be Township health centre)"]


def test_the_preview_and_the_history_show_empty_cells_empty():
    store = Store(":memory:")
    import_file(store.cursor(), "机构编码,机构名称,机构层级\nA1,县医院,县级医院\nT1,某镇卫生院,乡镇卫生院\n".encode(), "i.csv")
    staff = "工号,流动类型,原机构编码,目标机构编码,开始日期\nS1,招聘,,T1,2025-03-05\n".encode()
    validation = validate_upload(store.cursor(), staff, "s.csv")
    assert validation.ok
    preview = data_page.preview_frame(validation, "zh")
    assert preview["原机构编码"].tolist() == [""]            # recruited from outside: no home institution
    assert preview["目标机构编码"].tolist() == ["T1"]
    assert preview["开始日期"].tolist() == ["2025-03-05"]     # one type per column: a table cannot mix
    history = pd.DataFrame({"import_id": [1, 2], "dataset": ["staff_movements"] * 2, "file_name": ["s.csv"] * 2,
                            "mapping_name": [None] * 2, "imported_by": ["sample", "王芳"],
                            "imported_at": [pd.Timestamp("2025-03-05 08:30")] * 2, "undone_at": [None] * 2})
    shown = data_page.history_frame(history, "zh")
    assert shown.iloc[0].tolist() == [1, "人才流动", "s.csv", "", "示例数据", "2025-03-05 08:30", ""]
    assert shown.iloc[1].tolist()[4] == "王芳"
    assert data_page.history_frame(history, "en").iloc[0].tolist()[4] == "sample data"


def test_the_uploaders_own_words_are_given_in_the_users_language(monkeypatch):
    from sinkview.app import widgets
    style = widgets.uploader_words("zh", 1024)
    assert 'content: "选择文件"' in style
    assert 'content: "或拖放到此处 · 每个文件不超过 1024 MB · CSV、XLSX"' in style
    assert 'content: "Upload"' in widgets.uploader_words("en", 1024)
    monkeypatch.setattr(widgets, "t", lambda key, lang, **params: 'say "hi" \\ there')
    assert 'content: "say \\"hi\\" \\\\ there"' in widgets.uploader_words("en", 1)   # quotes cannot end the string


def test_the_data_page_carries_the_uploader_words(app):
    styles = [element.proto.body for element in app.get("html")]
    assert any("选择文件" in style for style in styles)
