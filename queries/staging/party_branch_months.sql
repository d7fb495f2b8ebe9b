-- Staging model (a DuckDB table macro, installed into the store when it opens): every party
-- branch and joint branch in the community (and the township, when set) for every calendar
-- month the period touches, with its 三会一课 activities in that month and its state there:
--   held / not_held   the month is counted (its first and last day in the period, the branch
--                     active on every day of it): the pairs of party.meeting_regularity;
--   part_month        active on some days only (founded or dissolved that month), or the month
--                     is cut by the period: not counted;
--   inactive          not yet founded, or already dissolved, on every day of the month.
create or replace macro party_branch_months(
    period_start, period_end, community_filter, township_filter
) as table

with

branches as (
    select * from party_organisations_in_scope(community_filter, township_filter)
    where level in ('branch', 'joint_branch')
),

months as (
    select * from months_in_period(period_start, period_end)
),

meetings as (
    select org_id, date_trunc('month', activity_date)::date as month_start, count(*) as meetings
    from party_activities_in_scope(period_start, period_end, community_filter, null)
    where is_three_meetings
    group by all
),

branch_months as (
    select
        branches.org_id,
        branches.org_name,
        branches.level,
        branches.inst_id,
        branches.inst_name,
        branches.community,
        branches.township,
        branches.established_date,
        branches.dissolved_date,
        months.month_start,
        months.month_end,
        coalesce(meetings.meetings, 0) as meetings,
        months.month_start >= period_start and months.month_end <= period_end
            and party_active_throughout(
                branches.established_date, branches.dissolved_date, months.month_start, months.month_end
            ) as counted,
        (branches.established_date is null or branches.established_date <= months.month_end)
            and (branches.dissolved_date is null or branches.dissolved_date > months.month_start)
            as active_some_day
    from branches
    cross join months
    left join meetings
        on meetings.org_id = branches.org_id and meetings.month_start = months.month_start
),

final as (
    select
        *,
        case
            when counted and meetings > 0 then 'held'
            when counted then 'not_held'
            when active_some_day then 'part_month'
            else 'inactive'
        end as state
    from branch_months
)

select * from final
