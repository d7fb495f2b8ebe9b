-- rotation/activity_by_month: expert-days and visits of counted stints per month and activity.
-- A stint's days are split over the months they fall in; a visit counts in the month of its
-- first day in the period, so the totals equal rotation.expert_days and rotation.visits.
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

months as (
    select
        month_start,
        (month_start + interval 1 month)::date - 1 as month_end
    from (
        select unnest(generate_series(
            date_trunc('month', params.period_start)::date, params.period_end, interval 1 month
        ))::date as month_start
        from params
    )
),

activity_days as (
    select
        months.month_start,
        counted_stints.activity,
        sum(
            least(counted_stints.end_in_period, months.month_end)
                - greatest(counted_stints.start_in_period, months.month_start) + 1
        )::bigint as expert_days
    from counted_stints
    join months
        on counted_stints.start_in_period <= months.month_end
        and counted_stints.end_in_period >= months.month_start
    group by all
),

activity_visits as (
    select
        months.month_start,
        counted_stints.activity,
        count(*) as visits
    from counted_stints
    join months on counted_stints.start_in_period between months.month_start and months.month_end
    group by all
),

final as (
    select
        activity_days.month_start as month,
        activity_days.activity,
        activity_days.expert_days,
        coalesce(activity_visits.visits, 0) as visits
    from activity_days
    left join activity_visits using (month_start, activity)
    order by month, activity
)

select * from final
