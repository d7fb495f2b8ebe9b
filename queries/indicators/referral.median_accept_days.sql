-- referral.median_accept_days (转诊接收天数中位数)
-- median of (accepted_date - referral_date) in days over effective referrals with an
-- accepted_date; quantile_cont takes the mean of the two middle values when their number
-- is even
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter
),

referral_rows as (
    select * from referrals
),

ranked_institutions as (
    select institutions.inst_id, institutions.tier, institutions.community, tier_ranks.rank
    from institutions
    join tier_ranks using (tier)
),

-- referrals dated in the period with either end in the community
referrals_in_period as (
    select
        referral_rows.*,
        from_inst.rank as from_rank,
        to_inst.rank as to_rank,
        to_inst.tier as to_tier
    from referral_rows
    cross join params
    join ranked_institutions as from_inst on from_inst.inst_id = referral_rows.from_inst_id
    join ranked_institutions as to_inst on to_inst.inst_id = referral_rows.to_inst_id
    where referral_rows.referral_date between params.period_start and params.period_end
        and (
            params.community_filter is null
            or params.community_filter in (from_inst.community, to_inst.community)
        )
),

effective_referrals as (
    select * from referrals_in_period
    where status not in ('rejected', 'cancelled')
),

final as (
    select quantile_cont(accepted_date - referral_date, 0.5) as value
    from effective_referrals
    where accepted_date is not null
)

select * from final
