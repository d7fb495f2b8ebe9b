"""The party chart builders (sinkview/charts/party.py) on the fixture's query results and on
small hand-made frames: what each figure draws must match the frames and the indicators."""

import pandas as pd
import pytest

from sinkview.charts import party as charts
from sinkview.store.named_queries import run_query
from sinkview.store.database import Store
from tests.party_fixture import Q3, load_party_fixture

PARAMS = {"start": Q3[0], "end": Q3[1], "community": None, "township": None}


@pytest.fixture(scope="module")
def frames():
    store = Store(":memory:")
    load_party_fixture(store.cursor())
    names = ("organisation_tree", "branch_months", "service_by_township", "township_comparison",
             "fusion_projects", "project_activities", "uncovered_institutions")
    found = {name: run_query(store.cursor(), f"party/{name}", **PARAMS) for name in names}
    store.close()
    return found


def test_tree_counts_the_member_institutions_under_each_node(frames):
    counts = charts.covered_counts(frames["organisation_tree"])
    assert counts["community:A"] == 7 and counts["community:B"] == 2
    assert counts["org:P0"] == 6       # C1 itself, P1 (T1 and P4's V1), P2 (T2, V3, V4)
    assert counts["org:P2"] == 3 and counts["org:P4"] == 1 and counts["uncovered:A"] == 1


def test_tree_figure_marks_the_uncovered_in_red(frames):
    figure = charts.organisation_tree_figure(frames["organisation_tree"], "zh")
    trace = figure.data[0]
    colours = dict(zip(trace.ids, trace.marker.colors))
    assert colours["inst:V2"] == colours["uncovered:A"] == charts.UNCOVERED_COLOUR
    assert colours["inst:V3"] == charts.TIER_COLOURS["village_clinic"]
    texts = dict(zip(trace.ids, trace.text))
    assert texts["org:P2"] == "乙镇联合党支部<br>3 个单位"
    english = dict(zip(figure.data[0].ids, charts.organisation_tree_figure(frames["organisation_tree"], "en").data[0].text))
    assert english["org:P2"].endswith("<br>3 institutions") and english["org:P4"].endswith("<br>1 institution")


def test_grid_draws_every_branch_month_once_in_its_state(frames):
    figure = charts.regularity_grid_figure(frames["branch_months"], "en")
    drawn = {trace.name: len(trace.x) for trace in figure.data}
    # held: P1 Jul Sep, P2 Sep, P3 Jul, P5 Jul Aug Sep; inactive: P2 Jul, P6 Jul Aug Sep
    assert drawn == {"Held": 7, "Not held": 2, "Founded or dissolved that month (not counted)": 2,
                     "Not yet founded or dissolved": 4}
    assert sum(drawn.values()) == len(frames["branch_months"])


def test_service_bars_add_up_to_the_activities_and_label_the_residents(frames):
    figure = charts.service_by_township_figure(frames["service_by_township"], "zh")
    bars = [trace for trace in figure.data if trace.type == "bar"]
    assert sum(sum(trace.y) for trace in bars) == 5
    labels = [trace for trace in figure.data if trace.type == "scatter"][0].text
    assert "200" in labels and "120" in labels


def test_correlation_is_said_plainly_and_never_as_cause():
    frame = pd.DataFrame({"x": [1, 2, 3, 4], "y": [2, 4, 6, 8.5], "population": [1, 1, 1, 1]})
    r, count = charts.correlation(frame, "x", "y")
    assert count == 4 and r == pytest.approx(0.9986, abs=1e-3)
    caption = charts.comparison_caption(frame.rename(columns={"x": "activities_per_branch_month",
                                                              "y": "down_referrals"}),
                                        "activities_per_branch_month", "down_referrals", "zh")
    assert "r = 1.00" in caption and "较强正相关" in caption and "相关不等于因果" in caption
    falling = frame.assign(y=[8, 6, 4, 2]).rename(columns={"x": "institution_coverage", "y": "licensed_share"})
    english = charts.comparison_caption(falling, "institution_coverage", "licensed_share", "en")
    assert "negative" in english and "not causation" in english


def test_too_few_townships_for_a_correlation():
    frame = pd.DataFrame({"institution_coverage": [1.0, 2.0, None], "down_referrals": [1.0, 3.0, 2.0]})
    assert charts.correlation(frame, "institution_coverage", "down_referrals") == (None, 2)
    assert "2" in charts.comparison_caption(frame, "institution_coverage", "down_referrals", "en")


def test_comparison_highlights_the_chosen_township(frames):
    comparison = frames["township_comparison"].assign(population=[3000, 2000], expert_days_per_10k=[1.0, 2.0])
    figure = charts.comparison_figure(comparison, "activities_per_branch_month", "expert_days_per_10k",
                                      "zh", highlight="乙镇")
    trace = figure.data[0]
    assert list(trace.customdata[:, 0]) == ["甲镇", "乙镇"]
    assert trace.marker.color[1] != trace.marker.color[0]


def test_empty_frames_give_the_no_data_figure():
    empty = pd.DataFrame(columns=["township", "tier", "activities"])
    for figure in (charts.service_by_township_figure(empty, "zh"),
                   charts.organisation_tree_figure(pd.DataFrame(), "zh"),
                   charts.regularity_grid_figure(pd.DataFrame(), "zh")):
        assert figure.layout.annotations and not figure.data


def test_tables_label_their_columns(frames):
    table = charts.fusion_projects_table(frames["fusion_projects"], "zh")
    assert list(table.columns)[:2] == ["项目编号", "项目内容"] and len(table) == 3
    table = charts.uncovered_table(frames["uncovered_institutions"], "en")
    assert table["Tier"].tolist() == ["Village clinic", "Village clinic"]
    table = charts.project_activities_table(frames["project_activities"], "en")
    assert set(table["Type"]) == {"Fusion project"}


def test_a_townships_name_goes_below_its_point_when_a_higher_neighbour_has_its_name_above():
    xs = pd.Series([2.0, 2.0, 2.0, 2.33, 2.33, 2.67, 2.0])
    ys = pd.Series([62.0, 59.0, 47.0, 47.0, 45.5, 31.0, 8.0])
    assert charts.label_positions(xs, ys) == ["top center", "bottom center", "bottom center", "top center",
                                              "bottom center", "top center", "top center"]
