"""The province scale: a synthetic province of county medical communities, generated in SQL.

Owns the benchmark data set of issue 8: 100 communities (about 3,000 institutions), 10M
referrals, 1M expert rotations, 2M staff movements, 30,000 villages × 12 quarters and every
institution's 36 months of service volume, written by DuckDB (``range`` and ``random()`` after
``setseed``) straight into a store's tables — no Python loop touches a row. Every row carries
the import of its dataset (one synthetic import per dataset, so the data page and undo work),
its values normalised as an upload of that row would store them. It knows nothing about files, pages
or indicators; the sample county (``sinkview.tools.sample``) stays the realistic, hand-shaped demo.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from sinkview.ingest.contract import DATASETS
from sinkview.ingest.importer import stored_columns
from sinkview.metrics import cells
from sinkview.metrics.models import date_order
from sinkview.tools.sample import (
    ACTIVITIES,
    DIAGNOSES,
    EXPERT_TITLE_WEIGHTS,
    GIVEN_NAMES,
    REASONS,
    SPECIALTIES,
    STAFF_SPECIALTIES,
    SURNAMES,
    TITLES,
    VILLAGE_HEADS,
    VISIT_ACTIVITY_WEIGHTS,
    VILLAGE_TAILS,
)
from sinkview.store.database import connect

DEFAULT_SEED = 20268
GENERATED_BY = "province_sample"
FIRST_DAY = "2023-01-01"
LAST_DAY = "2025-12-31"
DAYS = 1096        # 2023-01-01 .. 2025-12-31
MONTHS = 36
QUARTERS = 12
PATIENTS_PER_REFERRAL = 0.3   # distinct patient keys per referral (patients are referred again)
UPPER_HOSPITALS_PER_COMMUNITY = 3  # the upper hospitals a community's residents use

COUNTY_FIRST_CHARS = "清白青龙凤安平新永长"
COUNTY_SECOND_CHARS = "河山江阳林源溪宁丰乡"
CITY_NAMES = ["南岭省", "江城市", "云梦市", "楚南市", "潇湘市", "衡岳市", "沅水市", "资江市"]
UPPER_KINDS = ["人民医院", "中医医院", "中心医院", "第一人民医院", "妇幼保健院"]


@dataclass(frozen=True)
class ProvinceScale:
    """How big the generated province is. Years are fixed: 2023-01-01 to 2025-12-31."""

    communities: int = 100
    townships_per_community: int = 25
    village_clinics_per_community: int = 3   # registered in the directory; villages share them
    upper_hospitals: int = 10
    villages: int = 30_000
    referrals: int = 10_000_000
    rotations: int = 1_000_000
    movements: int = 2_000_000
    experts_per_community: int = 120
    experts_per_upper_hospital: int = 60
    staff_per_community: int = 1_500

    @property
    def institutions(self) -> int:
        per_community = 2 + self.townships_per_community + self.village_clinics_per_community
        return self.communities * per_community + self.upper_hospitals


PROVINCE = ProvinceScale()
TINY = ProvinceScale(communities=3, townships_per_community=4, village_clinics_per_community=2,
                     upper_hospitals=3, villages=60, referrals=6_000, rotations=1_500,
                     movements=1_500, experts_per_community=10, experts_per_upper_hospital=5,
                     staff_per_community=40)


# --------------------------------------------------------------------------- SQL helpers

def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _text_list(values) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


def _pick(draw: str, values) -> str:
    """One of ``values`` (equally likely) for a uniform draw in [0, 1)."""
    return f"{_text_list(values)}[1 + floor({draw} * {len(values)})::int]"


def _weighted(draw: str, choices: list[tuple[str, float]]) -> str:
    """A CASE giving the SQL expression of a choice, ``draw`` being uniform in [0, 1)."""
    total = sum(weight for _, weight in choices)
    branches, bound = [], 0.0
    for expression, weight in choices[:-1]:
        bound += weight / total
        branches.append(f"when {draw} < {bound:.6f} then {expression}")
    return f"case {' '.join(branches)} else {choices[-1][0]} end"


def _weighted_text(draw: str, values: list[str], weights: list[float]) -> str:
    return _weighted(draw, [(_lit(v), w) for v, w in zip(values, weights)])


def _insert(con: duckdb.DuckDBPyConnection, dataset: str, import_id: int, select_sql: str) -> None:
    """Insert the rows of ``select_sql`` (named by the contract's stored columns) into ``dataset``,
    in date order (``LEDGER_DATES``) so that a period's scan skips the other row groups."""
    columns = ", ".join(stored_columns(DATASETS[dataset]))
    con.execute(f"""
        insert into {dataset} ({columns}, import_id)
        select {columns}, {import_id}
        from ({select_sql}) generated{date_order(dataset)}""")


# Ids follow the sample county's shapes: 9-digit hospital and township-centre codes under a
# 6-digit county code, 12-digit village codes, 14-digit village-clinic codes.
_MACROS = """
create or replace temp macro county_code(c) as '43' || lpad((c + 1)::varchar, 4, '0');
create or replace temp macro county_hospital_id(c, k) as county_code(c) || lpad((k + 1)::varchar, 3, '0');
create or replace temp macro township_id(c, t) as county_code(c) || lpad((101 + t)::varchar, 3, '0');
create or replace temp macro village_code(c, t, v) as township_id(c, t) || lpad((v + 1)::varchar, 3, '0');
create or replace temp macro clinic_id(c, j) as village_code(c, j, 0) || '01';
create or replace temp macro upper_id(u) as '430000' || lpad((u + 1)::varchar, 3, '0');
"""


# --------------------------------------------------------------------------- generation

def generate_province(path: str | Path, scale: ProvinceScale = PROVINCE, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Create the store at ``path`` (which must not exist) holding the province; row counts by table."""
    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    con = connect(target)
    try:
        con.execute("set enable_progress_bar = false")
        con.execute("set preserve_insertion_order = false")
        con.execute(_MACROS)
        con.execute("select setseed($s)", {"s": (seed % 1_000_003) / 1_000_003})
        imports = _record_imports(con, scale, seed)
        _communities(con, scale)
        _institutions(con, scale, imports["institutions"])
        _villages(con, scale, imports["village_coverage"])
        _rotations(con, scale, imports["expert_rotations"])
        _referrals(con, scale, imports["referrals"])
        _movements(con, scale, imports["staff_movements"])
        _service_volume(con, scale, imports["service_volume"])
        counts = {}
        for dataset, import_id in imports.items():
            rows = con.execute(f"select count(*) from {dataset}").fetchall()[0][0]
            con.execute("update imports set rows_imported = $n, rows_changed = $n where import_id = $id",
                        {"n": rows, "id": import_id})
            counts[dataset] = rows
        cells.refresh(con)
        con.execute("checkpoint")
        return counts
    finally:
        con.close()


def _record_imports(con, scale: ProvinceScale, seed: int) -> dict[str, int]:
    """One synthetic import per dataset: the data page names it, and undo removes that dataset."""
    description = f"{GENERATED_BY} seed={seed} {sorted(asdict(scale).items())}"
    imports = {}
    for dataset in DATASETS:
        import_id = con.execute("select nextval('import_id_seq')").fetchall()[0][0]
        con.execute("""insert into imports (import_id, dataset, file_name, content_hash, rows_imported,
                           rows_changed, rows_rejected, warnings, imported_by, imported_at)
                       values ($id, $dataset, $file, $hash, 0, 0, 0, 0, $who, current_timestamp::timestamp)""", {
            "id": import_id, "dataset": dataset, "file": f"{GENERATED_BY}:{dataset}",
            "hash": hashlib.sha256(f"{description} {dataset}".encode()).hexdigest(), "who": GENERATED_BY})
        imports[dataset] = import_id
    return imports


def _communities(con, scale: ProvinceScale) -> None:
    """Counties (one medical community each) and their townships, as temporary lookups."""
    firsts, seconds = len(COUNTY_FIRST_CHARS), len(COUNTY_SECOND_CHARS)
    con.execute(f"""
        create temp table province_counties as
        select *, county || '医共体' as community
        from (
            select c,
                {_text_list(COUNTY_FIRST_CHARS)}[1 + c % {firsts}]
                    || {_text_list(COUNTY_SECOND_CHARS)}[1 + (c // {firsts}) % {seconds}]
                    || case when c >= {firsts * seconds} then (c // {firsts * seconds} + 1)::varchar else '' end
                    || '县' as county,
                24.9 + (c // 10 % 10) * 0.52 + random() * 0.2 as latitude,
                109.1 + (c % 10) * 0.52 + random() * 0.2 as longitude
            from range({scale.communities}) r(c)
        )""")
    heads, tails = len(VILLAGE_HEADS), len(VILLAGE_TAILS)
    con.execute(f"""
        create temp table province_townships as
        select c, t, township_id(c, t) as inst_id,
            {_text_list(VILLAGE_HEADS)}[1 + (c * {scale.townships_per_community} + t) % {heads}]
                || {_text_list(VILLAGE_TAILS)}[1 + ((c * {scale.townships_per_community} + t) // {heads}) % {tails}]
                || case when t % 3 = 0 then '镇' else '乡' end as township,
            latitude + (random() - 0.5) * 0.4 as latitude,
            longitude + (random() - 0.5) * 0.4 as longitude
        from province_counties, range({scale.townships_per_community}) r(t)""")


def _institutions(con, scale: ProvinceScale, import_id: int) -> None:
    uppers = f"""
        select upper_id(u) as inst_id,
            {_text_list(CITY_NAMES)}[1 + u % {len(CITY_NAMES)}]
                || {_text_list(UPPER_KINDS)}[1 + (u // {len(CITY_NAMES)}) % {len(UPPER_KINDS)}]
                || case when u >= {len(CITY_NAMES) * len(UPPER_KINDS)} then (u + 1)::varchar else '' end as inst_name,
            'upper_hospital' as tier, null as parent_id, null as community, null as county, null as township,
            round(28.1 + random() * 0.3, 6) as latitude, round(112.9 + random() * 0.3, 6) as longitude,
            null::bigint as population, (1500 + floor(random() * 2500))::bigint as beds
        from range({scale.upper_hospitals}) r(u)"""
    county_hospitals = """
        select county_hospital_id(c, k) as inst_id,
            county || case k when 0 then '人民医院' else '中医院' end as inst_name,
            'county_hospital' as tier, null as parent_id, community, county, null as township,
            round(latitude + (random() - 0.5) * 0.02, 6) as latitude,
            round(longitude + (random() - 0.5) * 0.02, 6) as longitude,
            null::bigint as population,
            (case k when 0 then 600 else 300 end + floor(random() * 500))::bigint as beds
        from province_counties, range(2) r(k)"""
    township_centres = """
        select townships.inst_id, townships.township || '卫生院' as inst_name, 'township_center' as tier,
            county_hospital_id(townships.c, 0) as parent_id, counties.community, counties.county,
            townships.township, round(townships.latitude, 6) as latitude, round(townships.longitude, 6) as longitude,
            (15000 + floor(random() * 35000))::bigint as population, (20 + floor(random() * 100))::bigint as beds
        from province_townships townships join province_counties counties using (c)"""
    village_clinics = f"""
        select clinic_id(townships.c, townships.t) as inst_id,
            townships.township || '中心村卫生室' as inst_name, 'village_clinic' as tier,
            townships.inst_id as parent_id, counties.community, counties.county, townships.township,
            round(townships.latitude + 0.01, 6) as latitude, round(townships.longitude + 0.01, 6) as longitude,
            (800 + floor(random() * 2000))::bigint as population, null::bigint as beds
        from province_townships townships join province_counties counties using (c)
        where townships.t < {scale.village_clinics_per_community}"""
    _insert(con, "institutions", import_id, "select *, null::varchar as aliases from ("
            + " union all ".join([uppers, county_hospitals, township_centres, village_clinics]) + ")")


def _villages(con, scale: ProvinceScale, import_id: int) -> None:
    """Villages (fixed traits) then one row per village and quarter end, with adoption rising."""
    townships = scale.communities * scale.townships_per_community
    con.execute(f"""
        create temp table province_villages as
        with drawn as (
            select i, i % {townships} // {scale.townships_per_community} as c,
                i % {scale.townships_per_community} as t, i // {townships} as v,
                random() as u_clinic, random() as u_shared, random() as u_loss, random() as u_coordinates,
                random() as u_lat, random() as u_lon, random() as u_population, random() as u_doctors,
                random() as u_insurance, random() as u_telemedicine, random() as u_party, random() as u_ecg,
                random() as u_signing, random() as u_head, random() as u_tail
            from range({scale.villages}) r(i)
        )
        select drawn.*, village_code(c, t, v) as village_code,
            {_pick('u_head', VILLAGE_HEADS)} || {_pick('u_tail', VILLAGE_TAILS)} || '村' as village_name,
            townships.township, townships.inst_id as township_center_id,
            case when u_clinic < 0.03 then null
                 when t < {scale.village_clinics_per_community} and v = 0 then clinic_id(c, t)
                 else clinic_id(c, floor(u_shared * {scale.village_clinics_per_community})::int) end as clinic_id,
            (400 + floor(u_population * 3100))::bigint as population,
            (u_lat - 0.5) * 0.08 as lat_offset, (u_lon - 0.5) * 0.08 as lon_offset,
            townships.latitude as township_latitude, townships.longitude as township_longitude
        from drawn join province_townships townships using (c, t)""")
    _insert(con, "village_coverage", import_id, f"""
        with quarterly as (
            select villages.*, q,
                last_day(date '{FIRST_DAY}' + to_months(3 * q + 2)) as snapshot_date,
                case when clinic_id is null or (u_loss < 0.04 and q >= 6 + floor(u_loss * 100)::int % 6) then 0
                     else 1 + floor(u_doctors * 3)::int end as doctors,
                random() as u_licensed, random() as u_managed
            from province_villages villages, range({QUARTERS}) r(q)
        )
        select snapshot_date, village_code, village_name, township, township_center_id, clinic_id, population,
            doctors::bigint as village_doctors,
            least(doctors, floor(u_licensed * (doctors + 1)))::bigint as licensed_doctors,
            least(population, floor(population * (0.45 + 0.02 * q + u_signing * 0.15)))::bigint as contracted_residents,
            floor(population * (0.06 + u_managed * 0.04))::bigint as hypertension_managed,
            floor(population * (0.02 + u_managed * 0.015))::bigint as diabetes_managed,
            clinic_id is not null and u_insurance < 0.55 + 0.035 * q as insurance_settlement,
            clinic_id is not null and u_telemedicine < 0.18 + 0.045 * q as telemedicine,
            clinic_id is not null and u_party < 0.70 + 0.02 * q as party_group,
            clinic_id is not null and u_ecg < 0.10 + 0.05 * q as ecg_device,
            case when u_coordinates >= 0.02 then round(township_latitude + lat_offset, 6) end as latitude,
            case when u_coordinates >= 0.02 then round(township_longitude + lon_offset, 6) end as longitude,
            round(sqrt(lat_offset * lat_offset + lon_offset * lon_offset) * 111, 1) as distance_km
        from quarterly""")


def _person_name(draw_surname: str, draw_given: str) -> str:
    return f"{_pick(draw_surname, SURNAMES)} || {_pick(draw_given, GIVEN_NAMES)}"


def _rotations(con, scale: ProvinceScale, import_id: int) -> None:
    """Experts of the county and upper hospitals, then their stints and visits at lower tiers."""
    county_experts = scale.communities * scale.experts_per_community
    con.execute(f"""
        create temp table province_experts as
        with drawn as (
            select e, random() as u_home, random() as u_surname, random() as u_given, random() as u_specialty,
                random() as u_title, random() as u_party, floor(random() * {scale.communities})::int as served
            from range({county_experts + scale.upper_hospitals * scale.experts_per_upper_hospital}) r(e)
        )
        select e,
            case when e < {county_experts} then e // {scale.experts_per_community} else served end as c,
            e >= {county_experts} as from_upper,
            case when e < {county_experts}
                 then county_hospital_id(e // {scale.experts_per_community}, (u_home < 0.35)::int)
                 else upper_id((e - {county_experts}) // {scale.experts_per_upper_hospital}) end as home_inst_id,
            case when e < {county_experts} then county_code(e // {scale.experts_per_community})
                 else upper_id((e - {county_experts}) // {scale.experts_per_upper_hospital}) end
                || 'E' || lpad(e::varchar, 6, '0') as expert_id,
            {_person_name('u_surname', 'u_given')} as expert_name,
            {_pick('u_specialty', SPECIALTIES['general'])} as specialty,
            {_weighted_text('u_title', TITLES, EXPERT_TITLE_WEIGHTS)} as title_level,
            u_party < 0.45 as party_member
        from drawn""")
    experts = county_experts + scale.upper_hospitals * scale.experts_per_upper_hospital
    host = _weighted("u_host", [
        ("township_id(c, floor(u_place * %d)::int)" % scale.townships_per_community, 0.90),
        ("clinic_id(c, floor(u_place * %d)::int)" % scale.village_clinics_per_community, 0.09),
        ("county_hospital_id(c, 0)", 0.01),   # not downward for a county expert: reported, not counted
    ])
    _insert(con, "expert_rotations", import_id, f"""
        with drawn as (
            select i, floor(random() * {experts})::int as e, random() as u_host, random() as u_place,
                random() as u_length, random() as u_days, random() as u_start, random() as u_activity,
                random() as u_patients, random() as u_trainees
            from range({scale.rotations}) r(i)
        ),
        stints as (
            select drawn.*, experts.*,
                case when from_upper and u_host < 0.7 then county_hospital_id(c, floor(u_place * 2)::int)
                     else {host} end as host_inst_id,
                date '{FIRST_DAY}' + floor(u_start * {DAYS})::int as start_date,
                case when u_length < 0.72 then 1
                     when u_length < 0.90 then 2 + floor(u_days * 13)::int
                     else 90 + floor(u_days * 91)::int end as stint_days,
                {_weighted_text('u_activity', ACTIVITIES, VISIT_ACTIVITY_WEIGHTS)} as activity
            from drawn join province_experts experts using (e)
        )
        select 'XC' || lpad(i::varchar, 9, '0') as record_id, expert_id, expert_name, home_inst_id,
            host_inst_id, specialty, title_level, start_date,
            least(start_date + stint_days - 1, date '{LAST_DAY}') as end_date, activity,
            case when activity in ('clinic', 'ward_round', 'surgery', 'teleconsult')
                 then (least(stint_days, 30) * (5 + floor(u_patients * 40)))::bigint end as patients_served,
            case when activity = 'training' then (10 + floor(u_trainees * 50))::bigint end as trainees,
            party_member
        from stints""")


def _referral_hops(con, draw: str) -> str:
    """The kinds of referral (tier of each end) with their diagnoses and reasons, as a temporary
    table; returns the SQL choosing a kind's number by its share for the uniform ``draw``."""
    rows = [  # hop, from kind, to kind, share, diagnosis pool, reason pool
        ("village_up", "village", "township", 0.14, "village_up", "up"),
        ("township_up", "township", "county", 0.30, "township_up", "up"),
        ("county_up", "county", "upper", 0.16, "county_up", "up"),
        ("township_to_upper", "township", "upper", 0.02, "county_up", "up"),
        ("county_down", "county", "township", 0.18, "county_down", "down"),
        ("upper_down", "upper", "county", 0.06, "upper_down", "down"),
        ("township_down", "township", "village", 0.05, "township_down", "down"),
        ("county_to_village", "county", "village", 0.04, "township_down", "down"),
        ("between_counties", "county", "other_county", 0.03, "county_up", "up"),
        ("between_townships", "township", "other_township", 0.02, "township_up", "up"),
    ]
    con.execute("""create temp table province_referral_hops (hop_no integer, from_kind varchar,
        to_kind varchar, icd10 varchar[], diagnosis varchar[], reasons varchar[])""")
    for hop_no, (_, from_kind, to_kind, _, pool, reasons) in enumerate(rows):
        codes = [code for code, _, weight in DIAGNOSES[pool] for _ in range(weight)]
        names = [name for _, name, weight in DIAGNOSES[pool] for _ in range(weight)]
        con.execute("insert into province_referral_hops values ($1, $2, $3, $4, $5, $6)",
                    [hop_no, from_kind, to_kind, codes, names, REASONS[reasons]])
    return _weighted(draw, [(str(hop_no), row[3]) for hop_no, row in enumerate(rows)])


def _referral_end(kind: str, scale: ProvinceScale) -> str:
    """The institution at one end of a referral, for its kind (SQL over the drawn columns)."""
    return f"""case {kind}
        when 'village' then clinic_id(c, floor(u_clinic * {scale.village_clinics_per_community})::int)
        when 'township' then township_id(c, floor(u_township * {scale.townships_per_community})::int)
        when 'other_township' then township_id(c, (floor(u_township * {scale.townships_per_community})::int + 1)
                                                   % {scale.townships_per_community})
        when 'county' then county_hospital_id(c, (u_county < 0.3)::int)
        when 'other_county' then county_hospital_id((c + 1) % {scale.communities}, 0)
        else upper_id((c + floor(u_upper * {UPPER_HOSPITALS_PER_COMMUNITY})::int) % {scale.upper_hospitals}) end"""


def _referrals(con, scale: ProvinceScale, import_id: int) -> None:
    hop_no = _referral_hops(con, "u_hop")
    patients = max(1, int(scale.referrals * PATIENTS_PER_REFERRAL))
    status = _weighted_text("u_status", ["completed", "accepted", "pending", "rejected", "cancelled"],
                            [0.82, 0.06, 0.03, 0.05, 0.04])
    _insert(con, "referrals", import_id, f"""
        with drawn as (
            select i, floor(random() * {scale.communities})::int as c, random() as u_hop, random() as u_clinic,
                random() as u_township, random() as u_county, random() as u_upper, random() as u_day,
                random() as u_status, random() as u_wait, random() as u_diagnosis, random() as u_reason,
                floor(random() * {patients})::bigint as patient
            from range({scale.referrals}) r(i)
        ),
        hopped as (
            select drawn.*, hops.*, {status} as status
            from drawn join province_referral_hops hops on hops.hop_no = {hop_no}
        ),
        ends as (
            select hopped.*, {_referral_end('from_kind', scale)} as from_inst_id,
                {_referral_end('to_kind', scale)} as to_inst_id,
                date '{FIRST_DAY}' + floor(u_day * {DAYS})::int as referral_date,
                1 + floor(u_diagnosis * len(icd10))::int as diagnosis_no
            from hopped
        )
        select 'ZZ' || lpad(i::varchar, 10, '0') as referral_id, 'P' || lpad(patient::varchar, 9, '0') as patient_key,
            referral_date, from_inst_id, to_inst_id,
            case when to_kind in ('other_county', 'other_township') then 'lateral'
                 when from_kind = 'upper' or to_kind = 'village' or (from_kind = 'county' and to_kind = 'township')
                 then 'down' else 'up' end as direction,
            icd10[diagnosis_no] as icd10, diagnosis[diagnosis_no] as diagnosis, status,
            reasons[1 + floor(u_reason * len(reasons))::int] as reason,
            case when status in ('completed', 'accepted')
                 then least(referral_date + floor(u_wait * u_wait * 6)::int, date '{LAST_DAY}') end as accepted_date
        from ends""")


def _movements(con, scale: ProvinceScale, import_id: int) -> None:
    """Staff of each community, then their dispatches, training, transfers, arrivals and departures."""
    con.execute(f"""
        create temp table province_staff as
        with drawn as (
            select s, random() as u_surname, random() as u_given, random() as u_title, random() as u_education,
                random() as u_specialty, random() as u_party
            from range({scale.communities * scale.staff_per_community}) r(s)
        )
        select s, s // {scale.staff_per_community} as c,
            county_code(s // {scale.staff_per_community}) || 'S' || lpad(s::varchar, 7, '0') as staff_id,
            {_person_name('u_surname', 'u_given')} as staff_name,
            {_weighted_text('u_title', TITLES, [0.12, 0.33, 0.42, 0.13])} as title_level,
            {_weighted_text('u_education', ['doctorate', 'master', 'bachelor', 'college', 'secondary'],
                            [0.01, 0.08, 0.45, 0.31, 0.15])} as education,
            {_pick('u_specialty', STAFF_SPECIALTIES)} as specialty,
            u_party < 0.35 as party_member
        from drawn""")
    township = f"township_id(c, floor(u_place * {scale.townships_per_community})::int)"
    other_township = (f"township_id(c, (floor(u_place * {scale.townships_per_community})::int + 1) "
                      f"% {scale.townships_per_community})")
    county = "county_hospital_id(c, (u_side < 0.3)::int)"
    grassroots = _weighted("u_side", [(township, 0.85), (
        f"clinic_id(c, floor(u_place * {scale.village_clinics_per_community})::int)", 0.15)])
    moves = {  # movement type: share, from, to
        "dispatch_down": (0.22, county, township),
        "training_up": (0.18, township, f"case when u_far < 0.2 then upper_id(c % {scale.upper_hospitals}) else {county} end"),
        "transfer": (0.14, f"case when u_far < 0.5 then {township} else {county} end",
                     f"case when u_far < 0.5 then {county} else {township} end"),
        "recruit": (0.18, "null", f"case when u_far < 0.25 then {county} else {grassroots} end"),
        "departure": (0.16, f"case when u_far < 0.25 then {county} else {grassroots} end", "null"),
        "rotation": (0.12, township, other_township),
    }
    movement_type = _weighted("u_type", [(_lit(name), share) for name, (share, _, _) in moves.items()])
    from_inst = "case movement_type " + " ".join(f"when {_lit(n)} then {f}" for n, (_, f, _) in moves.items()) + " end"
    to_inst = "case movement_type " + " ".join(f"when {_lit(n)} then {t}" for n, (_, _, t) in moves.items()) + " end"
    staff = scale.communities * scale.staff_per_community
    _insert(con, "staff_movements", import_id, f"""
        with drawn as (
            select i, floor(random() * {staff})::int as s, random() as u_type, random() as u_place,
                random() as u_side, random() as u_far, random() as u_start, random() as u_length
            from range({scale.movements}) r(i)
        ),
        typed as (
            select drawn.*, staff.*, {movement_type} as movement_type,
                date '{FIRST_DAY}' + floor(u_start * {DAYS})::int as start_date
            from drawn join province_staff staff using (s)
        )
        select 'RC' || lpad(i::varchar, 9, '0') as movement_id, staff_id, staff_name, movement_type,
            {from_inst} as from_inst_id, {to_inst} as to_inst_id, start_date,
            case when movement_type in ('dispatch_down', 'training_up', 'rotation')
                 then least(start_date + 30 + floor(u_length * 335)::int, date '{LAST_DAY}') end as end_date,
            title_level, specialty, education, party_member
        from typed""")


def _service_volume(con, scale: ProvinceScale, import_id: int) -> None:
    """Monthly totals of every county, township and village institution, and each community's
    residents treated at its upper hospitals (rows named by the community)."""
    own = f"""
        select institutions.inst_id, institutions.tier, '' as community, month_no, random() as u_visits,
            random() as u_admissions, random() as u_tcm, random() as u_fund
        from institutions, range({MONTHS}) r(month_no)
        where institutions.tier <> 'upper_hospital'"""
    residents = f"""
        select upper_id((counties.c + k) % {scale.upper_hospitals}) as inst_id, 'upper_hospital' as tier,
            counties.community, month_no, random(), random(), random(), random()
        from province_counties counties, range({UPPER_HOSPITALS_PER_COMMUNITY}) r(k), range({MONTHS}) m(month_no)"""
    season = "(1 + 0.12 * cos(2 * pi() * (month_no % 12) / 12))"
    _insert(con, "service_volume", import_id, f"""
        with drawn as ({own} union all {residents}),
        sized as (
            select drawn.*, (date '{FIRST_DAY}' + to_months(month_no::int))::date as period,
                case tier when 'upper_hospital' then 3000 + u_visits * 5000
                          when 'county_hospital' then 15000 + u_visits * 25000
                          when 'township_center' then 2000 + u_visits * 4000
                          else 300 + u_visits * 600 end * {season} as visits,
                case tier when 'upper_hospital' then 0.10 when 'county_hospital' then 0.09
                          when 'township_center' then 0.03 end * (0.8 + u_admissions * 0.4) as admission_rate,
                case tier when 'upper_hospital' then 0.03 else 0.06 + u_tcm * 0.12 end as tcm_share,
                case tier when 'upper_hospital' then [180, 14000] when 'county_hospital' then [45, 4800]
                          when 'township_center' then [28, 1500] else [12, 0] end as fund_rates
            from drawn
        )
        select period, inst_id, community,
            floor(visits)::bigint as outpatient_visits,
            floor(visits * admission_rate)::bigint as admissions,
            floor(visits * tcm_share)::bigint as tcm_visits,
            round((visits * fund_rates[1] + coalesce(visits * admission_rate, 0) * fund_rates[2])
                  * (0.9 + u_fund * 0.2), 2) as insurance_fund
        from sized""")
