-- Staging model (a DuckDB table macro, installed into the store when it opens): the service
-- volume rows of metrics.md — monthly reports (monthly_volume: institution, rank, owner
-- community) whose month's first day is in [period_start, period_end], owned by the community
-- (an upper hospital's row with no community of its own counts only without a filter). The
-- data-quality checks read it, as the volume indicators read the base model.
create or replace macro volume_in_scope(period_start, period_end, community_filter) as table

with

final as (
    select *
    from monthly_volume()
    where period between period_start and period_end
        and (community_filter is null or owner_community = community_filter)
)

select * from final
