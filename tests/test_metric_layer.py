"""The metric layer (issue 12): grouped results equal the ungrouped result of each group, on
random small stores (hypothesis); the grouped command line; every base rule in one SQL file;
the declarations as the one source of the targets file and the catalogue's texts."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sinkview import PROJECT_ROOT, QUERIES_DIR
from sinkview.i18n import t
from sinkview.metrics import cells
from sinkview.metrics.declarations import INDICATORS, TOPICS, topic_macro
from sinkview.metrics.evaluator import compute_indicators, evaluate
from sinkview.metrics.grains import calendar_periods, grouped
from sinkview.metrics.targets import DEFAULT_TARGETS, default_targets_csv
from sinkview.store.database import Store

DAY0 = dt.date(2025, 1, 1)
COMMUNITIES = ("A", "B", "C")
TOWNSHIPS = ("东乡", "西乡")
TIERS = ("upper_hospital", "county_hospital", "township_center", "village_clinic")
AGGREGATED = [topic for topic in TOPICS if topic_macro(topic) is None]  # party: its own macro, no township grain


# --------------------------------------------------------------------------- random stores

def day(offset: int) -> dt.date:
    return DAY0 + dt.timedelta(days=offset)


institutions = st.lists(
    st.tuples(st.sampled_from(TIERS), st.sampled_from((*COMMUNITIES, None)), st.sampled_from(TOWNSHIPS)),
    min_size=2, max_size=7,
)


@st.composite
def small_store(draw):
    insts = draw(institutions)
    ids = [f"I{i}" for i in range(len(insts))]
    inst = st.sampled_from(ids)
    offset = st.integers(0, 300)
    rotations = draw(st.lists(st.tuples(inst, inst, st.sampled_from(("senior", "intermediate", "junior", None)),
                                        offset, st.integers(0, 120), st.one_of(st.none(), st.integers(0, 50)),
                                        st.sampled_from(("E1", "E2", "E3"))), max_size=8))
    referrals = draw(st.lists(st.tuples(st.sampled_from(("P1", "P2", "P3")), offset, inst, inst,
                                        st.sampled_from(("completed", "accepted", "pending", "rejected", "cancelled")),
                                        st.one_of(st.none(), st.integers(0, 15))), max_size=10))
    villages = draw(st.lists(st.tuples(st.sampled_from(("V1", "V2", "V3")), st.sampled_from((30, 120, 210, 300)),
                                       st.sampled_from(TOWNSHIPS), inst, st.booleans(), st.integers(1, 900),
                                       st.integers(0, 3), st.integers(0, 3), st.booleans(), st.booleans()),
                             max_size=8, unique_by=lambda v: (v[0], v[1])))
    movements = draw(st.lists(st.tuples(st.sampled_from(("dispatch_down", "training_up", "transfer", "recruit", "departure")),
                                        st.one_of(st.none(), inst), st.one_of(st.none(), inst), offset,
                                        st.sampled_from(("senior", "junior")), st.booleans()), max_size=8))
    volume = draw(st.lists(st.tuples(st.integers(0, 9), inst, st.sampled_from(("", *COMMUNITIES)), st.integers(0, 500),
                                     st.one_of(st.none(), st.integers(0, 50)), st.one_of(st.none(), st.floats(0, 1e4))),
                           max_size=8, unique_by=lambda v: (v[0], v[1], v[2])))
    return insts, ids, rotations, referrals, villages, movements, volume


def insert(cursor, sql: str, rows: list) -> None:
    if rows:
        cursor.executemany(sql, rows)


def fill(cursor, store_rows) -> None:
    insts, ids, rotations, referrals, villages, movements, volume = store_rows
    for table in ("institutions", "expert_rotations", "referrals", "village_coverage", "staff_movements", "service_volume"):
        cursor.execute(f"delete from {table}")
    insert(cursor, "insert into institutions (inst_id, inst_name, tier, community, township) values (?, ?, ?, ?, ?)",
                       [(i, i, tier, community, township) for i, (tier, community, township) in zip(ids, insts)])
    insert(cursor,
        "insert into expert_rotations (record_id, expert_id, home_inst_id, host_inst_id, specialty, title_level,"
        " start_date, end_date, activity, patients_served) values (?, ?, ?, ?, 'internal', ?, ?, ?, 'clinic', ?)",
        [(f"R{n}", expert, home, host, title, day(start), day(start + length), served)
         for n, (home, host, title, start, length, served, expert) in enumerate(rotations)])
    insert(cursor,
        "insert into referrals (referral_id, patient_key, referral_date, from_inst_id, to_inst_id, status, accepted_date)"
        " values (?, ?, ?, ?, ?, ?, ?)",
        [(f"F{n}", patient, day(start), a, b, status, None if wait is None else day(start + wait))
         for n, (patient, start, a, b, status, wait) in enumerate(referrals)])
    insert(cursor,
        "insert into village_coverage (snapshot_date, village_code, village_name, township, township_center_id,"
        " clinic_id, population, village_doctors, licensed_doctors, contracted_residents, insurance_settlement,"
        " telemedicine, party_group, ecg_device) values (?, ?, 'v', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(day(when), code, township, centre, "K" if clinic else None, people, doctors, min(licensed, doctors),
          people // 2, flag, not flag, flag, other)
         for code, when, township, centre, clinic, people, doctors, licensed, flag, other in villages])
    insert(cursor,
        "insert into staff_movements (movement_id, staff_id, movement_type, from_inst_id, to_inst_id, start_date,"
        " title_level, party_member) values (?, 'S', ?, ?, ?, ?, ?, ?)",
        [(f"M{n}", kind, a, b, day(start), title, party) for n, (kind, a, b, start, title, party) in enumerate(movements)])
    insert(cursor,
        "insert into service_volume (period, inst_id, community, outpatient_visits, admissions, tcm_visits, insurance_fund)"
        " values (?, ?, ?, ?, ?, ?, ?)",
        [(dt.date(2025, month + 1, 1), i, community, visits, admissions, admissions, fund)
         for month, i, community, visits, admissions, fund in volume])


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def assert_same(grouped_values: dict, ungrouped: dict, label) -> None:
    assert list(grouped_values) == [item.id for item in INDICATORS], label
    for item in INDICATORS:
        assert same(grouped_values[item.id], ungrouped[item.id]), (label, item.id, grouped_values[item.id], ungrouped[item.id])


@pytest.fixture(scope="module")
def scratch():
    store = Store(":memory:")
    yield store.cursor()
    store.close()


periods = st.tuples(st.integers(0, 300), st.integers(0, 200)).map(lambda p: (day(p[0]), day(p[0] + p[1])))
# no shrinking phase: each example runs a few dozen queries, and a failure prints its store as drawn
PROPERTY = settings(max_examples=25, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(rows=small_store(), period=periods, community=st.sampled_from((None, "A")))
def test_by_community_equals_each_community_filtered(scratch, rows, period, community):
    fill(scratch, rows)
    cells = evaluate(scratch, [period], by="community", community=community)
    names = sorted({c for _, c, _ in rows[0] if c}) if community is None else [community]
    assert [group for _, group in cells] == names
    for (_, group), values in cells.items():
        assert_same(values, compute_indicators(scratch, *period, group), group)


@PROPERTY
@given(rows=small_store(), period=periods, grain=st.sampled_from(("quarter", "month")),
       community=st.sampled_from((None, "A", "B")))
def test_by_quarter_or_month_equals_each_period_alone(scratch, rows, period, grain, community):
    fill(scratch, rows)
    for group in grouped(scratch, *period, community, grain):
        start, end = dt.date.fromisoformat(group["start"]), dt.date.fromisoformat(group["end"])
        assert_same(group["indicators"], compute_indicators(scratch, start, end, community), (start, end))


@PROPERTY
@given(rows=small_store(), spans=st.lists(periods, min_size=1, max_size=5), community=st.sampled_from((None, "B")),
       township=st.sampled_from(TOWNSHIPS))
def test_a_list_of_periods_and_townships_equal_each_alone(scratch, rows, spans, community, township):
    fill(scratch, rows)
    cells = evaluate(scratch, spans, community=community)
    for index, span in enumerate(spans):
        assert_same(cells[index, None], compute_indicators(scratch, *span, community), span)
    by_township = evaluate(scratch, spans, by="township", community=community, groups=list(TOWNSHIPS), topics=AGGREGATED)
    alone = evaluate(scratch, spans, community=community, township=township, topics=AGGREGATED)
    for index, span in enumerate(spans):
        assert by_township[index, township] == alone[index, None], (span, township)


def test_calendar_periods_overlap_the_range_cut_to_it():
    assert calendar_periods(dt.date(2025, 2, 10), dt.date(2025, 7, 5), "quarter") == [
        (dt.date(2025, 2, 10), dt.date(2025, 3, 31)), (dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
        (dt.date(2025, 7, 1), dt.date(2025, 7, 5))]
    assert calendar_periods(dt.date(2024, 12, 31), dt.date(2025, 2, 1), "month") == [
        (dt.date(2024, 12, 31), dt.date(2024, 12, 31)), (dt.date(2025, 1, 1), dt.date(2025, 1, 31)),
        (dt.date(2025, 2, 1), dt.date(2025, 2, 1))]


def test_a_grouped_evaluation_runs_one_statement_per_topic(scratch):
    statements = []

    class Counting:
        def execute(self, sql, params=None):
            statements.append(sql)
            return scratch.execute(sql, params)

    evaluate(Counting(), [(day(0), day(90)), (day(91), day(180))], by="community", groups=list(COMMUNITIES))
    computed = [sql for sql in statements if sql.startswith("-- compiled by sinkview.metrics.evaluator")]
    assert len(computed) == len(TOPICS)
    assert statements[0] == cells.freshness_statements()[0][0]  # and first whether stored cells could answer
    assert len(statements) == len(TOPICS) + 1


def test_party_grouped_by_community_and_quarter_equals_each_alone():
    from tests.party_fixture import load_party_fixture

    store = Store(":memory:")
    cursor = store.cursor()
    load_party_fixture(cursor)
    year = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    by_community = evaluate(cursor, [year], by="community", topics=["party"])
    assert len(by_community) >= 2
    for (_, community), values in by_community.items():
        assert values == compute_indicators(cursor, *year, community, topics=["party"]), community
    quarters = calendar_periods(*year, "quarter")
    by_quarter = evaluate(cursor, quarters, community="A", topics=["party"])
    for index, quarter in enumerate(quarters):
        assert by_quarter[index, None] == compute_indicators(cursor, *quarter, "A", topics=["party"]), quarter
    assert any(value for values in by_quarter.values() for value in values.values())
    store.close()


# --------------------------------------------------------------------------- command line

def test_metrics_by_community_json_is_the_spec_shape(tmp_path):
    db = tmp_path / "store.duckdb"
    store = Store(db)
    fill(store.cursor(), ([("county_hospital", "乙", "东乡"), ("township_center", "甲", "西乡")], ["I0", "I1"],
                          [], [("P1", 10, "I1", "I0", "completed", 2)], [], [], []))
    store.close()

    def run(*extra):
        result = subprocess.run([sys.executable, "-m", "sinkview", "metrics", "--db", str(db), "--start", "2025-01-01",
                                 "--end", "2025-03-31", *extra, "--json"], capture_output=True, text=True, cwd=PROJECT_ROOT)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    by_community = run("--by", "community")
    assert set(by_community) == {"period", "community", "by", "groups"}
    assert by_community["by"] == "community" and by_community["community"] is None
    assert [group["community"] for group in by_community["groups"]] == ["乙", "甲"]  # code-point order
    for group in by_community["groups"]:
        assert set(group) == {"community", "indicators"}
        assert group["indicators"] == run("--community", group["community"])["indicators"]
        assert group["indicators"]["referral.up"] == 1  # the referral is in both communities
    by_month = run("--by", "month")
    assert [(g["start"], g["end"]) for g in by_month["groups"]] == [
        ("2025-01-01", "2025-01-31"), ("2025-02-01", "2025-02-28"), ("2025-03-01", "2025-03-31")]
    assert [g["indicators"]["referral.up"] for g in by_month["groups"]] == [1, 0, 0]


# --------------------------------------------------------------------------- one rule, one place

# A base rule, as SQL writes it: each may appear in one SQL file only (its base model).
BASE_RULES = {
    "effective referral": r"not\s+in\s*\(\s*'rejected'\s*,\s*'cancelled'\s*\)",
    "tier ranks joined": r"join\s+tier_ranks",
    "direction from ranks": r"rank\s*>\s*\w+\.rank\s+then\s+'up'",
    "downward stint": r"host\.rank\s*<\s*home\.rank",
    "days clipped to a period": r"least\([^)]*\)\s*-\s*greatest\(",
    "blank village": r"clinic_id\s+is\s+null\s+or\s+\S*village_doctors\s*=\s*0",
    "has a clinic": r"clinic_id\s+is\s+not\s+null",
    "village snapshot": r"partition\s+by\s+\S*village_code|asof\s+join",
    "grassroots inflow": r"in\s*\(\s*'recruit'\s*,\s*'transfer'\s*\)",
    "grassroots outflow": r"in\s*\(\s*'departure'\s*,\s*'transfer'\s*\)",
    "volume owner community": r"when\s+\S*tier\s*=\s*'upper_hospital'\s+then",
}


def test_no_base_rule_is_written_in_more_than_one_sql_file():
    files = {path.relative_to(QUERIES_DIR).as_posix(): re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8")).lower()
             for path in QUERIES_DIR.rglob("*.sql")}
    written = {rule: sorted(name for name, sql in files.items() if re.search(pattern, sql))
               for rule, pattern in BASE_RULES.items()}
    assert {rule: found for rule, found in written.items() if len(found) != 1} == {}


# --------------------------------------------------------------------------- generated from the declarations

def test_the_shipped_targets_file_is_generated_from_the_declarations():
    assert DEFAULT_TARGETS.read_text(encoding="utf-8") == default_targets_csv()


def test_the_catalogue_serves_each_declared_name_and_definition():
    for item in INDICATORS:
        for lang in ("zh", "en"):
            assert t(f"definition.{item.id}", lang) == item.definition(lang)
            assert t(f"indicator.{item.id}", lang) == item.name(lang)


def test_the_readme_indicator_table_is_generated_from_the_declarations():
    from sinkview.metrics.docs import README, readme_with_table

    text = README.read_text(encoding="utf-8")
    assert text == readme_with_table(text)
    assert all(f"`{item.id}`" in text for item in INDICATORS)
