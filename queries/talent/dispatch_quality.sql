-- 双培养: dispatched staff (dispatch_down) per month, or per quarter when the period is longer
-- than a year, with the senior and party-member shares (talent.senior_dispatch_share and
-- talent.party_dispatch_share per bucket; an unknown party membership counts as not a member)
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter,
        $township::varchar as township_filter
),

movements as (
    select * from staff_movements
),

ranked_institutions as (
    select
        institutions.inst_id,
        institutions.tier,
        institutions.community,
        institutions.township,
        tier_ranks.rank
    from institutions
    join tier_ranks using (tier)
),

-- movements starting in the period with either institution in the community and in the
-- township; a missing institution (recruit from outside, departure) has no tier and no rank
movements_in_period as (
    select
        movements.*,
        from_inst.tier as from_tier,
        from_inst.rank as from_rank,
        from_inst.township as from_township,
        to_inst.tier as to_tier,
        to_inst.rank as to_rank,
        to_inst.township as to_township
    from movements
    cross join params
    left join ranked_institutions as from_inst on from_inst.inst_id = movements.from_inst_id
    left join ranked_institutions as to_inst on to_inst.inst_id = movements.to_inst_id
    where movements.start_date between params.period_start and params.period_end
        and (
            params.community_filter is null
            or params.community_filter in (from_inst.community, to_inst.community)
        )
        and (
            params.township_filter is null
            or params.township_filter in (from_inst.township, to_inst.township)
        )
),

buckets as (
    select
        case
            when params.period_end - params.period_start < 366 then 'month'
            else 'quarter'
        end as grain
    from params
),

final as (
    select
        buckets.grain,
        date_trunc(buckets.grain, movements_in_period.start_date)::date as bucket_start,
        count(*) as dispatched,
        count(*) filter (where movements_in_period.title_level = 'senior') as senior,
        count(*) filter (where movements_in_period.party_member) as party_members,
        count(*) filter (where movements_in_period.title_level = 'senior')::double
            / count(*) as senior_share,
        count(*) filter (where movements_in_period.party_member)::double
            / count(*) as party_share
    from movements_in_period
    cross join buckets
    where movements_in_period.movement_type = 'dispatch_down'
    group by all
    order by bucket_start
)

select * from final
