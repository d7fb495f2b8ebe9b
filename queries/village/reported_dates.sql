-- village/reported_dates: the snapshot dates on or before the period's end at which a village
-- in scope (community of its township centre, township) reported: the points of the coverage
-- trend, each the snapshot as of that date.
with

final as (
    select distinct snapshot_date
    from village_rows()
    where snapshot_date <= $end::date
        and ($community::varchar is null or centre_community = $community::varchar)
        and ($township::varchar is null or township = $township::varchar)
)

select * from final order by snapshot_date
