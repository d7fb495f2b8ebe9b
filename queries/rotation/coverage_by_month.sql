-- rotation/coverage_by_month: township health centres x months of the period, cells =
-- expert-days of counted stints hosted at the centre (days of the stint falling in that month
-- and in the period). Every centre in scope appears for every month, with 0 when no expert came;
-- a centre with a non-zero row is "covered" as in rotation.township_coverage.
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter,
        $township::varchar as township_filter
),

counted_stints as (
    select * from counted_stints_in_scope($start::date, $end::date, $community::varchar, $township::varchar)
),

centres_in_scope as (
    select * from township_centres_in_scope($community::varchar, $township::varchar)
),

months as (
    select * from months_in_period($start::date, $end::date)
),

-- each stint's days in each month it touches, clipped to the period
stint_month_days as (
    select
        counted_stints.host_inst_id,
        months.month_start,
        days_in_period(
            counted_stints.start_date,
            counted_stints.end_date,
            greatest(months.month_start, params.period_start),
            least(months.month_end, params.period_end)
        ) as expert_days
    from counted_stints
    cross join params
    join months
        on counted_stints.start_date <= months.month_end
        and counted_stints.end_date >= months.month_start
),

centre_month_days as (
    select host_inst_id, month_start, sum(expert_days)::bigint as expert_days
    from stint_month_days
    where expert_days > 0
    group by all
),

final as (
    select
        centres_in_scope.inst_id,
        centres_in_scope.inst_name,
        centres_in_scope.township,
        centres_in_scope.community,
        months.month_start as month,
        coalesce(centre_month_days.expert_days, 0) as expert_days
    from centres_in_scope
    cross join months
    left join centre_month_days
        on centre_month_days.host_inst_id = centres_in_scope.inst_id
        and centre_month_days.month_start = months.month_start
    order by
        centres_in_scope.community nulls last,
        centres_in_scope.township nulls last,
        centres_in_scope.inst_name,
        months.month_start
)

select * from final
