-- villages of the snapshot that cannot be placed on the map (no latitude or no longitude)
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
        case
            when is_blank then 'blank'
            when licensed_doctors = 0 then 'no_licensed'
            else 'covered'
        end as coverage_state
    from snapshot
    where latitude is null or longitude is null
    order by township collate zh, village_code
)

select * from final
