"""Blank templates: every template re-uploads as its dataset with no error, and explains each
column from the contract (institutions into an empty store; the others once the institutions
their examples name are stored)."""

from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from sinkview.ingest import templates
from sinkview.ingest.contract import DATASETS, DOMAINS
from sinkview.ingest.importer import import_file, validate_upload
from sinkview.store.database import Store

# The institutions the other templates' examples refer to, besides the institutions example.
EXAMPLE_INSTITUTIONS = (
    "机构编码,机构名称,机构层级,上级机构编码\n"
    "H0101,示例乡卫生院,乡镇卫生院,H0001\n"
    "H0102,示例村卫生室,村卫生室,H0101\n"
).encode()
OTHER_DATASETS = [name for name in DATASETS if name != "institutions"]


def files(name: str) -> dict[str, bytes]:
    return {"csv": templates.template_csv(name), "xlsx": templates.template_xlsx(name, "zh")}


def assert_clean(validation, name: str) -> None:
    assert validation.file_error is None
    assert validation.dataset.name == name
    assert validation.errors.empty, validation.errors.to_dict("records")
    assert validation.warnings == []
    assert validation.rows_valid == validation.rows_total == 1


@pytest.fixture(scope="module")
def store_with_institutions():
    store = Store(":memory:")
    import_file(store.cursor(), templates.template_csv("institutions"), "institutions.csv")
    import_file(store.cursor(), EXAMPLE_INSTITUTIONS, "examples.csv")
    import_file(store.cursor(), templates.template_csv("party_organisations"), "organisations.csv")  # for activities
    yield store
    store.close()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_institutions_template_uploads_into_an_empty_store(kind):
    store = Store(":memory:")
    raw = files("institutions")[kind]
    assert_clean(validate_upload(store.cursor(), raw, f"t.{kind}"), "institutions")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("name", OTHER_DATASETS)
def test_template_is_recognised_with_no_error(store_with_institutions, name, kind):
    raw = files(name)[kind]
    assert_clean(validate_upload(store_with_institutions.cursor(), raw, f"t.{kind}"), name)


@pytest.mark.parametrize("name", list(DATASETS))
def test_csv_template_has_bom_chinese_headers_and_one_example_row(name):
    text = templates.template_csv(name)
    assert text.startswith(b"\xef\xbb\xbf")
    header, example, *rest = text.decode("utf-8-sig").splitlines()
    assert header.split(",") == [column.aliases[0] for column in DATASETS[name].columns]
    assert example and rest == []


@pytest.mark.parametrize("name", list(DATASETS))
def test_xlsx_template_has_data_sheet_and_notes_sheet(name):
    dataset = DATASETS[name]
    book = CalamineWorkbook.from_filelike(io.BytesIO(templates.template_xlsx(name, "zh")))
    assert book.sheet_names == [dataset.sheet_name, "填写说明"]
    data = book.get_sheet_by_name(dataset.sheet_name).to_python()
    assert data[0] == [column.aliases[0] for column in dataset.columns] and len(data) == 2
    notes = book.get_sheet_by_name("填写说明").to_python(skip_empty_area=False)
    assert notes[2][:2] == ["列名", "英文列名"]
    assert [row[1] for row in notes[3:]] == [column.name for column in dataset.columns]


def test_examples_name_only_contract_columns_and_fill_every_required_one():
    for name, example in templates.EXAMPLES.items():
        dataset = DATASETS[name]
        assert set(example) <= set(dataset.column_by_name), name
        assert set(dataset.required) <= set(example), name
    assert set(templates.EXAMPLES) == set(DATASETS)


def test_explanation_lists_every_label_and_code_of_an_enumeration():
    explanation = templates.explanation_frame(DATASETS["expert_rotations"], "zh").set_index("英文列名")
    activity = explanation.loc["activity", "可填写的值"]
    for code, labels in DOMAINS["activity"].items():
        assert code in activity and all(label in activity for label in labels)
    assert explanation.loc["activity", "必填"] == "是"
    assert explanation.loc["end_date", "规则"] == "为空时同开始日期；不得早于开始日期"


def test_explanation_in_english_uses_the_english_rules():
    explanation = templates.explanation_frame(DATASETS["referrals"], "en").set_index("English name")
    assert explanation.loc["accepted_date", "Rule"] == "not before referral_date"
    assert explanation.loc["referral_date", "Required"] == "yes"
    assert "ICD10, ICD-10" == explanation.loc["icd10", "Other accepted headers"]


def test_notes_csv_is_utf8_with_bom():
    notes = templates.explanation_csv("village_coverage", "zh")
    assert notes.startswith(b"\xef\xbb\xbf") and "行政村代码".encode() in notes
