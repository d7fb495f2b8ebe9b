-- rotation/township_gaps: township health centres in scope that hosted no downward stint in the
-- 90 days up to the period's end ([end - 89, end]), with their last visit before the end (the
-- latest day of a downward stint, and its specialty); never visited first, then longest gap.
with

params as (
    select
        $end::date as period_end,
        $end::date - 89 as window_start,
        $community::varchar as community_filter,
        $township::varchar as township_filter
),

centres_in_scope as (
    select * from township_centres_in_scope($community::varchar, $township::varchar)
),

-- downward stints at a centre in scope that started on or before the period's end
past_stints as (
    select
        stints.host_inst_id,
        stints.specialty,
        least(stints.end_date, params.period_end) as last_day
    from downward_stints() as stints
    cross join params
    join centres_in_scope on centres_in_scope.inst_id = stints.host_inst_id
    where stints.start_date <= params.period_end
),

last_visits as (
    select
        host_inst_id,
        max(last_day) as last_visit,
        arg_max(specialty, last_day) as last_specialty
    from past_stints
    group by host_inst_id
),

final as (
    select
        centres_in_scope.inst_id,
        centres_in_scope.inst_name,
        centres_in_scope.township,
        centres_in_scope.community,
        last_visits.last_visit,
        last_visits.last_specialty,
        params.period_end - last_visits.last_visit as days_since_last_visit
    from centres_in_scope
    cross join params
    left join last_visits on last_visits.host_inst_id = centres_in_scope.inst_id
    where last_visits.last_visit is null or last_visits.last_visit < params.window_start
    order by last_visits.last_visit nulls first, centres_in_scope.inst_name
)

select * from final
