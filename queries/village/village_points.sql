-- villages of the snapshot that have coordinates, with their coverage state, for the map
-- state: blank (no clinic, or no village doctor: 空白村), no_licensed (a clinic with doctors
-- but none licensed), covered
with

params as (
    select
        $end::date as period_end,
        $community::varchar as community_filter,
        $township::varchar as township_filter
),

villages as (
    select * from village_coverage
),

institutions_with_community as (
    select inst_id, community from institutions
),

-- each village's latest row on or before the period's end (the period's start does not apply
-- to coverage), in scope by the community of its township centre and by its township
latest_rows as (
    select villages.*
    from villages
    cross join params
    where villages.snapshot_date <= params.period_end
    qualify row_number() over (
        partition by villages.village_code order by villages.snapshot_date desc
    ) = 1
),

snapshot as (
    select latest_rows.*
    from latest_rows
    cross join params
    left join institutions_with_community as centre
        on centre.inst_id = latest_rows.township_center_id
    where (params.community_filter is null or centre.community = params.community_filter)
        and (params.township_filter is null or latest_rows.township = params.township_filter)
),

final as (
    select
        village_code,
        village_name,
        township,
        population,
        clinic_id is not null as has_clinic,
        village_doctors,
        licensed_doctors,
        case
            when clinic_id is null or village_doctors = 0 then 'blank'
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
