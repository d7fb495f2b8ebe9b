-- Expert-rotation indicators (rotation.*), one column per id, from one pass over the
-- counted stints: downward (host rank below home rank), at least one day in the period,
-- in the host's community. Definitions: shared/spec/metrics.md.
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter
),

counted_stints as (
    select * from counted_stints_in_scope($start::date, $end::date, $community::varchar, null)
),

townships_in_scope as (
    select * from township_centres_in_scope($community::varchar, null)
),

snapshot as (
    select * from village_snapshot($end::date, $community::varchar, null)
),
final as (
    select
        coalesce(sum(days_in_period), 0) as "rotation.expert_days",
        count(*) as "rotation.visits",
        count(distinct expert_id) as "rotation.experts",
        (
            select
                count(*) filter (where inst_id in (select host_inst_id from counted_stints))::double
                    / nullif(count(*), 0)
            from townships_in_scope
        ) as "rotation.township_coverage",
        coalesce(sum(days_in_period) filter (where title_level = 'senior'), 0)::double
            / nullif(sum(days_in_period), 0) as "rotation.senior_share",
        coalesce(sum(patients_served) filter (
            where start_date between params.period_start and params.period_end
        ), 0) as "rotation.patients_served",
        count(distinct expert_id) filter (where stint_days >= 90) as "rotation.resident_experts",
        count(distinct expert_id) filter (
            where stint_days >= 90
                and title_level in ('senior', 'intermediate')
                and home_rank >= 3
                and host_rank <= 2
        )::double / nullif((select sum(population) from snapshot), 0) * 10000
            as "rotation.stationed_per_10k"
    from counted_stints
    cross join params
)

select * from final
