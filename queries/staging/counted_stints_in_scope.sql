-- Staging model (a DuckDB table macro, installed into the store when it opens): the counted
-- stints of metrics.md — downward stints (downward_stints) with at least one day in
-- [period_start, period_end], hosted in the community (and the township, when set) — with
-- their part in the period. The rotation page reads it, as the indicators read downward_stints.
create or replace macro counted_stints_in_scope(
    period_start, period_end, community_filter, township_filter
) as table

with

final as (
    select
        *,
        greatest(start_date, period_start) as start_in_period,
        least(end_date, period_end) as end_in_period,
        days_in_period(start_date, end_date, period_start, period_end) as days_in_period
    from downward_stints()
    where start_date <= period_end
        and end_date >= period_start
        and (community_filter is null or host_community = community_filter)
        and (township_filter is null or host_township = township_filter)
)

select * from final
