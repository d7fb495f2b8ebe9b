-- rotation.patients_served (下沉诊疗人次)
-- sum of patients_served over downward stints whose start_date is in the period
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
    select institutions.inst_id, institutions.tier, institutions.community, tier_ranks.rank
    from institutions
    join tier_ranks using (tier)
),

-- downward stints (host rank below home rank) with at least one day in the period,
-- in the host's community
counted_stints as (
    select
        rotations.*,
        home.rank as home_rank,
        host.rank as host_rank,
        rotations.end_date - rotations.start_date + 1 as stint_days,
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
),

final as (
    select coalesce(sum(counted_stints.patients_served), 0) as value
    from counted_stints
    cross join params
    where counted_stints.start_date between params.period_start and params.period_end
)

select * from final
