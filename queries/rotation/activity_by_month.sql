-- rotation/activity_by_month: expert-days and visits of counted stints per month and activity.
-- A stint's days are split over the months they fall in; a visit counts in the month of its
-- first day in the period, so the totals equal rotation.expert_days and rotation.visits.
with

counted_stints as (
    select * from counted_stints_in_scope($start::date, $end::date, $community::varchar, $township::varchar)
),

months as (
    select * from months_in_period($start::date, $end::date)
),

activity_days as (
    select
        months.month_start,
        counted_stints.activity,
        sum(
            days_in_period(
                counted_stints.start_in_period,
                counted_stints.end_in_period,
                months.month_start,
                months.month_end
            )
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
