-- rotation/short_visit_experts: experts whose counted stints in the period all last under
-- 3 days (end_date - start_date + 1 < 3: visits, not stays), with their number of visits.
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter,
        $township::varchar as township_filter
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

-- downward stints (host rank below home rank) with at least one day in the period,
-- in the host's community (and township, when one is chosen)
counted_stints as (
    select
        rotations.*,
        home.inst_name as home_name,
        host.inst_name as host_name,
        rotations.end_date - rotations.start_date + 1 as stint_days,
        greatest(rotations.start_date, params.period_start) as start_in_period,
        least(rotations.end_date, params.period_end) as end_in_period,
        least(rotations.end_date, params.period_end)
            - greatest(rotations.start_date, params.period_start) + 1 as days_in_period
    from rotations
    cross join params
    join ranked_institutions as home on home.inst_id = rotations.home_inst_id
    join ranked_institutions as host on host.inst_id = rotations.host_inst_id
    where host.rank < home.rank
        and rotations.start_date <= params.period_end
        and rotations.end_date >= params.period_start
        and (params.community_filter is null or host.community = params.community_filter)
        and (params.township_filter is null or host.township = params.township_filter)
),

expert_stints as (
    select
        expert_id,
        arg_max(expert_name, start_date) as expert_name,
        arg_max(home_name, start_date) as home_name,
        mode(specialty) as specialty,
        count(*) as visits,
        count(distinct host_inst_id) as hosts,
        sum(days_in_period)::bigint as expert_days,
        max(end_in_period) as last_visit,
        max(stint_days) as longest_stint_days
    from counted_stints
    group by expert_id
),

final as (
    select
        expert_id,
        expert_name,
        home_name,
        specialty,
        visits,
        hosts,
        expert_days,
        last_visit
    from expert_stints
    where longest_stint_days < 3
    order by visits desc, last_visit desc, expert_id
)

select * from final
