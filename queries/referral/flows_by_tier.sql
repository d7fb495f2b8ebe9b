-- referral/flows_by_tier: effective referrals of the period from one tier to another, one row
-- per (sending tier, receiving tier); flow is up / down / lateral by tier rank, so the up and
-- down rows add up to referral.up and referral.down.
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

final as (
    select
        from_tier as source_key,
        from_rank as source_rank,
        to_tier as target_key,
        to_rank as target_rank,
        flow,
        count(*) as referrals
    from effective_referrals
    group by all
    order by source_rank desc, target_rank desc
)

select * from final
