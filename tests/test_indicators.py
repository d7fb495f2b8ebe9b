"""Indicators against values worked out by hand on a small store, plus registry and targets."""

import re
import sys
from datetime import date
from pathlib import Path

import pytest

from sinkview.metrics.targets import DEFAULT_TARGETS, Target, load_targets, status
from sinkview.metrics.declarations import INDICATORS, TOPICS, indicator
from sinkview.metrics.evaluator import compute_indicators, topic_sql
from sinkview.store.database import Store
from tests.builders import fill_indicator_ledgers

METRICS_SPEC = Path("/work/shared/spec/metrics.md")
Q3 = (date(2025, 7, 1), date(2025, 9, 30))

# Communities A and B; U1 (upper) belongs to none.
INSTITUTIONS = [
    ("U1", "upper_hospital", None),
    ("C1", "county_hospital", "A"),
    ("C2", "county_hospital", "B"),
    ("T1", "township_center", "A"),
    ("T2", "township_center", "A"),
    ("T3", "township_center", "B"),
    ("V1", "village_clinic", "A"),
    ("V2", "village_clinic", "A"),
    ("V3", "village_clinic", "B"),
]

# record_id, expert_id, home, host, title_level, start_date, end_date, patients_served
ROTATIONS = [
    ("R1", "E1", "C1", "T1", "senior", "2025-06-21", "2025-07-10", 30),         # 20 days long, 10 in Q3
    ("R2", "E2", "C1", "T1", "intermediate", "2025-07-01", "2025-09-30", 200),  # 92 days, all in Q3
    ("R3", "E1", "C1", "V1", "senior", "2025-08-05", "2025-08-05", 12),         # 1 day
    ("R4", "E3", "U1", "C2", "senior", "2025-09-20", "2025-10-19", None),       # 30 long, 11 in Q3
    ("R5", "E4", "T1", "C1", "senior", "2025-08-01", "2025-08-10", 50),         # upward: excluded
    ("R6", "E5", "C2", "T3", "junior", "2025-10-01", "2025-10-05", 9),          # after Q3
    ("R7", "E6", "C2", "T3", "senior", "2025-05-01", "2025-08-31", 70),         # 123 long, 62 in Q3
    ("R8", "E9", "T1", "T2", "senior", "2025-08-01", "2025-08-01", 5),          # lateral: excluded
    ("R10", "E8", "U1", "V2", "junior", "2025-07-15", "2025-10-31", 40),        # 109 long, 78 in Q3
]

# referral_id, patient_key, referral_date, from, to, status, accepted_date
REFERRALS = [
    ("F1", "P1", "2025-07-05", "T1", "C1", "completed", "2025-07-06"),  # up, A, 1 day
    ("F2", "P2", "2025-07-10", "C1", "T1", "completed", "2025-07-13"),  # down, A, 3 days
    ("F3", "P3", "2025-08-01", "C1", "U1", "accepted", "2025-08-08"),   # up out of county, A, 7 days
    ("F4", "P1", "2025-08-15", "T1", "C2", "completed", "2025-08-25"),  # up, A and B, 10 days
    ("F5", "P4", "2025-08-20", "T1", "T2", "pending", None),            # lateral, A
    ("F6", "P5", "2025-09-01", "T3", "C2", "rejected", None),           # B
    ("F7", "P6", "2025-09-02", "T3", "C2", "cancelled", None),          # B
    ("F8", "P7", "2025-06-30", "T1", "C1", "completed", "2025-07-01"),  # before Q3
    ("F9", "P8", "2025-09-30", "C2", "T3", "completed", "2025-10-02"),  # down, B, 2 days
    ("F10", "P9", "2025-09-15", "V1", "T1", "rejected", None),          # A
]

# snapshot_date, village_code, township_center_id, clinic_id, population, village_doctors,
# licensed_doctors, contracted_residents, insurance_settlement, telemedicine, party_group, ecg_device
VILLAGES = [
    ("2025-06-30", "VL1", "T1", "V1", 1000, 1, 0, 300, False, False, False, False),
    ("2025-09-30", "VL1", "T1", "V1", 1200, 2, 1, 600, True, True, True, False),
    ("2025-12-31", "VL1", "T1", "V1", 9999, 9, 9, 9999, True, True, True, True),   # after Q3
    ("2025-06-30", "VL2", "T2", "V2", 800, 0, 0, None, True, False, True, True),   # latest by Q3
    ("2025-09-30", "VL3", "T2", None, 500, 0, 0, 100, True, True, False, False),   # no clinic
    ("2025-09-30", "VL4", "T3", "V3", 2000, 3, 2, 1500, False, False, False, True),
    ("2025-12-31", "VL5", "T3", "V3", 700, 1, 1, 100, True, True, True, True),     # after Q3
]

# movement_id, movement_type, from, to, start_date, title_level, party_member
MOVEMENTS = [
    ("M1", "dispatch_down", "C1", "T1", "2025-07-10", "senior", True),         # A
    ("M2", "dispatch_down", "C2", "T3", "2025-08-01", "intermediate", False),  # B
    ("M3", "dispatch_down", "C1", "V1", "2025-09-30", "senior", None),         # A
    ("M4", "training_up", "T1", "C1", "2025-07-15", "junior", None),           # A
    ("M5", "recruit", None, "T2", "2025-08-01", None, None),                   # A, inflow
    ("M6", "transfer", "C2", "T3", "2025-08-10", None, None),                  # B, inflow
    ("M7", "transfer", "T1", "C2", "2025-09-01", None, None),                  # A and B, outflow
    ("M8", "departure", "T3", None, "2025-09-05", None, None),                 # B, outflow
    ("M9", "recruit", None, "C1", "2025-07-20", None, None),                   # A, not grassroots
    ("M10", "transfer", "T1", "T2", "2025-07-25", None, None),                 # A, within grassroots
    ("M11", "dispatch_down", "C1", "T2", "2025-10-01", "senior", True),        # after Q3
    ("M12", "departure", "V1", None, "2025-06-30", None, None),                # before Q3
    ("M13", "departure", "V1", None, "2025-08-20", None, None),                # A, outflow
    ("M14", "recruit", None, "T3", "2025-09-10", None, None),                  # B, inflow
]

# period, inst_id, community, outpatient_visits, admissions, tcm_visits, insurance_fund
VOLUME = [
    ("2025-07-01", "C1", "", 1000, 100, 200, 50000.0),
    ("2025-07-01", "T1", "", 600, 10, 100, 8000.0),
    ("2025-08-01", "T2", "", 400, None, 50, None),       # missing counts add nothing
    ("2025-07-01", "C2", "", 800, 80, 100, 40000.0),
    ("2025-09-01", "T3", "", 500, 5, None, 5000.0),
    ("2025-07-01", "U1", "A", 300, 30, 0, 90000.0),
    ("2025-08-01", "U1", "B", 200, 20, 0, 60000.0),
    ("2025-09-01", "U1", "", 100, 10, 0, 30000.0),        # no community: whole scope only
    ("2025-06-01", "C1", "", 9999, 999, 999, 999999.0),   # before Q3
    ("2025-10-01", "T1", "", 9999, 999, 999, 999999.0),   # after Q3
]


@pytest.fixture(scope="module")
def store():
    store = Store(":memory:")
    cur = store.cursor()
    fill_indicator_ledgers(cur, sys.modules[__name__])
    yield store
    store.close()


# Counted stints in Q3 (downward, overlapping): R1 10 d, R2 92 d, R3 1 d, R4 11 d, R7 62 d,
# R10 78 d. Hosts: A = R1, R2, R3, R10; B = R4 (C2), R7 (T3).
# Snapshot at 2025-09-30: VL1 (Q3 row), VL2 (Q2 row), VL3, VL4 (B); VL5 only after the end.
# Effective referrals in Q3: F1, F2, F3, F4, F5, F9 (F4 is in A and in B).
WHOLE = {
    "rotation.expert_days": 254,                  # 10 + 92 + 1 + 11 + 62 + 78
    "rotation.visits": 6,
    "rotation.experts": 5,                        # E1 (twice), E2, E3, E6, E8
    "rotation.township_coverage": 2 / 3,          # T1 and T3 hosted; T2 only a lateral stint (R8)
    "rotation.senior_share": 84 / 254,            # R1 10 + R3 1 + R4 11 + R7 62
    "rotation.patients_served": 252,              # starting in Q3: R2 200 + R3 12 + R4 none + R10 40
    "rotation.resident_experts": 3,               # R2 92 d, R7 123 d, R10 109 d
    "rotation.stationed_per_10k": 2 / 4500 * 10000,  # E2, E6 (E8 junior) / population 4500
    "referral.up": 3,                             # F1, F3, F4
    "referral.down": 2,                           # F2, F9
    "referral.lateral": 1,                        # F5
    "referral.down_up_ratio": 2 / 3,
    "referral.out_of_county_share": 1 / 3,        # F3
    "referral.rejection_rate": 2 / 8,             # F6, F10 / nine in Q3 minus cancelled F7
    "referral.patients": 5,                       # P1 (F1, F4), P2, P3, P4, P8
    "referral.median_accept_days": 3.0,           # 1, 2, 3, 7, 10
    "village.villages": 4,
    "village.clinic_coverage": 3 / 4,             # VL1, VL2, VL4
    "village.blank_villages": 2,                  # VL2 no doctor, VL3 no clinic
    "village.doctors_per_1000": 5 / 4500 * 1000,  # 2 + 0 + 0 + 3 / 1200 + 800 + 500 + 2000
    "village.licensed_share": 3 / 5,              # 1 + 2 / 5
    "village.signing_rate": 2200 / 4500,          # 600 + missing + 100 + 1500
    "village.insurance_rate": 2 / 3,              # VL1, VL2 of the clinics VL1, VL2, VL4
    "village.telemedicine_rate": 1 / 3,           # VL1 (VL3's yes has no clinic)
    "village.party_coverage": 2 / 3,              # VL1, VL2
    "village.ecg_coverage": 2 / 3,                # VL2, VL4
    "village.population": 4500,
    "talent.dispatched_down": 3,                  # M1, M2, M3 (M3 on the last day)
    "talent.trained_up": 1,                       # M4
    "talent.senior_dispatch_share": 2 / 3,        # M1, M3
    "talent.party_dispatch_share": 1 / 3,         # M1 (M3 unknown)
    "talent.grassroots_inflow": 3,                # M5, M6, M14
    "talent.grassroots_outflow": 3,               # M7, M8, M13
    "talent.net_grassroots": 0,
    "volume.grassroots_visit_share": 1500 / 3300,       # T1 600 + T2 400 + T3 500 / + C1 1000 + C2 800
    "volume.in_county_admission_share": 195 / 255,      # 100 + 10 + 80 + 5 / + U1 30 + 20 + 10
    "volume.tcm_visit_share": 450 / 3300,               # 200 + 100 + 50 + 100
    "volume.in_county_fund_share": 103000 / 283000,     # 50000 + 8000 + 40000 + 5000 / + 180000
    "volume.grassroots_fund_share": 13000 / 103000,     # 8000 + 5000
}

COMMUNITY_A = {
    "rotation.expert_days": 181,                  # R1 10 + R2 92 + R3 1 + R10 78
    "rotation.visits": 4,
    "rotation.experts": 3,                        # E1, E2, E8
    "rotation.township_coverage": 1 / 2,          # T1 of T1, T2
    "rotation.senior_share": 11 / 181,            # R1 10 + R3 1
    "rotation.patients_served": 252,              # R2 200 + R3 12 + R10 40
    "rotation.resident_experts": 2,               # E2, E8
    "rotation.stationed_per_10k": 1 / 2500 * 10000,  # E2 / VL1 1200 + VL2 800 + VL3 500
    "referral.up": 3,                             # F1, F3, F4
    "referral.down": 1,                           # F2
    "referral.lateral": 1,                        # F5
    "referral.down_up_ratio": 1 / 3,
    "referral.out_of_county_share": 1 / 3,        # F3
    "referral.rejection_rate": 1 / 6,             # F10 / F1, F2, F3, F4, F5, F10
    "referral.patients": 4,                       # P1, P2, P3, P4
    "referral.median_accept_days": 5.0,           # 1, 3, 7, 10: (3 + 7) / 2
    "village.villages": 3,
    "village.clinic_coverage": 2 / 3,
    "village.blank_villages": 2,
    "village.doctors_per_1000": 2 / 2500 * 1000,
    "village.licensed_share": 1 / 2,
    "village.signing_rate": 700 / 2500,
    "village.insurance_rate": 2 / 2,
    "village.telemedicine_rate": 1 / 2,
    "village.party_coverage": 2 / 2,
    "village.ecg_coverage": 1 / 2,
    "village.population": 2500,
    "talent.dispatched_down": 2,                  # M1, M3
    "talent.trained_up": 1,
    "talent.senior_dispatch_share": 2 / 2,
    "talent.party_dispatch_share": 1 / 2,
    "talent.grassroots_inflow": 1,                # M5
    "talent.grassroots_outflow": 2,               # M7, M13
    "talent.net_grassroots": -1,
    "volume.grassroots_visit_share": 1000 / 2000,       # T1 600 + T2 400 / + C1 1000
    "volume.in_county_admission_share": 110 / 140,      # C1 100 + T1 10 / + U1 (A) 30
    "volume.tcm_visit_share": 350 / 2000,
    "volume.in_county_fund_share": 58000 / 148000,      # 50000 + 8000 / + U1 (A) 90000
    "volume.grassroots_fund_share": 8000 / 58000,
}

COMMUNITY_B = {
    "rotation.expert_days": 73,                   # R4 11 + R7 62
    "rotation.visits": 2,
    "rotation.experts": 2,
    "rotation.township_coverage": 1.0,            # T3
    "rotation.senior_share": 1.0,
    "rotation.patients_served": 0,                # R4's count is missing; R7 started before Q3
    "rotation.resident_experts": 1,               # E6
    "rotation.stationed_per_10k": 1 / 2000 * 10000,
    "referral.up": 1,                             # F4 (also in A)
    "referral.down": 1,                           # F9
    "referral.lateral": 0,
    "referral.down_up_ratio": 1.0,
    "referral.out_of_county_share": 0.0,
    "referral.rejection_rate": 1 / 3,             # F6 / F4, F6, F9
    "referral.patients": 2,                       # P1, P8
    "referral.median_accept_days": 6.0,           # 2, 10
    "village.villages": 1,                        # VL4
    "village.clinic_coverage": 1.0,
    "village.blank_villages": 0,
    "village.doctors_per_1000": 3 / 2000 * 1000,
    "village.licensed_share": 2 / 3,
    "village.signing_rate": 1500 / 2000,
    "village.insurance_rate": 0.0,
    "village.telemedicine_rate": 0.0,
    "village.party_coverage": 0.0,
    "village.ecg_coverage": 1.0,
    "village.population": 2000,
    "talent.dispatched_down": 1,                  # M2
    "talent.trained_up": 0,
    "talent.senior_dispatch_share": 0.0,
    "talent.party_dispatch_share": 0.0,
    "talent.grassroots_inflow": 2,                # M6, M14
    "talent.grassroots_outflow": 2,               # M7, M8
    "talent.net_grassroots": 0,
    "volume.grassroots_visit_share": 500 / 1300,        # T3 500 / + C2 800
    "volume.in_county_admission_share": 85 / 105,       # C2 80 + T3 5 / + U1 (B) 20
    "volume.tcm_visit_share": 100 / 1300,
    "volume.in_county_fund_share": 45000 / 105000,      # 40000 + 5000 / + U1 (B) 60000
    "volume.grassroots_fund_share": 5000 / 45000,
}

# A community with no rows: counts are 0, every ratio's denominator is 0.
EMPTY = {item.id: (0 if item.kind == "count" else None) for item in INDICATORS}

EXPECTED = {None: WHOLE, "A": COMMUNITY_A, "B": COMMUNITY_B, "Z": EMPTY}


@pytest.fixture(scope="module")
def computed(store):
    return {
        community: compute_indicators(store.cursor(), *Q3, community) for community in EXPECTED
    }


@pytest.mark.parametrize("community", list(EXPECTED))
# party.* values are worked out on their own fixture in tests/test_party_indicators.py
@pytest.mark.parametrize("indicator_id", [item.id for item in INDICATORS if item.topic != "party"])
def test_indicator_value(computed, community, indicator_id):
    expected = EXPECTED[community][indicator_id]
    value = computed[community][indicator_id]
    if expected is None:
        assert value is None
    elif indicator(indicator_id).kind == "count":
        assert value == expected and isinstance(value, int)
    else:
        assert value == pytest.approx(expected) and isinstance(value, float)


def test_results_follow_the_registry_order(computed):
    assert list(computed[None]) == [item.id for item in INDICATORS]


def test_village_snapshot_is_the_latest_row_on_or_before_the_end(store):
    # Q2: VL1 and VL2 have rows dated 2025-06-30; VL3 and VL4 start in Q3.
    values = compute_indicators(store.cursor(), date(2025, 4, 1), date(2025, 6, 30), None)
    assert values["village.villages"] == 2
    assert values["village.population"] == 1000 + 800
    assert values["village.party_coverage"] == pytest.approx(1 / 2)  # VL2 only


def test_every_indicator_of_the_spec_is_registered_in_order():
    if not METRICS_SPEC.exists():
        pytest.skip("shared spec not available")
    rows = re.findall(
        r"^\| ((?:rotation|referral|village|talent|volume|party)\.\w+) \| ([^|]+) \|",
        METRICS_SPEC.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    assert [(item.id, item.name_zh) for item in INDICATORS] == [
        (indicator_id, name.strip()) for indicator_id, name in rows
    ]


def test_every_topic_compiles_to_one_query_with_exactly_the_three_parameters():
    assert set(TOPICS) == {item.topic for item in INDICATORS}
    for topic in TOPICS:
        assert set(re.findall(r"\$(\w+)", topic_sql(topic))) == {"start", "end", "community"}, topic
    for item in INDICATORS:
        assert item.topic == item.id.split(".")[0]


def test_every_topic_query_returns_one_row_with_a_column_per_indicator_on_an_empty_store():
    store = Store(":memory:")
    cur = store.cursor()
    for topic in TOPICS:
        result = cur.execute(topic_sql(topic), {"start": Q3[0], "end": Q3[1], "community": None})
        assert [column[0] for column in result.description] == [
            item.id for item in INDICATORS if item.topic == topic], topic
        assert len(result.fetchall()) == 1, topic
    store.close()


def test_targets_list_every_indicator_once_with_the_registry_direction():
    targets = load_targets()
    assert list(targets) == [item.id for item in INDICATORS]
    assert {item.id: item.direction for item in INDICATORS} == {
        key: target.direction for key, target in targets.items()
    }
    assert targets["volume.in_county_admission_share"].target == 0.90
    assert targets["referral.rejection_rate"].target is None


def test_targets_read_a_file_resaved_as_gbk(tmp_path):
    resaved = tmp_path / "targets.csv"
    resaved.write_bytes(DEFAULT_TARGETS.read_text(encoding="utf-8").encode("gb18030"))
    assert load_targets(resaved) == load_targets()


def target(indicator_id, value, direction):
    return Target(indicator_id, value, direction, "", "")


@pytest.mark.parametrize(
    ("indicator_id", "goal", "direction", "value", "expected"),
    [
        ("volume.in_county_admission_share", 0.90, "higher", 0.93, "met"),
        ("volume.in_county_admission_share", 0.90, "higher", 0.90, "met"),
        ("volume.in_county_admission_share", 0.90, "higher", 0.85, "near"),   # 5 points
        ("volume.in_county_admission_share", 0.90, "higher", 0.849, "missed"),
        ("referral.rejection_rate", 0.10, "lower", 0.14, "near"),
        ("referral.rejection_rate", 0.10, "lower", 0.16, "missed"),
        ("village.doctors_per_1000", 1.0, "higher", 0.9, "near"),             # 10 % of 1.0
        ("village.doctors_per_1000", 1.0, "higher", 0.89, "missed"),
        ("village.blank_villages", 0, "lower", 0, "met"),
        ("village.blank_villages", 0, "lower", 1, "near"),                    # target 0: 1 unit
        ("village.blank_villages", 0, "lower", 2, "missed"),
        ("talent.net_grassroots", 0, "higher", -1, "near"),
        ("talent.net_grassroots", 0, "higher", -2, "missed"),
        ("talent.net_grassroots", 0, "higher", 3, "met"),
        ("village.clinic_coverage", 1.0, "higher", None, None),               # no value
        ("referral.rejection_rate", None, "lower", 0.5, None),                # no target
        ("referral.up", 10, "neutral", 5, None),                              # no direction
    ],
)
def test_status(indicator_id, goal, direction, value, expected):
    assert status(value, target(indicator_id, goal, direction)) == expected
