-- Staging model (a DuckDB table macro, installed into the store when it opens): the referrals
-- dated in [period_start, period_end] with either end in the community (and either end in the
-- township, and the chosen institution at either end, when those are set), with both ends'
-- names, tiers and ranks and the direction of flow derived from the ranks. Every referral
-- query of the topic pages reads it, so the scope rules of metrics.md live in one place.
create or replace macro referrals_in_scope(
    period_start, period_end, community_filter, township_filter, institution_filter
) as table

with

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

final as (
    select
        referrals.*,
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
    from referrals
    join ranked_institutions as from_inst on from_inst.inst_id = referrals.from_inst_id
    join ranked_institutions as to_inst on to_inst.inst_id = referrals.to_inst_id
    where referrals.referral_date between period_start and period_end
        and (community_filter is null or community_filter in (from_inst.community, to_inst.community))
        and (township_filter is null or township_filter in (from_inst.township, to_inst.township))
        and (
            institution_filter is null
            or institution_filter in (referrals.from_inst_id, referrals.to_inst_id)
        )
)

select * from final
