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

rotations as (
    select * from expert_rotations
),

ranked_institutions as (
    select
        institutions.inst_id,
        institutions.inst_name,
        institutions.tier,
        institutions.community,
        institutions.township,
        tier_ranks.rank
    from institutions
    join tier_ranks using (tier)
),

centres_in_scope as (
    select * from township_centres_in_scope($community::varchar, null)
),

-- downward stints hosted by a centre in scope that started on or before the period's end
downward_stints as (
    select
        rotations.host_inst_id,
        rotations.start_date,
        rotations.end_date
    from rotations
    cross join params
    join ranked_institutions as home on home.inst_id = rotations.home_inst_id
    join centres_in_scope as host on host.inst_id = rotations.host_inst_id
    where host.rank < home.rank
        and rotations.start_date <= params.period_end
),

visited_in_period as (
    select distinct downward_stints.host_inst_id
    from downward_stints
    cross join params
    where downward_stints.end_date >= params.period_start
),

last_visits as (
    select host_inst_id, max(end_date) as last_visit
    from downward_stints
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
