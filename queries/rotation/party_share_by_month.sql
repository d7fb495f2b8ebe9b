-- rotation/party_share_by_month: per month of the period, expert-days of counted stints and the
-- share given by party members (party_member = yes; unknown counts as not a member). Every
-- month appears; party_share is null in a month without expert-days.
with

counted_stints as (
    select * from counted_stints_in_scope($start::date, $end::date, $community::varchar, $township::varchar)
),

months as (
    select * from months_in_period($start::date, $end::date)
),

stint_month_days as (
    select
        months.month_start,
        coalesce(counted_stints.party_member, false) as is_party_member,
        days_in_period(
            counted_stints.start_in_period,
            counted_stints.end_in_period,
            months.month_start,
            months.month_end
        ) as expert_days
    from counted_stints
    join months
        on counted_stints.start_in_period <= months.month_end
        and counted_stints.end_in_period >= months.month_start
),

month_days as (
    select
        month_start,
        sum(expert_days)::bigint as expert_days,
        sum(expert_days) filter (where is_party_member)::bigint as party_days
    from stint_month_days
    group by month_start
),

final as (
    select
        months.month_start as month,
        coalesce(month_days.expert_days, 0) as expert_days,
        coalesce(month_days.party_days, 0) as party_days,
        coalesce(month_days.party_days, 0)::double
            / nullif(month_days.expert_days, 0) as party_share
    from months
    left join month_days using (month_start)
    order by month
)

select * from final
