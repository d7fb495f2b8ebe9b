-- Staging model (a DuckDB table macro, installed into the store when it opens): staff
-- movements starting in [period_start, period_end] with either institution in the community
-- (and the township, when set), with both ends' tiers, ranks and townships. A missing
-- institution (recruit from outside, departure) has no tier and no rank: outside every tier.
-- The talent indicators and the talent page read it, so they count the same movements.
create or replace macro movements_in_scope(
    period_start, period_end, community_filter, township_filter
) as table

with

ranked_institutions as (
    select
        institutions.inst_id,
        institutions.tier,
        institutions.community,
        institutions.township,
        tier_ranks.rank
    from institutions
    join tier_ranks using (tier)
),

final as (
    select
        staff_movements.*,
        from_inst.tier as from_tier,
        from_inst.rank as from_rank,
        from_inst.township as from_township,
        to_inst.tier as to_tier,
        to_inst.rank as to_rank,
        to_inst.township as to_township
    from staff_movements
    left join ranked_institutions as from_inst on from_inst.inst_id = staff_movements.from_inst_id
    left join ranked_institutions as to_inst on to_inst.inst_id = staff_movements.to_inst_id
    where staff_movements.start_date between period_start and period_end
        and (community_filter is null or community_filter in (from_inst.community, to_inst.community))
        and (township_filter is null or township_filter in (from_inst.township, to_inst.township))
)

select * from final
