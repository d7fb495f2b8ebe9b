-- village.licensed_share (执业(助理)医师占比)
-- sum of licensed_doctors / sum of village_doctors
with

params as (
    select
        $start::date as period_start,
        $end::date as period_end,
        $community::varchar as community_filter
),

villages as (
    select * from village_coverage
),

ranked_institutions as (
    select institutions.inst_id, institutions.tier, institutions.community, tier_ranks.rank
    from institutions
    join tier_ranks using (tier)
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
        sum(licensed_doctors)::double
            / nullif(sum(village_doctors), 0) as value
    from snapshot
)

select * from final
