-- village/snapshot_townships: the townships of the village snapshot at the period's end (in
-- scope), in pinyin order: the rows of the per-township coverage series.
with

snapshot as (
    select * from village_snapshot($end::date, $community::varchar, $township::varchar)
),

final as (
    select distinct township from snapshot
)

select * from final order by township collate zh
