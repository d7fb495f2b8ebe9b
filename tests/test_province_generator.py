"""The province generator (``sinkview.tools.province``) at a tiny scale: counts, references, tiers,
enumerations, dates, one import per dataset, upload-identical row hashes and a fixed seed."""

from __future__ import annotations

import pytest

from sinkview.ingest.contract import DATASETS, DOMAINS
from sinkview.ingest.importer import import_file, stored_columns
from sinkview.tools.province import TINY, generate_province
from sinkview.store.database import Store

REFERENCES = [  # table, column, tier the institution must have (None: any)
    ("institutions", "parent_id", None),
    ("expert_rotations", "home_inst_id", None),
    ("expert_rotations", "host_inst_id", None),
    ("referrals", "from_inst_id", None),
    ("referrals", "to_inst_id", None),
    ("village_coverage", "township_center_id", "township_center"),
    ("village_coverage", "clinic_id", "village_clinic"),
    ("staff_movements", "from_inst_id", None),
    ("staff_movements", "to_inst_id", None),
    ("service_volume", "inst_id", None),
]
ENUMERATIONS = [
    ("institutions", "tier", "tier"),
    ("expert_rotations", "title_level", "title_level"),
    ("expert_rotations", "activity", "activity"),
    ("referrals", "status", "status"),
    ("staff_movements", "movement_type", "movement_type"),
    ("staff_movements", "title_level", "title_level"),
    ("staff_movements", "education", "education"),
]
DATES = [("expert_rotations", "start_date"), ("expert_rotations", "end_date"), ("referrals", "referral_date"),
         ("referrals", "accepted_date"), ("village_coverage", "snapshot_date"), ("staff_movements", "start_date"),
         ("staff_movements", "end_date"), ("service_volume", "period")]


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    path = tmp_path_factory.mktemp("province") / "sinkview.duckdb"
    counts = generate_province(path, TINY, seed=7)
    store = Store(path)
    yield path, counts, store.cursor()
    store.close()


def scalar(cursor, sql: str):
    return cursor.execute(sql).fetchall()[0][0]


def test_counts_follow_the_scale(province):
    _, counts, cursor = province
    non_upper = TINY.institutions - TINY.upper_hospitals
    assert counts == {
        "institutions": TINY.institutions,
        "expert_rotations": TINY.rotations,
        "referrals": TINY.referrals,
        "village_coverage": TINY.villages * 12,
        "staff_movements": TINY.movements,
        "service_volume": (non_upper + TINY.communities * 3) * 36,
        "party_organisations": 0,  # the province has no party ledgers (yet)
        "party_activities": 0,
    }
    tiers = dict(cursor.execute("select tier, count(*) from institutions group by tier").fetchall())
    assert tiers == {"upper_hospital": TINY.upper_hospitals, "county_hospital": 2 * TINY.communities,
                     "township_center": TINY.townships_per_community * TINY.communities,
                     "village_clinic": TINY.village_clinics_per_community * TINY.communities}
    assert scalar(cursor, "select count(distinct community) from institutions") == TINY.communities


@pytest.mark.parametrize(("table", "column", "tier"), REFERENCES)
def test_every_reference_is_a_known_institution_of_the_right_tier(province, table, column, tier):
    _, _, cursor = province
    unknown = scalar(cursor, f"""select count(*) from {table} t left join institutions i on i.inst_id = t.{column}
                                 where t.{column} is not null and i.inst_id is null""")
    assert unknown == 0
    if tier:
        assert scalar(cursor, f"""select count(*) from {table} t join institutions i on i.inst_id = t.{column}
                                  where i.tier <> '{tier}'""") == 0


def test_tiers_are_consistent(province):
    _, _, cursor = province
    # every community: a lead county hospital and one more; township centres report to the lead
    assert scalar(cursor, """select count(*) from (select community from institutions where tier = 'county_hospital'
                             group by community having count(*) <> 2)""") == 0
    assert scalar(cursor, """select count(*) from institutions t join institutions p on p.inst_id = t.parent_id
                             where t.tier = 'township_center' and (p.tier <> 'county_hospital' or p.community <> t.community)""") == 0
    assert scalar(cursor, "select count(*) from institutions where tier = 'upper_hospital' and community is not null") == 0
    # a referral's stored direction is the one its ends' ranks give
    assert scalar(cursor, """
        select count(*) from referrals r
        join institutions f on f.inst_id = r.from_inst_id join tier_ranks fr on fr.tier = f.tier
        join institutions t on t.inst_id = r.to_inst_id join tier_ranks tr on tr.tier = t.tier
        where r.direction <> case when tr.rank > fr.rank then 'up' when tr.rank < fr.rank then 'down' else 'lateral' end
        """) == 0
    downward = scalar(cursor, """
        select avg((hr.rank < ir.rank)::int) from expert_rotations r
        join institutions h on h.inst_id = r.host_inst_id join tier_ranks hr on hr.tier = h.tier
        join institutions i on i.inst_id = r.home_inst_id join tier_ranks ir on ir.tier = i.tier""")
    assert 0.97 < downward < 1
    assert scalar(cursor, """select count(*) from service_volume v join institutions i using (inst_id)
                             where (i.tier = 'upper_hospital') <> (v.community <> '')""") == 0


@pytest.mark.parametrize(("table", "column", "domain"), ENUMERATIONS)
def test_enumerations_hold_contract_codes(province, table, column, domain):
    _, _, cursor = province
    values = {value for (value,) in cursor.execute(f"select distinct {column} from {table}").fetchall()}
    assert values <= set(DOMAINS[domain]) | {None}


@pytest.mark.parametrize(("table", "column"), DATES)
def test_dates_lie_in_2023_to_2025(province, table, column):
    _, _, cursor = province
    first, last = cursor.execute(f"select min({column}), max({column}) from {table}").fetchall()[0]
    assert str(first) >= "2023-01-01" and str(last) <= "2025-12-31"


def test_dates_and_counts_are_plausible(province):
    _, _, cursor = province
    assert scalar(cursor, "select count(*) from expert_rotations where end_date < start_date") == 0
    assert scalar(cursor, "select count(*) from referrals where accepted_date < referral_date") == 0
    assert scalar(cursor, "select count(*) from village_coverage where licensed_doctors > village_doctors") == 0
    assert scalar(cursor, "select count(*) from village_coverage where contracted_residents > population") == 0
    assert scalar(cursor, "select count(*) from service_volume where tcm_visits > outpatient_visits") == 0
    assert scalar(cursor, "select count(distinct snapshot_date) from village_coverage") == 12
    assert scalar(cursor, "select count(distinct period) from service_volume") == 36


def test_each_dataset_has_one_synthetic_import(province):
    _, counts, cursor = province
    imports = cursor.execute("select import_id, dataset, rows_imported from imports").fetchall()
    assert sorted(dataset for _, dataset, _ in imports) == sorted(DATASETS)
    for import_id, dataset, rows in imports:
        assert rows == counts[dataset]
        assert scalar(cursor, f"select count(*) from {dataset} where import_id <> {import_id}") == 0


def test_uploading_generated_rows_again_changes_nothing(province, tmp_path):
    """The generated rows hold the values the importer stores: a re-upload is a no-op."""
    _, _, cursor = province
    for name, dataset in DATASETS.items():
        if not scalar(cursor, f"select count(*) from {name}"):
            continue  # an empty file is refused ("no data rows"); the party ledgers are not generated
        columns = ", ".join(f"{stored} as {column.name}" for stored, column in zip(stored_columns(dataset), dataset.columns))
        path = tmp_path / f"{name}.csv"
        cursor.execute(f"copy (select {columns} from {name} order by all limit 200) to '{path}' (header)")
        validation, result = import_file(cursor, path.read_bytes(), path.name, dataset_name=name)
        assert validation.ok, validation.errors.head().to_dict("records")
        assert result.rows_changed == 0


def test_a_seed_gives_the_same_province(province, tmp_path):
    _, _, cursor = province
    again = tmp_path / "again.duckdb"
    generate_province(again, TINY, seed=7)
    checksum = "select bit_xor(hash(r)) from referrals r"
    other = Store(again)
    try:
        assert scalar(other.cursor(), checksum) == scalar(cursor, checksum)
    finally:
        other.close()


def test_an_existing_store_is_not_overwritten(province):
    path, _, _ = province
    with pytest.raises(FileExistsError):
        generate_province(path, TINY)
