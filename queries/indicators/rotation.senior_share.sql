-- rotation.senior_share (高级职称人日占比)
-- expert_days of senior stints / rotation.expert_days
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
    select
        coalesce(sum(days_in_period) filter (where title_level = 'senior'), 0)::double
            / nullif(sum(days_in_period), 0) as value
    from counted_stints
)

select * from final
