-- rotation.stationed_per_10k (每万常住人口派驻中级及以上医师数)
-- distinct expert_id over counted stints of 90+ days, senior or intermediate,
-- home rank >= 3, host rank <= 2 / village.population x 10,000
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter
),

rotations as (
    select * from expert_rotations
),

villages as (
    select * from village_coverage
),

ranked_institutions as (
    select institutions.inst_id, institutions.tier, institutions.community, tier_ranks.rank
    from institutions
    join tier_ranks using (tier)
),

-- downward stints (host rank below home rank) with at least one day in the period,
-- in the host's community
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

stationed as (
    select count(distinct expert_id) as experts
    from counted_stints
    where stint_days >= 90
        and title_level in ('senior', 'intermediate')
        and home_rank >= 3
        and host_rank <= 2
),

population as (
    select sum(population) as residents
    from snapshot
),

final as (
    select stationed.experts::double / nullif(population.residents, 0) * 10000 as value
    from stationed
    cross join population
)

select * from final
