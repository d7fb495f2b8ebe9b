"""The catalogue holds every user-facing word, complete in both languages, and tests read it strictly.

The contract's display words (dataset names and descriptions, column labels and help, enumeration
labels) live in ``sinkview/catalogue/contract.toml`` and ``enums.toml``; the parser's aliases stay
in ``sinkview/ingest/contract.py``. Strict mode (``SINKVIEW_STRICT_MESSAGES=1``, set by conftest for the
whole run) turns a missing key, a missing language or a message that cannot be filled into an error.
"""

from __future__ import annotations

import string

import pytest

from sinkview import i18n
from sinkview.ingest.contract import DATASETS, DOMAINS
from sinkview.i18n import (LANGUAGES, MissingMessage, catalogue, column_help, column_label, dataset_description,
                           dataset_label, enum_label, t)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_test_run_is_strict():
    assert i18n.STRICT


def test_strict_t_fails_on_a_missing_key_a_missing_parameter_and_unfilled_parameters():
    with pytest.raises(MissingMessage, match="no catalogue entry"):
        t("data.no_such_message", "zh")
    with pytest.raises(MissingMessage, match="cannot be filled"):
        t("data.imported", "en", file="a.csv")                      # needs dataset and counts too
    with pytest.raises(MissingMessage, match="needs parameters"):
        t("data.imported", "en")
    with pytest.raises(MissingMessage, match="no catalogue entry"):
        dataset_label("no_such_dataset", "en")
    with pytest.raises(MissingMessage, match="no catalogue entry"):
        column_label("referrals", "no_such_column", "zh")


def test_every_entry_has_both_languages_with_the_same_parameters():
    for key, entry in catalogue().items():
        assert set(entry) == set(LANGUAGES), key
        assert all(entry[lang].strip() for lang in LANGUAGES), key
        assert _fields(entry["zh"]) == _fields(entry["en"]), key


def test_every_dataset_and_column_has_its_display_words():
    for dataset in DATASETS.values():
        for lang in LANGUAGES:
            assert dataset_label(dataset.name, lang) and dataset_description(dataset.name, lang)
            for column in dataset.columns:
                assert column_label(dataset.name, column.name, lang)
    assert dataset_label("referrals", "zh") == "双向转诊"
    assert dataset_label("referrals", "en") == "Referrals"
    assert column_label("referrals", "from_inst_id", "zh") == "转出机构编码"
    assert column_label("referrals", "from_inst_id", "en") == "from inst id"
    assert column_help("expert_rotations", "end_date", "en") == "defaults to start_date; not before it"
    assert column_help("referrals", "diagnosis", "en") == ""        # a text column needs no rule


def test_the_catalogue_names_only_datasets_columns_and_codes_of_the_contract():
    for key in catalogue():
        head, *rest = key.split(".")
        if head == "dataset":
            assert rest[0] in DATASETS, key
        elif head == "column":
            assert rest[1] in DATASETS[rest[0]].column_by_name, key
        elif head == "enum":
            assert rest[1] in DOMAINS[rest[0]], key


def test_every_code_has_labels_and_the_chinese_one_reads_back_through_the_parser():
    for domain, codes in DOMAINS.items():
        for code, aliases in codes.items():
            assert enum_label(domain, code, "zh") in aliases, (domain, code)   # an export re-imports
            assert enum_label(domain, code, "en") != code, (domain, code)
    assert enum_label("tier", "county_hospital", "zh") == "县级医院"
    assert enum_label("direction", "lateral", "zh") == "平级"
    assert enum_label("direction", "lateral", "en") == "Lateral"
    assert enum_label("tier", None, "en") == "—"
