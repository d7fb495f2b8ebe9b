"""The talent mobility queries (queries/talent/*.sql) on a small store worked out by hand,
including their agreement with the talent.* indicators for the same filters."""

from datetime import date

import pytest

from sinkview.metrics.evaluator import compute_indicators
from sinkview.store.named_queries import run_query
from sinkview.store.database import Store
from tests.builders import insert_institutions, insert_rows

Q3 = {"start": date(2025, 7, 1), "end": date(2025, 9, 30)}

# inst_id, tier, community, township
INSTITUTIONS = [
    ("U1", "upper_hospital", None, None),
    ("C1", "county_hospital", "A", "城关镇"),
    ("C2", "county_hospital", "B", "河口镇"),
    ("T1", "township_center", "A", "东乡"),
    ("T2", "township_center", "A", "西乡"),
    ("T3", "township_center", "B", "南乡"),
    ("T4", "township_center", "A", None),     # no township recorded
    ("V1", "village_clinic", "A", "东乡"),
]

# movement_id, movement_type, from, to, start_date, title_level, education, party_member
MOVEMENTS = [
    ("M1", "dispatch_down", "C1", "T1", "2025-07-10", "senior", "master", True),        # A
    ("M2", "dispatch_down", "C2", "T3", "2025-08-01", "intermediate", "bachelor", False),  # B
    ("M3", "dispatch_down", "C1", "V1", "2025-09-30", "senior", None, None),            # A, last day
    ("M4", "training_up", "T1", "C1", "2025-07-15", "junior", None, None),              # A
    ("M5", "recruit", None, "T2", "2025-08-01", None, None, None),                      # A, inflow 西乡
    ("M6", "transfer", "C2", "T3", "2025-08-10", None, None, None),                     # B, inflow 南乡
    ("M7", "transfer", "T1", "C2", "2025-09-01", None, None, None),                     # A and B, outflow 东乡
    ("M8", "departure", "T3", None, "2025-09-05", "junior", "college", None),           # B, outflow 南乡
    ("M9", "recruit", None, "C1", "2025-07-20", None, None, None),                      # A, not grassroots
    ("M10", "transfer", "T1", "T2", "2025-07-25", None, None, None),                    # A, within grassroots
    ("M11", "dispatch_down", "C1", "T2", "2025-10-01", "senior", "bachelor", True),     # after Q3
    ("M12", "departure", "V1", None, "2025-06-30", None, None, None),                   # before Q3
    ("M13", "departure", "V1", None, "2025-08-20", "senior", "bachelor", None),         # A, outflow 东乡
    ("M14", "recruit", None, "T3", "2025-09-10", None, None, None),                     # B, inflow 南乡
    ("M15", "rotation", "T2", "T1", "2025-08-05", None, None, None),                    # A, lateral
    ("M16", "recruit", None, "V1", "2025-07-05", None, None, None),                     # A, inflow 东乡
    ("M17", "recruit", None, "T4", "2025-08-15", None, None, None),                     # A, inflow, no township
]
# In Q3: all but M11 and M12, 15 movements. Community A: M1, M3, M4, M5, M7, M9, M10, M13, M15,
# M16, M17 (11); community B: M2, M6, M7, M8, M14 (5).


@pytest.fixture(scope="module")
def cur():
    store = Store(":memory:")
    cursor = store.cursor()
    insert_institutions(cursor, "tier community township", INSTITUTIONS)
    insert_rows(cursor, "staff_movements",
                "movement_id staff_id movement_type from_inst_id to_inst_id start_date title_level education party_member",
                [(row[0], "S" + row[0], *row[1:]) for row in MOVEMENTS])
    yield cursor
    store.close()


def records(cur, name, **params):
    return run_query(cur, name, **{**Q3, "community": None, "township": None, **params}).to_dict("records")


def test_tier_flows_by_hand(cur):
    rows = records(cur, "talent/tier_flows")
    assert [(r["source_tier"], r["target_tier"], r["movements"]) for r in rows] == [
        ("county_hospital", "township_center", 3),   # M1, M2 dispatched, M6 transferred
        ("county_hospital", "village_clinic", 1),    # M3
        ("township_center", "county_hospital", 2),   # M4 training, M7 transfer
        ("township_center", "township_center", 2),   # M10 transfer, M15 rotation
        ("township_center", "outside", 1),           # M8 departure
        ("village_clinic", "outside", 1),            # M13 departure
        ("outside", "county_hospital", 1),           # M9 recruit
        ("outside", "township_center", 3),           # M5, M14, M17 recruits
        ("outside", "village_clinic", 1),            # M16 recruit
    ]
    first = rows[0]
    assert (first["dispatch_down"], first["transfer"], first["recruit"]) == (2, 1, 0)
    assert (first["source_rank"], first["target_rank"]) == (3, 2)
    assert rows[-1]["source_rank"] == 0  # outside
    assert sum(r["movements"] for r in rows) == 15


def test_tier_flows_agree_with_the_indicators_and_follow_filters(cur):
    for community, expected_total in ((None, 15), ("A", 11), ("B", 5)):
        kpi = compute_indicators(cur, Q3["start"], Q3["end"], community)
        rows = records(cur, "talent/tier_flows", community=community)
        assert sum(r["movements"] for r in rows) == expected_total
        assert sum(r["dispatch_down"] for r in rows) == kpi["talent.dispatched_down"]
        assert sum(r["training_up"] for r in rows) == kpi["talent.trained_up"]
    # 东乡 (T1, V1) at either end: M1, M3, M4, M7, M10, M13, M15, M16
    assert sum(r["movements"] for r in records(cur, "talent/tier_flows", township="东乡")) == 8
    # Q4 holds only M11
    q4 = records(cur, "talent/tier_flows", start=date(2025, 10, 1), end=date(2025, 12, 31))
    assert [(r["source_tier"], r["target_tier"], r["movements"]) for r in q4] == [
        ("county_hospital", "township_center", 1),
    ]


def test_grassroots_net_by_township_by_hand(cur):
    rows = records(cur, "talent/grassroots_net_by_township")
    township = lambda value: value if isinstance(value, str) else None  # null arrives as NaN
    assert [(township(r["township"]), r["inflow"], r["outflow"], r["net"]) for r in rows] == [
        ("东乡", 1, 2, -1),    # in M16; out M7, M13
        ("南乡", 2, 1, 1),     # in M6, M14; out M8
        ("西乡", 1, 0, 1),     # in M5
        (None, 1, 0, 1),       # in M17 (T4 has no township), listed last
    ]


def test_grassroots_net_adds_up_to_the_indicators(cur):
    for community in (None, "A", "B"):
        kpi = compute_indicators(cur, Q3["start"], Q3["end"], community)
        rows = records(cur, "talent/grassroots_net_by_township", community=community)
        assert sum(r["inflow"] for r in rows) == kpi["talent.grassroots_inflow"]
        assert sum(r["outflow"] for r in rows) == kpi["talent.grassroots_outflow"]
        assert sum(r["net"] for r in rows) == kpi["talent.net_grassroots"]
    # community B: M7 leaves 东乡 (A) for C2 (B), so it counts for B too
    rows_b = records(cur, "talent/grassroots_net_by_township", community="B")
    assert [(r["township"], r["inflow"], r["outflow"]) for r in rows_b] == [("东乡", 0, 1), ("南乡", 2, 1)]


def test_grassroots_net_township_filter_is_the_grassroots_end(cur):
    assert [(r["township"], r["net"]) for r in records(cur, "talent/grassroots_net_by_township", township="南乡")] == [
        ("南乡", 1),
    ]
    # M7 (T1 -> C2) touches 河口镇 only through the county hospital: no grassroots row there
    assert records(cur, "talent/grassroots_net_by_township", township="河口镇") == []


def test_monthly_movements_by_hand(cur):
    rows = records(cur, "talent/monthly_movements")
    counts = {(str(r["month"])[:7], r["movement_type"]): r["movements"] for r in rows}
    assert counts == {
        ("2025-07", "dispatch_down"): 1, ("2025-07", "recruit"): 2, ("2025-07", "training_up"): 1,
        ("2025-07", "transfer"): 1,
        ("2025-08", "departure"): 1, ("2025-08", "dispatch_down"): 1, ("2025-08", "recruit"): 2,
        ("2025-08", "rotation"): 1, ("2025-08", "transfer"): 1,
        ("2025-09", "departure"): 1, ("2025-09", "dispatch_down"): 1, ("2025-09", "recruit"): 1,
        ("2025-09", "transfer"): 1,
    }
    for community in (None, "A", "B"):
        kpi = compute_indicators(cur, Q3["start"], Q3["end"], community)
        dispatched = sum(r["movements"] for r in records(cur, "talent/monthly_movements", community=community)
                         if r["movement_type"] == "dispatch_down")
        assert dispatched == kpi["talent.dispatched_down"]
    assert sum(r["movements"] for r in records(cur, "talent/monthly_movements", community="B")) == 5


def test_mover_profile_by_hand(cur):
    rows = records(cur, "talent/mover_profile")
    assert [(r["movement_type"], r["dimension"], r["category"], r["movements"]) for r in rows] == [
        ("dispatch_down", "title_level", "senior", 2),        # M1, M3
        ("dispatch_down", "title_level", "intermediate", 1),  # M2
        ("dispatch_down", "education", "master", 1),
        ("dispatch_down", "education", "bachelor", 1),
        ("dispatch_down", "education", "unknown", 1),         # M3 left empty
        ("departure", "title_level", "senior", 1),            # M13
        ("departure", "title_level", "junior", 1),            # M8
        ("departure", "education", "bachelor", 1),
        ("departure", "education", "college", 1),
    ]
    shares = {(r["movement_type"], r["dimension"], r["category"]): r["share"] for r in rows}
    kpi = compute_indicators(cur, Q3["start"], Q3["end"], None)
    assert shares[("dispatch_down", "title_level", "senior")] == pytest.approx(kpi["talent.senior_dispatch_share"])
    assert shares[("departure", "education", "college")] == pytest.approx(1 / 2)
    # community B: M2 dispatched, M8 departed
    rows_b = records(cur, "talent/mover_profile", community="B")
    assert {(r["movement_type"], r["category"]) for r in rows_b if r["dimension"] == "title_level"} == {
        ("dispatch_down", "intermediate"), ("departure", "junior"),
    }


def test_dispatch_quality_monthly_in_a_quarter(cur):
    rows = records(cur, "talent/dispatch_quality")
    assert [(r["grain"], str(r["bucket_start"])[:10], r["dispatched"], r["senior"], r["party_members"])
            for r in rows] == [
        ("month", "2025-07-01", 1, 1, 1),   # M1
        ("month", "2025-08-01", 1, 0, 0),   # M2
        ("month", "2025-09-01", 1, 1, 0),   # M3: party membership unknown
    ]
    kpi = compute_indicators(cur, Q3["start"], Q3["end"], None)
    assert sum(r["dispatched"] for r in rows) == kpi["talent.dispatched_down"]
    assert sum(r["senior"] for r in rows) / 3 == pytest.approx(kpi["talent.senior_dispatch_share"])
    assert sum(r["party_members"] for r in rows) / 3 == pytest.approx(kpi["talent.party_dispatch_share"])
    assert [r["senior_share"] for r in rows] == [1.0, 0.0, 1.0]


def test_dispatch_quality_quarterly_over_a_long_period_and_filters(cur):
    rows = records(cur, "talent/dispatch_quality", start=date(2024, 1, 1), end=date(2025, 12, 31))
    assert [(r["grain"], str(r["bucket_start"])[:10], r["dispatched"], r["senior_share"], r["party_share"])
            for r in rows] == [
        ("quarter", "2025-07-01", 3, pytest.approx(2 / 3), pytest.approx(1 / 3)),
        ("quarter", "2025-10-01", 1, 1.0, 1.0),   # M11
    ]
    assert [r["dispatched"] for r in records(cur, "talent/dispatch_quality", community="B")] == [1]
    assert [str(r["bucket_start"])[:7] for r in records(cur, "talent/dispatch_quality", township="东乡")] == [
        "2025-07", "2025-09",
    ]
