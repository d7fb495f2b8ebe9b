-- villages of the snapshot that have coordinates, with their coverage state, for the map
-- state: blank (no clinic, or no village doctor: 空白村), no_licensed (a clinic with doctors
-- but none licensed), covered
with

snapshot as (
    select * from village_snapshot($end::date, $community::varchar, $township::varchar)
),

final as (
    select
        village_code,
        village_name,
        township,
        population,
        has_clinic,
        village_doctors,
        licensed_doctors,
        case
            when is_blank then 'blank'
            when licensed_doctors = 0 then 'no_licensed'
            else 'covered'
        end as coverage_state,
        latitude,
        longitude
    from snapshot
    where latitude is not null and longitude is not null
    order by township collate zh, village_code
)

select * from final
