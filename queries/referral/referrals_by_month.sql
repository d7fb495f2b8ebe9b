-- referral/referrals_by_month: effective upward, downward and lateral referrals per month of
-- the period (every month appears), with the down/up ratio (null when no upward referral).
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

months as (
    select unnest(generate_series(
        date_trunc('month', params.period_start)::date, params.period_end, interval 1 month
    ))::date as month_start
    from params
),

month_counts as (
    select
        date_trunc('month', referral_date)::date as month_start,
        count(*) filter (where flow = 'up') as up,
        count(*) filter (where flow = 'down') as down,
        count(*) filter (where flow = 'lateral') as lateral
    from effective_referrals
    group by all
),

final as (
    select
        months.month_start as month,
        coalesce(month_counts.up, 0) as up,
        coalesce(month_counts.down, 0) as down,
        coalesce(month_counts.lateral, 0) as lateral,
        month_counts.down::double / nullif(month_counts.up, 0) as down_up_ratio
    from months
    left join month_counts using (month_start)
    order by month
)

select * from final
