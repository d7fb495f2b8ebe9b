"""The talent page (pages/talent.py) in AppTest on a small store: cards, the five charts, the
township selection that narrows the page (a click, clearing) and English."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from sinkview.store.database import Store
from tests.builders import insert_institutions, insert_rows, serve_to_app
from tests.page_helpers import click, figures, metric

APP = str(Path(__file__).resolve().parents[1] / "app.py")

# inst_id, tier, community, township
INSTITUTIONS = [
    ("C1", "county_hospital", "A", "城关镇"),
    ("T1", "township_center", "A", "东乡"),
    ("T2", "township_center", "A", "西乡"),
    ("V1", "village_clinic", "A", "东乡"),
]
# The data end on 2025-09-30, so the default period is 2025 Q3 (M0 is in Q2).
# movement_id, movement_type, from, to, start_date, title_level, education, party_member
MOVEMENTS = [
    ("M0", "recruit", None, "T1", "2025-06-10", None, None, None),
    ("M1", "dispatch_down", "C1", "T1", "2025-07-10", "senior", "master", True),
    ("M2", "dispatch_down", "C1", "T2", "2025-08-01", "intermediate", "bachelor", False),
    ("M3", "recruit", None, "T2", "2025-08-05", "junior", "bachelor", None),      # inflow 西乡
    ("M4", "departure", "V1", None, "2025-08-20", "junior", "college", None),     # outflow 东乡
    ("M5", "transfer", "T1", "C1", "2025-09-01", None, None, None),               # outflow 东乡
    ("M6", "training_up", "T2", "C1", "2025-09-30", None, None, None),
]


@pytest.fixture
def app(tmp_path, monkeypatch) -> AppTest:
    path = tmp_path / "talent.duckdb"
    store = Store(path)
    cursor = store.cursor()
    insert_institutions(cursor, "tier community township", INSTITUTIONS)
    insert_rows(cursor, "staff_movements",
                "movement_id staff_id movement_type from_inst_id to_inst_id start_date title_level education party_member",
                [(row[0], "S" + row[0], *row[1:]) for row in MOVEMENTS])
    store.close()
    serve_to_app(path, monkeypatch)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/talent.py").run()
    assert not at.exception
    return at


def values(array) -> list:
    """A figure array as sent to the browser: a list, or a typed array (dtype + base64 bdata)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def test_page_shows_cards_and_charts(app):
    assert app.title[0].value == "人才流动"
    assert metric(app, "下沉派驻人次") == "2"
    assert metric(app, "基层人才净流入") == "-1"       # in M3; out M4, M5
    sankey, net, monthly, profile, quality = figures(app)
    assert sankey["data"][0]["type"] == "sankey"
    assert sum(values(sankey["data"][0]["link"]["value"])) == 6
    assert net["data"][0]["x"] == ["东乡", "西乡"]
    assert values(net["data"][1]["y"]) == [-2, 0]
    assert [trace["name"] for trace in monthly["data"]] == ["下沉派驻", "上挂进修", "调动", "招聘", "离职"]
    assert profile["layout"]["barmode"] == "stack"
    assert quality["data"][0]["x"] == ["2025年7月", "2025年8月"]
    assert any("不分析年龄结构" in caption.value for caption in app.caption)


def test_a_clicked_township_narrows_the_page_until_cleared(app):
    click(app, "talent_net", "西乡", 1)
    assert "本页已聚焦：西乡" in app.info[0].value
    sankey, net, monthly, *_ = figures(app)
    assert net["data"][0]["x"] == ["西乡"]
    assert sum(values(sankey["data"][0]["link"]["value"])) == 3          # M2, M3, M6 touch 西乡
    app.button(key="talent_clear").click().run()
    assert not app.exception
    assert figures(app)[1]["data"][0]["x"] == ["东乡", "西乡"]
    assert not app.info


def test_english(app):
    app.segmented_control(key="sv_lang").set_value("en").run()
    assert not app.exception
    assert app.title[0].value == "Talent mobility"
    sankey, net, *_ = figures(app)
    assert "Outside" in sankey["data"][0]["node"]["label"]
    assert net["layout"]["yaxis"]["title"]["text"] == "Movements"
