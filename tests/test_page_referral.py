"""The two-way referral page (pages/referral.py) in AppTest, on the small store of
test_referral_queries: KPI cards, the five charts, the institution table, the Sankey toggle,
the township filter and English."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np

import pytest
from streamlit.testing.v1 import AppTest

from sinkview.store.database import Store
from tests.test_referral_queries import INSTITUTIONS, REFERRALS
from tests.builders import insert_institutions, insert_rows, serve_to_app
from tests.page_helpers import figures, titles

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "referral.duckdb"
    store = Store(path)
    cur = store.cursor()
    insert_institutions(cur, "tier community township", INSTITUTIONS, name="{}院")
    insert_rows(cur, "referrals",
                "referral_id patient_key referral_date from_inst_id to_inst_id status accepted_date icd10 diagnosis",
                REFERRALS)
    store.close()
    serve_to_app(path, monkeypatch)
    return path


def open_page(db_path: Path, **url) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"period": "2025-Q3", **url})
    at.run()
    at.switch_page("pages/referral.py").run()
    assert not at.exception, at.exception
    return at


def numbers(array) -> list:
    """A numeric array of a figure's JSON: a list, or Plotly's base64 typed array."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def test_page_shows_kpis_charts_and_the_institution_table(db_path):
    at = open_page(db_path)
    assert at.title[0].value == "双向转诊"
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["上转人次"] == "7" and metrics["下转人次"] == "3"
    assert titles(at) == [
        "双向转诊流向（按机构层级，有效转诊人次）", "上转与下转（按月）", "县外上转病种（ICD-10 章）",
        "县外上转前十位诊断（ICD-10 三位码）", "各机构上转与接收下转（有效转诊人次）",
    ]
    sankey = figures(at)[0]["data"][0]
    assert sankey["type"] == "sankey" and sum(numbers(sankey["link"]["value"])) == 11
    table = at.dataframe[0].value
    assert table["机构"].tolist() == ["C1院", "T1院", "C2院", "T3院", "T2院", "V1院"]
    assert table["接收拒收率(%)"].tolist()[:3] == [0.0, 50.0, 50.0]


def test_sankey_by_institution(db_path):
    at = open_page(db_path)
    assert at.slider(key="referral_top_n").disabled
    at.segmented_control(key="referral_flow_view").set_value("institution").run()
    at.slider(key="referral_top_n").set_value(5).run()
    assert not at.exception
    sankey = figures(at)[0]
    assert sankey["layout"]["title"]["text"] == "双向转诊流向（按机构，有效转诊人次）"
    labels = sankey["data"][0]["node"]["label"]
    assert "其他" in labels and "C1院" in labels and sum(numbers(sankey["data"][0]["link"]["value"])) == 11


def test_township_filter_narrows_the_page(db_path):
    at = open_page(db_path, township="南乡")
    sankey, trend, chapters, *_ = figures(at)
    assert sum(numbers(sankey["data"][0]["link"]["value"])) == 3  # F4, F9, F11
    assert numbers(chapters["data"][0]["x"]) == [1]                 # F11, lung cancer
    assert at.dataframe[0].value["机构"].tolist() == ["C2院", "T3院"]


def test_page_in_english(db_path):
    at = open_page(db_path, lang="en")
    assert at.title[0].value == "Two-way referrals"
    assert titles(at)[1] == "Upward and downward referrals by month"
    assert at.dataframe[0].value.columns[0] == "Institution"
