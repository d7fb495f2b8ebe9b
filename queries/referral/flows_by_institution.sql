-- referral/flows_by_institution: effective referrals of the period from one institution to
-- another, keeping the $top_n institutions (default 10) with the most effective referrals sent
-- or received; the others are grouped into one node per side (key, name and tier null, rank 0).
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

institution_volumes as (
    select inst_id, count(*) as referrals
    from (
        select from_inst_id as inst_id from effective_referrals
        union all
        select to_inst_id as inst_id from effective_referrals
    )
    group by inst_id
),

top_institutions as (
    select inst_id
    from institution_volumes
    qualify row_number() over (order by referrals desc, inst_id) <= coalesce($top_n, 10)
),

grouped_referrals as (
    select
        case when from_top.inst_id is not null then effective_referrals.from_inst_id end as source_key,
        case when from_top.inst_id is not null then effective_referrals.from_name end as source_name,
        case when from_top.inst_id is not null then effective_referrals.from_tier end as source_tier,
        case when from_top.inst_id is not null then effective_referrals.from_rank else 0 end as source_rank,
        case when to_top.inst_id is not null then effective_referrals.to_inst_id end as target_key,
        case when to_top.inst_id is not null then effective_referrals.to_name end as target_name,
        case when to_top.inst_id is not null then effective_referrals.to_tier end as target_tier,
        case when to_top.inst_id is not null then effective_referrals.to_rank else 0 end as target_rank,
        effective_referrals.flow
    from effective_referrals
    left join top_institutions as from_top on from_top.inst_id = effective_referrals.from_inst_id
    left join top_institutions as to_top on to_top.inst_id = effective_referrals.to_inst_id
),

final as (
    select
        source_key,
        source_name,
        source_tier,
        source_rank,
        target_key,
        target_name,
        target_tier,
        target_rank,
        flow,
        count(*) as referrals
    from grouped_referrals
    group by all
    order by source_rank desc, source_key nulls last, target_rank desc, target_key nulls last, flow
)

select * from final
