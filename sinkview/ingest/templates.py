"""Blank upload templates: one per dataset, as CSV and XLSX, generated from the data contract.

Owns one example value per column (the only column facts written here) and the explanation
of each column (header, English name, required, type, accepted values, rule) drawn from
``sinkview.ingest.contract``. The XLSX holds the template sheet and an explanation sheet; the CSV
template is data only (so it re-uploads as it is) and its explanation is a separate CSV.
"""

from __future__ import annotations

import io

import pandas as pd
import xlsxwriter

from sinkview.ingest.contract import DATASETS, DOMAINS, Column, Dataset
from sinkview.app.export import safe_csv
from sinkview.i18n import column_help, dataset_description, dataset_label, t

# One example row per dataset, as canonical values: enumerations by code and booleans as
# True/False (both written with their first Chinese label). A column not named stays blank.
# The institution ids the other datasets use (H0101, a township centre, and H0102, a village
# clinic) must be loaded before their examples validate; H0001 is the institutions example.
EXAMPLES: dict[str, dict[str, object]] = {
    "institutions": {
        "inst_id": "H0001", "inst_name": "示例县人民医院", "tier": "county_hospital",
        "community": "示例县第一医共体", "county": "示例县", "township": "城关镇",
        "latitude": 28.21, "longitude": 112.94, "population": 120000, "beds": 600,
    },
    "expert_rotations": {
        "record_id": "R0001", "expert_id": "E0001", "expert_name": "张三",
        "home_inst_id": "H0001", "host_inst_id": "H0101", "specialty": "心血管内科",
        "title_level": "senior", "start_date": "2025-03-05", "end_date": "2025-03-05",
        "activity": "clinic", "patients_served": 35, "trainees": 6, "party_member": True,
    },
    "referrals": {
        "referral_id": "Z0001", "patient_key": "P0001", "referral_date": "2025-03-05",
        "from_inst_id": "H0101", "to_inst_id": "H0001", "direction": "up", "icd10": "I10",
        "diagnosis": "高血压", "status": "completed", "reason": "需进一步检查",
        "accepted_date": "2025-03-06",
    },
    "village_coverage": {
        "period": "2025-Q1", "village_code": "043028110020", "village_name": "示例村",
        "township": "城关镇", "township_center_id": "H0101", "clinic_id": "H0102",
        "population": 1850, "village_doctors": 2, "licensed_doctors": 1,
        "contracted_residents": 1200, "hypertension_managed": 180, "diabetes_managed": 60,
        "insurance_settlement": True, "telemedicine": False, "party_group": True,
        "ecg_device": True, "latitude": 28.18, "longitude": 112.97, "distance_km": 6.5,
    },
    "staff_movements": {
        "movement_id": "M0001", "staff_id": "S0001", "staff_name": "李四",
        "movement_type": "dispatch_down", "from_inst_id": "H0001", "to_inst_id": "H0101",
        "start_date": "2025-03-05", "end_date": "2025-09-04", "title_level": "intermediate",
        "specialty": "全科医学", "education": "bachelor", "party_member": False,
    },
    "service_volume": {
        "period": "2025-03", "inst_id": "H0101", "outpatient_visits": 3200, "admissions": 85,
        "tcm_visits": 640, "insurance_fund": 412000.5,
    },
    "party_organisations": {
        "org_id": "D0101", "org_name": "示例乡卫生院党支部", "level": "branch", "inst_id": "H0101",
        "covered_inst_ids": "H0102", "members": 9, "secretary": "王五", "established_date": "2021-07-01",
    },
    "party_activities": {
        "activity_id": "A0001", "org_id": "D0101", "activity_date": "2025-03-05", "activity_type": "theme_day",
        "topic": "学雷锋义诊进村", "location_inst_id": "H0102", "participants": 12, "party_participants": 9,
        "residents_served": 85,
    },
}

NUMERIC_TYPES = ("count", "decimal")
TEXT_TYPES = ("id", "text", "institution", "institution_list")   # kept as text in the XLSX (leading zeros)
LIST_SEPARATORS = {"zh": ("、", "；"), "en": (", ", "; ")}   # between items, between groups
EXPLANATION_FIELDS = ("header", "name", "aliases", "required", "type", "accepts", "example", "rule")


def header(column: Column) -> str:
    """The header a template writes: the column's first Chinese alias."""
    return column.aliases[0] if column.aliases else column.name


def example_value(dataset: Dataset, column: Column):
    """The example cell as a clerk would type it (None: left blank)."""
    value = EXAMPLES[dataset.name].get(column.name)
    if value is None:
        return None
    if column.type in ("enum", "boolean"):
        code = str(value).lower() if column.type == "boolean" else value
        return DOMAINS[column.domain or "boolean"][code][0]
    return value


def template_frame(dataset: Dataset) -> pd.DataFrame:
    """The template's one example row under the Chinese headers, every cell as text."""
    row = {header(c): "" if (v := example_value(dataset, c)) is None else str(v) for c in dataset.columns}
    return pd.DataFrame([row], dtype="object")


def accepted_values(column: Column, lang: str) -> str:
    """Enumerations: every Chinese label and the code; other types: the forms accepted."""
    if column.type not in ("enum", "boolean"):
        return t(f"data.accepts.{column.type}", lang)
    choices = DOMAINS[column.domain or "boolean"]
    return LIST_SEPARATORS[lang][1].join(f"{'/'.join(labels)} ({code})" for code, labels in choices.items())


def explanation_frame(dataset: Dataset, lang: str) -> pd.DataFrame:
    """One row per column: how to fill it, in the user's language."""
    rows = []
    for column in dataset.columns:
        example = example_value(dataset, column)
        rows.append({
            "header": header(column),
            "name": column.name,
            "aliases": LIST_SEPARATORS[lang][0].join(column.aliases[1:]),
            "required": t("data.yes" if column.required else "data.no", lang),
            "type": t(f"data.type.{column.type}", lang),
            "accepts": accepted_values(column, lang),
            "example": "" if example is None else str(example),
            "rule": column_help(dataset.name, column.name, lang),
        })
    frame = pd.DataFrame(rows, columns=list(EXPLANATION_FIELDS), dtype="object")
    return frame.rename(columns={f: t(f"data.template.field.{f}", lang) for f in EXPLANATION_FIELDS})


def template_csv(dataset_name: str) -> bytes:
    """The CSV template: header and example row, UTF-8 with BOM (Excel on Chinese Windows)."""
    return safe_csv(template_frame(DATASETS[dataset_name]))


def explanation_csv(dataset_name: str, lang: str) -> bytes:
    return safe_csv(explanation_frame(DATASETS[dataset_name], lang))


def template_xlsx(dataset_name: str, lang: str) -> bytes:
    """The XLSX template: the dataset's sheet (header, example row) and an explanation sheet."""
    dataset = DATASETS[dataset_name]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#DCE6F2", "border": 1})
    as_text = book.add_format({"num_format": "@"})
    wrapped = book.add_format({"text_wrap": True, "valign": "top"})

    sheet = book.add_worksheet(dataset.sheet_name)   # the reader picks the sheet named after the dataset
    for position, column in enumerate(dataset.columns):
        width = max(12, 2 * len(header(column)) + 4)
        sheet.set_column(position, position, width, as_text if column.type in TEXT_TYPES else None)
        sheet.write_string(0, position, header(column), bold)
        value = example_value(dataset, column)
        if value is None:
            continue
        if column.type in NUMERIC_TYPES:
            sheet.write_number(1, position, value)
        else:
            sheet.write_string(1, position, str(value))
        if column.type in ("enum", "boolean"):
            first_labels = [labels[0] for labels in DOMAINS[column.domain or "boolean"].values()]
            # A drop-down of the usual labels; any other accepted label may still be typed.
            sheet.data_validation(1, position, 1_048_575, position, {
                "validate": "list", "source": first_labels, "show_error": False})
    sheet.freeze_panes(1, 0)

    notes = book.add_worksheet(t("data.template.notes_sheet", lang))
    title = f"{dataset_label(dataset.name, 'zh')} {dataset_label(dataset.name, 'en')}：{dataset_description(dataset.name, lang)}"
    notes.write_string(0, 0, title, book.add_format({"bold": True}))
    explanation = explanation_frame(dataset, lang)
    widths = (14, 18, 20, 8, 10, 48, 14, 36)
    for position, (title, width) in enumerate(zip(explanation.columns, widths)):
        notes.set_column(position, position, width, wrapped)
        notes.write_string(2, position, title, bold)
        for offset, cell in enumerate(explanation[title], start=3):
            notes.write_string(offset, position, cell)
    notes.freeze_panes(3, 0)
    book.close()
    return buffer.getvalue()
