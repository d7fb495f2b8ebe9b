-- referral/flows_by_institution: effective referrals of the period from one institution to
-- another, keeping the $top_n institutions (default 10) with the most effective referrals sent
-- or received; the others are grouped into one node per side (key, name and tier null, rank 0).
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
