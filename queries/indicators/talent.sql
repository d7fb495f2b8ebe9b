-- Talent-mobility indicators (talent.*), one column per id. Movements starting in the period
-- with either institution in the community; a missing institution (recruit from outside,
-- departure) is outside every tier. Definitions: shared/spec/metrics.md.
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter
),

movements as (
    select * from staff_movements
),

ranked_institutions as (
    select institutions.inst_id, institutions.tier, institutions.community, tier_ranks.rank
    from institutions
    join tier_ranks using (tier)
),

-- movements starting in the period with either institution in the community; a missing
-- institution (recruit from outside, departure) has no rank
movements_in_period as (
    select
        movements.*,
        from_inst.rank as from_rank,
        to_inst.rank as to_rank
    from movements
    cross join params
    left join ranked_institutions as from_inst on from_inst.inst_id = movements.from_inst_id
    left join ranked_institutions as to_inst on to_inst.inst_id = movements.to_inst_id
    where movements.start_date between params.period_start and params.period_end
        and (
            params.community_filter is null
            or params.community_filter in (from_inst.community, to_inst.community)
        )
),

grassroots_inflow as (
    select * from movements_in_period
    where movement_type in ('recruit', 'transfer')
        and to_rank <= 2
        and (from_inst_id is null or from_rank >= 3)
),

grassroots_outflow as (
    select * from movements_in_period
    where movement_type in ('departure', 'transfer')
        and from_rank <= 2
        and (to_inst_id is null or to_rank >= 3)
),

final as (
    select
        count(*) filter (where movement_type = 'dispatch_down') as "talent.dispatched_down",
        count(*) filter (where movement_type = 'training_up') as "talent.trained_up",
        count(*) filter (where movement_type = 'dispatch_down' and title_level = 'senior')::double
            / nullif(count(*) filter (where movement_type = 'dispatch_down'), 0)
            as "talent.senior_dispatch_share",
        count(*) filter (where movement_type = 'dispatch_down' and party_member)::double
            / nullif(count(*) filter (where movement_type = 'dispatch_down'), 0)
            as "talent.party_dispatch_share",
        (select count(*) from grassroots_inflow) as "talent.grassroots_inflow",
        (select count(*) from grassroots_outflow) as "talent.grassroots_outflow",
        (select count(*) from grassroots_inflow)
            - (select count(*) from grassroots_outflow) as "talent.net_grassroots"
    from movements_in_period
)

select * from final
