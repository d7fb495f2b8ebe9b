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

movements_in_period as (
    select * from movements_in_scope($start::date, $end::date, $community::varchar, $township::varchar)
),

grassroots_inflow as (
    select to_township as township
    from movements_in_period
    where is_grassroots_inflow
),

grassroots_outflow as (
    select from_township as township
    from movements_in_period
    where is_grassroots_outflow
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
