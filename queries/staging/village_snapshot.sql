-- Staging model (a DuckDB table macro, installed into the store when it opens): the village
-- snapshot as of period_end (village_snapshot_at) in the community of its township centre (and
-- in the township, when set). The village page reads it, as the indicators read the base model.
create or replace macro village_snapshot(period_end, community_filter, township_filter) as table

with

final as (
    select *
    from village_snapshot_at([period_end])
    where (community_filter is null or centre_community = community_filter)
        and (township_filter is null or township = township_filter)
)

select * from final
