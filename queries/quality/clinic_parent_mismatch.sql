-- The rows behind quality.clinic_parent_mismatch: villages whose clinic belongs (in the
-- institutions list) to another township centre than the village (see the staging model
-- clinic_parent_mismatches).
select
    village_code,
    village_name,
    township,
    snapshot_date,
    township_center_id,
    township_center_name,
    clinic_id,
    clinic_name,
    clinic_parent_id,
    clinic_parent_name
from clinic_parent_mismatches($end::date, $community::varchar)
order by township, village_code
