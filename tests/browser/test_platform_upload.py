"""Real exports through a real browser: a referral platform's list view (institutions by name,
phones, timestamps, its own status words) imports as it comes, and an HR export whose headers
are not recognised is mapped column by column in the form, then imported."""

from __future__ import annotations

from tests.browser.conftest import ADMIN, SCREENSHOTS as SHOTS, wait_for_app

PLATFORM = ("转诊状态,当前状态时间,转诊类型,门诊/住院号,姓名,性别,年龄,联系电话,转出机构,转出科室,转诊医生,"
            "申请转诊日期,提交时间,转入机构,转入科室,接诊医生\n"
            "转诊完成,2025-12-04 09:00:00,上转,MZ900001,王小明,男,56,13912345678,清河县竹山乡卫生院,全科,李医生,"
            "2025-12-03 14:23:11,2025-12-03 14:25:00,清河县人民医院,心内科,张医生\n"
            "待接诊,2025-12-05 09:00:00,下转,ZY900002,李四,女,61,13800001111,县人民医院,心内科,张医生,"
            "2025-12-05 10:00:00,2025-12-05 10:01:00,清河县竹山乡卫生院,全科,\n")

HR = ("人员变动表（2025年12月）\n"
      "人员编码,人员类别,变动类型,原单位,现单位,生效时间\n"
      "S900001,医生,下派,清河县人民医院,清河县竹山乡卫生院,2025-12-01\n")


def sign_in(page, url: str) -> None:
    page.goto(f"{url}/data")
    wait_for_app(page)
    page.fill('input[aria-label="用户名"]', ADMIN[0])
    page.fill('input[aria-label="密码"]', ADMIN[1])
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector('input[type="file"]', state="attached")


def test_platform_export_imports_and_unrecognised_file_is_mapped(page, admin_server_url, tmp_path):
    sign_in(page, admin_server_url)
    export = tmp_path / "转诊记录导出.csv"
    export.write_bytes(PLATFORM.encode("gb18030"))
    page.set_input_files('input[type="file"]', str(export))
    import_button = page.get_by_role("button", name="导入", exact=True)
    import_button.wait_for()
    main = page.inner_text('[data-testid="stMain"]')
    assert "双向转诊" in main and "联系电话" in main and "13912345678" not in main
    import_button.click()
    page.wait_for_selector('[data-testid="stAlertContentSuccess"]')
    assert "新增 2 行" in page.inner_text('[data-testid="stMain"]')

    hr = tmp_path / "人事导出.csv"
    hr.write_bytes(HR.encode("gb18030"))
    page.set_input_files('input[type="file"]', [str(export), str(hr)])
    page.get_by_text("列映射：指定文件中的列").wait_for()
    wait_for_app(page)
    assert "缺少必填列：开始日期" in page.inner_text('[data-testid="stMain"]')
    # 开始日期 has no close header: choose 生效时间 in its select box.
    choice = page.get_by_label("开始日期 *")
    choice.click()
    page.keyboard.type("生效时间")
    page.get_by_role("option", name="生效时间").first.wait_for()
    page.keyboard.press("Enter")
    wait_for_app(page)
    page.wait_for_function("() => !document.body.innerText.includes('缺少必填列：开始日期')", timeout=60_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "data_mapping_zh.png"), full_page=True)
    buttons = page.get_by_role("button", name="导入", exact=True)
    buttons.last.wait_for()
    assert buttons.last.is_enabled()
    buttons.last.click()
    page.wait_for_selector('text=/已导入 人事导出.csv/')
    assert "新增 1 行" in page.inner_text('[data-testid="stMain"]')
