"""The twelve party.* indicators against values worked out by hand (tests/party_fixture.py),
and the base models they share with the party page."""

from datetime import date

import pytest

from sinkview.metrics.declarations import INDICATORS, indicator
from sinkview.metrics.evaluator import compute_indicators
from sinkview.store.database import Store
from tests.party_fixture import Q3, load_party_fixture

PARTY_IDS = [item.id for item in INDICATORS if item.topic == "party"]

# Active on 2025-09-30 in A: P0, P1, P2 (founded 08-15), P4; P3 dissolved 09-10, P6 founded 10-01.
# Counted branch-months in A: P1 Jul Aug Sep, P2 Sep (August is its founding month), P3 Jul Aug
# (September is its dissolution month); held: P1 Jul (A01) and Sep (A04), P2 Sep (A07), P3 Jul (A08).
COMMUNITY_A = {
    "party.organisations": 4,
    "party.members": 14,                        # P1 10 + P2 4; P0 and P4 not reported
    "party.institution_coverage": 6 / 7,        # C1 (P0), T1 (P1), T2 V3 V4 (P2), V1 (P4); not V2
    "party.clinic_coverage": 3 / 4,             # V1, V3, V4 of V1..V4
    "party.meeting_regularity": 4 / 6,
    "party.member_turnout": 27 / 34,            # A04 8/10 + A07 4/4 + A08 15/20; A02 no count, A11 no members
    "party.theme_days": 2,                      # A03, A09 (A05 before Q3)
    "party.free_clinics": 2,                    # A12, A13
    "party.residents_served": 370,              # A03 120 + A09 50 + A12 200 + A13 missing
    "party.grassroots_service_share": 3 / 4,    # V2, T2, V1; A09 at C1 (rank 3)
    "party.fusion_projects": 2,                 # FP1 (twice), FP2; A18 has no id, FP3 is joint building
    "party.expert_days_share": 10 / 25,         # R1 10 of R1 10 + R2 10 + R3 5
}
# B adds P5 (8 members, covers C2; V5 uncovered), three held months, B02 6/8, B04 80 at V5, FP9, R4 4 days.
WHOLE = {
    "party.organisations": 5,
    "party.members": 22,
    "party.institution_coverage": 7 / 9,
    "party.clinic_coverage": 3 / 5,
    "party.meeting_regularity": 7 / 9,
    "party.member_turnout": 33 / 42,
    "party.theme_days": 2,
    "party.free_clinics": 3,
    "party.residents_served": 450,
    "party.grassroots_service_share": 4 / 5,
    "party.fusion_projects": 3,
    "party.expert_days_share": 14 / 29,
}
COMMUNITY_B = {
    "party.organisations": 1,
    "party.members": 8,
    "party.institution_coverage": 1 / 2,
    "party.clinic_coverage": 0.0,
    "party.meeting_regularity": 3 / 3,
    "party.member_turnout": 6 / 8,
    "party.theme_days": 0,
    "party.free_clinics": 1,
    "party.residents_served": 80,
    "party.grassroots_service_share": 1.0,
    "party.fusion_projects": 1,
    "party.expert_days_share": 1.0,
}
EMPTY = {key: (0 if indicator(key).kind == "count" else None) for key in PARTY_IDS}
EXPECTED = {None: WHOLE, "A": COMMUNITY_A, "B": COMMUNITY_B, "Z": EMPTY}


@pytest.fixture(scope="module")
def store():
    store = Store(":memory:")
    load_party_fixture(store.cursor())
    yield store
    store.close()


@pytest.fixture(scope="module")
def computed(store):
    return {community: compute_indicators(store.cursor(), *Q3, community) for community in EXPECTED}


def test_the_registry_holds_the_twelve_party_indicators_of_the_spec():
    assert PARTY_IDS == list(WHOLE) and len(PARTY_IDS) == 12


@pytest.mark.parametrize("community", list(EXPECTED))
@pytest.mark.parametrize("indicator_id", PARTY_IDS)
def test_party_indicator_value(computed, community, indicator_id):
    expected = EXPECTED[community][indicator_id]
    value = computed[community][indicator_id]
    if expected is None:
        assert value is None
    elif indicator(indicator_id).kind == "count":
        assert value == expected and isinstance(value, int)
    else:
        assert value == pytest.approx(expected) and isinstance(value, float)


def test_structure_is_the_state_at_the_end_of_the_period(store):
    # On 2025-08-14 P2 is not yet founded (T2, V3, V4 uncovered) and P3 still exists.
    values = compute_indicators(store.cursor(), date(2025, 8, 1), date(2025, 8, 14), "A")
    assert values["party.organisations"] == 4          # P0, P1, P3, P4
    assert values["party.institution_coverage"] == pytest.approx(3 / 7)   # C1, T1, V1


def test_a_month_cut_by_the_period_is_not_counted(store):
    # 2025-07-15 .. 2025-09-30: July is cut, so only August and September count.
    values = compute_indicators(store.cursor(), date(2025, 7, 15), date(2025, 9, 30), "A")
    # P1 Aug (not held), Sep (held); P2 Sep (held); P3 Aug (not held)
    assert values["party.meeting_regularity"] == pytest.approx(2 / 4)


def test_an_organisation_dissolved_on_the_end_day_is_no_longer_active(store):
    values = compute_indicators(store.cursor(), date(2025, 9, 1), date(2025, 9, 10), "A")
    assert values["party.organisations"] == 4   # P0, P1, P2, P4; P3 dissolved on the 10th
