"""The ``queries/referral`` files against values worked out by hand on a small store, and the
totals that must equal the referral.* indicators for the same filters."""

from datetime import date

import pandas as pd
import pytest

from sinkview.metrics.evaluator import compute_indicators
from sinkview.store.named_queries import run_query
from sinkview.store.database import Store
from tests.builders import insert_institutions, insert_rows

Q3 = dict(start=date(2025, 7, 1), end=date(2025, 9, 30))

# inst_id, tier, community, township
INSTITUTIONS = [
    ("U1", "upper_hospital", None, None),
    ("C1", "county_hospital", "A", "城关镇"),
    ("C2", "county_hospital", "B", "南乡"),
    ("T1", "township_center", "A", "东乡"),
    ("T2", "township_center", "A", "西乡"),
    ("T3", "township_center", "B", "南乡"),
    ("V1", "village_clinic", "A", "东乡"),
    ("V2", "village_clinic", "B", "南乡"),
]

# referral_id, patient_key, referral_date, from, to, status, accepted_date, icd10, diagnosis
REFERRALS = [
    ("F1", "P1", "2025-07-05", "T1", "C1", "completed", "2025-07-06", "I10", "高血压"),         # up, A, 1 day
    ("F2", "P2", "2025-07-10", "C1", "T1", "completed", "2025-07-13", None, None),              # down, A, 3 days
    ("F3", "P3", "2025-08-01", "C1", "U1", "accepted", "2025-08-08", "C34.9", "肺恶性肿瘤"),    # up out, A
    ("F4", "P1", "2025-08-15", "T1", "C2", "completed", "2025-08-25", "I63.9", "脑梗死"),       # up, A and B, 10 days
    ("F5", "P4", "2025-08-20", "T1", "T2", "pending", None, None, None),                       # lateral, A
    ("F6", "P5", "2025-09-01", "T3", "C2", "rejected", None, None, None),                      # B, not effective
    ("F7", "P6", "2025-09-02", "T3", "C2", "cancelled", None, None, None),                     # B, not effective
    ("F8", "P7", "2025-06-30", "T1", "C1", "completed", "2025-07-01", None, None),             # before Q3
    ("F9", "P8", "2025-09-30", "C2", "T3", "completed", "2025-10-02", None, None),             # down, B, 2 days
    ("F10", "P9", "2025-09-15", "V1", "T1", "rejected", None, None, None),                     # A, not effective
    ("F11", "P10", "2025-09-05", "C2", "U1", "completed", "2025-09-06", "C34.1", "肺恶性肿瘤"),  # up out, B
    ("F12", "P11", "2025-09-10", "C1", "U1", "completed", "2025-09-12", "I21.0", "急性心肌梗死"),  # up out, A
    ("F13", "P12", "2025-09-12", "C1", "U1", "completed", "2025-09-13", None, None),           # up out, no code
    ("F14", "P13", "2025-07-20", "U1", "C1", "completed", "2025-07-22", None, None),           # down, A, 2 days
    ("F15", "P14", "2025-08-03", "C1", "U1", "rejected", None, "C50", "乳腺癌"),               # rejected: not counted
    ("F16", "P15", "2025-08-10", "C1", "U1", "completed", "2025-08-11", "d49", "肿瘤"),        # up out, D49: no chapter
]
# Effective in Q3: up F1 F3 F4 F11 F12 F13 F16 (7), down F2 F9 F14 (3), lateral F5 (1).


@pytest.fixture(scope="module")
def cursor():
    store = Store(":memory:")
    cur = store.cursor()
    insert_institutions(cur, "tier community township", INSTITUTIONS, name="{}院")
    insert_rows(cur, "referrals",
                "referral_id patient_key referral_date from_inst_id to_inst_id status accepted_date icd10 diagnosis",
                REFERRALS)
    return cur


def node_key(value):
    return None if pd.isna(value) else value


def flows(frame: pd.DataFrame) -> dict:
    """{(source_key, target_key, flow): referrals}, grouped "others" as None."""
    return {
        (node_key(row.source_key), node_key(row.target_key), row.flow): row.referrals
        for row in frame.itertuples()
    }


# -- Sankey ---------------------------------------------------------------------------------

def test_flows_by_tier(cursor):
    frame = run_query(cursor, "referral/flows_by_tier", **Q3)
    assert flows(frame) == {
        ("upper_hospital", "county_hospital", "down"): 1,   # F14
        ("county_hospital", "upper_hospital", "up"): 5,     # F3 F11 F12 F13 F16
        ("county_hospital", "township_center", "down"): 2,  # F2 F9
        ("township_center", "county_hospital", "up"): 2,    # F1 F4
        ("township_center", "township_center", "lateral"): 1,  # F5
    }
    assert list(frame["source_rank"]) == sorted(frame["source_rank"], reverse=True)


@pytest.mark.parametrize("community", [None, "A", "B"])
def test_flow_totals_equal_the_indicators(cursor, community):
    frame = run_query(cursor, "referral/flows_by_tier", **Q3, community=community)
    kpis = compute_indicators(cursor, Q3["start"], Q3["end"], community)
    by_flow = frame.groupby("flow")["referrals"].sum()
    assert by_flow.get("up", 0) == kpis["referral.up"]            # 7, 6, 2
    assert by_flow.get("down", 0) == kpis["referral.down"]        # 3, 2, 1
    assert by_flow.get("lateral", 0) == kpis["referral.lateral"]  # 1, 1, 0
    by_institution = run_query(cursor, "referral/flows_by_institution", **Q3, community=community, top_n=2)
    assert by_institution["referrals"].sum() == frame["referrals"].sum()


def test_flows_filters(cursor):
    # township 南乡 (C2 and T3): F4 and F11 from or to C2, F9
    south = run_query(cursor, "referral/flows_by_tier", **Q3, township="南乡")
    assert sum(south["referrals"]) == 3
    # institution T1: F1 F4 up, F2 down, F5 lateral (F10 rejected)
    t1 = run_query(cursor, "referral/flows_by_tier", **Q3, institution="T1")
    assert flows(t1) == {
        ("county_hospital", "township_center", "down"): 1,
        ("township_center", "county_hospital", "up"): 2,
        ("township_center", "township_center", "lateral"): 1,
    }


def test_flows_by_institution_keeps_the_top_n_and_groups_the_rest(cursor):
    # effective volumes sent + received: C1 7, U1 6, T1 4, C2 3, T2 1, T3 1
    frame = run_query(cursor, "referral/flows_by_institution", **Q3, top_n=3)
    assert flows(frame) == {
        ("U1", "C1", "down"): 1,        # F14
        ("C1", "U1", "up"): 4,          # F3 F12 F13 F16
        ("C1", "T1", "down"): 1,        # F2
        ("T1", "C1", "up"): 1,          # F1
        ("T1", None, "up"): 1,          # F4 to C2
        ("T1", None, "lateral"): 1,     # F5 to T2
        (None, "U1", "up"): 1,          # F11 from C2
        (None, None, "down"): 1,        # F9 C2 -> T3
    }
    others = frame[frame["source_key"].isna()]
    assert others["source_name"].isna().all() and (others["source_rank"] == 0).all()
    assert frame.iloc[0]["source_name"] == "U1院" and frame.iloc[0]["source_tier"] == "upper_hospital"
    default = run_query(cursor, "referral/flows_by_institution", **Q3)
    assert default["source_key"].notna().all()  # six institutions, all within the default top 10


# -- monthly trend --------------------------------------------------------------------------

def test_referrals_by_month(cursor):
    frame = run_query(cursor, "referral/referrals_by_month", **Q3)
    assert list(frame["month"]) == [pd.Timestamp(2025, m, 1) for m in (7, 8, 9)]
    assert list(frame["up"]) == [1, 3, 3]      # F1 | F3 F4 F16 | F11 F12 F13
    assert list(frame["down"]) == [2, 0, 1]    # F2 F14 | - | F9
    assert list(frame["lateral"]) == [0, 1, 0]
    assert frame["down_up_ratio"].tolist() == pytest.approx([2.0, 0.0, 1 / 3])
    kpis = compute_indicators(cursor, Q3["start"], Q3["end"], None)
    assert frame["up"].sum() == kpis["referral.up"] and frame["down"].sum() == kpis["referral.down"]


def test_referrals_by_month_keeps_empty_months(cursor):
    frame = run_query(cursor, "referral/referrals_by_month", start=date(2025, 10, 1), end=date(2025, 11, 30))
    assert list(frame["up"]) == [0, 0] and frame["down_up_ratio"].isna().all()
    community_b = run_query(cursor, "referral/referrals_by_month", **Q3, community="B")
    assert list(community_b["up"]) == [0, 1, 1] and list(community_b["down"]) == [0, 0, 1]


def test_referrals_by_month_for_one_institution_and_a_period_cut_mid_month(cursor):
    t1 = run_query(cursor, "referral/referrals_by_month", **Q3, institution="T1")
    # T1 at either end, effective: F1 up and F2 down (July), F4 up and F5 lateral (August)
    assert list(t1["up"]) == [1, 1, 0] and list(t1["down"]) == [1, 0, 0] and list(t1["lateral"]) == [0, 1, 0]
    assert t1["down_up_ratio"].tolist()[:2] == [1.0, 0.0] and pd.isna(t1["down_up_ratio"].iloc[2])
    cut = run_query(cursor, "referral/referrals_by_month", start=date(2025, 7, 6), end=date(2025, 8, 31))
    # from 6 July: F1 (5 July) is out; July keeps F2 and F14 down; August F3 F4 F16 up, F5 lateral
    assert list(cut["month"]) == [pd.Timestamp(2025, 7, 1), pd.Timestamp(2025, 8, 1)]
    assert list(cut["up"]) == [0, 3] and list(cut["down"]) == [2, 0] and list(cut["lateral"]) == [0, 1]


# -- out of county --------------------------------------------------------------------------

def test_out_of_county_by_chapter(cursor):
    frame = run_query(cursor, "referral/out_of_county_by_chapter", **Q3)
    # C34 x2 (II), I21 (IX); F13 has no code and D49 lies in no chapter; F15 was rejected
    rows = [(row.chapter if isinstance(row.chapter, str) else None, row.referrals) for row in frame.itertuples()]
    assert rows == [("II", 2), (None, 2), ("IX", 1)]
    assert frame["share"].tolist() == pytest.approx([0.4, 0.4, 0.2])
    assert list(frame["first_code"].iloc[[0, 2]]) == ["C00", "I00"]
    kpis = compute_indicators(cursor, Q3["start"], Q3["end"], None)
    assert frame["referrals"].sum() / kpis["referral.up"] == pytest.approx(kpis["referral.out_of_county_share"])


def test_out_of_county_filters(cursor):
    community_b = run_query(cursor, "referral/out_of_county_by_chapter", **Q3, community="B")
    assert list(community_b["chapter"]) == ["II"] and list(community_b["referrals"]) == [1]  # F11
    assert run_query(cursor, "referral/out_of_county_by_chapter", **Q3, institution="T1").empty


def test_out_of_county_top_codes(cursor):
    frame = run_query(cursor, "referral/out_of_county_top_codes", **Q3)
    assert list(frame["code3"]) == ["C34", "D49", "I21"]  # 2, then 1 each by code; lower case upper-cased
    assert list(frame["referrals"]) == [2, 1, 1]
    assert frame.iloc[0]["diagnosis"] == "肺恶性肿瘤" and frame.iloc[0]["chapter"] == "II"
    assert pd.isna(frame.iloc[1]["chapter"])
    assert list(run_query(cursor, "referral/out_of_county_top_codes", **Q3, limit=1)["code3"]) == ["C34"]


def test_icd10_chapter_boundaries():
    # the first and last codes of several chapters land in the chapter the WHO puts them in
    store = Store(":memory:")
    cur = store.cursor()
    insert_rows(cur, "institutions", "inst_id inst_name tier",
                [("C1", "C1", "county_hospital"), ("U1", "U1", "upper_hospital")])
    codes = ["B99", "C00", "D48", "D50", "E90", "H59", "H60", "P96", "S00", "T98", "U85", "V01", "Y98", "Z99"]
    insert_rows(cur, "referrals", "referral_id icd10", [(code, code) for code in codes], patient_key="P",
                referral_date="2025-08-01", from_inst_id="C1", to_inst_id="U1", status="completed")
    frame = run_query(cur, "referral/out_of_county_top_codes", **Q3, limit=20)
    assert dict(zip(frame["code3"], frame["chapter"])) == {
        "B99": "I", "C00": "II", "D48": "II", "D50": "III", "E90": "IV", "H59": "VII", "H60": "VIII",
        "P96": "XVI", "S00": "XIX", "T98": "XIX", "U85": "XXII", "V01": "XX", "Y98": "XX", "Z99": "XXI",
    }


# -- per institution ------------------------------------------------------------------------

def test_institution_balance(cursor):
    frame = run_query(cursor, "referral/institution_balance", **Q3)
    # busiest first (sent up + received down), then by name; U1 is not grassroots or county
    assert list(frame["inst_id"]) == ["C1", "T1", "C2", "T3", "T2", "V1"]
    rows = frame.set_index("inst_id")
    assert rows.loc["C1", ["sent_up", "received_down", "net_down"]].tolist() == [4, 1, -3]  # F15 rejected
    assert rows.loc["T1", ["sent_up", "received_down", "net_down"]].tolist() == [2, 1, -1]
    assert rows.loc["T3", ["sent_up", "received_down", "net_down"]].tolist() == [0, 1, 1]
    # received: T1 got F2 and the rejected F10; C2 got F4, the rejected F6 and the cancelled F7
    assert rows.loc["T1", "rejection_rate"] == 0.5 and rows.loc["C2", "rejection_rate"] == 0.5
    assert rows.loc["C1", "rejection_rate"] == 0.0 and pd.isna(rows.loc["V1", "rejection_rate"])
    # days to acceptance of what it received: C1 F1 1 and F14 2; T1 F2 3; C2 F4 10; T2 none
    assert rows.loc["C1", "median_accept_days"] == 1.5 and rows.loc["T1", "median_accept_days"] == 3
    assert rows.loc["C2", "median_accept_days"] == 10 and pd.isna(rows.loc["T2", "median_accept_days"])


def test_institution_balance_adds_up_to_the_indicators_without_a_community(cursor):
    frame = run_query(cursor, "referral/institution_balance", **Q3)
    kpis = compute_indicators(cursor, Q3["start"], Q3["end"], None)
    # every upward referral is sent, and every downward one received, by a rank <= 3 institution
    assert frame["sent_up"].sum() == kpis["referral.up"] == 7
    assert frame["received_down"].sum() == kpis["referral.down"] == 3


def test_institution_balance_filters_by_the_institution_itself(cursor):
    community_b = run_query(cursor, "referral/institution_balance", **Q3, community="B")
    assert list(community_b["inst_id"]) == ["C2", "T3"]
    east = run_query(cursor, "referral/institution_balance", **Q3, township="东乡")
    assert list(east["inst_id"]) == ["T1", "V1"]
    july = run_query(cursor, "referral/institution_balance", start=date(2025, 7, 1), end=date(2025, 7, 31))
    assert list(july["inst_id"]) == ["T1", "C1"]  # T1 sent F1 up and got F2 down; C1 got F14 down


def test_an_empty_period_gives_empty_frames(cursor):
    empty = dict(start=date(2030, 1, 1), end=date(2030, 1, 31))
    for name in ("flows_by_tier", "flows_by_institution", "out_of_county_by_chapter",
                 "out_of_county_top_codes", "institution_balance"):
        assert run_query(cursor, f"referral/{name}", **empty).empty
