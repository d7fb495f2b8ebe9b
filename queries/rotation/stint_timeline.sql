-- rotation/stint_timeline: counted stints of the experts who gave the most expert-days in the
-- period (then the most recent), at most $limit experts (default 200), one bar per stint
-- clipped to the period. experts_total is the number of experts before the cap.
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

expert_totals as (
    select
        expert_id,
        sum(days_in_period)::bigint as expert_days,
        max(end_in_period) as last_day
    from counted_stints
    group by expert_id
),

ranked_experts as (
    select
        expert_id,
        expert_days,
        row_number() over (order by expert_days desc, last_day desc, expert_id) as expert_order,
        count(*) over () as experts_total
    from expert_totals
),

final as (
    select
        ranked_experts.expert_order,
        ranked_experts.experts_total,
        counted_stints.expert_id,
        counted_stints.expert_name,
        counted_stints.home_inst_id,
        counted_stints.home_name,
        counted_stints.host_inst_id,
        counted_stints.host_name,
        counted_stints.specialty,
        counted_stints.title_level,
        counted_stints.activity,
        counted_stints.party_member,
        counted_stints.start_date,
        counted_stints.end_date,
        counted_stints.start_in_period,
        counted_stints.end_in_period,
        counted_stints.days_in_period,
        ranked_experts.expert_days
    from counted_stints
    join ranked_experts using (expert_id)
    where ranked_experts.expert_order <= coalesce($limit, 200)
    order by ranked_experts.expert_order, counted_stints.start_in_period, counted_stints.record_id
)

select * from final
