-- Talent-mobility indicators (talent.*), one column per id. Movements starting in the period
-- with either institution in the community; a missing institution (recruit from outside,
-- departure) is outside every tier. Definitions: shared/spec/metrics.md.
with

movements_in_period as (
    select * from movements_in_scope($start::date, $end::date, $community::varchar, null)
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
