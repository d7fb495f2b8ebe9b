"""The village coverage queries (queries/village/*.sql) on a small store worked out by hand,
including their agreement with the village.* indicators for the same filters."""

from datetime import date

import pandas as pd
import pytest

from sinkview.metrics.evaluator import compute_indicators
from sinkview.store.named_queries import run_query
from sinkview.store.database import Store
from tests.builders import insert_institutions, insert_rows

END = date(2025, 9, 30)
Q3 = {"start": date(2025, 7, 1), "end": END}

# inst_id, tier, community, township, latitude, longitude
INSTITUTIONS = [
    ("T1", "township_center", "A", "东乡", 28.0, 113.0),
    ("T2", "township_center", "A", "西乡", 28.1, 112.9),
    ("T3", "township_center", "B", "南乡", None, None),   # no coordinates: not on the map
    ("V1", "village_clinic", "A", "东乡", None, None),
    ("V2", "village_clinic", "A", "东乡", None, None),
    ("V3", "village_clinic", "A", "西乡", None, None),
    ("V4", "village_clinic", "B", "南乡", None, None),
]

# snapshot_date, village_code, village_name, township, township_center_id, clinic_id, population,
# village_doctors, licensed_doctors, contracted_residents, insurance_settlement, telemedicine,
# party_group, ecg_device, latitude, longitude, distance_km
VILLAGES = [
    # VA: a doctor but none licensed, then no doctor from Q2: blank since 2025-06-30
    ("2025-03-31", "VA", "甲村", "东乡", "T1", "V1", 1000, 1, 0, 300, True, False, True, False, 28.01, 113.01, 3.5),
    ("2025-06-30", "VA", "甲村", "东乡", "T1", "V1", 1000, 0, 0, 350, True, False, True, False, 28.01, 113.01, 3.5),
    ("2025-09-30", "VA", "甲村", "东乡", "T1", "V1", 1000, 0, 0, 400, True, False, True, False, 28.01, 113.01, 3.5),
    ("2025-12-31", "VA", "甲村", "东乡", "T1", "V1", 1000, 2, 1, 500, True, True, True, True, 28.01, 113.01, 3.5),
    # VB: no clinic, a staffed clinic in Q2, no clinic again in Q3: blank since 2025-09-30
    ("2025-03-31", "VB", "乙村", "东乡", "T1", None, 500, 0, 0, None, False, False, False, False, None, None, 6.0),
    ("2025-06-30", "VB", "乙村", "东乡", "T1", "V2", 500, 1, 1, 100, True, True, True, True, None, None, 6.0),
    ("2025-09-30", "VB", "乙村", "东乡", "T1", None, 500, 0, 0, None, False, False, False, False, None, None, 6.0),
    # VC: reported in Q2 only; its Q2 row is its snapshot at the end of Q3
    ("2025-06-30", "VC", "丙村", "西乡", "T2", "V3", 2000, 3, 2, 1200, True, True, True, True, 28.1, 112.9, 1.0),
    # VD: no clinic in Q1 and Q3 (no Q2 row): blank since 2025-03-31
    ("2025-03-31", "VD", "丁村", "西乡", "T2", None, 800, 0, 0, 100, False, False, False, False, 28.12, 112.95, None),
    ("2025-09-30", "VD", "丁村", "西乡", "T2", None, 800, 0, 0, 100, False, False, False, False, 28.12, 112.95, None),
    # VE: community B, a clinic with two unlicensed doctors
    ("2025-09-30", "VE", "戊村", "南乡", "T3", "V4", 1500, 2, 0, 900, True, False, False, True, 27.9, 113.2, 2.2),
    # VF: community B, first reported after the end
    ("2025-12-31", "VF", "己村", "南乡", "T3", None, 999, 0, 0, None, False, False, False, False, 27.95, 113.25, 9.9),
]

# The snapshot at 2025-09-30: VA (blank: no doctor), VB (blank: no clinic), VC (covered, Q2 row),
# VD (blank: no clinic), VE (clinic, no licensed doctor). Population 1000 + 500 + 2000 + 800 + 1500.
COLUMNS = [
    "clinic_coverage", "licensed_share", "signing_rate", "insurance_rate",
    "telemedicine_rate", "ecg_coverage", "party_coverage",
]


@pytest.fixture(scope="module")
def cur():
    store = Store(":memory:")
    cursor = store.cursor()
    insert_institutions(cursor, "tier community township latitude longitude", INSTITUTIONS, name="{}卫生院")
    insert_rows(cursor, "village_coverage",
                "snapshot_date village_code village_name township township_center_id clinic_id population village_doctors licensed_doctors contracted_residents insurance_settlement telemedicine party_group ecg_device latitude longitude distance_km",
                VILLAGES)
    yield cursor
    store.close()


def records(cur, name, **params):
    return run_query(cur, name, **{**Q3, "community": None, "township": None, **params}).to_dict("records")


def test_village_points_are_the_snapshot_with_coordinates_and_a_state(cur):
    rows = records(cur, "village/village_points")
    # 东乡, 南乡, 西乡 in pinyin order; VB has no coordinates
    assert [(r["village_code"], r["coverage_state"]) for r in rows] == [
        ("VA", "blank"), ("VE", "no_licensed"), ("VC", "covered"), ("VD", "blank"),
    ]
    va = rows[0]
    assert (va["township"], va["population"], va["has_clinic"], va["village_doctors"]) == ("东乡", 1000, True, 0)
    assert (va["latitude"], va["longitude"]) == (28.01, 113.01)


def test_village_points_follow_end_community_and_township(cur):
    codes = lambda **p: [r["village_code"] for r in records(cur, "village/village_points", **p)]
    assert codes(community="A") == ["VA", "VC", "VD"]
    assert codes(community="B") == ["VE"]
    assert codes(township="西乡") == ["VC", "VD"]
    # at the end of Q2, VA had a clinic and no doctor, VE had not reported
    q2 = records(cur, "village/village_points", end=date(2025, 6, 30))
    assert [(r["village_code"], r["coverage_state"]) for r in q2] == [
        ("VA", "blank"), ("VC", "covered"), ("VD", "blank"),
    ]
    # at the end of Q4 VA is covered, VF appears
    q4 = {r["village_code"]: r["coverage_state"] for r in records(cur, "village/village_points", end=date(2025, 12, 31))}
    assert q4["VA"] == "covered" and q4["VF"] == "blank"
    # the period's start does not apply to coverage
    assert codes(start=date(2020, 1, 1)) == codes()


def test_villages_without_coordinates(cur):
    assert records(cur, "village/villages_without_coordinates") == [
        {"village_code": "VB", "village_name": "乙村", "township": "东乡", "population": 500,
         "coverage_state": "blank"},
    ]
    assert records(cur, "village/villages_without_coordinates", community="B") == []
    # at the end of Q2 VB had a licensed doctor
    assert records(cur, "village/villages_without_coordinates", end=date(2025, 6, 30))[0]["coverage_state"] == "covered"


def test_township_centres(cur):
    rows = records(cur, "village/township_centres")
    assert [(r["inst_id"], r["township"]) for r in rows] == [("T1", "东乡"), ("T2", "西乡")]  # T3: no coordinates
    assert [r["inst_id"] for r in records(cur, "village/township_centres", township="西乡")] == ["T2"]
    assert records(cur, "village/township_centres", community="B") == []


def test_township_coverage_by_hand(cur):
    rows = {r["township"]: r for r in records(cur, "village/township_coverage")}
    assert list(rows) == ["东乡", "南乡", "西乡"]
    # 东乡: VA (clinic, no doctor), VB (no clinic)
    east = rows["东乡"]
    assert (east["villages"], east["blank_villages"]) == (2, 2)
    assert east["clinic_coverage"] == pytest.approx(1 / 2)
    assert pd.isna(east["licensed_share"])                            # 0 / 0: null, not 0
    assert east["signing_rate"] == pytest.approx(400 / 1500)          # VB's missing count adds nothing
    assert (east["insurance_rate"], east["telemedicine_rate"], east["ecg_coverage"], east["party_coverage"]) == (1, 0, 0, 1)
    # 西乡: VC (covered), VD (no clinic)
    west = rows["西乡"]
    assert (west["villages"], west["blank_villages"]) == (2, 1)
    assert west["licensed_share"] == pytest.approx(2 / 3)
    assert west["signing_rate"] == pytest.approx(1300 / 2800)
    # 南乡: VE alone
    south = rows["南乡"]
    assert (south["clinic_coverage"], south["licensed_share"], south["party_coverage"]) == (1, 0, 0)
    assert south["signing_rate"] == pytest.approx(900 / 1500)
    assert [r["township"] for r in records(cur, "village/township_coverage", township="西乡")] == ["西乡"]


def test_township_coverage_adds_up_to_the_indicators(cur):
    for community in (None, "A", "B"):
        kpi = compute_indicators(cur, Q3["start"], END, community)
        rows = records(cur, "village/township_coverage", community=community)
        assert sum(r["villages"] for r in rows) == kpi["village.villages"]
        assert sum(r["blank_villages"] for r in rows) == kpi["village.blank_villages"]
        covered = sum(r["clinic_coverage"] * r["villages"] for r in rows)
        assert covered / sum(r["villages"] for r in rows) == pytest.approx(kpi["village.clinic_coverage"])
    # community B has one township: its row is the community's indicators
    kpi_b = compute_indicators(cur, Q3["start"], END, "B")
    (south,) = records(cur, "village/township_coverage", community="B")
    for column in COLUMNS:
        assert south[column] == pytest.approx(kpi_b[f"village.{column}"]), column


def test_blank_villages_and_since_when(cur):
    rows = records(cur, "village/blank_villages")
    assert [(r["village_code"], r["blank_reason"], str(r["blank_since"])[:10]) for r in rows] == [
        ("VD", "no_clinic", "2025-03-31"),   # its own rows: Q1 and Q3, both blank
        ("VA", "no_doctor", "2025-06-30"),   # Q1 had a doctor
        ("VB", "no_clinic", "2025-09-30"),   # Q2 had a staffed clinic
    ]
    va = rows[1]
    assert (va["village_name"], va["township"], va["population"], va["distance_km"]) == ("甲村", "东乡", 1000, 3.5)
    assert len(rows) == compute_indicators(cur, Q3["start"], END, None)["village.blank_villages"]


def test_blank_villages_follow_end_and_filters(cur):
    codes = lambda **p: [r["village_code"] for r in records(cur, "village/blank_villages", **p)]
    assert codes(end=date(2025, 6, 30)) == ["VD", "VA"]    # VB was staffed then
    assert codes(end=date(2025, 12, 31)) == ["VD", "VB", "VF"]  # VA staffed again in Q4
    assert codes(community="B") == []
    assert codes(township="东乡") == ["VA", "VB"]


def test_coverage_trend_by_hand(cur):
    rows = records(cur, "village/coverage_trend")
    assert [str(r["snapshot_date"])[:10] for r in rows] == ["2025-03-31", "2025-06-30", "2025-09-30"]
    q1, q2, q3 = rows
    # as of Q1: VA (clinic, 1 doctor), VB and VD (no clinic)
    assert (q1["villages"], q1["blank_villages"]) == (3, 2)
    assert q1["clinic_coverage"] == pytest.approx(1 / 3)
    assert q1["licensed_share"] == 0
    # as of Q2: VA (no doctor), VB (staffed), VC, VD (its Q1 row)
    assert (q2["villages"], q2["blank_villages"]) == (4, 2)
    assert q2["clinic_coverage"] == pytest.approx(3 / 4)
    assert q2["licensed_share"] == pytest.approx(3 / 4)       # VB 1 + VC 2 / VB 1 + VC 3
    # the last point is the snapshot at the end: the indicators' values
    kpi = compute_indicators(cur, Q3["start"], END, None)
    assert q3["villages"] == kpi["village.villages"]
    for column in COLUMNS:
        assert q3[column] == pytest.approx(kpi[f"village.{column}"]), column


def test_coverage_trend_follows_filters(cur):
    # community B reported only at the end of Q3
    rows = records(cur, "village/coverage_trend", community="B")
    assert [(str(r["snapshot_date"])[:10], r["villages"]) for r in rows] == [("2025-09-30", 1)]
    west = records(cur, "village/coverage_trend", township="西乡")
    assert [(str(r["snapshot_date"])[:10], r["villages"], r["clinic_coverage"]) for r in west] == [
        ("2025-03-31", 1, 0.0), ("2025-06-30", 2, 0.5), ("2025-09-30", 2, 0.5),
    ]
    assert len(records(cur, "village/coverage_trend", end=date(2025, 12, 31))) == 4
    assert records(cur, "village/coverage_trend", end=date(2024, 12, 31)) == []
