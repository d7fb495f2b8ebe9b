-- referral/flows_by_tier: effective referrals of the period from one tier to another, one row
-- per (sending tier, receiving tier); flow is up / down / lateral by tier rank, so the up and
-- down rows add up to referral.up and referral.down.
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter,
        $township::varchar as township_filter,
        $institution::varchar as institution_filter
),

referral_rows as (
    select * from referrals
),

ranked_institutions as (
    select
        institutions.inst_id,
        institutions.inst_name,
        institutions.tier,
        institutions.community,
        institutions.township,
        tier_ranks.rank
    from institutions
    join tier_ranks using (tier)
),

-- referrals dated in the period with either end in the community (and the township, and the
-- chosen institution, when set)
referrals_in_period as (
    select
        referral_rows.*,
        from_inst.inst_name as from_name,
        from_inst.tier as from_tier,
        from_inst.rank as from_rank,
        to_inst.inst_name as to_name,
        to_inst.tier as to_tier,
        to_inst.rank as to_rank,
        case
            when to_inst.rank > from_inst.rank then 'up'
            when to_inst.rank < from_inst.rank then 'down'
            else 'lateral'
        end as flow
    from referral_rows
    cross join params
    join ranked_institutions as from_inst on from_inst.inst_id = referral_rows.from_inst_id
    join ranked_institutions as to_inst on to_inst.inst_id = referral_rows.to_inst_id
    where referral_rows.referral_date between params.period_start and params.period_end
        and (
            params.community_filter is null
            or params.community_filter in (from_inst.community, to_inst.community)
        )
        and (
            params.township_filter is null
            or params.township_filter in (from_inst.township, to_inst.township)
        )
        and (
            params.institution_filter is null
            or params.institution_filter in (referral_rows.from_inst_id, referral_rows.to_inst_id)
        )
),

effective_referrals as (
    select * from referrals_in_period
    where status not in ('rejected', 'cancelled')
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
