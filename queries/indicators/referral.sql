-- Referral indicators (referral.*), one column per id. Referrals dated in the period with
-- either end in the community; effective ones are neither rejected nor cancelled; direction
-- comes from tier ranks. Definitions: shared/spec/metrics.md.
with

-- referrals dated in the period with either end in the community (the staging model the
-- referral page reads too, so the KPIs and the charts share one scope)
referrals_in_period as (
    select * from referrals_in_scope($start::date, $end::date, $community::varchar, null, null)
),

effective_referrals as (
    select
        *,
        to_rank > from_rank as is_up,
        to_rank < from_rank as is_down
    from referrals_in_period
    where status not in ('rejected', 'cancelled')
),

final as (
    select
        count(*) filter (where is_up) as "referral.up",
        count(*) filter (where is_down) as "referral.down",
        count(*) filter (where to_rank = from_rank) as "referral.lateral",
        count(*) filter (where is_down)::double
            / nullif(count(*) filter (where is_up), 0) as "referral.down_up_ratio",
        count(*) filter (where is_up and to_tier = 'upper_hospital')::double
            / nullif(count(*) filter (where is_up), 0) as "referral.out_of_county_share",
        (
            select
                count(*) filter (where status = 'rejected')::double
                    / nullif(count(*) filter (where status <> 'cancelled'), 0)
            from referrals_in_period
        ) as "referral.rejection_rate",
        count(distinct patient_key) as "referral.patients",
        quantile_cont(accepted_date - referral_date, 0.5) filter (
            where accepted_date is not null
        ) as "referral.median_accept_days"
    from effective_referrals
)

select * from final
