-- rotation/short_visit_experts: experts whose counted stints in the period all last under
-- 3 days (end_date - start_date + 1 < 3: visits, not stays), with their number of visits.
with

counted_stints as (
    select * from counted_stints_in_scope($start::date, $end::date, $community::varchar, $township::varchar)
),

expert_stints as (
    select
        expert_id,
        arg_max(expert_name, start_date) as expert_name,
        arg_max(home_name, start_date) as home_name,
        mode(specialty) as specialty,
        count(*) as visits,
        count(distinct host_inst_id) as hosts,
        sum(days_in_period)::bigint as expert_days,
        max(end_in_period) as last_visit,
        max(stint_days) as longest_stint_days
    from counted_stints
    group by expert_id
),

final as (
    select
        expert_id,
        expert_name,
        home_name,
        specialty,
        visits,
        hosts,
        expert_days,
        last_visit
    from expert_stints
    where longest_stint_days < 3
    order by visits desc, last_visit desc, expert_id
)

select * from final
