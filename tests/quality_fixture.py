"""A small hand-made store for the data-quality checks, with every value worked out by hand.

Communities A and B; the period is 2025 Q3 (report months July, August, September). The cases
data-quality.md names are all here: a township centre that never reports (T2), a village clinic
that has never reported and so is not expected to (V2), one that reported only before the period
and is expected (V3), a month replaced by a second upload (T1, August: 6000 then 650 visits),
overlapping stints of one expert at the same host (not a violation) and at two hosts (a
violation). The expected values are in ``tests/test_quality.py`` beside the reasoning.
"""

from __future__ import annotations

from pathlib import Path

from sinkview.ingest.importer import commit_validation, validate_upload
from sinkview.store.database import Store
from tests.builders import insert_institutions, insert_rows

# inst_id, tier, community, parent_id
INSTITUTIONS = [
    ("U1", "upper_hospital", None, None),
    ("C1", "county_hospital", "A", None),
    ("T1", "township_center", "A", "C1"),
    ("T2", "township_center", "A", "C1"),   # never reports
    ("T3", "township_center", "B", None),
    ("V1", "village_clinic", "A", "T1"),
    ("V2", "village_clinic", "A", "T1"),    # never reports: not expected
    ("V3", "village_clinic", "A", "T2"),    # reported once, before the period: expected
    ("V4", "village_clinic", "B", None),    # no parent in the list
]

# period, inst_id, community, outpatient_visits
VOLUME = [
    ("2024-07-01", "C1", "", 5),        # exactly 12 months before July 2025: July's history only
    ("2025-04-01", "C1", "", 1000),
    ("2025-05-01", "C1", "", 1100),
    ("2025-06-01", "C1", "", 900),
    ("2025-07-01", "C1", "", 1000),     # history 5, 900, 1000, 1100: median 950
    ("2025-08-01", "C1", "", 2900),     # history 900, 1000, 1000, 1100: median 1000; 2900 < 3000
    ("2025-09-01", "C1", "", 3100),     # median of 900, 1000, 1000, 1100, 2900 = 1000: outlier
    *[(f"2025-0{month}-01", "T1", "", 600) for month in range(1, 8)],  # January to July
    # August comes by upload (6000, then replaced by 650): see build_quality_store
    ("2025-09-01", "T1", "", 150),      # median of 600 × 7 and 650 = 600; 150 < 200: outlier
    ("2025-04-01", "T3", "", 0),
    ("2025-05-01", "T3", "", 0),
    ("2025-06-01", "T3", "", 0),
    ("2025-07-01", "T3", "", 500),      # median 0: never judged
    ("2025-08-01", "T3", "", 500),
    ("2025-09-01", "T3", "", 500),
    ("2025-01-01", "V1", "", 100),
    ("2025-07-01", "V1", "", 100),      # V1 misses August; too little history to be judged
    ("2025-09-01", "V1", "", 100),
    ("2024-12-01", "V3", "", 80),       # V3 reported before the period only
    ("2025-04-01", "U1", "A", 100),
    ("2025-05-01", "U1", "A", 100),
    ("2025-06-01", "U1", "A", 100),
    ("2025-07-01", "U1", "A", 400),     # community A's series: median 100, 400 > 300: outlier
    ("2025-04-01", "U1", "B", 1000),
    ("2025-05-01", "U1", "B", 1000),
    ("2025-06-01", "U1", "B", 1000),
    ("2025-07-01", "U1", "B", 1000),    # community B's series: no outlier
]
T1_AUGUST_FIRST = b"period,inst_id,outpatient_visits\r\n2025-08,T1,6000\r\n"
T1_AUGUST_REPLACED = b"period,inst_id,outpatient_visits\r\n2025-08,T1,650\r\n"

# record_id, expert_id, home, host, start_date, end_date
ROTATIONS = [
    ("S1", "E1", "C1", "T1", "2025-07-01", "2025-07-10"),
    ("S2", "E1", "C1", "T1", "2025-07-05", "2025-07-05"),  # same host as S1: not a violation
    ("S3", "E1", "C1", "V1", "2025-07-08", "2025-07-12"),  # overlaps S1 (07-08..07-10), not S2
    ("S4", "E2", "U1", "T3", "2025-06-01", "2025-07-02"),  # host in B
    ("S5", "E2", "U1", "T1", "2025-07-02", "2025-07-03"),  # host in A: overlap 07-02
    ("S6", "E3", "C1", "T2", "2025-06-10", "2025-06-20"),  # overlap before the period
    ("S7", "E3", "C1", "V1", "2025-06-15", "2025-06-15"),
    ("S8", "E4", "C1", "T1", "2025-06-25", "2025-07-05"),  # overlap with S9 in June only
    ("S9", "E4", "C1", "T2", "2025-06-28", "2025-06-30"),
    ("S10", "E5", "T1", "C1", "2025-07-01", "2025-07-01"),  # upward: not a downward stint
    ("S11", "E5", "C1", "T2", "2025-07-01", "2025-07-01"),
    ("S12", "E6", "C1", "T1", "2025-09-25", "2025-10-10"),
    ("S13", "E6", "C1", "T2", "2025-09-30", "2025-10-05"),  # overlap in the period: 09-30 only
]

# referral_id, patient_key, referral_date, from, to, status, accepted_date
REFERRALS = [
    ("F1", "P1", "2025-07-01", "T1", "C1", "completed", "2025-07-31"),  # 30 days: not more than 30
    ("F2", "P2", "2025-07-01", "T1", "C1", "completed", "2025-08-01"),  # 31 days (A)
    ("F3", "P3", "2025-08-01", "T3", "C1", "completed", "2025-09-15"),  # 45 days (A and B)
    ("F4", "P4", "2025-08-05", "T1", "C1", "rejected", "2025-10-01"),   # not effective
    ("F5", "P5", "2025-09-20", "T3", "U1", "pending", None),
    ("F6", "P6", "2025-06-15", "T1", "C1", "completed", "2025-07-20"),  # dated before the period
    ("F7", "P7", "2025-09-01", "C1", "T1", "accepted", "2025-10-15"),   # 44 days (A)
]

# snapshot_date, village_code, township_center_id, clinic_id
VILLAGES = [
    ("2025-09-30", "VL1", "T1", "V1"),   # V1's parent is T1: consistent
    ("2025-09-30", "VL2", "T1", "V3"),   # V3's parent is T2: violation (A)
    ("2025-09-30", "VL3", "T2", None),   # no clinic
    ("2025-09-30", "VL4", "T3", "V4"),   # V4 has no parent: not a violation
    ("2025-06-30", "VL5", "T1", "V3"),   # mismatched, but replaced by the later row below
    ("2025-09-30", "VL5", "T2", "V3"),
    ("2025-12-31", "VL6", "T3", "V1"),   # after the period's end: not in the snapshot
    ("2025-09-30", "VL7", "T3", "V1"),   # V1's parent T1, village's centre T3: violation (B)
]


def build_quality_store(path: str | Path = ":memory:") -> Store:
    """The store above; T1's August report arrives by upload and is replaced by a second one."""
    store = Store(path)
    cur = store.cursor()
    insert_institutions(cur, "tier community parent_id township",
                        [(*row, f"town {row[0]}") for row in INSTITUTIONS], name="{} name")
    insert_rows(cur, "service_volume", "period inst_id community outpatient_visits", VOLUME)
    for upload in (T1_AUGUST_FIRST, T1_AUGUST_REPLACED):
        validation = validate_upload(cur, upload, "volume.csv", "service_volume")
        assert validation.ok, validation.errors
        commit_validation(cur, validation)
    insert_rows(cur, "expert_rotations", "record_id expert_id home_inst_id host_inst_id start_date end_date",
                ROTATIONS, specialty="internal", title_level="senior", activity="clinic")
    insert_rows(cur, "referrals",
                "referral_id patient_key referral_date from_inst_id to_inst_id status accepted_date", REFERRALS)
    insert_rows(cur, "village_coverage", "snapshot_date village_code village_name township_center_id clinic_id",
                [(day, code, f"{code} name", centre, clinic) for day, code, centre, clinic in VILLAGES], township="t",
                population=100, village_doctors=1, licensed_doctors=1, insurance_settlement=False, telemedicine=False,
                party_group=False, ecg_device=False)
    return store
