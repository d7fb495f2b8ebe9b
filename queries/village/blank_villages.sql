-- the blank villages (空白村: no clinic, or no village doctor) of the snapshot, with how long
-- they have been blank: blank_since is the first snapshot of the village's current
-- uninterrupted run of blank rows (its own rows, up to its latest row on or before the end)
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

rows_until_end as (
    select
        villages.*,
        villages.clinic_id is null or villages.village_doctors = 0 as is_blank
    from villages
    cross join params
    where villages.snapshot_date <= params.period_end
),

-- each village's latest row on or before the period's end (the period's start does not apply
-- to coverage), in scope by the community of its township centre and by its township
latest_rows as (
    select * from rows_until_end
    qualify row_number() over (partition by village_code order by snapshot_date desc) = 1
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

last_staffed_rows as (
    select village_code, max(snapshot_date) as last_staffed_date
    from rows_until_end
    where not is_blank
    group by village_code
),

blank_runs as (
    select rows_until_end.village_code, min(rows_until_end.snapshot_date) as blank_since
    from rows_until_end
    left join last_staffed_rows using (village_code)
    where rows_until_end.is_blank
        and (
            last_staffed_rows.last_staffed_date is null
            or rows_until_end.snapshot_date > last_staffed_rows.last_staffed_date
        )
    group by rows_until_end.village_code
),

final as (
    select
        snapshot.village_code,
        snapshot.village_name,
        snapshot.township,
        snapshot.population,
        snapshot.distance_km,
        case when snapshot.clinic_id is null then 'no_clinic' else 'no_doctor' end as blank_reason,
        blank_runs.blank_since
    from snapshot
    join blank_runs using (village_code)
    where snapshot.is_blank
    order by blank_runs.blank_since, snapshot.population desc, snapshot.village_code
)

select * from final
