-- Staging model (a DuckDB table macro, installed into the store when it opens): the village
-- snapshot of metrics.md — each village's latest row on or before period_end (rows after it
-- are ignored; a period's start does not apply to coverage), in the community of its township
-- centre (and in the township, when set). The village and rotation indicators and the village
-- page read it, so they see the same villages.
create or replace macro village_snapshot(period_end, community_filter, township_filter) as table

with

latest_rows as (
    select *
    from village_coverage
    where snapshot_date <= period_end
    qualify row_number() over (partition by village_code order by snapshot_date desc) = 1
),

final as (
    select latest_rows.*
    from latest_rows
    left join institutions as centre on centre.inst_id = latest_rows.township_center_id
    where (community_filter is null or centre.community = community_filter)
        and (township_filter is null or latest_rows.township = township_filter)
)

select * from final
