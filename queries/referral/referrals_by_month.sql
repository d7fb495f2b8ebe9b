-- referral/referrals_by_month: effective upward, downward and lateral referrals per month of
-- the period (every month appears), with the down/up ratio (null when no upward referral).
with

referrals_in_period as (
    select * from referrals_in_scope(
        $start::date, $end::date, $community::varchar, $township::varchar, $institution::varchar
    )
),

effective_referrals as (
    select * from referrals_in_period
    where is_effective
),

months as (
    select * from months_in_period($start::date, $end::date)
),

month_counts as (
    select
        date_trunc('month', referral_date)::date as month_start,
        count(*) filter (where flow = 'up') as up,
        count(*) filter (where flow = 'down') as down,
        count(*) filter (where flow = 'lateral') as lateral
    from effective_referrals
    group by all
),

final as (
    select
        months.month_start as month,
        coalesce(month_counts.up, 0) as up,
        coalesce(month_counts.down, 0) as down,
        coalesce(month_counts.lateral, 0) as lateral,
        month_counts.down::double / nullif(month_counts.up, 0) as down_up_ratio
    from months
    left join month_counts using (month_start)
    order by month
)

select * from final
