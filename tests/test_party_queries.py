"""The party page's queries (queries/party/*.sql) on the hand-made fixture: the tree, the
branch-month grid, where service goes, the township comparison and the fusion projects agree
with the party.* indicators of the same scope."""

import pytest

from sinkview.metrics.evaluator import compute_indicators
from sinkview.store.named_queries import run_query
from sinkview.store.database import Store
from tests.party_fixture import Q3, load_party_fixture

PARAMS = {"start": Q3[0], "end": Q3[1], "community": None, "township": None}


@pytest.fixture(scope="module")
def cur():
    store = Store(":memory:")
    load_party_fixture(store.cursor())
    yield store.cursor()
    store.close()


def query(cur, name, **extra):
    return run_query(cur, f"party/{name}", **{**PARAMS, **extra})


def test_tree_places_every_member_institution_once_under_its_most_specific_organisation(cur):
    tree = query(cur, "organisation_tree")
    institutions = tree[tree["kind"] == "institution"].set_index("node_id")["parent_id"]
    assert institutions.to_dict() == {
        "inst:C1": "org:P0",          # the committee (its branch P3 is dissolved)
        "inst:T1": "org:P1",
        "inst:T2": "org:P2", "inst:V3": "org:P2", "inst:V4": "org:P2",   # the joint branch
        "inst:V1": "org:P4",          # the group, not its branch
        "inst:V2": "uncovered:A", "inst:C2": "org:P5", "inst:V5": "uncovered:B",
    }
    organisations = tree[tree["kind"] == "organisation"].set_index("node_id")["parent_id"]
    assert organisations.to_dict() == {"org:P0": "community:A", "org:P1": "org:P0", "org:P2": "org:P0",
                                       "org:P4": "org:P1", "org:P5": "community:B"}
    assert set(tree["parent_id"].dropna()) <= set(tree["node_id"])


def test_tree_of_one_community(cur):
    tree = query(cur, "organisation_tree", community="B")
    assert sorted(tree["node_id"]) == ["community:B", "inst:C2", "inst:V5", "org:P5", "uncovered:B"]


def test_uncovered_institutions_are_the_blank_spots(cur):
    assert query(cur, "uncovered_institutions")["inst_id"].tolist() == ["V2", "V5"]
    assert query(cur, "uncovered_institutions", community="A", township="乙镇").empty


def test_branch_month_states(cur):
    grid = query(cur, "branch_months", community="A")
    states = {(row.org_id, row.month.month): row.state for row in grid.itertuples()}
    assert states == {
        ("P1", 7): "held", ("P1", 8): "not_held", ("P1", 9): "held",
        ("P2", 7): "inactive", ("P2", 8): "part_month", ("P2", 9): "held",
        ("P3", 7): "held", ("P3", 8): "not_held", ("P3", 9): "part_month",
        ("P6", 7): "inactive", ("P6", 8): "inactive", ("P6", 9): "inactive",
    }
    counted = grid[grid["state"].isin(["held", "not_held"])]
    regularity = compute_indicators(cur, *Q3, "A")["party.meeting_regularity"]
    assert (counted["state"] == "held").mean() == pytest.approx(regularity)


def test_service_by_township_adds_up_to_the_indicators(cur):
    service = query(cur, "service_by_township")
    values = compute_indicators(cur, *Q3, None)
    assert service["theme_days"].sum() == values["party.theme_days"]
    assert service["free_clinics"].sum() == values["party.free_clinics"]
    assert service["residents_served"].sum() == values["party.residents_served"]
    grassroots = service.loc[service["rank"] <= 2, "activities"].sum() / service["activities"].sum()
    assert grassroots == pytest.approx(values["party.grassroots_service_share"])
    assert service.set_index(["township", "tier"])["activities"].to_dict() == {
        ("丙镇", "village_clinic"): 1, ("城关", "county_hospital"): 1,
        ("甲镇", "village_clinic"): 2, ("乙镇", "township_center"): 1}


def test_township_comparison(cur):
    rows = query(cur, "township_comparison").set_index("township")
    # 甲镇: branch P1's activities A01-A04, A17-A19 (7; not group P4's) over P1's 3 counted months
    assert rows.loc["甲镇", "activities_per_branch_month"] == pytest.approx(7 / 3)
    assert rows.loc["甲镇", "institution_coverage"] == pytest.approx(2 / 3)   # T1, V1 of T1 V1 V2
    assert rows.loc["甲镇", "expert_days"] == 20                              # R1 10 (T1) + R2 10 (V1)
    # 乙镇: P2's A06, A07 over its one counted month (September)
    assert rows.loc["乙镇", "activities_per_branch_month"] == pytest.approx(2 / 1)
    assert rows.loc["乙镇", "expert_days"] == 5


def test_fusion_projects_count_as_the_indicator(cur):
    projects = query(cur, "fusion_projects")
    assert projects["project_id"].tolist() == ["FP9", "FP1", "FP2"]
    assert len(projects) == compute_indicators(cur, *Q3, None)["party.fusion_projects"]
    fp1 = projects.set_index("project_id").loc["FP1"]
    assert (fp1["activities"], fp1["places"], fp1["organisations"]) == (2, 2, "县医院内科党支部、甲医共体总院党委")
    assert len(query(cur, "project_activities", community="A")) == 3
