-- Staging model (a DuckDB table macro, installed into the store when it opens): staff
-- movements (tiered_movements: both ends' tiers and ranks, grassroots in/outflow) starting in
-- [period_start, period_end] with either institution in the community (and the township, when
-- set). The talent page reads it, as the indicators read tiered_movements.
create or replace macro movements_in_scope(
    period_start, period_end, community_filter, township_filter
) as table

with

final as (
    select *
    from tiered_movements()
    where start_date between period_start and period_end
        and (community_filter is null or community_filter in (from_community, to_community))
        and (township_filter is null or township_filter in (from_township, to_township))
)

select * from final
