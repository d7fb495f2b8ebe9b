-- Staging model (a DuckDB table macro, installed into the store when it opens): the rule
-- quality.slow_acceptance of data-quality.md — effective referrals (neither rejected nor
-- cancelled) dated in [period_start, period_end] with either end in the community (see
-- referrals_in_scope) whose accepted_date is more than max_accept_days after referral_date.
create or replace macro slow_acceptances(
    period_start, period_end, community_filter, max_accept_days
) as table

with

effective_referrals as (
    select * from referrals_in_scope(period_start, period_end, community_filter, null, null)
    where is_effective
),

final as (
    select
        referral_id,
        referral_date,
        accepted_date,
        accepted_date - referral_date as accept_days,
        status,
        from_inst_id,
        from_name,
        to_inst_id,
        to_name,
        flow
    from effective_referrals
    where accepted_date - referral_date > max_accept_days
)

select * from final
