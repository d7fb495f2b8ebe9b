"""The sample county: deterministic, the right size, valid, and imperfect on purpose."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import date, timedelta

import openpyxl
import pandas as pd
import pytest

from sinkview.tools.sample import identity_check_digit, sample_frames, write_sample_files

RANKS = {"upper_hospital": 4, "county_hospital": 3, "township_center": 2, "village_clinic": 1}
FILE_NAMES = ["01_机构名录.csv", "02_专家下沉台账.xlsx", "03_双向转诊台账.csv",
              "04_村卫生室覆盖.csv", "05_人才流动台账.csv", "06_服务量月报.csv",
              "07_党组织名录.csv", "08_党建活动台账.csv"]


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return sample_frames()


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("sample")
    return {path.name: path.read_bytes() for path in write_sample_files(out)}


def _rank(frames) -> dict[str, int]:
    institutions = frames["institutions"]
    return dict(zip(institutions["inst_id"], institutions["tier"].map(RANKS)))


def _community(frames) -> dict[str, str]:
    institutions = frames["institutions"].dropna(subset=["community"])
    return dict(zip(institutions["inst_id"], institutions["community"]))


def _csv_rows(data: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding))))


def test_two_runs_write_identical_bytes(written, tmp_path):
    started = time.perf_counter()
    again = write_sample_files(tmp_path)
    assert time.perf_counter() - started < 15
    assert [path.name for path in again] == list(written)
    for path in again:
        assert path.read_bytes() == written[path.name], path.name


def test_a_different_seed_gives_a_different_county(frames):
    assert not sample_frames(7)["referrals"].equals(frames["referrals"])


def test_files_are_modest(written):
    assert list(written) == FILE_NAMES
    assert all(len(data) < 10_000_000 for data in written.values())   # the platform export is wide


def test_county_shape(frames):
    institutions = frames["institutions"]
    tiers = institutions["tier"].value_counts()
    assert institutions["inst_id"].is_unique
    assert set(institutions["community"].dropna()) == {"清河县第一医共体", "清河县中医医共体"}
    assert tiers["county_hospital"] == 4
    assert 2 <= tiers["upper_hospital"] <= 3
    assert institutions.loc[institutions["tier"] == "upper_hospital", "community"].isna().all()
    assert 18 <= tiers["township_center"] <= 20
    grassroots = institutions[institutions["tier"].isin(["township_center", "village_clinic"])]
    assert grassroots["community"].notna().all()

    coverage = frames["village_coverage"]
    assert coverage["period"].nunique() == 12
    assert coverage.groupby("period")["village_code"].nunique().between(240, 260).all()
    assert coverage["population"].between(600, 3500).all()

    referral_years = {day.year for day in frames["referrals"]["referral_date"]}
    assert referral_years == {2023, 2024, 2025}
    assert 3_000 <= len(frames["expert_rotations"]) <= 5_000
    assert 30_000 <= len(frames["referrals"]) <= 40_000
    assert 1_500 <= len(frames["staff_movements"]) <= 2_500
    assert set(frames["staff_movements"]["movement_type"]) == {
        "dispatch_down", "training_up", "transfer", "recruit", "departure", "rotation"}


def test_hierarchy(frames):
    institutions = frames["institutions"].set_index("inst_id")
    leads = {"清河县第一医共体": "清河县人民医院", "清河县中医医共体": "清河县中医院"}
    for inst_id, row in institutions.iterrows():
        if row["tier"] == "village_clinic":
            assert institutions.loc[row["parent_id"], "tier"] == "township_center"
        if row["tier"] == "township_center":
            assert institutions.loc[row["parent_id"], "inst_name"] == leads[row["community"]]


def test_frames_obey_the_contract(frames):
    rank = _rank(frames)
    rotations = frames["expert_rotations"]
    assert rotations["record_id"].is_unique
    assert set(rotations["home_inst_id"]) | set(rotations["host_inst_id"]) <= set(rank)
    assert (rotations["end_date"] >= rotations["start_date"]).all()

    referrals = frames["referrals"]
    assert referrals["referral_id"].is_unique
    assert set(referrals["from_inst_id"]) | set(referrals["to_inst_id"]) <= set(rank)
    accepted = referrals.dropna(subset=["accepted_date"])
    assert (accepted["accepted_date"] >= accepted["referral_date"]).all()
    assert referrals["icd10"].str.fullmatch(r"[A-Z]\d{2}(\.\d{1,2})?").all()
    derived = [
        "up" if rank[t] > rank[f] else "down"
        for f, t in zip(referrals["from_inst_id"], referrals["to_inst_id"])]
    assert referrals["direction"].tolist() == derived

    coverage = frames["village_coverage"]
    tiers = frames["institutions"].set_index("inst_id")["tier"]
    assert (tiers[coverage["township_center_id"]] == "township_center").all()
    assert (tiers[coverage["clinic_id"].dropna()] == "village_clinic").all()
    assert (coverage["licensed_doctors"] <= coverage["village_doctors"]).all()
    assert not coverage.duplicated(["period", "village_code"]).any()

    movements = frames["staff_movements"]
    assert movements["movement_id"].is_unique
    recruits = movements["movement_type"] == "recruit"
    departures = movements["movement_type"] == "departure"
    assert movements.loc[recruits, "from_inst_id"].isna().all()
    assert movements.loc[departures, "to_inst_id"].isna().all()
    assert movements.loc[~recruits, "from_inst_id"].notna().all()
    assert movements.loc[~departures, "to_inst_id"].notna().all()

    volume = frames["service_volume"]
    assert (volume["tcm_visits"] <= volume["outpatient_visits"]).all()
    assert (volume["insurance_fund"] >= 0).all()
    upper = volume["inst_id"].map(rank) == 4
    assert volume.loc[upper, "community"].notna().all()
    assert volume.loc[~upper, "community"].isna().all()
    assert not volume.duplicated(["period", "inst_id", "community"]).any()


def test_service_volume_shares_are_realistic(frames):
    volume = frames["service_volume"].assign(rank=lambda f: f["inst_id"].map(_rank(frames)))
    in_county = volume[volume["rank"] <= 3]
    grassroots = volume[volume["rank"] <= 2]
    visit_share = grassroots["outpatient_visits"].sum() / in_county["outpatient_visits"].sum()
    admission_share = in_county["admissions"].sum() / volume["admissions"].sum()
    assert 0.55 <= visit_share <= 0.65
    assert 0.85 <= admission_share <= 0.90


def test_a_blank_village_at_the_last_snapshot(frames):
    coverage = frames["village_coverage"]
    last = coverage[coverage["period"] == "2025-Q4"]
    blank = last["clinic_id"].isna() | (last["village_doctors"] == 0)
    assert blank.any()
    first = coverage[coverage["period"] == "2023-Q1"].set_index("village_code")
    aged_out = last[(last["village_doctors"] == 0) & last["clinic_id"].notna()]
    assert (first.loc[aged_out["village_code"], "village_doctors"] > 0).any()


def test_a_township_with_no_downward_stint_in_the_last_90_days(frames):
    rank = _rank(frames)
    rotations = frames["expert_rotations"]
    downward = rotations[rotations["host_inst_id"].map(rank) < rotations["home_inst_id"].map(rank)]
    window_start = date(2025, 12, 31) - timedelta(days=89)
    recent = downward[downward["end_date"] >= window_start]
    townships = frames["institutions"].query("tier == 'township_center'")
    uncovered = set(townships["township"][~townships["inst_id"].isin(recent["host_inst_id"])])
    assert "枫林乡" in uncovered
    assert len(uncovered) <= 3
    assert len(rotations) > len(downward), "some rows are not downward, to exercise the warning"


def test_a_community_whose_down_up_ratio_falls(frames):
    rank, community = _rank(frames), _community(frames)
    referrals = frames["referrals"]
    effective = referrals[~referrals["status"].isin(["rejected", "cancelled"])]
    ratios = {}
    for name in ("清河县第一医共体", "清河县中医医共体"):
        mine = effective[(effective["from_inst_id"].map(community) == name)
                         | (effective["to_inst_id"].map(community) == name)]
        years = mine["referral_date"].map(lambda day: day.year)
        up = mine["to_inst_id"].map(rank) > mine["from_inst_id"].map(rank)
        ratios[name] = [(~up[years == y]).sum() / up[years == y].sum() for y in (2023, 2024, 2025)]
    falling = ratios["清河县第一医共体"]
    assert falling[0] > falling[1] > falling[2]
    assert ratios["清河县中医医共体"][2] > ratios["清河县中医医共体"][0]


def test_grassroots_departures_exceed_recruits_in_one_community(frames):
    rank, community = _rank(frames), _community(frames)
    movements = frames["staff_movements"]
    grassroots_from = movements["from_inst_id"].map(rank) <= 2
    grassroots_to = movements["to_inst_id"].map(rank) <= 2
    for name, more_leave in (("清河县第一医共体", True), ("清河县中医医共体", False)):
        mine = (movements["from_inst_id"].map(community) == name) | (
            movements["to_inst_id"].map(community) == name)
        recruits = (mine & grassroots_to & (movements["movement_type"] == "recruit")).sum()
        departures = (mine & grassroots_from & (movements["movement_type"] == "departure")).sum()
        assert (departures > recruits) == more_leave


@pytest.mark.parametrize("name,encoding", [("03_双向转诊台账.csv", "gbk"),
                                           ("04_村卫生室覆盖.csv", "gbk"),
                                           ("06_服务量月报.csv", "gb18030")])
def test_chinese_windows_files_are_not_utf8(written, name, encoding):
    data = written[name]
    data.decode(encoding)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_utf8_files(written):
    assert written["01_机构名录.csv"].startswith(b"\xef\xbb\xbf")
    assert not written["05_人才流动台账.csv"].startswith(b"\xef\xbb\xbf")
    written["05_人才流动台账.csv"].decode("utf-8")


def test_title_and_total_rows(written):
    volume = _csv_rows(written["06_服务量月报.csv"], "gb18030")
    assert volume[0][0].startswith("清河县医共体成员单位服务量月报")
    assert volume[1][0] == "统计月份" and volume[-1][0] == "合计"


PLATFORM_REFERRAL_COLUMNS = ["转诊状态", "当前状态时间", "转诊类型", "门诊/住院号", "姓名", "性别", "年龄", "联系电话",
                             "转出机构", "转出科室", "转诊医生", "申请转诊日期", "提交时间", "转入机构", "转入科室",
                             "接诊医生"]


def test_referrals_come_as_a_platform_export(written, frames):
    rows = _csv_rows(written["03_双向转诊台账.csv"], "gbk")
    header, body = rows[0], rows[1:]
    assert header[:16] == PLATFORM_REFERRAL_COLUMNS
    assert not {"转诊单号", "患者标识", "转出机构编码", "转入机构编码"} & set(header)
    names = set(frames["institutions"]["inst_name"])
    column = {name: header.index(name) for name in header}
    assert {row[column["转出机构"]] for row in body} <= names | {"县人民医院", "县一院", "县中医院"}
    assert "县一院" in {row[column["转入机构"]] for row in body}
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", row[column["申请转诊日期"]]) for row in body)
    assert {row[column["转诊状态"]] for row in body} >= {"转诊完成", "接诊完成", "待接诊", "已退回", "已关闭"}


def test_staff_movements_come_as_an_hr_export(written, frames):
    rows = _csv_rows(written["05_人才流动台账.csv"], "utf-8")
    assert {"原单位", "现单位"} <= set(rows[0]) and "记录编号" not in rows[0]
    names = set(frames["institutions"]["inst_name"]) | {""}
    assert {row[rows[0].index("原单位")] for row in rows[1:]} <= names


def test_monthly_report_names_institutions(written, frames):
    volume = _csv_rows(written["06_服务量月报.csv"], "gb18030")
    assert volume[1][1] == "机构名称"
    assert {row[1] for row in volume[2:-1]} <= set(frames["institutions"]["inst_name"])


def test_leading_zero_village_codes_survive(written):
    coverage = _csv_rows(written["04_村卫生室覆盖.csv"], "gbk")
    codes = {row[1] for row in coverage[1:]}
    assert all(re.fullmatch(r"\d{12}", code) for code in codes)
    assert any(code.startswith("0") for code in codes)
    assert "执业（助理）医师数" in coverage[0] and "距卫生院距离(km)" in coverage[0]
    institutions = _csv_rows(written["01_机构名录.csv"], "utf-8-sig")
    assert any(row[0].startswith("0") for row in institutions[1:])


def test_xlsx_keeps_identifiers_as_text(written, tmp_path):
    path = tmp_path / "rotations.xlsx"
    path.write_bytes(written["02_专家下沉台账.xlsx"])
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = sheet.iter_rows(min_row=3)
    hosts = [row[4] for row in rows]
    zero_led = [cell for cell in hosts if str(cell.value).startswith("0")]
    assert zero_led and all(cell.data_type == "s" for cell in zero_led)


def test_each_referral_patient_has_one_mainland_mobile(written, frames):
    rows = _csv_rows(written["03_双向转诊台账.csv"], "gbk")
    phones = [row[rows[0].index("联系电话")] for row in rows[1:]]
    assert all(re.fullmatch(r"1[3-9]\d{9}", phone) for phone in phones)
    # distinct patients stay distinct: as many phones as patient keys in the canonical frame
    assert len(set(phones)) == frames["referrals"]["patient_key"].nunique()


def test_identity_check_digit():
    assert identity_check_digit("43028119800101123") == "4"
