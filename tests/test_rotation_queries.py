"""The ``queries/rotation`` files against values worked out by hand on a small store, and the
totals that must equal the rotation.* indicators for the same filters."""

from datetime import date

import pandas as pd
import pytest

from sinkview.metrics.evaluator import compute_indicators
from sinkview.store.named_queries import run_query
from sinkview.store.database import Store
from tests.builders import insert_institutions, insert_rows

Q3 = dict(start=date(2025, 7, 1), end=date(2025, 9, 30))
JULY, AUGUST, SEPTEMBER = (pd.Timestamp(2025, month, 1) for month in (7, 8, 9))  # month starts as returned

# inst_id, tier, community, township. T4 never hosts anyone; T5 last hosted in June.
INSTITUTIONS = [
    ("U1", "upper_hospital", None, None),
    ("C1", "county_hospital", "A", "城关镇"),
    ("C2", "county_hospital", "B", "南乡"),
    ("T1", "township_center", "A", "东乡"),
    ("T2", "township_center", "A", "西乡"),
    ("T3", "township_center", "B", "南乡"),
    ("T4", "township_center", "A", "北乡"),
    ("T5", "township_center", "A", "中乡"),
    ("V1", "village_clinic", "A", "东乡"),
    ("V2", "village_clinic", "B", "南乡"),
]

# record_id, expert_id, home, host, specialty, title_level, start, end, activity, party_member
ROTATIONS = [
    ("R1", "E1", "C1", "T1", "内科", "senior", "2025-06-21", "2025-07-10", "clinic", True),            # Q3: Jul 10
    ("R2", "E2", "C1", "T1", "外科", "intermediate", "2025-07-01", "2025-09-30", "ward_round", False),  # Jul 31, Aug 31, Sep 30
    ("R3", "E1", "C1", "V1", "内科", "senior", "2025-08-05", "2025-08-05", "clinic", True),            # Aug 1 (village clinic)
    ("R4", "E3", "U1", "C2", "心内科", "senior", "2025-09-20", "2025-10-19", "surgery", None),         # Sep 11 (county host)
    ("R5", "E4", "T1", "C1", "全科", "junior", "2025-08-01", "2025-08-10", "clinic", True),            # upward: never counted
    ("R6", "E5", "C2", "T3", "儿科", "junior", "2025-10-01", "2025-10-05", "clinic", False),           # after Q3
    ("R7", "E6", "C2", "T3", "儿科", "senior", "2025-05-01", "2025-08-31", "training", True),          # Jul 31, Aug 31
    ("R8", "E7", "T1", "T2", "全科", "junior", "2025-08-01", "2025-08-01", "clinic", False),           # lateral: never counted
    ("R9", "E8", "C1", "T2", "中医科", "junior", "2025-09-29", "2025-09-30", "teleconsult", False),    # Sep 2 (a visit)
    ("R10", "E8", "C1", "T2", "中医科", "junior", "2025-07-15", "2025-07-15", "clinic", False),        # Jul 1 (a visit)
    ("R11", "E10", "C1", "T5", "眼科", "senior", "2025-05-10", "2025-06-15", "clinic", False),         # before Q3
]
# Counted in Q3: R1 10 + R2 92 + R3 1 + R4 11 + R7 62 + R9 2 + R10 1 = 179 expert-days, 7 visits.


@pytest.fixture(scope="module")
def cursor():
    store = Store(":memory:")
    cur = store.cursor()
    insert_institutions(cur, "tier community township", INSTITUTIONS, name="{}院")
    insert_rows(cur, "expert_rotations",
                "record_id expert_id expert_name home_inst_id host_inst_id specialty title_level start_date end_date activity party_member",
                [(record_id, expert_id, f"{expert_id}专家", *rest) for record_id, expert_id, *rest in ROTATIONS])
    return cur


def cells(frame: pd.DataFrame, column: str) -> dict:
    """{(inst_id, column value): expert_days} of a coverage frame."""
    return {(row.inst_id, getattr(row, column)): row.expert_days for row in frame.itertuples()}


# -- coverage matrix ------------------------------------------------------------------------

def test_coverage_by_month_lists_every_centre_for_every_month(cursor):
    frame = run_query(cursor, "rotation/coverage_by_month", **Q3)
    assert list(frame.columns) == ["inst_id", "inst_name", "township", "community", "month", "expert_days"]
    assert len(frame) == 5 * 3  # T1..T5 x Jul, Aug, Sep
    grid = cells(frame, "month")
    # T1: R1 10 + R2 31 in July, R2 31 in August, R2 30 in September
    assert [grid["T1", m] for m in (JULY, AUGUST, SEPTEMBER)] == [41, 31, 30]
    # T2: the two visits of E8; T3: R7 until August; T4 and T5: nobody
    assert [grid["T2", m] for m in (JULY, AUGUST, SEPTEMBER)] == [1, 0, 2]
    assert [grid["T3", m] for m in (JULY, AUGUST, SEPTEMBER)] == [31, 31, 0]
    assert [grid["T4", m] for m in (JULY, AUGUST, SEPTEMBER)] == [0, 0, 0]
    assert [grid["T5", m] for m in (JULY, AUGUST, SEPTEMBER)] == [0, 0, 0]


def test_coverage_by_month_matches_the_coverage_and_expert_days_indicators(cursor):
    frame = run_query(cursor, "rotation/coverage_by_month", **Q3)
    totals = frame.groupby("inst_id")["expert_days"].sum()
    kpis = compute_indicators(cursor, Q3["start"], Q3["end"], None)
    assert (totals > 0).sum() / len(totals) == pytest.approx(kpis["rotation.township_coverage"])  # 3/5
    # the matrix holds every expert-day except those at the village clinic (R3 1) and C2 (R4 11)
    assert totals.sum() == kpis["rotation.expert_days"] - 1 - 11 == 167


def test_coverage_by_month_filters(cursor):
    community_b = run_query(cursor, "rotation/coverage_by_month", **Q3, community="B")
    assert set(community_b["inst_id"]) == {"T3"}
    east = run_query(cursor, "rotation/coverage_by_month", **Q3, township="东乡")
    assert set(east["inst_id"]) == {"T1"} and east["expert_days"].sum() == 102
    september = run_query(cursor, "rotation/coverage_by_month", start=date(2025, 9, 1), end=date(2025, 9, 30))
    assert set(september["month"]) == {SEPTEMBER}
    assert cells(september, "month")["T1", SEPTEMBER] == 30


def test_coverage_by_specialty(cursor):
    frame = run_query(cursor, "rotation/coverage_by_specialty", **Q3)
    # specialties seen at centres, busiest first: 外科 92, 儿科 62, 内科 10, 中医科 3
    assert list(dict.fromkeys(frame["specialty"])) == ["外科", "儿科", "内科", "中医科"]
    assert len(frame) == 5 * 4
    grid = cells(frame, "specialty")
    assert grid["T1", "外科"] == 92 and grid["T1", "内科"] == 10 and grid["T1", "儿科"] == 0
    assert grid["T2", "中医科"] == 3 and grid["T3", "儿科"] == 62
    assert frame.loc[frame["inst_id"] == "T4", "expert_days"].sum() == 0
    community_a = run_query(cursor, "rotation/coverage_by_specialty", **Q3, community="A")
    assert set(community_a["specialty"]) == {"外科", "内科", "中医科"}  # 儿科 was only at T3 (B)


# -- timeline -------------------------------------------------------------------------------

def test_stint_timeline_orders_experts_by_expert_days_then_recency(cursor):
    frame = run_query(cursor, "rotation/stint_timeline", **Q3)
    # E2 92, E6 62, then E3 and E1 at 11 each (E3's last day 09-30 is the more recent), E8 3
    experts = list(dict.fromkeys(frame["expert_id"]))
    assert experts == ["E2", "E6", "E3", "E1", "E8"]
    assert set(frame["experts_total"]) == {5}
    assert len(frame) == 7
    r7 = frame[frame["specialty"] == "儿科"].iloc[0]
    assert (r7.start_in_period, r7.end_in_period, r7.days_in_period) == (
        pd.Timestamp("2025-07-01"), pd.Timestamp("2025-08-31"), 62)
    assert r7.home_name == "C2院" and r7.host_name == "T3院"


def test_stint_timeline_is_capped_by_limit(cursor):
    frame = run_query(cursor, "rotation/stint_timeline", **Q3, limit=2)
    assert list(dict.fromkeys(frame["expert_id"])) == ["E2", "E6"]
    assert set(frame["experts_total"]) == {5}


def test_stint_timeline_filters(cursor):
    community_b = run_query(cursor, "rotation/stint_timeline", **Q3, community="B")
    assert list(dict.fromkeys(community_b["expert_id"])) == ["E6", "E3"]
    west = run_query(cursor, "rotation/stint_timeline", **Q3, township="西乡")
    assert list(west["expert_id"]) == ["E8", "E8"]


# -- activity mix and party share ------------------------------------------------------------

def test_activity_by_month(cursor):
    frame = run_query(cursor, "rotation/activity_by_month", **Q3)
    days = {(row.month, row.activity): row.expert_days for row in frame.itertuples()}
    visits = {(row.month, row.activity): row.visits for row in frame.itertuples()}
    assert days == {
        (JULY, "clinic"): 11, (JULY, "ward_round"): 31, (JULY, "training"): 31,        # R1 10 + R10 1
        (AUGUST, "clinic"): 1, (AUGUST, "ward_round"): 31, (AUGUST, "training"): 31,
        (SEPTEMBER, "ward_round"): 30, (SEPTEMBER, "surgery"): 11, (SEPTEMBER, "teleconsult"): 2,
    }
    # a visit counts in the month of its first day in the period (R2 and R7 in July)
    assert visits[JULY, "clinic"] == 2 and visits[JULY, "ward_round"] == 1
    assert visits[AUGUST, "ward_round"] == 0 and visits[SEPTEMBER, "surgery"] == 1


@pytest.mark.parametrize("community", [None, "A", "B"])
def test_activity_totals_equal_the_indicators(cursor, community):
    frame = run_query(cursor, "rotation/activity_by_month", **Q3, community=community)
    kpis = compute_indicators(cursor, Q3["start"], Q3["end"], community)
    assert frame["expert_days"].sum() == kpis["rotation.expert_days"]  # 179, 106, 73
    assert frame["visits"].sum() == kpis["rotation.visits"]            # 7, 5, 2


def test_party_share_by_month(cursor):
    frame = run_query(cursor, "rotation/party_share_by_month", **Q3)
    assert list(frame["month"]) == [JULY, AUGUST, SEPTEMBER]
    assert list(frame["expert_days"]) == [73, 63, 43]
    # party members: R1 (10 in July), R3 (1 in August), R7 (31 + 31); R4's unknown counts as not
    assert list(frame["party_days"]) == [41, 32, 0]
    assert frame["party_share"].tolist() == pytest.approx([41 / 73, 32 / 63, 0.0])
    assert frame["expert_days"].sum() == compute_indicators(cursor, Q3["start"], Q3["end"], None)["rotation.expert_days"]


def test_party_share_is_null_in_a_month_without_experts(cursor):
    frame = run_query(cursor, "rotation/party_share_by_month", start=date(2025, 10, 1), end=date(2025, 11, 30))
    # October: R4 19 days (unknown) + R6 5 days (not a member); November: nobody
    assert list(frame["expert_days"]) == [24, 0]
    assert frame["party_share"].iloc[0] == 0.0 and pd.isna(frame["party_share"].iloc[1])


# -- gaps -----------------------------------------------------------------------------------

def test_township_gaps(cursor):
    frame = run_query(cursor, "rotation/township_gaps", **Q3)
    # window [07-03, 09-30]: T4 never visited, T5 last on 06-15 (107 days before 09-30)
    assert list(frame["inst_id"]) == ["T4", "T5"]
    t5 = frame.iloc[1]
    assert (t5.last_visit, t5.last_specialty, t5.days_since_last_visit) == (
        pd.Timestamp("2025-06-15"), "眼科", 107)
    assert pd.isna(frame.iloc[0].last_visit)


def test_township_gaps_look_back_90_days_from_the_end_not_the_period_start(cursor):
    # September alone: T3's expert left on 08-31, inside the 90 days before 09-30: not a gap
    september = run_query(cursor, "rotation/township_gaps", start=date(2025, 9, 1), end=date(2025, 9, 30))
    assert list(september["inst_id"]) == ["T4", "T5"]
    # Q4: T1 and T2 were last visited on 09-30 (92 days before 12-31); T3 on 10-05 is recent
    q4 = run_query(cursor, "rotation/township_gaps", start=date(2025, 10, 1), end=date(2025, 12, 31))
    assert list(q4["inst_id"]) == ["T4", "T5", "T1", "T2"]
    assert dict(zip(q4["inst_id"], q4["last_specialty"]))["T1"] == "外科"
    assert dict(zip(q4["inst_id"], q4["days_since_last_visit"]))["T2"] == 92


def test_township_gaps_filters(cursor):
    assert run_query(cursor, "rotation/township_gaps", **Q3, community="B").empty
    assert list(run_query(cursor, "rotation/township_gaps", **Q3, township="北乡")["inst_id"]) == ["T4"]


def test_short_visit_experts(cursor):
    frame = run_query(cursor, "rotation/short_visit_experts", **Q3)
    # E8: two stints of 2 and 1 days. E1 also made a 1-day visit but stayed 20 days at T1.
    assert list(frame["expert_id"]) == ["E8"]
    row = frame.iloc[0]
    assert (row.visits, row.hosts, row.expert_days, row.home_name, row.specialty) == (2, 1, 3, "C1院", "中医科")
    assert row.last_visit == pd.Timestamp("2025-09-30")
    assert run_query(cursor, "rotation/short_visit_experts", **Q3, community="B").empty


def test_an_empty_period_gives_empty_frames(cursor):
    empty = dict(start=date(2030, 1, 1), end=date(2030, 1, 31))
    for name in ("stint_timeline", "activity_by_month", "short_visit_experts", "coverage_by_specialty"):
        assert run_query(cursor, f"rotation/{name}", **empty).empty
    matrix = run_query(cursor, "rotation/coverage_by_month", **empty)
    assert len(matrix) == 5 and matrix["expert_days"].sum() == 0
