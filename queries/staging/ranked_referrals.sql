-- Base model (a DuckDB table macro, installed into the store when it opens): every referral
-- with both ends' names, tiers, ranks, communities and townships, the direction of flow derived
-- from the ranks (up, down, lateral) and whether it is effective (status neither rejected nor
-- cancelled, metrics.md). The referral indicators, the scope model and the referral page read
-- it, so these rules are written here only.
create or replace macro ranked_referrals() as table

with

final as (
    select
        referrals.*,
        from_inst.inst_name as from_name,
        from_inst.tier as from_tier,
        from_inst.rank as from_rank,
        from_inst.community as from_community,
        from_inst.township as from_township,
        to_inst.inst_name as to_name,
        to_inst.tier as to_tier,
        to_inst.rank as to_rank,
        to_inst.community as to_community,
        to_inst.township as to_township,
        case
            when to_inst.rank > from_inst.rank then 'up'
            when to_inst.rank < from_inst.rank then 'down'
            else 'lateral'
        end as flow,
        referrals.status not in ('rejected', 'cancelled') as is_effective
    from referrals
    join ranked_institutions() as from_inst on from_inst.inst_id = referrals.from_inst_id
    join ranked_institutions() as to_inst on to_inst.inst_id = referrals.to_inst_id
)

select * from final
