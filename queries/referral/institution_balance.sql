-- referral/institution_balance: for each grassroots or county institution (rank <= 3) in scope
-- with a referral in the period: effective referrals it sent upward, effective downward
-- referrals it received, net = received down - sent up; the rejection rate of the referrals
-- it received (rejected / not cancelled) and the median days from referral to acceptance of
-- the effective referrals it received. Busiest first.
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter,
        $township::varchar as township_filter
),

institutions_in_scope as (
    select ranked_institutions.*
    from ranked_institutions() as ranked_institutions
    cross join params
    where ranked_institutions.rank <= 3
        and (params.community_filter is null or ranked_institutions.community = params.community_filter)
        and (params.township_filter is null or ranked_institutions.township = params.township_filter)
),

-- every referral dated in the period (an institution's own balance, whichever community the
-- other end is in), with its flow and effectiveness from the base model
referrals_in_period as (
    select
        ranked_referrals.*,
        flow = 'up' as is_up,
        flow = 'down' as is_down
    from ranked_referrals() as ranked_referrals
    cross join params
    where ranked_referrals.referral_date between params.period_start and params.period_end
),

sent as (
    select
        from_inst_id as inst_id,
        count(*) filter (where is_effective and is_up) as sent_up
    from referrals_in_period
    group by from_inst_id
),

received as (
    select
        to_inst_id as inst_id,
        count(*) filter (where is_effective and is_down) as received_down,
        count(*) filter (where status = 'rejected') as rejected,
        count(*) filter (where status <> 'cancelled') as received_not_cancelled,
        quantile_cont(accepted_date - referral_date, 0.5)
            filter (where is_effective and accepted_date is not null) as median_accept_days
    from referrals_in_period
    group by to_inst_id
),

final as (
    select
        institutions_in_scope.inst_id,
        institutions_in_scope.inst_name,
        institutions_in_scope.tier,
        institutions_in_scope.township,
        institutions_in_scope.community,
        coalesce(sent.sent_up, 0) as sent_up,
        coalesce(received.received_down, 0) as received_down,
        coalesce(received.received_down, 0) - coalesce(sent.sent_up, 0) as net_down,
        coalesce(received.rejected, 0) as rejected,
        coalesce(received.received_not_cancelled, 0) as received_not_cancelled,
        received.rejected::double / nullif(received.received_not_cancelled, 0) as rejection_rate,
        received.median_accept_days
    from institutions_in_scope
    left join sent using (inst_id)
    left join received using (inst_id)
    where sent.inst_id is not null or received.inst_id is not null
    order by
        coalesce(sent.sent_up, 0) + coalesce(received.received_down, 0) desc,
        institutions_in_scope.inst_name
)

select * from final
