"""The data-quality checks (data-quality.md) against values worked out by hand on the store of
tests/quality_fixture.py, their settings file, and ``python -m sinkview check``.

Worked by hand for 2025 Q3 (report months 2025-07, 2025-08, 2025-09):

Completeness. Expected reporters: C1, T1, T2, T3 (county hospital and township centres) and the
village clinics that have ever reported, V1 and V3 (V2 and V4 never did: not expected); U1 is an
upper hospital, not a reporter. 6 × 3 = 18 pairs. Reported: C1 3, T1 3 (August once, although
uploaded twice), T2 0, T3 3, V1 2 (not August), V3 0 = 11. Completeness 11/18; missing 7.
Community A (C1, T1, T2, V1, V3): 8/15, missing 7. Community B (T3): 3/3, missing 0.

Expert overlap. E1: S1 (T1, 07-01..07-10) and S3 (V1, 07-08..07-12) share 07-08..07-10 (3 days);
S1 and S2 are at the same host, S2 and S3 do not meet. E2: S4 (T3, B) and S5 (T1, A) share 07-02.
E6: S12 (T1) and S13 (T2) share 09-30 in the period (October is outside it). E3's and E4's
overlaps fall in June; E5's first line is upward. Whole county 3, A 3, B 1 (E2 only).

Clinic parent mismatch at 2025-09-30. VL2 (centre T1, clinic V3 whose parent is T2) in A; VL7
(centre T3, clinic V1 whose parent is T1) in B. VL4's clinic has no parent; VL5's latest row is
consistent; VL6 starts after the end. Whole county 2, A 1, B 1.

Slow acceptance (more than 30 days). F2 31 days (A), F3 45 (T3 → C1: A and B), F7 44 (A). F1 is
exactly 30; F4 is rejected; F5 has no acceptance; F6 is dated in June. Whole county 3, A 3, B 1.

Volume outliers (factor 3, 12 months, at least 3 reported). C1 2025-09: 3100 > 3 × 1000 (median
of 900, 1000, 1000, 1100, 2900; July's history alone reaches back to 2024-07). T1 2025-09: 150 <
600 / 3 (median of seven 600s and August's replacing 650; the replaced 6000 would itself have been
an outlier). U1's community-A row 2025-07: 400 > 3 × 100 (its own series, not community B's
1000s). T3's median is 0, V1 has too little history. Whole county 3, A 3, B 0.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from sinkview.metrics import quality
from sinkview.tools.cli import main
from sinkview.metrics.evaluator import compute_indicators
from sinkview.store.database import Store
from tests.quality_fixture import build_quality_store

Q3 = (date(2025, 7, 1), date(2025, 9, 30))
EXPECTED = {
    None: {"quality.volume_completeness": 11 / 18, "quality.volume_missing": 7, "quality.expert_overlap": 3,
           "quality.clinic_parent_mismatch": 2, "quality.slow_acceptance": 3, "quality.volume_outlier": 3},
    "A": {"quality.volume_completeness": 8 / 15, "quality.volume_missing": 7, "quality.expert_overlap": 3,
          "quality.clinic_parent_mismatch": 1, "quality.slow_acceptance": 3, "quality.volume_outlier": 3},
    "B": {"quality.volume_completeness": 1.0, "quality.volume_missing": 0, "quality.expert_overlap": 1,
          "quality.clinic_parent_mismatch": 1, "quality.slow_acceptance": 1, "quality.volume_outlier": 0},
}
SPEC_IDS = ["quality.volume_completeness", "quality.volume_missing", "quality.expert_overlap",
            "quality.clinic_parent_mismatch", "quality.slow_acceptance", "quality.volume_outlier"]


@pytest.fixture(scope="module")
def store():
    store = build_quality_store()
    yield store
    store.close()


@pytest.fixture(scope="module")
def settings():
    return quality.load_settings()


def test_the_shipped_settings_are_the_spec_thresholds(settings):
    assert settings == {"completeness_caveat_below": 0.9, "max_accept_days": 30, "outlier_factor": 3.0,
                        "outlier_history_months": 12, "outlier_min_history_months": 3}


def test_every_check_of_the_spec_is_declared():
    assert [item.id for item in quality.CHECKS] == SPEC_IDS


@pytest.mark.parametrize("community", [None, "A", "B"])
def test_checks_match_the_hand_worked_values(store, settings, community):
    found = quality.compute_checks(store.cursor(), *Q3, community, settings)
    assert found == pytest.approx(EXPECTED[community])
    assert all(isinstance(found[check], int) for check in SPEC_IDS[1:])


def test_the_replaced_month_counts_once_with_its_new_value(store):
    cursor = store.cursor()
    assert cursor.execute("select outpatient_visits from service_volume_replaced").fetchall() == [(6000,)]
    assert cursor.execute("select outpatient_visits from service_volume where inst_id = 'T1'"
                          " and period = '2025-08-01'").fetchall() == [(650,)]


def test_rows_behind_each_count(store, settings):
    found = quality.violations(store.cursor(), *Q3, None, settings)
    assert list(found) == SPEC_IDS[1:]
    missing = found["quality.volume_missing"]
    assert list(zip(missing["inst_id"], missing["month_start"].astype(str).str[:10])) == [
        ("T2", "2025-07-01"), ("T2", "2025-08-01"), ("T2", "2025-09-01"), ("V1", "2025-08-01"),
        ("V3", "2025-07-01"), ("V3", "2025-08-01"), ("V3", "2025-09-01")]
    overlaps = found["quality.expert_overlap"]
    assert overlaps[["expert_id", "first_record_id", "second_record_id", "overlap_days"]].values.tolist() == [
        ["E2", "S4", "S5", 1], ["E1", "S1", "S3", 3], ["E6", "S12", "S13", 1]]
    assert overlaps["overlap_start"].astype(str).str[:10].tolist() == ["2025-07-02", "2025-07-08", "2025-09-30"]
    assert overlaps["overlap_end"].astype(str).str[:10].tolist() == ["2025-07-02", "2025-07-10", "2025-09-30"]
    mismatches = found["quality.clinic_parent_mismatch"]
    assert mismatches[["village_code", "township_center_id", "clinic_id", "clinic_parent_id"]].values.tolist() == [
        ["VL2", "T1", "V3", "T2"], ["VL7", "T3", "V1", "T1"]]
    slow = found["quality.slow_acceptance"]
    assert slow[["referral_id", "accept_days"]].values.tolist() == [["F2", 31], ["F3", 45], ["F7", 44]]
    outliers = found["quality.volume_outlier"]
    assert outliers[["inst_id", "community", "outpatient_visits", "history_median",
                     "history_months_reported"]].values.tolist() == [
        ["C1", "A", 3100, 1000.0, 5], ["T1", "A", 150, 600.0, 8], ["U1", "A", 400, 100.0, 3]]


def test_report_months_start_in_the_period(store, settings):
    # 2025-07-15..2025-09-30: July's first day is not in the period, so August and September
    # only: 6 × 2 = 12 pairs, reported C1 2, T1 2, T3 2, V1 1 (September) = 7
    found = quality.compute_checks(store.cursor(), date(2025, 7, 15), date(2025, 9, 30), None, settings)
    assert found["quality.volume_completeness"] == pytest.approx(7 / 12)
    assert found["quality.volume_missing"] == 5


def test_a_period_with_no_report_month_has_no_completeness(store, settings):
    found = quality.compute_checks(store.cursor(), date(2025, 7, 2), date(2025, 7, 31), None, settings)
    assert found["quality.volume_completeness"] is None and found["quality.volume_missing"] == 0


def test_settings_tune_the_rules(store, settings):
    tuned = {**settings, "max_accept_days": 40, "outlier_factor": 2.0}
    found = quality.compute_checks(store.cursor(), *Q3, None, tuned)
    # F3 45 and F7 44 days; with factor 2 also C1's August (2900 > 2 × 1000)
    assert found["quality.slow_acceptance"] == 2
    assert found["quality.volume_outlier"] == 4
    stricter = {**settings, "outlier_min_history_months": 4}
    # U1-A had 3 months of history, C1's September 5 and T1's 8
    assert quality.compute_checks(store.cursor(), *Q3, None, stricter)["quality.volume_outlier"] == 2


def test_volume_indicators_are_unchanged_by_the_shared_staging_model(store):
    # rank ≤ 2 visits / rank ≤ 3 visits in Q3: (T1 600+650+150 + T3 1500 + V1 200) / (that + C1 7000)
    values = compute_indicators(store.cursor(), *Q3, None)
    assert values["volume.grassroots_visit_share"] == pytest.approx(3100 / 10100)


def test_caveat_rule(store, settings):
    assert quality.reporting_completeness(store.cursor(), *Q3, "A") == pytest.approx(8 / 15)
    assert quality.reporting_completeness(store.cursor(), *Q3, "B") == 1.0
    assert quality.incomplete_reporting(0.82, settings) and not quality.incomplete_reporting(0.9, settings)
    assert not quality.incomplete_reporting(None, settings)
    assert quality.volume_caveat(0.82, settings, "en") == "based on incomplete reporting (82%)"
    assert quality.volume_caveat(0.82, settings, "zh") == "基于不完整的月报（完整率 82%）"
    assert quality.volume_caveat(0.95, settings, "zh") is None
    assert quality.needs_caveat("volume.grassroots_visit_share") and not quality.needs_caveat("rotation.visits")
    assert quality.anything_to_report({"quality.volume_missing": 0, "quality.expert_overlap": 1})
    assert not quality.anything_to_report({check: 0 for check in SPEC_IDS[1:]})


@pytest.mark.parametrize("line, problem", [
    ("max_accept_days,thirty,days,,", "not a number"),
    ("max_accept_days,-1,days,,", "from 0"),
    ("outlier_history_months,1.5,months,,", "whole number"),
    ("completeness_caveat_below,1.2,ratio,,", "from 0.0 to 1.0"),
    ("outlier_factor,1,times,,", "above 1"),
    ("no_such_setting,1,,,", "unknown setting"),
    ("outlier_min_history_months,13,months,,", "longer than"),
])
def test_a_bad_settings_file_is_refused_with_the_line(tmp_path, line, problem):
    rows = (quality.DEFAULT_SETTINGS.read_text(encoding="utf-8").splitlines())
    name = line.split(",", 1)[0]
    kept = [row for row in rows if not row.startswith(name + ",")]
    path = tmp_path / "rules.csv"
    path.write_text("\n".join([*kept, line]) + "\n", encoding="utf-8")
    with pytest.raises(quality.SettingsError, match=problem):
        quality.load_settings(path)


def test_a_missing_setting_is_named(tmp_path):
    path = tmp_path / "rules.csv"
    path.write_text("setting,value,unit,check,meaning\nmax_accept_days,30,days,,\n", encoding="gb18030")
    with pytest.raises(quality.SettingsError, match="completeness_caveat_below"):
        quality.load_settings(path)


# --------------------------------------------------------------------------- the command line

@pytest.fixture(scope="module")
def db_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("check") / "quality.duckdb"
    build_quality_store(path).close()
    return path


def run_check(capsys, *args) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_json_prints_every_id(db_file, capsys):
    code, out, _ = run_check(capsys, "--db", str(db_file), "--start", "2025-07-01", "--end", "2025-09-30",
                             "--community", "A", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["period"] == {"start": "2025-07-01", "end": "2025-09-30"}
    assert result["community"] == "A"
    assert list(result["checks"]) == SPEC_IDS
    assert result["checks"] == pytest.approx(EXPECTED["A"])
    assert "violations" not in result


def test_check_details_carry_codes_and_dates_never_patient_keys(db_file, capsys):
    code, out, _ = run_check(capsys, "--db", str(db_file), "--start", "2025-07-01", "--end", "2025-09-30",
                             "--json", "--details")
    assert code == 0
    result = json.loads(out)
    assert result["community"] is None
    violations = result["violations"]
    assert list(violations) == SPEC_IDS[1:]
    assert {check: len(rows) for check, rows in violations.items()} == {
        check: EXPECTED[None][check] for check in SPEC_IDS[1:]}
    assert violations["quality.slow_acceptance"][0] == {
        "referral_id": "F2", "referral_date": "2025-07-01", "accepted_date": "2025-08-01", "accept_days": 31,
        "status": "completed", "from_inst_id": "T1", "from_name": "T1 name", "to_inst_id": "C1",
        "to_name": "C1 name"}
    assert violations["quality.volume_missing"][0]["month_start"] == "2025-07-01"
    assert violations["quality.expert_overlap"][1]["overlap_days"] == 3
    text = json.dumps(violations)
    assert not any(f'"{key}"' in text for key in ("P1", "P2", "P3", "P4", "P5", "P6", "P7"))
    assert "patient_key" not in text


def test_check_plain_text_and_errors(db_file, capsys, tmp_path):
    code, out, _ = run_check(capsys, "--db", str(db_file), "--start", "2025-07-01", "--end", "2025-09-30",
                             "--community", "B")
    assert code == 0
    assert out.splitlines()[0].split()[:2] == ["quality.volume_completeness", "1.0000"]
    assert "专家同日多处下沉" in out
    code, _, err = run_check(capsys, "--db", str(db_file), "--start", "2025-09-30", "--end", "2025-07-01")
    assert code == 1 and "早于开始日期" in err
    code, _, err = run_check(capsys, "--db", str(tmp_path / "none.duckdb"), "--start", "2025-07-01",
                             "--end", "2025-09-30")
    assert code == 1 and "no database" in err
    broken = tmp_path / "rules.csv"
    broken.write_text("setting,value\nmax_accept_days,x\n", encoding="utf-8")
    code, _, err = run_check(capsys, "--db", str(db_file), "--start", "2025-07-01", "--end", "2025-09-30",
                             "--settings", str(broken))
    assert code == 1 and "max_accept_days" in err and "Traceback" not in err


def test_an_empty_store_has_nothing_expected(tmp_path, settings):
    store = Store(":memory:")
    found = quality.compute_checks(store.cursor(), *Q3, None, settings)
    assert found == {check: (None if check == "quality.volume_completeness" else 0) for check in SPEC_IDS}
