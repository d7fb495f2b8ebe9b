-- grassroots inflow, outflow and net per township (talent.grassroots_* definitions), the
-- township being that of the grassroots institution: the to-institution of an inflow, the
-- from-institution of an outflow (null when the institution has no township)
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

grassroots_inflow as (
    select to_township as township
    from movements_in_period
    where movement_type in ('recruit', 'transfer')
        and to_rank <= 2
        and (from_inst_id is null or from_rank >= 3)
),

grassroots_outflow as (
    select from_township as township
    from movements_in_period
    where movement_type in ('departure', 'transfer')
        and from_rank <= 2
        and (to_inst_id is null or to_rank >= 3)
),

flows as (
    select township, 'in' as flow from grassroots_inflow
    union all
    select township, 'out' as flow from grassroots_outflow
),

final as (
    select
        flows.township,
        count(*) filter (where flows.flow = 'in') as inflow,
        count(*) filter (where flows.flow = 'out') as outflow,
        count(*) filter (where flows.flow = 'in') - count(*) filter (where flows.flow = 'out') as net
    from flows
    cross join params
    where params.township_filter is null or flows.township = params.township_filter
    group by flows.township
    order by flows.township collate zh nulls last
)

select * from final
