-- rotation/stint_timeline: counted stints of the experts who gave the most expert-days in the
-- period (then the most recent), at most $limit experts (default 200), one bar per stint
-- clipped to the period. experts_total is the number of experts before the cap.
with

counted_stints as (
    select * from counted_stints_in_scope($start::date, $end::date, $community::varchar, $township::varchar)
),

expert_totals as (
    select
        expert_id,
        sum(days_in_period)::bigint as expert_days,
        max(end_in_period) as last_day
    from counted_stints
    group by expert_id
),

ranked_experts as (
    select
        expert_id,
        expert_days,
        row_number() over (order by expert_days desc, last_day desc, expert_id) as expert_order,
        count(*) over () as experts_total
    from expert_totals
),

final as (
    select
        ranked_experts.expert_order,
        ranked_experts.experts_total,
        counted_stints.expert_id,
        counted_stints.expert_name,
        counted_stints.home_inst_id,
        counted_stints.home_name,
        counted_stints.host_inst_id,
        counted_stints.host_name,
        counted_stints.specialty,
        counted_stints.title_level,
        counted_stints.activity,
        counted_stints.party_member,
        counted_stints.start_date,
        counted_stints.end_date,
        counted_stints.start_in_period,
        counted_stints.end_in_period,
        counted_stints.days_in_period,
        ranked_experts.expert_days
    from counted_stints
    join ranked_experts using (expert_id)
    where ranked_experts.expert_order <= coalesce($limit, 200)
    order by ranked_experts.expert_order, counted_stints.start_in_period, counted_stints.record_id
)

select * from final
