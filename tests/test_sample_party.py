"""The sample county's party ledgers (sinkview/tools/sample_party.py): the deliberate gaps are there,
the files use the contract's Chinese headers, and the real importer takes them without a
rejected row (names in the covered list and in the place column resolved to codes)."""

import csv
import io
from datetime import date

import pandas as pd
import pytest

from sinkview.tools import sample, sample_party
from sinkview.ingest.contract import DATASETS
from sinkview.metrics.evaluator import compute_indicators
from sinkview.ingest.importer import import_file
from sinkview.store.database import Store


@pytest.fixture(scope="module")
def county():
    return sample._generate(sample.DEFAULT_SEED)


@pytest.fixture(scope="module")
def party(county):
    return sample_party._frames(*county, sample.DEFAULT_SEED)


@pytest.fixture(scope="module")
def files(county, tmp_path_factory):
    out = tmp_path_factory.mktemp("party")
    return {path.name: path.read_bytes() for path in sample_party.write_party_files(out, *county)}


def test_a_clinic_never_covered(county, party):
    _, frames = county
    organisations = party["party_organisations"]
    covered = set(organisations["inst_id"]) | {c for listed in organisations["covered_inst_ids"] for c in listed}
    clinics = set(frames["institutions"].query("tier == 'village_clinic'")["inst_id"])
    never = clinics - covered
    assert 5 <= len(never) <= 20
    # the village ledger never reports a party organisation for them either
    coverage = frames["village_coverage"]
    assert not coverage[coverage["clinic_id"].isin(never)]["party_group"].any()


def test_a_joint_branch_lists_three_clinics_by_name(party, files):
    organisations = party["party_organisations"]
    named = organisations[organisations["covered_by_name"]]
    assert len(named) == 1 and named.iloc[0]["level"] == "joint_branch" and len(named.iloc[0]["covered_inst_ids"]) == 3
    rows = list(csv.reader(io.StringIO(files[sample_party.ORGANISATION_FILE].decode("gb18030"))))
    listed = next(row for row in rows if row[0] == named.iloc[0]["org_id"])[5]
    assert listed.count("、") == 2 and "卫生室" in listed and not any(ch.isdigit() for ch in listed)


def test_founded_mid_year_and_dissolved_branches(party):
    organisations = party["party_organisations"].set_index("org_id")
    assert organisations.loc["QHY1-06", "established_date"] == date(2025, 6, 16)
    assert organisations.loc["QHY2-05", "dissolved_date"] == date(2024, 10, 20)
    activities = party["party_activities"]
    assert activities.loc[activities["org_id"] == "QHY2-05", "activity_date"].max() < date(2024, 10, 20)
    assert activities.loc[activities["org_id"] == "QHY1-06", "activity_date"].min() >= date(2025, 6, 16)


def test_some_branches_skip_months(party):
    organisations = party["party_organisations"]
    activities = party["party_activities"]
    branches = organisations[organisations["level"] == "branch"]["org_id"]
    meetings = activities[activities["activity_type"].isin(
        ["member_meeting", "committee_meeting", "group_meeting", "party_lecture"])]
    months = meetings.assign(month=pd.to_datetime(meetings["activity_date"]).dt.to_period("M"))
    held = months[months["org_id"].isin(branches)].groupby("org_id")["month"].nunique()
    assert (held < 36).sum() >= 5
    weak = [f"QHY1-{code}" for code in ("104", "108")] + ["QHY2-115"]   # 枫林乡, 杨柳乡, 大湖乡
    assert held[weak].max() < held.median()


def test_theme_days_in_villages_and_in_the_county_seat(county, party):
    _, frames = county
    tiers = dict(zip(frames["institutions"]["inst_id"], frames["institutions"]["tier"]))
    theme_days = party["party_activities"].query("activity_type == 'theme_day'")
    places = {tiers[place] for place in theme_days["location_inst_id"]}
    assert {"village_clinic", "township_center", "county_hospital"} <= places


def test_headers_are_the_contract_aliases(files):
    for name, dataset in ((sample_party.ORGANISATION_FILE, "party_organisations"),
                          (sample_party.ACTIVITY_FILE, "party_activities")):
        text = files[name].decode("gb18030" if name == sample_party.ORGANISATION_FILE else "utf-8-sig")
        header = next(row for row in csv.reader(io.StringIO(text)) if row[0] in ("党组织编码", "活动编号"))
        spec = DATASETS[dataset]
        assert all(any(h in column.aliases for column in spec.columns) for h in header), header


def test_the_importer_takes_the_files_and_stores_what_the_generator_made(county, party, files, tmp_path):
    store = Store(tmp_path / "sample.duckdb")
    cursor = store.cursor()
    institutions = next(p for p in sample.write_sample_files(tmp_path / "all") if p.name.startswith("01_"))
    assert import_file(cursor, institutions.read_bytes(), institutions.name)[0].ok
    for name in (sample_party.ORGANISATION_FILE, sample_party.ACTIVITY_FILE):
        validation, _ = import_file(cursor, files[name], name)
        assert validation.ok and validation.rows_rejected == 0, validation.errors.head().to_dict("records")
    stored = cursor.execute("select org_id, covered_inst_ids from party_organisations order by org_id").fetchall()
    generated = party["party_organisations"].sort_values("org_id")
    assert [(o, sorted(c or [])) for o, c in stored] == [
        (o, sorted(c)) for o, c in zip(generated["org_id"], generated["covered_inst_ids"])]
    places = dict(cursor.execute("select activity_id, location_inst_id from party_activities").fetchall())
    generated = party["party_activities"]
    assert places == {key: (place if isinstance(place, str) else None)
                      for key, place in zip(generated["activity_id"], generated["location_inst_id"])}
    values = compute_indicators(cursor, date(2025, 10, 1), date(2025, 12, 31), None)
    assert 0.9 < values["party.clinic_coverage"] < 1.0 and values["party.fusion_projects"] >= 3
    store.close()
