-- who moves: the title-level and education mix of dispatched (dispatch_down) and departing
-- (departure) staff of the period; one row per movement type, dimension and category, with
-- its share of that type's movements ('unknown' when the ledger leaves it empty)
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

profiled_movements as (
    select
        movement_type,
        'title_level' as dimension,
        coalesce(title_level, 'unknown') as category,
        case title_level
            when 'senior' then 1 when 'intermediate' then 2 when 'junior' then 3
            when 'none' then 4 else 5
        end as category_order
    from movements_in_period
    where movement_type in ('dispatch_down', 'departure')
    union all
    select
        movement_type,
        'education' as dimension,
        coalesce(education, 'unknown') as category,
        case education
            when 'doctorate' then 1 when 'master' then 2 when 'bachelor' then 3
            when 'college' then 4 when 'secondary' then 5 else 6
        end as category_order
    from movements_in_period
    where movement_type in ('dispatch_down', 'departure')
),

final as (
    select
        movement_type,
        dimension,
        category,
        category_order,
        count(*) as movements,
        count(*)::double / sum(count(*)) over (partition by movement_type, dimension) as share
    from profiled_movements
    group by movement_type, dimension, category, category_order
    order by movement_type desc, dimension desc, category_order
)

select * from final
