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

ranked_institutions as (
    select institutions.inst_id, institutions.tier, institutions.community, tier_ranks.rank
    from institutions
    join tier_ranks using (tier)
),

rotations as (
    select * from expert_rotations
),

villages as (
    select * from village_coverage
),

counted_stints as (
    select
        rotations.*,
        home.rank as home_rank,
        host.rank as host_rank,
        rotations.end_date - rotations.start_date + 1 as stint_days,
        least(rotations.end_date, params.period_end)
            - greatest(rotations.start_date, params.period_start) + 1 as days_in_period
    from rotations
    cross join params
    join ranked_institutions as home on home.inst_id = rotations.home_inst_id
    join ranked_institutions as host on host.inst_id = rotations.host_inst_id
    where host.rank < home.rank
        and rotations.start_date <= params.period_end
        and rotations.end_date >= params.period_start
        and (params.community_filter is null or host.community = params.community_filter)
),

townships_in_scope as (
    select ranked_institutions.inst_id
    from ranked_institutions
    cross join params
    where ranked_institutions.tier = 'township_center'
        and (
            params.community_filter is null
            or ranked_institutions.community = params.community_filter
        )
),

-- each village's latest row on or before the period's end, then the community of its
-- township centre (the period's start does not apply to coverage)
latest_rows as (
    select villages.*
    from villages
    cross join params
    where villages.snapshot_date <= params.period_end
    qualify row_number() over (
        partition by villages.village_code order by villages.snapshot_date desc
    ) = 1
),

snapshot as (
    select latest_rows.*
    from latest_rows
    cross join params
    left join ranked_institutions as centre on centre.inst_id = latest_rows.township_center_id
    where params.community_filter is null or centre.community = params.community_filter
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
