-- movements of the period between tiers, "outside" standing for a missing institution
-- (recruits from outside, departures): one row per (source tier, target tier) with movements,
-- split by movement type; pairs without a movement are absent
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter,
        $township::varchar as township_filter
),

movements as (
    select * from staff_movements
),

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

-- movements starting in the period with either institution in the community and in the
-- township; a missing institution (recruit from outside, departure) has no tier and no rank
movements_in_period as (
    select
        movements.*,
        from_inst.tier as from_tier,
        from_inst.rank as from_rank,
        from_inst.township as from_township,
        to_inst.tier as to_tier,
        to_inst.rank as to_rank,
        to_inst.township as to_township
    from movements
    cross join params
    left join ranked_institutions as from_inst on from_inst.inst_id = movements.from_inst_id
    left join ranked_institutions as to_inst on to_inst.inst_id = movements.to_inst_id
    where movements.start_date between params.period_start and params.period_end
        and (
            params.community_filter is null
            or params.community_filter in (from_inst.community, to_inst.community)
        )
        and (
            params.township_filter is null
            or params.township_filter in (from_inst.township, to_inst.township)
        )
),

final as (
    select
        coalesce(from_tier, 'outside') as source_tier,
        coalesce(from_rank, 0) as source_rank,
        coalesce(to_tier, 'outside') as target_tier,
        coalesce(to_rank, 0) as target_rank,
        count(*) as movements,
        count(*) filter (where movement_type = 'dispatch_down') as dispatch_down,
        count(*) filter (where movement_type = 'training_up') as training_up,
        count(*) filter (where movement_type = 'transfer') as transfer,
        count(*) filter (where movement_type = 'recruit') as recruit,
        count(*) filter (where movement_type = 'departure') as departure,
        count(*) filter (where movement_type = 'rotation') as rotation
    from movements_in_period
    group by all
    order by source_rank desc, target_rank desc
)

select * from final
