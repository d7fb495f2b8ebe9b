"""The overview's scorecard and league table frames (sinkview.metrics.scorecard) and their styling
(sinkview.charts.overview), on indicator dicts written by hand and explicit targets."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from sinkview.charts.overview import SCORECARD_COLUMNS, styled_league, styled_scorecard, tint
from sinkview.charts.theme import STATUS_COLOURS
from sinkview.metrics.declarations import INDICATORS
from sinkview.metrics.targets import Target
from sinkview.metrics.scorecard import (
    TOPICS,
    change,
    change_size,
    change_tone,
    format_change,
    format_target,
    format_value,
    league_frame,
    league_table,
    rank_values,
    relative_change,
    scorecard_frame,
    scorecard_table,
    trend_periods,
    within_data,
    year_ago_period,
    year_before,
)


def target(indicator_id: str, value: float | None, direction: str) -> Target:
    return Target(indicator_id, value, direction, "test", "test")


TARGETS = {
    "rotation.township_coverage": target("rotation.township_coverage", 1.0, "higher"),
    "village.blank_villages": target("village.blank_villages", 0, "lower"),
    "village.licensed_share": target("village.licensed_share", 0.45, "higher"),
    "referral.rejection_rate": target("referral.rejection_rate", None, "lower"),
    "referral.up": target("referral.up", None, "neutral"),
}


def values(**given) -> dict:
    """An indicator dict with every id, None unless given (dots written as double underscores)."""
    found = {item.id: None for item in INDICATORS}
    found.update({key.replace("__", "."): value for key, value in given.items()})
    return found


# --------------------------------------------------------------------------- periods

def test_year_before_keeps_the_day_and_moves_29_february():
    assert year_before(date(2025, 9, 30)) == date(2024, 9, 30)
    assert year_before(date(2024, 2, 29)) == date(2023, 2, 28)
    assert year_ago_period(date(2025, 7, 1), date(2025, 9, 30)) == (date(2024, 7, 1), date(2024, 9, 30))


def test_trend_is_eight_quarters_ending_with_the_periods_quarter():
    quarters = trend_periods(date(2025, 11, 15))
    assert len(quarters) == 8
    assert quarters[0] == (date(2024, 1, 1), date(2024, 3, 31))
    assert quarters[-1] == (date(2025, 10, 1), date(2025, 12, 31))
    assert trend_periods(date(2025, 2, 1), 3) == [(date(2024, 7, 1), date(2024, 9, 30)),
                                                  (date(2024, 10, 1), date(2024, 12, 31)),
                                                  (date(2025, 1, 1), date(2025, 3, 31))]


def test_periods_before_the_data_are_not_compared():
    q1 = (date(2023, 1, 1), date(2023, 3, 31))
    assert within_data(q1, date(2023, 1, 1))
    assert not within_data(q1, date(2023, 1, 2))
    assert within_data(q1, None)


# --------------------------------------------------------------------------- comparisons

def test_changes_and_their_tone_follow_the_direction():
    assert change(12, 10) == 2
    assert change(None, 10) is None and change(3, None) is None
    assert relative_change(12, 10) == pytest.approx(0.2)
    assert relative_change(5, 0) is None
    assert relative_change(-9, -2) is None  # no percentage of a negative base
    assert change_tone(2, "higher") == "good"
    assert change_tone(2, "lower") == "bad"
    assert change_tone(-2, "lower") == "good"
    assert change_tone(2, "neutral") is None
    assert change_tone(0, "higher") is None


def test_change_size_counts_steps_of_the_near_tolerance():
    assert change_size("rotation.township_coverage", 0.80, 0.90) == pytest.approx(2.0)  # 10 points / 5
    assert change_size("rotation.expert_days", 110, 100) == pytest.approx(1.0)          # 10 % / 10 %
    assert change_size("rotation.expert_days", 5, 0) is None
    assert change_size("rotation.township_coverage", 0.90, 0.95) == 1.0  # not 0.999…


def test_values_changes_and_targets_as_shown():
    assert format_value("rotation.township_coverage", 0.8947, "zh") == "89.5%"
    assert format_value("rotation.expert_days", 1716.0, "zh") == "1,716 人日"
    assert format_value("rotation.expert_days", 1716, "en") == "1,716 person-days"
    assert format_value("rotation.visits", 326.0, "zh") == "326"
    assert format_value("village.blank_villages", float("nan"), "zh") == "—"
    assert format_change("rotation.township_coverage", 0.85, 0.90, "zh") == "-5.0 个百分点"
    assert format_change("rotation.township_coverage", 0.85, 0.90, "en") == "-5.0 pp"
    assert format_change("rotation.visits", 326, 269, "zh") == "+57 (+21.2%)"
    assert format_change("village.blank_villages", 3, 0, "zh") == "+3"
    assert format_change("village.doctors_per_1000", 0.9, 0.8, "zh") == "+0.10 (+12.5%)"
    assert format_change("rotation.visits", 3, None, "zh") == "—"
    assert format_change("talent.net_grassroots", -9, 13, "zh") == "-22"   # crossed below zero: no percentage
    assert format_change("talent.net_grassroots", 0, 13, "zh") == "-13 (-100.0%)"
    assert format_target("rotation.township_coverage", 1.0, "higher", "zh") == "≥ 100.0%"
    assert format_target("village.blank_villages", 0.0, "lower", "zh") == "≤ 0"
    assert format_target("referral.rejection_rate", None, "lower", "en") == "Lower ↓"
    assert format_target("rotation.visits", float("nan"), "higher", "zh") == "越高越好 ↑"
    assert format_target("referral.up", None, "neutral", "zh") == "—"


# --------------------------------------------------------------------------- scorecard

CURRENT = values(rotation__township_coverage=0.9, rotation__visits=326, village__blank_villages=9,
                 village__licensed_share=0.42)
PREVIOUS = values(rotation__township_coverage=0.95, rotation__visits=269, village__blank_villages=9)
YEAR_AGO = values(rotation__township_coverage=1.0, rotation__visits=331)
TREND = [values(rotation__visits=n) for n in (231, 312, None, 331, 278, 384, 269, 326)]


def test_scorecard_has_every_indicator_in_registry_order():
    frame = scorecard_frame(CURRENT, PREVIOUS, YEAR_AGO, TREND, TARGETS)
    assert list(frame["id"]) == [item.id for item in INDICATORS]
    assert set(frame["topic"]) == set(TOPICS)
    row = frame.set_index("id").loc["rotation.township_coverage"]
    assert row["change_previous"] == pytest.approx(-0.05)
    assert row["change_year_ago"] == pytest.approx(-0.1)
    assert row["status"] == "missed" and row["target"] == 1.0
    assert row["tone_previous"] == "bad"
    statuses = frame.set_index("id")["status"]
    assert statuses["village.licensed_share"] == "near"        # 3 points below 45 %
    assert statuses["village.blank_villages"] == "missed"      # 9 against ≤ 0
    assert not isinstance(statuses["rotation.visits"], str)    # no target: no status


def test_trend_has_one_point_per_quarter_and_nan_where_undefined():
    frame = scorecard_frame(CURRENT, PREVIOUS, YEAR_AGO, TREND, TARGETS).set_index("id")
    visits = frame.loc["rotation.visits", "trend"]
    assert len(visits) == 8 and visits[-1] == 326.0 and math.isnan(visits[2])


def test_scorecard_table_of_a_topic_in_either_language():
    frame = scorecard_frame(CURRENT, PREVIOUS, YEAR_AGO, TREND, TARGETS)
    zh = scorecard_table(frame, "rotation", "zh")
    assert len(zh) == sum(item.topic == "rotation" for item in INDICATORS)
    coverage = zh[zh["name"] == "卫生院专家覆盖率"].iloc[0]
    assert coverage["value"] == "90.0%"
    assert coverage["change_previous"] == "-5.0 个百分点"
    assert coverage["change_year_ago"] == "-10.0 个百分点"
    assert coverage["target"] == "≥ 100.0%"
    assert coverage["status_label"] == "未达标"
    en = scorecard_table(frame, "rotation", "en")
    assert "Township centres with an expert" in set(en["name"])
    assert "Missed" in set(en["status_label"])
    assert set(SCORECARD_COLUMNS) <= set(zh.columns)


def test_scorecard_styling_tints_status_and_colours_changes():
    frame = scorecard_frame(CURRENT, PREVIOUS, YEAR_AGO, TREND, TARGETS)
    html = styled_scorecard(scorecard_table(frame, "rotation", "zh")).to_html()
    assert tint(STATUS_COLOURS["missed"]) in html
    assert STATUS_COLOURS["missed"] in html  # a bad change in red
    assert STATUS_COLOURS["met"] in html     # a good change in green


# --------------------------------------------------------------------------- league table

def test_ranks_follow_the_direction_share_ties_and_skip_missing():
    assert rank_values({"A": 3, "B": 5, "C": 5}, "higher") == {"A": 3, "B": 1, "C": 1}
    assert rank_values({"A": 3, "B": 5, "C": None}, "lower") == {"A": 1, "B": 2, "C": None}
    assert rank_values({"A": 3, "B": 5}, "neutral") == {"A": None, "B": None}


BY_COMMUNITY = {
    "甲医共体": values(rotation__township_coverage=1.0, village__blank_villages=4, referral__up=10),
    "乙医共体": values(rotation__township_coverage=0.8, village__blank_villages=1, referral__up=20),
}


def test_league_frame_ranks_each_indicator_in_its_direction():
    league = league_frame(BY_COMMUNITY, TARGETS).set_index(["id", "community"])
    assert league.loc[("rotation.township_coverage", "甲医共体"), "rank"] == 1
    assert league.loc[("village.blank_villages", "乙医共体"), "rank"] == 1   # lower is better
    assert league.loc[("village.blank_villages", "甲医共体"), "status"] == "missed"
    assert league.loc[("rotation.township_coverage", "甲医共体"), "status"] == "met"
    assert pd.isna(league.loc[("referral.up", "甲医共体"), "rank"])        # neutral: not ranked


def test_league_table_keeps_numbers_for_sorting_and_shows_value_with_rank():
    table = league_table(league_frame(BY_COMMUNITY, TARGETS), "village", "zh")
    assert list(table.values.index) == ["乙医共体", "甲医共体"]
    assert table.values.loc["甲医共体", "空白村数"] == 4.0
    assert table.texts.loc["甲医共体", "空白村数"] == "4（第 2）"
    assert table.statuses.loc["甲医共体", "空白村数"] == "missed"
    html = styled_league(table).to_html()
    assert "4（第 2）" in html and "1（第 1）" in html
    assert tint(STATUS_COLOURS["missed"]) in html
    english = league_table(league_frame(BY_COMMUNITY, TARGETS), "referral", "en")
    assert english.texts.loc["甲医共体", "Upward referrals"] == "10"  # neutral: no rank


def test_a_change_that_rounds_to_zero_has_no_minus_sign():
    assert format_change("referral.rejection_rate", 0.03800, 0.03804, "en") == "+0.0 pp"
    assert format_change("village.doctors_per_1000", 0.9100, 0.9101, "en") == "+0.00 (+0.0%)"


def test_a_card_shows_a_change_that_rounds_to_nothing_without_sign_arrow_or_colour():
    from sinkview.app.widgets import card_delta
    assert card_delta("referral.rejection_rate", 0.0381, 0.0380, "pp") == ("0.0 pp", True)
    assert card_delta("referral.rejection_rate", 0.045, 0.030, "pp") == ("+1.5 pp", False)
    assert card_delta("village.doctors_per_1000", 0.9101, 0.9100, "pp") == ("0.00", True)
    assert card_delta("village.doctors_per_1000", 0.8, 0.9, "pp") == ("-0.10", False)
    assert card_delta("referral.lateral", 5, 5, "pp") == ("0", True)
    assert card_delta("rotation.visits", 1326, 269, "pp") == ("+1,057", False)
    assert card_delta("rotation.visits", 3, None, "pp") == (None, False)


def test_a_table_shows_a_number_that_does_not_apply_as_a_dash_and_keeps_the_numbers():
    import pandas as pd
    from sinkview.app.widgets import dashes_for_missing
    frame = pd.DataFrame({"机构": ["甲", "乙"], "拒收率": pd.array([12.5, None], dtype="Float64"),
                          "人次": pd.array([1234, 5], dtype="Int64")})
    shown = dashes_for_missing(frame)
    assert shown.data["拒收率"].tolist() == [12.5, float("-inf")]   # still numbers: sorting puts the gap first
    assert frame["拒收率"].isna().tolist() == [False, True]            # the CSV's frame is left as it was
    text = shown.to_string()
    assert "—" in text and "12.5" in text and "None" not in text and "<NA>" not in text
    assert dashes_for_missing(frame.dropna()) is not None and isinstance(dashes_for_missing(frame.dropna()), pd.DataFrame)
