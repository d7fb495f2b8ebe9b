"""A small hand-made county for the party-building tests (indicators, base models, page queries).

Communities A and B. Period of the worked values: 2025 Q3 (2025-07-01 .. 2025-09-30).
It includes a dissolution (P3 on 2025-09-10), a founding in the middle of a month (P2 on
2025-08-15), a joint branch covering two clinics besides its own (P2), an organisation founded
after the end (P6), missing member counts (P0, P4) and an uncovered clinic in each community.
"""

from __future__ import annotations

from datetime import date
from tests.builders import insert_institutions, insert_rows

Q3 = (date(2025, 7, 1), date(2025, 9, 30))

# inst_id, tier, community, township, population
INSTITUTIONS = [
    ("U1", "upper_hospital", None, None, None),
    ("C1", "county_hospital", "A", "城关", None),
    ("T1", "township_center", "A", "甲镇", 3000),
    ("T2", "township_center", "A", "乙镇", 2000),
    ("V1", "village_clinic", "A", "甲镇", 1000),
    ("V2", "village_clinic", "A", "甲镇", 800),
    ("V3", "village_clinic", "A", "乙镇", 900),
    ("V4", "village_clinic", "A", "乙镇", 700),
    ("C2", "county_hospital", "B", "丙镇", None),
    ("V5", "village_clinic", "B", "丙镇", 600),
]

# org_id, org_name, level, parent_org_id, inst_id, covered_inst_ids, members, established, dissolved
ORGANISATIONS = [
    ("P0", "甲医共体总院党委", "committee", None, "C1", None, None, None, None),
    ("P1", "甲镇卫生院党支部", "branch", "P0", "T1", None, 10, None, None),
    ("P2", "乙镇联合党支部", "joint_branch", "P0", "T2", ["V3", "V4"], 4, "2025-08-15", None),
    ("P3", "县医院内科党支部", "branch", "P0", "C1", None, 20, None, "2025-09-10"),
    ("P4", "一村卫生室党小组", "group", "P1", "V1", None, None, None, None),
    ("P5", "乙医共体医院党支部", "branch", None, "C2", [], 8, None, None),
    ("P6", "甲镇第二党支部", "branch", "P0", "T1", None, 5, "2025-10-01", None),
]

# activity_id, org_id, activity_date, activity_type, location_inst_id, participants,
# party_participants, residents_served, project_id
ACTIVITIES = [
    ("A01", "P1", "2025-07-08", "committee_meeting", None, 5, 5, None, None),
    ("A02", "P1", "2025-07-25", "member_meeting", None, 12, None, None, None),   # no party count
    ("A03", "P1", "2025-08-15", "theme_day", "V2", 12, 9, 120, None),            # at the uncovered clinic
    ("A04", "P1", "2025-09-12", "party_lecture", None, 9, 8, None, None),
    ("A05", "P1", "2025-06-30", "theme_day", "V1", 10, 10, 999, None),            # before Q3
    ("A06", "P2", "2025-08-20", "committee_meeting", None, 3, 3, None, None),     # founding month
    ("A07", "P2", "2025-09-05", "member_meeting", None, 4, 4, None, None),
    ("A08", "P3", "2025-07-10", "member_meeting", None, 18, 15, None, None),
    ("A09", "P3", "2025-07-01", "theme_day", None, 30, 20, 50, None),             # at C1 itself
    ("A10", "P3", "2025-09-05", "committee_meeting", None, 5, 5, None, None),     # dissolution month
    ("A11", "P0", "2025-08-01", "party_lecture", None, 40, 30, None, None),       # members unknown
    ("A12", "P0", "2025-08-20", "free_clinic", "T2", 15, 12, 200, None),
    ("A13", "P4", "2025-09-18", "free_clinic", None, 4, 3, None, None),           # at V1, residents missing
    ("A14", "P4", "2025-08-03", "group_meeting", None, 3, 3, None, None),         # a group: not a branch
    ("A15", "P0", "2025-07-15", "fusion_project", "T1", 10, 8, None, "FP1"),
    ("A16", "P3", "2025-08-02", "fusion_project", "T2", 6, 6, None, "FP1"),
    ("A17", "P1", "2025-09-01", "fusion_project", None, 5, 5, None, "FP2"),
    ("A18", "P1", "2025-09-02", "fusion_project", None, 5, 5, None, None),        # no project id
    ("A19", "P1", "2025-09-03", "joint_building", None, 8, 6, None, "FP3"),       # not a fusion row
    ("B01", "P5", "2025-07-09", "group_meeting", None, 6, 6, None, None),
    ("B02", "P5", "2025-08-08", "party_lecture", None, 8, 6, None, None),
    ("B03", "P5", "2025-09-09", "committee_meeting", None, 3, 3, None, None),
    ("B04", "P5", "2025-07-20", "free_clinic", "V5", 9, 7, 80, None),
    ("B05", "P5", "2025-07-07", "fusion_project", None, 4, 4, None, "FP9"),
]

# record_id, home, host, start_date, end_date, party_member
ROTATIONS = [
    ("R1", "C1", "T1", "2025-07-01", "2025-07-10", True),    # 10 days
    ("R2", "C1", "V1", "2025-09-21", "2025-10-10", False),   # 10 days in Q3
    ("R3", "C1", "T2", "2025-08-01", "2025-08-05", None),    # 5 days, party unknown
    ("R4", "C2", "V5", "2025-07-01", "2025-07-04", True),    # B, 4 days
    ("R5", "T1", "C1", "2025-07-01", "2025-07-31", True),    # upward: not counted
]


def load_party_fixture(cursor) -> None:
    """Insert the fixture into an open store (the tables of migrations 001 and 003)."""
    insert_institutions(cursor, "tier community township population", INSTITUTIONS, name="{}名")
    insert_rows(cursor, "party_organisations",
                "org_id org_name level parent_org_id inst_id covered_inst_ids members established_date dissolved_date",
                ORGANISATIONS, secretary=None)
    insert_rows(cursor, "party_activities",
                "activity_id org_id activity_date activity_type location_inst_id participants party_participants residents_served project_id",
                ACTIVITIES)
    insert_rows(cursor, "expert_rotations",
                "record_id expert_id home_inst_id host_inst_id start_date end_date party_member",
                [(record, "E" + record, *rest) for record, *rest in ROTATIONS], specialty="internal",
                activity="clinic")

