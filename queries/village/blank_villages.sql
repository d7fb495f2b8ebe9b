-- the blank villages (空白村: no clinic, or no village doctor) of the snapshot, with how long
-- they have been blank: blank_since is the first snapshot of the village's current
-- uninterrupted run of blank rows (its own rows, up to its latest row on or before the end)
with

params as (
    select $end::date as period_end
),

-- the village's own rows up to the end (its history, whichever community it is in now)
rows_until_end as (
    select village_rows.*
    from village_rows() as village_rows
    cross join params
    where village_rows.snapshot_date <= params.period_end
),

-- the snapshot at the end, in scope by the community of its township centre and its township
snapshot as (
    select * from village_snapshot($end::date, $community::varchar, $township::varchar)
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
        case when snapshot.has_clinic then 'no_doctor' else 'no_clinic' end as blank_reason,
        blank_runs.blank_since
    from snapshot
    join blank_runs using (village_code)
    where snapshot.is_blank
    order by blank_runs.blank_since, snapshot.population desc, snapshot.village_code
)

select * from final
