-- overview/townships_without_expert: township health centres in scope that hosted no counted
-- downward stint in the period (the centres missing from rotation.township_coverage's numerator),
-- with the last day of a downward stint they hosted before the period (null: never).
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter
),

centres_in_scope as (
    select * from township_centres_in_scope($community::varchar, null)
),

-- downward stints hosted by a centre in scope that started on or before the period's end
stints_until_end as (
    select
        stints.host_inst_id,
        stints.start_date,
        stints.end_date
    from downward_stints() as stints
    cross join params
    join centres_in_scope on centres_in_scope.inst_id = stints.host_inst_id
    where stints.start_date <= params.period_end
),

visited_in_period as (
    select distinct stints_until_end.host_inst_id
    from stints_until_end
    cross join params
    where stints_until_end.end_date >= params.period_start
),

last_visits as (
    select host_inst_id, max(end_date) as last_visit
    from stints_until_end
    group by host_inst_id
),

final as (
    select
        centres_in_scope.inst_id,
        centres_in_scope.inst_name,
        centres_in_scope.township,
        centres_in_scope.community,
        last_visits.last_visit
    from centres_in_scope
    left join last_visits on last_visits.host_inst_id = centres_in_scope.inst_id
    where centres_in_scope.inst_id not in (select host_inst_id from visited_in_period)
    order by last_visits.last_visit nulls first, centres_in_scope.inst_name
)

select * from final
