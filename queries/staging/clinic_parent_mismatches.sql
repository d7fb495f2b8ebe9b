-- Staging model (a DuckDB table macro, installed into the store when it opens): the rule
-- quality.clinic_parent_mismatch of data-quality.md — villages in the snapshot at period_end
-- (see village_snapshot) whose clinic has a parent institution in the institutions list other
-- than the village's township centre. A clinic with no parent_id is not a violation.
create or replace macro clinic_parent_mismatches(period_end, community_filter) as table

with

villages_with_clinic as (
    select * from village_snapshot(period_end, community_filter, null)
    where has_clinic
),

final as (
    select
        villages_with_clinic.snapshot_date,
        villages_with_clinic.village_code,
        villages_with_clinic.village_name,
        villages_with_clinic.township,
        villages_with_clinic.township_center_id,
        centre.inst_name as township_center_name,
        villages_with_clinic.clinic_id,
        clinic.inst_name as clinic_name,
        clinic.parent_id as clinic_parent_id,
        parent.inst_name as clinic_parent_name
    from villages_with_clinic
    join institutions as clinic on clinic.inst_id = villages_with_clinic.clinic_id
    left join institutions as centre on centre.inst_id = villages_with_clinic.township_center_id
    left join institutions as parent on parent.inst_id = clinic.parent_id
    where clinic.parent_id <> villages_with_clinic.township_center_id
)

select * from final
