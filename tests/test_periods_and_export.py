"""Period codes in the URL and formula-safe CSV downloads."""

import datetime as dt

import pandas as pd
import pytest

from sinkview.metrics import periods
from sinkview.app.export import safe_csv


@pytest.mark.parametrize("code,start,end", [
    ("2025-Q3", dt.date(2025, 7, 1), dt.date(2025, 9, 30)),
    ("2024-Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
    ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ("2025-12", dt.date(2025, 12, 1), dt.date(2025, 12, 31)),
    ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ("2025-01-05~2025-02-10", dt.date(2025, 1, 5), dt.date(2025, 2, 10)),
])
def test_period_codes_give_their_days(code, start, end):
    assert periods.period_range(code) == (start, end)


def test_unknown_period_code_is_refused():
    with pytest.raises(ValueError):
        periods.period_range("last-week")


@pytest.mark.parametrize("first,last,expected", [
    (dt.date(2023, 1, 1), dt.date(2025, 12, 31), "2025-Q4"),   # data end on a quarter's last day
    (dt.date(2023, 1, 1), dt.date(2025, 11, 15), "2025-Q3"),   # Q4 not yet full
    (dt.date(2023, 1, 1), dt.date(2025, 1, 10), "2024-Q4"),    # across a year
    (dt.date(2025, 3, 5), dt.date(2025, 3, 12), "2025-Q1"),    # no full quarter: the last one
])
def test_default_period_is_the_last_full_quarter_of_the_data(first, last, expected):
    assert periods.default_period(first, last) == expected


def test_default_period_without_data_is_the_current_quarter():
    assert periods.default_period(None, None, today=dt.date(2026, 11, 24)) == "2026-Q4"


def test_period_choices_cover_the_data_newest_first():
    choices = periods.period_choices(dt.date(2024, 11, 3), dt.date(2025, 2, 1), "zh")
    codes = list(choices)
    assert codes[:2] == ["2025-Q1", "2024-Q4"]
    assert "2024" in codes and "2025" in codes and "2024-11" in codes and "2024-10" not in codes
    assert choices["2025-Q1"] == "2025年第1季度"
    assert periods.period_choices(dt.date(2025, 1, 1), dt.date(2025, 1, 31), "en")["2025-01"] == "2025-01"


def test_csv_download_neutralises_formulas_and_opens_in_excel():
    frame = pd.DataFrame({"机构": ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "卫生院"], "n": [1, 2, 3, 4, 5]})
    data = safe_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1" in text and "'-2" in text and "'@SUM" in text
    assert "\n卫生院,5" in text.replace("\r\n", "\n")
    assert ",1\n" in text.replace("\r\n", "\n")  # numbers untouched


@pytest.mark.parametrize("start,end,previous", [
    (dt.date(2025, 7, 1), dt.date(2025, 9, 30), (dt.date(2025, 4, 1), dt.date(2025, 6, 30))),
    (dt.date(2025, 1, 1), dt.date(2025, 12, 31), (dt.date(2024, 1, 1), dt.date(2024, 12, 31))),
    (dt.date(2025, 3, 1), dt.date(2025, 3, 31), (dt.date(2025, 2, 1), dt.date(2025, 2, 28))),
    (dt.date(2025, 1, 1), dt.date(2025, 3, 31), (dt.date(2024, 10, 1), dt.date(2024, 12, 31))),
    (dt.date(2025, 1, 5), dt.date(2025, 1, 14), (dt.date(2024, 12, 26), dt.date(2025, 1, 4))),
])
def test_previous_period_is_the_previous_calendar_period_or_the_same_days_before(start, end, previous):
    assert periods.previous_period(start, end) == previous
