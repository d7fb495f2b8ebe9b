-- Referral indicators (referral.*), one column per id. Referrals dated in the period with
-- either end in the community; effective ones are neither rejected nor cancelled; direction
-- comes from tier ranks. Definitions: shared/spec/metrics.md.
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
